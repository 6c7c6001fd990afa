"""Streaming, stateful generation.

The generator warms the LSTM on the prompt (recent story, memory block, command), then samples one token at a
time. It re-reads the live sampler settings at every step, so a temperature change lands mid-sentence.
"""

from __future__ import annotations

import contextlib
import functools

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from storyteller.cache import CachePointer
from storyteller.checkpoint import Checkpoint
from storyteller.config import SamplerConfig
from storyteller.model import LSTMLanguageModel, State, quantize_for_inference
from storyteller.sampling import sample_token
from storyteller.tokenizer import Tokenizer, plain_text, utf8_pending

# A line starting with "> " is the model beginning a new player command: the narration is over.
_NEW_COMMAND = re.compile(r"(^|\n)\s*>")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]?(?=\s|$)")

LogitsHook = Callable[[list[int], torch.Tensor], torch.Tensor]


@dataclass
class Narration:
    text: str
    token_ids: list[int] = field(default_factory=list)
    stop_reason: str = "eot"      # eot | paragraph | command | budget | cancelled
    seconds: float = 0.0
    first_token_seconds: float = 0.0

    @property
    def tokens(self) -> int:
        return len(self.token_ids)

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0

    @property
    def streaming_tokens_per_second(self) -> float:
        """Speed after the first token: the reading of the prompt is `first_token_seconds`, not streaming."""
        streaming = self.seconds - self.first_token_seconds
        return (self.tokens - 1) / streaming if self.tokens > 1 and streaming > 0 else 0.0


def tidy_narration(text: str, stop_reason: str) -> str:
    """Trim what a player should not see: a started command, trailing blank lines, and a sentence left unfinished
    because the narration was cut (by the budget, a blank line or a command the model began to write). A narration
    the model ended itself, or the player stopped, is kept as it is."""
    m = _NEW_COMMAND.search(text)
    if m:
        text = text[: m.start()]
    text = text.strip()
    if stop_reason in ("budget", "command", "paragraph"):
        ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        if ends and ends[-1] > len(text) * 0.4:
            text = text[: ends[-1]]
    return text


def narration_threads() -> int:
    """torch intra-op threads for a narration: torch's own setting on the main thread, 1 off it. From another
    thread (the TUI's worker) a second OpenMP team competes with the main thread's for the two cores: narration ran
    at 1,100 tokens/s with 2 threads there and 1,700-2,000 with 1 (2,000-2,400 on the main thread with 2)."""
    return 0 if threading.current_thread() is threading.main_thread() else 1


@contextlib.contextmanager
def intra_op_threads(n: int):
    """torch's intra-op thread count for the calling thread while the block runs (n <= 0: leave it)."""
    before = torch.get_num_threads()
    if n > 0 and n != before:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


