"""Snapshots of the main screen after a turn, the help screen and the load dialog (fixed size, fake generator,
fixed save dates). Regenerate with `pytest tests/tui --snapshot-update` and look at the SVGs before committing.

The sidebar's memory block is frozen here: these snapshots pin the TUI's layout, not the summarizer's wording,
which tests/test_memory.py covers (the Pilot tests in test_app.py use the real rendering)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from textual.widgets import Input

from storyteller.tui.app import make_app

SIZE = (110, 32)
FIXED_DATE = datetime(2024, 5, 1, 21, 30)


def freeze_memory_text(engine) -> None:
    def memory_text(command: str = "") -> str:
        pinned = [f"pinned: {fact}" for fact in engine.memory.pinned]
        return "\n".join([*pinned, "hero: you. place: castle gate", "people: the witch alive"])

    engine.memory_text = memory_text


def no_blink(pilot) -> None:
    for box in pilot.app.query(Input):
        box.cursor_blink = False


async def play(pilot, *lines: str) -> None:
    no_blink(pilot)
    for line in lines:
        pilot.app.query_one("#command", Input).value = line
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def test_main_screen_after_a_turn(snap_compare, engine):
    freeze_memory_text(engine)
    async def run_before(pilot):
        await play(pilot, "open the door", "/remember the witch fears the lantern")

    assert snap_compare(make_app(engine), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, engine):
    freeze_memory_text(engine)
    assert snap_compare(make_app(engine), terminal_size=SIZE, press=["f1"], run_before=no_blink)


def test_load_dialog(snap_compare, make_ui_engine, saves_dir):
    for name, lines in (("ferry crossing", ["open the door", "climb the stairs", "look"]), ("short one", ["wait"])):
        old = make_ui_engine(name=name)
        for line in lines:
            old.submit(line)
        old.save()
    (saves_dir / "broken.json").write_text("{not json", encoding="utf-8")

    engine = make_ui_engine()
    freeze_memory_text(engine)
    real_list_saves = engine.list_saves

    def list_saves_with_fixed_dates():  # file times change run to run; the snapshot must not
        saves = sorted(real_list_saves(), key=lambda s: s.name)
        return [dataclasses.replace(s, modified=FIXED_DATE) for s in saves]

    engine.list_saves = list_saves_with_fixed_dates
    assert snap_compare(make_app(engine), terminal_size=SIZE, press=["ctrl+o"], run_before=no_blink)
