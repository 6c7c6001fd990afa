"""Checkpoints: one folder with safetensors weights, a JSON config and the tokenizer JSON. Never a pickle.

    model.safetensors   weights
    config.json         {"model": ModelConfig, "meta": {...}} (meta: model id, training figures)
    tokenizer.json      Hugging Face tokenizers file
    optimizer.safetensors + trainer.json   only in training checkpoints, for an exact --resume
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
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


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or e.__class__.__name__


def config_problem(cls: type, data: Any, unknown_ok: bool = True) -> str | None:
    """What is wrong with `data` as the fields of dataclass `cls` (a hand-edited file: a list, "2" for 2, NaN),
    or None. Each value must have its default's type; unknown keys are ignored as `from_dict` does, unless not
    `unknown_ok` (settings passed as `cls(**data)`, where an unknown key is a TypeError)."""
    if not isinstance(data, dict):
        return f"expected an object, got {type(data).__name__}"
    defaults = {f.name: f.default for f in dataclasses.fields(cls)}
    for key, value in data.items():
        if key not in defaults:
            if unknown_ok:
                continue
            return f"unknown key {key!r}"
        want = type(defaults[key])
        if want is bool:
            ok = isinstance(value, bool)
        elif want in (int, float):
            ok = (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                  and (want is float or isinstance(value, int)))
        else:
            ok = isinstance(value, want)
        if not ok:
            return f"{key} {value!r} is not {'an integer' if want is int else 'a ' + want.__name__}"
    return None


def _config_json_problem(data: Any) -> str | None:
    from storyteller.cache import CacheConfig
    from storyteller.memory_pointer import MemoryPointerConfig

    if not isinstance(data, dict) or "model" not in data:
        return "expected an object with a 'model' key"
    if problem := config_problem(ModelConfig, data["model"]):
        return f"model: {problem}"
    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        return f"meta: expected an object, got {type(meta).__name__}"
    # The engine builds these as CacheConfig(**meta["cache"]): check them now, not at the first turn.
    for key, cls in (("cache", CacheConfig), ("memory_pointer", MemoryPointerConfig)):
        if meta.get(key) is not None and (problem := config_problem(cls, meta[key], unknown_ok=False)):
            return f"meta.{key}: {problem}"
    return None


def load_checkpoint(path: str | Path, map_location: str = "cpu") -> Checkpoint:
    path = Path(path)
    if not (path / CONFIG).is_file():
        raise CheckpointError(f"no model checkpoint at {path} (expected {CONFIG}, {WEIGHTS}, {TOKENIZER})")

    def error(name: str, why: str) -> CheckpointError:  # one line, naming the file at fault
        return CheckpointError(f"cannot read checkpoint file {path / name}: {why}")

    try:
        data = json.loads((path / CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:  # ValueError: not JSON, not UTF-8
        raise error(CONFIG, _one_line(e)) from None
    if problem := _config_json_problem(data):
        raise error(CONFIG, problem)
    config = from_dict(ModelConfig, data["model"])
    try:
        model = LSTMLanguageModel(config)
    except (ValueError, RuntimeError) as e:  # sizes no model can have (n_embd -1)
        raise error(CONFIG, f"model: {_one_line(e)}") from None
    try:
        with safe_open(str(path / WEIGHTS), framework="pt") as f:
            shapes = {k: list(f.get_slice(k).get_shape()) for k in f.keys()}
        expected = {k: list(v.shape) for k, v in model.state_dict().items()}
        wrong = [k for k in shapes if k in expected and shapes[k] != expected[k]]
        if wrong:  # e.g. another vocab_size: say so in one line, not torch's list of every mismatch
            raise error(WEIGHTS, f"{wrong[0]} has shape {shapes[wrong[0]]}, {CONFIG} needs "
                                 f"{expected[wrong[0]]}: the weights do not match {CONFIG}")
        missing, unexpected = load_model(model, str(path / WEIGHTS), strict=False, device=map_location)
    except CheckpointError:
        raise
    except (OSError, ValueError, RuntimeError, SafetensorError) as e:  # missing, empty or truncated file
        raise error(WEIGHTS, _one_line(e)) from None
    # Tied weights are stored once; a name missing only because it is tied is fine.
    real_missing = [m for m in missing if not (config.tie_weights and m == "head.weight")]
    if real_missing or unexpected:
        raise CheckpointError(f"weights do not match config in {path}: missing {real_missing}, unexpected {unexpected}")
    try:
        tokenizer = Tokenizer.load(path / TOKENIZER)
    except Exception as e:  # the tokenizers library raises a bare Exception for a file it cannot parse
        raise error(TOKENIZER, _one_line(e)) from None
    if tokenizer.vocab_size > config.vocab_size:  # token ids the model has no row for
        raise error(TOKENIZER, f"{tokenizer.vocab_size} tokens, but the model has {config.vocab_size}")
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
    if Path(dest).exists() and not Path(dest).is_dir():
        raise CheckpointError(f"cannot export to {dest}: it is a file, not a folder")
    try:
        return save_checkpoint(dest, ckpt.model, ckpt.tokenizer, merged, weights_dtype=torch.float16 if half else None)
    except OSError as e:  # a read-only place, a file where a folder should be
        raise CheckpointError(f"cannot export to {dest}: {e.strerror or e}") from None