class Generator:
    """Narrates with a checkpoint's model; int8-quantized for speed unless `quantize=False`."""

    def __init__(self, checkpoint: Checkpoint, quantize: bool = True, threads: int | None = None) -> None:
        self.checkpoint = checkpoint
        self.threads = threads  # None: narration_threads() for the calling thread
        self.tokenizer: Tokenizer = checkpoint.tokenizer
        self.model: LSTMLanguageModel = checkpoint.model.eval()
        self.infer = quantize_for_inference(self.model) if quantize else self.model
        tok = self.tokenizer
        self.stop_ids = {tok.eot_id, tok.cmd_id, tok.mem_id, tok.doc_id, tok.pad_id}

    @functools.cached_property
    def _arrow_ids(self) -> frozenset[int]:
        return frozenset(i for i, p in enumerate(self.tokenizer.pieces) if ">" in p)

    @functools.cached_property
    def _indent_ids(self) -> torch.Tensor:
        return torch.tensor([i for i, p in enumerate(self.tokenizer.pieces) if p.startswith((" ", "\n "))])

    @functools.cached_property
    def _utf8_masks(self) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
        """(tokens that open with a continuation byte, {bytes owed: tokens that may follow}). Curly quotes are three
        byte tokens; sampled as anything but those bytes, "Don’t" became "Don�The"."""
        data = self.tokenizer.token_bytes
        cont = [bool(b) and 0x80 <= b[0] <= 0xBF for b in data]
        stray = torch.tensor([i for i, c in enumerate(cont) if c], dtype=torch.long)
        follow = {}
        for owed in (1, 2, 3):
            ok = [i for i, b in enumerate(data) if b and all(0x80 <= x <= 0xBF for x in b[:owed])]
            follow[owed] = torch.tensor(sorted({*ok, *self.stop_ids}), dtype=torch.long)
        return stray, follow

    def early_end_ids(self) -> list[int]:
        """What may not come before `min_tokens`: the stop tokens, and a '>' that would start the player's next
        command (the model answers "OK" and writes "> go north" in Colossal Cave's voice)."""
        return sorted(self.stop_ids | self._arrow_ids)

    @property
    def model_id(self) -> str:
        return self.checkpoint.model_id

    # -- prompt ------------------------------------------------------------------------------------
    def build_prompt(self, story_ids: Sequence[int], memory_text: str, command: str | None,
                     context_tokens: int = 256) -> list[int]:
        """recent story + <|mem|>memory<|/mem|> + <|cmd|>command<|/cmd|>, the layout the model was trained on."""
        tok = self.tokenizer
        ids = list(story_ids[-context_tokens:]) if context_tokens > 0 else []
        if memory_text:
            ids += [tok.mem_id, *tok.encode(plain_text(memory_text)), tok.end_mem_id]
        if command:
            ids += [tok.cmd_id, *tok.encode(plain_text(command)), tok.end_cmd_id]
        return ids or [tok.doc_id]

    # -- generation --------------------------------------------------------------------------------
    @torch.inference_mode()
    def forward(self, ids: Sequence[int], state: State | None = None) -> tuple[torch.Tensor, torch.Tensor, State]:
        """Read tokens: logits and top-layer hidden states (T, V), (T, d) for every position, and the new state."""
        hidden, state = self.infer.hidden(torch.tensor([list(ids)], dtype=torch.long), state)
        return self.infer.head(hidden)[0].float(), hidden[0].float(), state

    def prefill(self, prompt_ids: Sequence[int]) -> tuple[torch.Tensor, State]:
        logits, _, state = self.forward(prompt_ids)
        return logits[-1], state

    @torch.inference_mode()
    def narrate(
        self,
        prompt_ids: Sequence[int],
        settings: SamplerConfig,
        rng: torch.Generator,
        *,
        on_text: Callable[[str], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        logits_hook: LogitsHook | None = None,
        cache: CachePointer | None = None,
    ) -> Narration:
        """Sample a narration. `settings` is read afresh at every token (live temperature).

        `cache`, when given, mixes the continuous cache pointer over the story so far into every step. The
        narration's own tokens are not added while it is being sampled: a cache that learns its own output
        feeds back on itself ("but but but"), a failure mode scoring fixed text never shows.
        `logits_hook(produced_ids, logits)` may veto tokens (e.g. the dead acting again)."""
        with intra_op_threads(narration_threads() if self.threads is None else self.threads):
            return self._narrate(prompt_ids, settings, rng, on_text=on_text, should_stop=should_stop,
                                 logits_hook=logits_hook, cache=cache)

    def _narrate(self, prompt_ids, settings, rng, *, on_text, should_stop, logits_hook, cache) -> Narration:
        start = time.perf_counter()
        all_logits, all_hidden, state = self.forward(prompt_ids)
        logits, hidden = all_logits[-1], all_hidden[-1]
        stream = self.tokenizer.stream()
        out: list[int] = []
        text = ""
        first = 0.0
        reason = "budget"
        recent = list(prompt_ids[-settings.repetition_window:])
        early = self.early_end_ids() if settings.min_tokens > 0 and self.stop_ids else []
        stray, follow = self._utf8_masks
        token_bytes = self.tokenizer.token_bytes
        owed = 0  # continuation bytes the text owes: a character begun is finished before anything else
        while len(out) < settings.max_tokens:
            if should_stop is not None and should_stop():
                reason = "cancelled"
                break
            if cache is not None:
                logits = cache.adjust(logits, hidden)
            if logits_hook is not None:
                logits = logits_hook(out, logits)
            if early and len(out) < settings.min_tokens:
                logits = logits.clone()
                logits[early] = float("-inf")
            if text.endswith("\n"):
                # A paragraph does not open with a space. In transcripts "\n\n" is followed by "> command", and
                # with '>' held back (above, or by the grounding guard) the model's next choice was " passage...".
                logits = logits.clone()
                logits[self._indent_ids] = float("-inf")
            if owed:
                keep = follow[owed]
                logits = torch.full_like(logits, float("-inf")).index_copy_(0, keep, logits[keep])
            elif len(stray):
                logits = logits.index_fill_(0, stray, float("-inf"))  # (a fresh tensor every step)
            token = sample_token(logits, settings, rng, recent, temperature=settings.temperature)
            if token in self.stop_ids:
                reason = "eot"
                break
            out.append(token)
            recent.append(token)
            owed = utf8_pending(token_bytes[token], owed) if token < len(token_bytes) else 0
            piece = stream.push(token)
            if piece:
                if not first:
                    first = time.perf_counter() - start
                text += piece
                if on_text is not None:
                    on_text(piece)
                if _NEW_COMMAND.search(text.lstrip()):
                    reason = "command"
                    break
                if settings.stop_at == "paragraph" and "\n\n" in text.strip():
                    reason = "paragraph"
                    break
            step_logits, step_hidden, state = self.forward([token], state)
            logits, hidden = step_logits[-1], step_hidden[-1]
        return Narration(text=tidy_narration(text, reason), token_ids=out, stop_reason=reason,
                         seconds=time.perf_counter() - start, first_token_seconds=first)
