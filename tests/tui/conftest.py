"""Fixtures for the TUI tests: a real Engine around the controllable FakeGenerator, saves in a temp folder."""

from __future__ import annotations

import pytest

from storyteller.config import SamplerConfig
from storyteller.engine import Engine
from tui_fakes import OPENING, FakeGenerator


@pytest.fixture
def fake_generator() -> FakeGenerator:
    return FakeGenerator()


@pytest.fixture
def saves_dir(tmp_path):
    return tmp_path / "saves"


@pytest.fixture
def make_ui_engine(saves_dir):
    """Factory: a fresh Engine (named `test-story`) on a FakeGenerator, saving into `saves_dir`."""

    def factory(generator: FakeGenerator | None = None, name: str = "test-story") -> Engine:
        return Engine(generator or FakeGenerator(), saves_dir=saves_dir, seed=7, sampler=SamplerConfig(),
                      opening=OPENING, name=name)

    return factory


@pytest.fixture
def engine(make_ui_engine, fake_generator) -> Engine:
    return make_ui_engine(fake_generator)
