"""Token floods cannot swamp the UI: queued chunks coalesce, and redraws are batched in time (fake clock)."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Static

from storyteller.tui import widgets
from storyteller.tui.app import make_app
from storyteller.tui.messages import NarrationChunk, NarrationFinished
from storyteller.tui.widgets import STREAM_INTERVAL, StoryPane


def test_newer_chunk_of_same_narration_replaces_older():
    older, newer = NarrationChunk(1, "The door", 2), NarrationChunk(1, "The door creaks", 3)
    assert older.can_replace(newer)
    assert not older.can_replace(NarrationChunk(2, "Other", 1))  # another narration
    assert not older.can_replace(NarrationFinished(1, reply=None))  # the end is never dropped


@pytest.mark.asyncio
async def test_stream_redraws_at_most_once_per_interval(engine, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(widgets, "monotonic", lambda: clock[0])
    app = make_app(engine)
    async with app.run_test() as pilot:
        pane = app.query_one(StoryPane)
        pane.begin_narration("look")
        await pilot.pause()
        live = pane.query(".narration").last(Static)
        updates = []
        monkeypatch.setattr(live, "update", lambda content, **kw: updates.append(str(content)))
        text = ""
        for i in range(200):  # a flood of pieces within one interval: one redraw now, one scheduled
            text += f" w{i}"
            pane.stream(text)
        assert len(updates) == 1
        clock[0] += STREAM_INTERVAL
        pane.flush()  # what the scheduled timer does
        assert len(updates) == 2 and updates[-1].startswith(text)
        pane.end_narration("final text")
        assert updates[-1] == "final text"
        await pilot.pause()


def test_a_chunk_is_read_when_drawn_and_then_frees_the_worker():
    # The worker posts no second chunk while one is queued; the pane reads the newest text when it redraws.
    queued, text = threading.Event(), ["The door"]
    queued.set()
    chunk = NarrationChunk(1, "The door", 2, latest=lambda: text[0], queued=queued)
    text[0] = "The door creaks open"  # streamed after the chunk was posted
    assert chunk.take() == "The door creaks open"
    assert not queued.is_set()
    assert NarrationChunk(1, "plain", 1).take() == "plain"


def test_tui_bench_records_every_narration_as_the_player_saw_it(engine):
    from storyteller.tui.bench import bench_tui

    result = bench_tui(engine, ["look", "open the door", "go north"])
    assert result["narrations"] == 2  # the first is a warm-up
    assert result["tokens"] > 0 and result["tokens_per_second"] > 0
    assert 0 < result["first_words_ms"] <= result["first_words_max_ms"]
