"""Decoding constraints from hard facts in the memory, cheap enough to run at every token.

A character the memory records as dead must not act or speak again: right after the narration writes a dead
character's name, verbs of action and speech are vetoed; right after a speech verb ("said"), a dead name is.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from storyteller.generator import LogitsHook
from storyteller.tokenizer import Tokenizer

ACTION_VERBS = ("said", "says", "asked", "asks", "cried", "replied", "answered", "shouted", "whispered", "called",
                "went", "goes", "walked", "walks", "ran", "runs", "came", "comes", "took", "takes", "looked",
                "looks", "smiled", "laughed", "attacked", "stood", "sat", "turned", "gave", "spoke", "speaks",
                "opened", "followed", "nodded", "jumped", "rose", "got", "began", "sprang", "flew", "rode")
SPEECH_VERBS = ("said", "asked", "cried", "replied", "answered", "shouted", "whispered", "called")


def _first_tokens(tokenizer: Tokenizer, words: Sequence[str]) -> list[int]:
    """The first token of each word as it appears mid-sentence (with a leading space)."""
    return sorted({tokenizer.encode(" " + w)[0] for w in words if tokenizer.encode(" " + w)})


def fate_guard(tokenizer: Tokenizer, dead_names: Sequence[str]) -> LogitsHook | None:
    names = [n for n in dict.fromkeys(dead_names) if n and n.lower() not in {"you", "i"}]
    if not names:
        return None
    verb_ids = torch.tensor(_first_tokens(tokenizer, ACTION_VERBS))
    name_ids = torch.tensor(_first_tokens(tokenizer, names))
    lowered = [n.lower() for n in names]

    def hook(produced: list[int], logits: torch.Tensor) -> torch.Tensor:
        if not produced:
            return logits
        tail = tokenizer.decode(produced[-12:]).rstrip().lower()
        if any(tail.endswith(n) and (len(tail) == len(n) or not tail[-len(n) - 1].isalnum()) for n in lowered):
            logits = logits.clone()
            logits[verb_ids] = float("-inf")
        elif tail.endswith(SPEECH_VERBS):
            logits = logits.clone()
            logits[name_ids] = float("-inf")
        return logits

    return hook
