"""A controllable stand-in for `storyteller.generator.Generator`, for UI tests.

It narrates canned texts one word per piece, records the live `settings.temperature` it sees at every piece, and can
block on a `threading.Event` before a given word, so a test can act while a narration streams without relying on
timing. Its timings are fixed (25 pieces/s) so the status line is deterministic in snapshots.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from types import SimpleNamespace

from storyteller.generator import Narration

OPENING = "You stand before the castle gate. The witch watches you from the tower."

DEFAULT_NARRATIONS = [
    "The door creaks open and cold air spills out of the tower.",
    "A raven lands on the sill, tilts its head, and croaks a single word: Home.",
    "Beneath the stairs you find a rusty lantern and a folded map.",
    "The ferryman nods slowly and points his pole towards the misty far bank.",
]


class FakeTokenizer:
    """Just enough of `storyteller.tokenizer.Tokenizer` for the engine and the memory."""

    def encode(self, text: str) -> list[int]:
        return [ord(c) % 256 for c in text]

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(chr(i) for i in ids)

    vocab_size = 256
    pieces = [chr(i) for i in range(256)]

    def count(self, text: str) -> int:
        return len(text.split())


class FakeGenerator:
    model_id = "fake-narrator"

    def __init__(self, narrations: Sequence[str] = DEFAULT_NARRATIONS) -> None:
        self.tokenizer = FakeTokenizer()
        self.checkpoint = SimpleNamespace(meta={"model_id": self.model_id})  # no tuned cache pointer
        self.narrations = list(narrations)
        self.calls = 0
        self.temperatures: list[list[float]] = []  # per narration, the temperature read at every piece
        self.commands: list[str | None] = []
        self.memory_texts: list[str] = []
        # Blocking: before piece `block_before` of the next narration, set `reached` and wait for `release`.
        self.block_before: int | None = None
        self.block_call: int | None = None
        self.reached = threading.Event()
        self.release = threading.Event()

    def block_next(self, before_piece: int, narration: int | None = None) -> None:
        """Block before piece `before_piece` of the next narration (or of narration number `narration`, from 1)."""
        self.block_before = before_piece
        self.block_call = narration
        self.reached.clear()
        self.release.clear()

    def early_end_ids(self) -> list[int]:
        return []  # the fake tells its scripted narrations whole: nothing to hold back

    def build_prompt(self, story_ids: Sequence[int], memory_text: str, command: str | None,
                     context_tokens: int = 256) -> list[int]:
        self.commands.append(command)
        self.memory_texts.append(memory_text)
        return list(story_ids[-context_tokens:]) or [0]

    def narrate(self, prompt_ids: Sequence[int], settings, rng, *, on_text: Callable[[str], None] | None = None,
                should_stop: Callable[[], bool] | None = None, logits_hook=None, **extras) -> Narration:
        # `extras`: whatever else the real generator grows (e.g. a cache pointer) is accepted and ignored.
        words = self.narrations[self.calls % len(self.narrations)].split(" ")
        self.calls += 1
        temperatures: list[float] = []
        self.temperatures.append(temperatures)
        pieces: list[str] = []
        reason = "eot"
        for i, word in enumerate(words):
            if self.block_before == i and self.block_call in (None, self.calls):
                self.block_before = None
                self.reached.set()
                if not self.release.wait(timeout=30):
                    raise TimeoutError("the test never released the fake generator")
            if should_stop is not None and should_stop():
                reason = "cancelled"
                break
            temperatures.append(settings.temperature)
            piece = word if i == 0 else " " + word
            pieces.append(piece)
            if on_text is not None:
                on_text(piece)
        n = len(pieces)
        return Narration(text="".join(pieces).strip(), token_ids=list(range(n)), stop_reason=reason,
                         seconds=n / 25, first_token_seconds=0.04)
