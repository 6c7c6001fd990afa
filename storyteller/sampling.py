"""Turning next-token logits into a choice: repetition penalty, temperature, top-k, top-p.

Temperature at (or below) TEMPERATURE_MIN means greedy argmax, like char-rnn's `-sample 0`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from storyteller.config import TEMPERATURE_MIN, SamplerConfig


def apply_repetition_penalty(logits: torch.Tensor, recent: Sequence[int], penalty: float) -> torch.Tensor:
    """CTRL-style penalty: shrink the logits of recently produced tokens (divide if positive, multiply if not)."""
    if penalty == 1.0 or not recent:
        return logits
    ids = torch.tensor(sorted(set(recent)), dtype=torch.long)
    chosen = logits[ids]
    logits = logits.clone()
    logits[ids] = torch.where(chosen > 0, chosen / penalty, chosen * penalty)
    return logits


def top_k_mask(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k largest logits, set the rest to -inf (k <= 0 keeps all)."""
    if k <= 0 or k >= logits.numel():
        return logits
    threshold = torch.topk(logits, k).values[-1]
    return logits.masked_fill(logits < threshold, float("-inf"))


def top_p_mask(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus filtering: keep the smallest set of tokens whose probability mass reaches p (always >= 1 token)."""
    if p >= 1.0:
        return logits
    sorted_logits, order = torch.sort(logits, descending=True)
    cumulative = torch.softmax(sorted_logits, dim=-1).cumsum(dim=-1)
    remove = cumulative > p
    remove[1:] = remove[:-1].clone()  # shift right: keep the token that crosses p
    remove[0] = False
    mask = torch.zeros_like(remove).scatter(0, order, remove)
    return logits.masked_fill(mask, float("-inf"))


def sample_token(
    logits: torch.Tensor,
    config: SamplerConfig,
    generator: torch.Generator | None = None,
    recent: Sequence[int] = (),
    temperature: float | None = None,
) -> int:
    """Pick the next token from 1-D logits. `temperature` overrides config.temperature (read live by callers)."""
    logits = logits.float()
    logits = apply_repetition_penalty(logits, recent[-config.repetition_window :] if recent else recent,
                                      config.repetition_penalty)
    t = config.temperature if temperature is None else temperature
    if t <= TEMPERATURE_MIN:
        return int(torch.argmax(logits))
    if 0 < config.top_k < logits.numel():
        # Same distribution as top_k_mask + top_p_mask, computed on the k survivors only: sorting and sampling
        # 40 values instead of the whole vocabulary is most of the sampler's cost at every token.
        values, indices = torch.topk(logits / t, config.top_k)  # sorted, largest first
        values = top_p_mask(values, config.top_p) if config.top_p < 1.0 else values
        choice = torch.multinomial(torch.softmax(values, dim=-1), 1, generator=generator)
        return int(indices[choice])
    logits = top_p_mask(logits / t, config.top_p)
    probs = torch.softmax(logits, dim=-1)
    return int(torch.multinomial(probs, 1, generator=generator))
