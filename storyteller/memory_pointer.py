"""Memory pointer: the narrator copies names from the memory block, training-free.

The LSTM reads the memory block, but measured on held-out stories it barely uses it (docs/evaluation.md): a
name the memory holds and the recent story does not is hardly easier for it than any other name. A pointer over
the memory's names fixes that at the output, in the spirit of pointer-generator networks (See et al., ACL 2017)
and the unigram cache (Kuhn & De Mori, 1990), with two mixture weights tuned on validation text:

    p(w) = (1 - λ) p_model(w) + λ p_names(w)

- starting a name: λ = `lam_start`, p_names spread evenly over the first tokens of the memory's names;
- continuing a name already begun ("Ys" -> "olde"): λ = `lam_continue`, p_names over the tokens that continue
  the memory names sharing the prefix just written. Only names that start with a capital letter continue this
  strongly ("the giant" is a name, but " the" starts too many other things), the others use `lam_start`.

The same object scores fixed text (`token_logp`, for evaluation) and steers sampling (`adjust`, at play time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch

from storyteller.tokenizer import Tokenizer

PRONOUNS = frozenset({"you", "i", "he", "she", "it", "they", "we", "me", "him", "her", "them"})


def memory_names(summary: dict) -> list[str]:
    """The names a memory holds: its characters with their aliases, and its places (from `Memory.summary_json`)."""
    names: list[str] = []
    for c in summary.get("characters", []):
        names.append(c["name"])
        names.extend(c.get("aliases", []))
    names.extend(summary.get("places", []))
    return [n for n in names if n and n.lower() not in PRONOUNS]


@dataclass
class MemoryPointerConfig:
    lam_start: float = 0.02
    lam_continue: float = 0.3

    def to_dict(self) -> dict:
        return asdict(self)


class MemoryPointer:
    def __init__(self, tokenizer: Tokenizer, names: Sequence[str], config: MemoryPointerConfig) -> None:
        self.config = config
        self.vocab = tokenizer.vocab_size
        names = [n.strip() for n in dict.fromkeys(names) if n and n.strip() and n.strip().lower() not in PRONOUNS]
        sequences: list[tuple[tuple[int, ...], bool]] = []
        for name in names:
            proper = name[0].isupper()
            for text in (" " + name, name):  # mid-sentence, and after a quote or a line break
                ids = tuple(tokenizer.encode(text))
                if ids:
                    sequences.append((ids, proper))
        starts: dict[int, float] = {}
        for ids, _ in sequences:
            starts[ids[0]] = starts.get(ids[0], 0.0) + 1.0
        total = sum(starts.values()) or 1.0
        self.start = {t: c / total for t, c in starts.items()}
        # prefix -> ({next token: weight}, proper)
        self.follow: dict[tuple[int, ...], tuple[dict[int, float], bool]] = {}
        for ids, proper in sequences:
            for k in range(1, len(ids)):
                nxt, was_proper = self.follow.get(ids[:k], ({}, False))
                nxt[ids[k]] = nxt.get(ids[k], 0.0) + 1.0
                self.follow[ids[:k]] = (nxt, was_proper or proper)
        for prefix, (nxt, proper) in self.follow.items():
            s = sum(nxt.values())
            self.follow[prefix] = ({t: c / s for t, c in nxt.items()}, proper)
        self.longest = max((len(ids) for ids, _ in sequences), default=0)

    def __bool__(self) -> bool:
        return bool(self.start)

    def distribution(self, previous: Sequence[int]) -> tuple[float, dict[int, float]]:
        """(λ, p_names) for the next token after `previous` (the tokens so far, most recent last)."""
        for k in range(min(self.longest - 1, len(previous)), 0, -1):
            hit = self.follow.get(tuple(previous[-k:]))
            if hit is not None:
                nxt, proper = hit
                return (self.config.lam_continue if proper else self.config.lam_start), nxt
        return self.config.lam_start, self.start

    def token_logp(self, model_logp: torch.Tensor, targets: Sequence[int], before: Sequence[int]) -> torch.Tensor:
        """Mixed log-probabilities of fixed text: model_logp (n,) = log p_model(target_t), `before` the tokens
        that precede the first target."""
        out = model_logp.clone().float()
        history = list(before[-self.longest :]) if self.longest else []
        for t, token in enumerate(targets):
            lam, p = self.distribution(history)
            if lam > 0:
                out[t] = torch.log((1 - lam) * model_logp[t].float().exp() + lam * p.get(int(token), 0.0) + 1e-12)
            history.append(int(token))
            if len(history) > self.longest:
                history.pop(0)
        return out

    def adjust(self, logits: torch.Tensor, previous: Sequence[int]) -> torch.Tensor:
        """Mixed log-probabilities over the vocabulary for the next token (play time)."""
        lam, p = self.distribution(previous)
        if lam <= 0 or not p:
            return logits
        mixed = torch.softmax(logits.float(), -1).mul_(1 - lam)
        ids = torch.tensor(list(p.keys()))
        mixed.index_add_(0, ids, torch.tensor(list(p.values())) * lam)
        return mixed.add_(1e-12).log_()
