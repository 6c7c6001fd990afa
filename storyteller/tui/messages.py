"""All custom messages of the TUI.

The narration worker runs in a thread and talks to the app only through these messages. A narration streams as
`NarrationStarted`, any number of `NarrationChunk`, then exactly one of `NarrationFinished` / `NarrationFailed`.

A chunk carries the whole text streamed so far, not just the newest piece, so a newer chunk can replace an older
one still waiting in the queue (`can_replace`): however fast the model produces tokens, the app handles at most one
chunk per pass of its message loop and never falls behind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from storyteller.engine import Reply


class NarrationStarted(Message):
    """The worker began to narrate `command` (for /retry: the command being narrated again)."""

    def __init__(self, narration_id: int, command: str, retry: bool = False) -> None:
        super().__init__()
        self.narration_id = narration_id
        self.command = command
        self.retry = retry


class NarrationChunk(Message):
    """The narration so far. `text` is cumulative: it restarts from "" when the engine re-rolls a narration."""

    def __init__(self, narration_id: int, text: str, pieces: int) -> None:
        super().__init__()
        self.narration_id = narration_id
        self.text = text
        self.pieces = pieces

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
