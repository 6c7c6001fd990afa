"""The story's own words: which words this story uses more than stories in general do.

A story keeps coming back to its words ("ship", "squire", "rum"; "lamp", "troll", "grating"), and a window of it
that names no one the memory knows still uses them. The memory keeps a count of every word it reads (bounded), and
`keywords` ranks them by tf-idf: count in this story times log(N / document frequency) over the training
corpus's documents (`storyteller/data/document_frequencies.json`, written by `scripts/document_frequencies.py`).
The memory pointer offers those words where the narrator starts a new word (`MemoryPointerConfig.lam_lexicon`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

FREQUENCIES = Path(__file__).with_name("data") / "document_frequencies.json"
WORD = re.compile(r"[A-Za-z][a-z'-]*[a-z]")
KEYWORDS = 300      # words the pointer offers
MIN_IDF = 1.0       # a word in more than 1/e of all documents ("said", "little") says nothing about this story
KEEP_WORDS = 2000   # counts kept; past twice this many, the least telling are dropped


@lru_cache(maxsize=1)
def document_frequencies() -> tuple[int, dict[str, int]]:
    """(number of documents, word -> documents that use it) of the training corpus. An absent word is rare."""
    data = json.loads(FREQUENCIES.read_text(encoding="utf-8"))
    return int(data["documents"]), {str(w): int(c) for w, c in data["frequencies"].items()}


def idf(word: str) -> float:
    documents, frequencies = document_frequencies()
    return math.log(documents / (frequencies.get(word, 0) + 1))


@dataclass
class StoryLexicon:
    counts: dict[str, int] = field(default_factory=dict)  # lowercase word -> times read

    def read(self, text: str) -> None:
        for word in WORD.findall(text):
            if len(word) >= 3:
                low = word.lower()
                self.counts[low] = self.counts.get(low, 0) + 1
        if len(self.counts) > 2 * KEEP_WORDS:
            self.counts = dict(self._ranked()[:KEEP_WORDS])

    def _ranked(self) -> list[tuple[str, int]]:
        """Every counted word, most telling first (ties by the word, so that the order is deterministic)."""
        score = {w: c * idf(w) for w, c in self.counts.items()}
        return sorted(self.counts.items(), key=lambda wc: (-score[wc[0]], wc[0]))

    def keywords(self, limit: int = KEYWORDS) -> list[tuple[str, float]]:
        """The story's most telling words with their tf-idf weights, best first."""
        out = []
        for word, count in self._ranked():
            weight = idf(word)
            if weight >= MIN_IDF:
                out.append((word, round(count * weight, 4)))
                if len(out) == limit:
                    break
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"counts": dict(self.counts)}

    @classmethod
    def from_dict(cls, data: Any) -> StoryLexicon:
        counts = data.get("counts") if isinstance(data, dict) else None
        if not isinstance(counts, dict) or not all(isinstance(w, str) and isinstance(c, int) and not isinstance(c, bool)
                                                   for w, c in counts.items()):
            raise ValueError("memory 'lexicon' is not an object of word counts")
        return cls(dict(counts))
