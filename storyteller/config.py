"""Configuration dataclasses: the model, training and sampler settings.

Every config round-trips through a plain dict so it can live in JSON next to a checkpoint or in a save file.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Build a dataclass from a dict, ignoring unknown keys (older/newer files stay loadable)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class ModelConfig:
    vocab_size: int = 8192
    n_embd: int = 512      # token embedding width (also the tied output embedding)
    n_hidden: int = 512    # LSTM hidden width; projected back to n_embd when they differ
    n_layer: int = 2
    dropout: float = 0.1
    tie_weights: bool = True

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class TrainConfig:
    seq_len: int = 192            # story tokens per training window (memory block comes on top)
    batch_size: int = 32
    lr: float = 3e-3
    min_lr: float = 3e-4
    warmup_steps: int = 200
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    max_steps: int = 0            # 0: run until `minutes` is spent
    minutes: float = 0.0          # wall-clock budget; the cosine schedule is stretched over it
    eval_interval: int = 200
    eval_batches: int = 20
    checkpoint_minutes: float = 5.0
    seed: int = 1337
    bf16: bool = True             # bf16 autocast on CPU (about 2x faster on this hardware)
    memory_prob: float = 0.8      # fraction of windows that get a memory block
    command_prob: float = 0.5     # fraction of prose windows that get a synthetic player command
    memory_budget: int = 64       # tokens of memory block
    short_context_prob: float = 0.0   # fraction of windows whose recent story is cut short, so that names
    short_context_tokens: int = 48    # must come from the memory block (teaches the model to read it)
    rename_prob: float = 0.0      # fraction of windows whose memory names are swapped for others (see NameSwapper)
    contrast_prob: float = 0.0    # fraction of windows also read with another story's memory (the ranking loss)
    contrast_weight: float = 1.0  # weight of that loss next to the language-model loss
    contrast_margin: float = 2.0  # nats over a narration by which the true memory should beat the other one
    contrast_negatives: int = 1   # other stories' memories per contrasted window (the ranking test uses 4)
    vocab_size: int = 8192
    val_fraction: float = 0.05    # fraction of documents held out for validation
    val_tail: float = 0.0         # instead: the last fraction of every file validates (tinyshakespeare: 0.1)
    generated_keep: float = 0.3   # share of the repetitive generated play-throughs kept
    num_workers: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def load(cls, path: str | Path) -> "TrainConfig":
        return from_dict(cls, json.loads(Path(path).read_text()))


@dataclass
class SamplerConfig:
    temperature: float = 0.8
    top_k: int = 40
    top_p: float = 0.92
    repetition_penalty: float = 1.15
    repetition_window: int = 64
    max_tokens: int = 120          # token budget for one narration
    min_tokens: int = 10           # the narration may not end before this many tokens ("OK" says nothing)
    stop_at: str = "turn"          # "turn": end-of-turn token; "paragraph": also a blank line

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def check(self) -> None:
        """Raise ValueError for settings no narration can use (a hand-edited save: "hot", NaN, top_k -5)."""
        def number(name: str, lo: float, hi: float, integer: bool = False) -> None:
            value = getattr(self, name)
            kinds = (int,) if integer else (int, float)
            if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value) \
                    or not lo <= value <= hi:
                raise ValueError(f"sampler {name} {value!r} is not {'an integer' if integer else 'a number'} "
                                 f"from {lo:g} to {hi:g}")
        number("temperature", 0.0, TEMPERATURE_MAX)
        number("top_k", 0, 100_000, integer=True)
        number("top_p", 0.0, 1.0)
        number("repetition_penalty", 0.1, 10.0)
        number("repetition_window", 0, 100_000, integer=True)
        number("max_tokens", 1, 4096, integer=True)
        number("min_tokens", 0, 4096, integer=True)
        if self.stop_at not in ("turn", "paragraph"):
            raise ValueError(f"sampler stop_at {self.stop_at!r} is not 'turn' or 'paragraph'")


TEMPERATURE_MIN = 0.05
TEMPERATURE_MAX = 2.0


def clamp_temperature(value: float) -> float:
    return round(min(TEMPERATURE_MAX, max(TEMPERATURE_MIN, float(value))), 2)


@dataclass
class EngineConfig:
    context_tokens: int = 256      # recent story tokens fed to the model each turn
    memory_budget: int = 64        # memory block tokens
    loop_guard_similarity: float = 0.8   # re-roll a narration this similar to the previous one
    loop_guard_retries: int = 2
    autosave: bool = True
    cache_pointer: bool = True     # use the model's tuned cache pointer when its checkpoint has one
    repeat_guard: bool = True      # never narrate a sentence the story has already told, word for word
    memory_pointer: bool = True    # copy names from the memory (when the checkpoint has a tuned pointer)
    noun_steer: float = 0.5        # in play, the memory pointer's share after "the", "a", "his"... (0: as tuned)
    ground_tokens: int = 40        # a narration may not end before it names something the memory holds, up to
                                   # this many tokens (0: off)
    command_focus: float = 0.5     # in play, the share of the noun steering for the command's nouns ("the lamp")
    extra: dict[str, Any] = field(default_factory=dict)
