"""Shared fixtures: a tiny tokenizer and model trained in the test session (seconds), and engines around them."""

from __future__ import annotations

import pytest
import torch

from storyteller.checkpoint import Checkpoint
from storyteller.config import ModelConfig
from storyteller.model import LSTMLanguageModel
from storyteller.tokenizer import Tokenizer

TINY_STORY = """\
Once upon a time there lived a king who had three sons. The youngest son was called Hans, and he was kind.

One day the king fell ill, and he said to his sons, "Go out into the world and find the water of life."

The eldest son rode away into the forest. There he met a dwarf, who asked him where he was going.

> take lamp

Taken.

> go north

You are in a dark forest. A path leads north to an old castle.

The witch lived in a house of black stone. Hans took the golden key and opened the door.

The wolf was killed by the hunter, and Hans went home with the lamp and the key.
"""


@pytest.fixture(scope="session")
def tiny_tokenizer() -> Tokenizer:
    return Tokenizer.train([TINY_STORY] * 20, vocab_size=512, min_frequency=1)


@pytest.fixture(scope="session")
def tiny_checkpoint(tiny_tokenizer: Tokenizer) -> Checkpoint:
    torch.manual_seed(0)
    config = ModelConfig(vocab_size=tiny_tokenizer.vocab_size, n_embd=32, n_hidden=48, n_layer=2, dropout=0.0)
    model = LSTMLanguageModel(config).eval()
    return Checkpoint(model=model, tokenizer=tiny_tokenizer, meta={"model_id": "tiny-test"})


@pytest.fixture
def make_engine(tiny_checkpoint, tmp_path):
    """Factory: an Engine on the tiny model with saves in a temporary folder."""
    from storyteller.config import SamplerConfig
    from storyteller.engine import Engine
    from storyteller.generator import Generator

    generator = Generator(tiny_checkpoint, quantize=False)

    def factory(seed: int = 1, saves_dir=None, **kwargs) -> Engine:
        sampler = kwargs.pop("sampler", SamplerConfig(max_tokens=24))
        return Engine(generator, saves_dir=saves_dir or tmp_path / "saves", seed=seed, sampler=sampler,
                      opening=kwargs.pop("opening", "You stand before the castle gate. The witch watches you."),
                      **kwargs)

    return factory
