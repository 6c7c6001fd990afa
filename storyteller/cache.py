"""Continuous cache pointer (Grave, Joulin & Usunier, ICLR 2017), training-free.

The story so far is stored as pairs (hidden state h_i, the token that followed it). At a new position with
hidden state h_t the cache proposes the tokens that followed similar states:

    p_cache(w) ∝ Σ_{i : x_{i+1} = w} exp(θ · cos(h_t, h_i))
    p(w)       = (1 - λ) p_model(w) + λ p_cache(w)

We use cosine similarity (hidden norms vary across positions); θ, λ and the window are tuned on validation text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F


@dataclass
class CacheConfig:
    theta: float = 10.0
    lam: float = 0.1
    window: int = 1000

    def to_dict(self) -> dict:
        return asdict(self)


def cache_probs(query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, theta: float, vocab: int,
                allowed: torch.Tensor | None = None, keys_normalized: bool = False) -> torch.Tensor:
    """p_cache for each query row: (T, d) queries, (N, d) keys, (N,) next-token values -> (T, V).

    `allowed` (T, N) bool masks which keys each query may see (a position must not see its own future).
    Rows that can see nothing get all-zero probabilities.
    """
    if keys.numel() == 0:
        return torch.zeros(query.shape[0], vocab)
    unit_keys = keys if keys_normalized else F.normalize(keys.float(), dim=-1)
    scores = theta * (F.normalize(query.float(), dim=-1) @ unit_keys.T)
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1).nan_to_num(0.0)
    out = torch.zeros(query.shape[0], vocab)
    out.index_add_(1, values.long(), weights)  # sum the weights of keys that were followed by the same token
    return out


def mix(log_probs_model: torch.Tensor, p_cache: torch.Tensor, lam: float) -> torch.Tensor:
    """log((1 - λ) p_model + λ p_cache); rows with an empty cache keep the model's distribution."""
    has_cache = p_cache.sum(-1, keepdim=True) > 0
    mixed = torch.log((1 - lam) * log_probs_model.exp() + lam * p_cache + 1e-12)
    return torch.where(has_cache, mixed, log_probs_model)


class CachePointer:
    """A bounded store of (hidden state, next token) pairs from the story, for play-time mixing."""

    def __init__(self, config: CacheConfig, vocab_size: int) -> None:
        self.config = config
        self.vocab = vocab_size
        self.keys = torch.zeros(0, 0)
        self.values = torch.zeros(0, dtype=torch.long)

    def clear(self) -> None:
        self.keys = torch.zeros(0, 0)
        self.values = torch.zeros(0, dtype=torch.long)

    def add(self, hidden: torch.Tensor, next_tokens: torch.Tensor) -> None:
        # Stored unit-length: the per-token lookup then costs one matrix-vector product, no re-normalising.
        hidden = F.normalize(hidden.detach().float().reshape(-1, hidden.shape[-1]), dim=-1)
        next_tokens = next_tokens.reshape(-1).long()
        self.keys = hidden if self.keys.numel() == 0 else torch.cat([self.keys, hidden])
        self.values = torch.cat([self.values, next_tokens])
        self.keys = self.keys[-self.config.window :]
        self.values = self.values[-self.config.window :]

    def __len__(self) -> int:
        return int(self.values.numel())

    def adjust(self, logits: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        """Mixed log-probabilities for one position: logits (V,), hidden (d,) -> (V,).

        The same sums as `cache_probs` + `mix`, written for a single query with in-place steps: this runs at
        every sampled token, where each extra tensor op costs a few microseconds."""
        if len(self) == 0 or self.config.lam <= 0:
            return logits
        lam = self.config.lam
        query = hidden.float()
        scores = torch.mv(self.keys, query).mul_(self.config.theta / query.norm().clamp_min(1e-12))
        weights = torch.softmax(scores, 0)
        p = torch.softmax(logits.float(), 0).mul_(1 - lam)
        p.index_add_(0, self.values, weights, alpha=lam)
        return p.add_(1e-12).log_()


class StoryCache:
    """The cache pointer's memory of the story: (hidden state, next token) pairs from a plain run of the model
    over the story, extended each turn with the new text and rebuilt from the story's tail after undo or load."""

    def __init__(self, forward, config: CacheConfig, vocab_size: int, start_token: int) -> None:
        self.forward = forward  # ids, state -> (logits, hidden, state), e.g. Generator.forward
        self.pointer = CachePointer(config, vocab_size)
        self.start_token = start_token
        self.state = None
        self.last = start_token

    def reset(self, story_ids: list[int]) -> None:
        self.pointer.clear()
        self.state, self.last = None, self.start_token
        self.extend(story_ids[-self.pointer.config.window :])

    def extend(self, ids: list[int]) -> None:
        if not ids:
            return
        _, hidden, self.state = self.forward([self.last, *ids[:-1]], self.state)
        self.pointer.add(hidden, torch.tensor(ids))
        self.last = ids[-1]

    def for_turn(self) -> CachePointer:
        """A copy for one narration: it learns the narration's own tokens without touching the story cache."""
        copy = CachePointer(self.pointer.config, self.pointer.vocab)
        copy.keys, copy.values = self.pointer.keys, self.pointer.values
        return copy
