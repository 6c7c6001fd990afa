"""All custom messages of the TUI.

The narration worker runs in a thread and talks to the app only through these messages. A narration streams as
`NarrationStarted`, any number of `NarrationChunk`, then exactly one of `NarrationFinished` / `NarrationFailed`.

A chunk carries the whole text streamed so far, not just the newest piece, so a newer chunk can replace an older
one still waiting in the queue (`can_replace`), and the worker keeps at most one chunk queued (`NarrationChunk.take`):
however fast the model produces tokens, the app never falls behind, and the UI thread, which shares the GIL with
the sampling loop, handles a few chunks a frame rather than one per token.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from storyteller.engine import Reply


class NarrationStarted(Message):
    """The worker is about to narrate `command` (for /retry: the command being narrated again). The app sets
    `shown` once the new turn is on screen; the worker waits for it before it starts the model."""

    def __init__(self, narration_id: int, command: str, retry: bool = False) -> None:
        super().__init__()
        self.narration_id = narration_id
        self.command = command
        self.retry = retry
        self.shown = threading.Event()


class NarrationChunk(Message):
    """The narration so far. `text` is cumulative: it restarts from "" when the engine re-rolls a narration.

    The worker keeps at most one chunk on its way: it sets `queued` when it posts one and does not post again until
    the app, redrawing the narration (at most STREAM_INTERVAL apart), calls `take`, which clears it and reads
    `latest()`, the text streamed by then."""

    def __init__(self, narration_id: int, text: str, pieces: int, latest: Callable[[], str] | None = None,
                 queued: threading.Event | None = None) -> None:
        super().__init__()
        self.narration_id = narration_id
        self.text = text
        self.pieces = pieces
        self.latest = latest
        self.queued = queued

    def take(self) -> str:
        """Mark the chunk handled (the worker may post the next) and return the newest text."""
        if self.queued is not None:
            self.queued.clear()  # before reading: a piece added after this read is posted anew
        return self.latest() if self.latest is not None else self.text

    def can_replace(self, message: Message) -> bool:
        # The message loop drops this (older) chunk when the next queued one is a newer chunk of the same
        # narration: that one holds all of this one's text.
        return isinstance(message, NarrationChunk) and message.narration_id == self.narration_id


class NarrationFinished(Message):
    """The engine answered: the final, tidied reply (narration, or info/error for /retry without turns)."""

    def __init__(self, narration_id: int, reply: Reply, stopped: bool = False) -> None:
        super().__init__()
        self.narration_id = narration_id
        self.reply = reply
        self.stopped = stopped


class NarrationFailed(Message):
    """The engine raised: `error` is a one-line description fit to show the player."""

    def __init__(self, narration_id: int, error: str) -> None:
        super().__init__()
        self.narration_id = narration_id
        self.error = error


class MemoryEdited(Message):
    """The player changed the memory from the edit screen; `description` says what was done."""

    def __init__(self, description: str) -> None:
        super().__init__()
        self.description = description
