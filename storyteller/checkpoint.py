"""Checkpoints: one folder with safetensors weights, a JSON config and the tokenizer JSON. Never a pickle.

    model.safetensors   weights
    config.json         {"model": ModelConfig, "meta": {...}} (meta: model id, training figures)
    tokenizer.json      Hugging Face tokenizers file
    optimizer.safetensors + trainer.json   only in training checkpoints, for an exact --resume
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, load_model, save_file, save_model

from storyteller.config import ModelConfig, from_dict
from storyteller.model import LSTMLanguageModel
from storyteller.saves import write_atomic
from storyteller.tokenizer import Tokenizer

WEIGHTS = "model.safetensors"
CONFIG = "config.json"
TOKENIZER = "tokenizer.json"
OPTIMIZER = "optimizer.safetensors"
TRAINER = "trainer.json"


class CheckpointError(Exception):
    """A checkpoint folder is missing or unreadable."""


@dataclass
class Checkpoint:
    model: LSTMLanguageModel
    tokenizer: Tokenizer
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def model_id(self) -> str:
        return str(self.meta.get("model_id") or (self.path.name if self.path else "untitled"))


def write_json_atomic(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, indent=2))


def save_checkpoint(
    path: str | Path,
    model: LSTMLanguageModel,
    tokenizer: Tokenizer,
    meta: dict[str, Any] | None = None,
    optimizer_state: dict[str, torch.Tensor] | None = None,
    trainer_state: dict[str, Any] | None = None,
    weights_dtype: torch.dtype | None = None,
) -> Path:
    """Write a checkpoint folder. Files are written to temporaries and renamed, so a crash leaves the old one."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    tmp = path / (WEIGHTS + ".tmp")
    if weights_dtype is not None:  # e.g. float16 for a shipped model: half the size, loaded back as float32
        model = copy.deepcopy(model).to(weights_dtype)
    save_model(model, str(tmp))
    os.replace(tmp, path / WEIGHTS)
    (path / (TOKENIZER + ".tmp")).write_text(tokenizer.to_str(), encoding="utf-8")
    os.replace(path / (TOKENIZER + ".tmp"), path / TOKENIZER)
    if optimizer_state is not None:
        save_file(optimizer_state, str(path / (OPTIMIZER + ".tmp")))
        os.replace(path / (OPTIMIZER + ".tmp"), path / OPTIMIZER)
    if trainer_state is not None:
        write_json_atomic(path / TRAINER, trainer_state)
    # config.json last: its presence marks a complete checkpoint.
    write_json_atomic(path / CONFIG, {"model": model.config.to_dict(), "meta": meta or {}})
    return path


def load_checkpoint(path: str | Path, map_location: str = "cpu") -> Checkpoint:
    path = Path(path)
    if not (path / CONFIG).is_file():
        raise CheckpointError(f"no model checkpoint at {path} (expected {CONFIG}, {WEIGHTS}, {TOKENIZER})")
    try:
        data = json.loads((path / CONFIG).read_text(encoding="utf-8"))
        config = from_dict(ModelConfig, data["model"])
        model = LSTMLanguageModel(config)
        missing, unexpected = load_model(model, str(path / WEIGHTS), strict=False, device=map_location)
        # Tied weights are stored once; a name missing only because it is tied is fine.
        real_missing = [m for m in missing if not (config.tie_weights and m == "head.weight")]
        if real_missing or unexpected:
            raise CheckpointError(f"weights do not match config in {path}: missing {real_missing}, unexpected {unexpected}")
        tokenizer = Tokenizer.load(path / TOKENIZER)
    except CheckpointError:
        raise
    except (OSError, ValueError, KeyError, RuntimeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"cannot read checkpoint {path}: {e}") from e
    model.float().eval()
    return Checkpoint(model=model, tokenizer=tokenizer, meta=data.get("meta", {}), path=path)


def load_trainer_state(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    path = Path(path)
    return load_file(str(path / OPTIMIZER)), json.loads((path / TRAINER).read_text(encoding="utf-8"))


def default_model_path() -> Path:
    """The model shipped with the package: `assets/` in a source checkout, `_assets/` inside an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "assets" / "model", here / "_assets" / "model"):
        if (candidate / CONFIG).is_file():
            return candidate
    return here.parent / "assets" / "model"


def export_checkpoint(source: str | Path, dest: str | Path, half: bool = True, meta: dict[str, Any] | None = None) -> Path:
    """Copy a training checkpoint for shipping: weights only (float16 if `half`), config and tokenizer."""
    ckpt = load_checkpoint(source)
    merged = {**ckpt.meta, **(meta or {}), "weights_dtype": "float16" if half else "float32"}
    return save_checkpoint(dest, ckpt.model, ckpt.tokenizer, merged, weights_dtype=torch.float16 if half else None)
