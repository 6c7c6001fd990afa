"""`storyteller bench --tui`: narration speed as the player sees it, the app run headless (Pilot) on a real engine.

The UI thread shares the GIL with the sampling loop, so the TUI streams slower than the engine alone; this measures
by how much, on the same story and commands as `bench_play`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from storyteller.engine import Engine
from storyteller.tui.app import make_app
from storyteller.tui.widgets import CommandInput


async def _play(engine: Engine, commands: Sequence[str], size: tuple[int, int]) -> list:
    app = make_app(engine)
    async with app.run_test(size=size) as pilot:
        for command in commands:
            app.query_one(CommandInput).value = command
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
        return list(app.timings)


def bench_tui(engine: Engine, commands: Sequence[str], size: tuple[int, int] = (120, 40)) -> dict[str, Any]:
    """Streaming tokens/s after the first token, and the median and worst time from Enter to the first words
    drawn, over one narration per command (the first is a warm-up and is left out)."""
    timings = asyncio.run(_play(engine, commands, size))[1:]
    tokens = sum(t.tokens for t in timings)
    seconds = sum(t.streaming_seconds for t in timings)
    first = sorted(t.first_words_ms for t in timings if t.first_words_ms is not None)
    result = {"narrations": len(timings), "tokens": tokens, "tokens_per_second": tokens / max(seconds, 1e-9),
              "first_words_ms": first[len(first) // 2] if first else 0.0,
              "first_words_max_ms": first[-1] if first else 0.0}
    if len(timings) >= 40:  # a long session: the screen holds many turns by its end
        late = timings[-20:]
        result["last_20_tokens_per_second"] = (sum(t.tokens for t in late)
                                               / max(sum(t.streaming_seconds for t in late), 1e-9))
    return result
