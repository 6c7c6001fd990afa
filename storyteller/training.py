"""Training: corpus -> tokenizer -> turn windows -> AdamW on the LSTM, with callbacks for the caller's UI.

Like minGPT's trainer, the loop knows nothing of progress bars: `progress.py` subscribes to its callbacks.
Multi-process training works under `torchrun` (gloo on CPU, NCCL on GPU); each rank takes its own share of every
global batch and DDP averages the gradients.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs
import torch
import torch.distributed as dist
import torch.nn.functional as F

from storyteller.checkpoint import CONFIG, load_checkpoint, load_trainer_state, save_checkpoint
from storyteller.config import ModelConfig, TrainConfig, from_dict
from storyteller.corpus import TAIL, iter_documents_text, iter_text_files, load_documents
from storyteller.dataset import Batcher, TurnData, build_turn_data, cache_key
from storyteller.model import LSTMLanguageModel
from storyteller.tokenizer import Tokenizer

LN2 = math.log(2)


@dataclass
class StepInfo:
    step: int
    loss: float
    lr: float
    tokens_per_second: float
    elapsed: float
    fraction_done: float
    val_loss: float | None = None
    val_bpc: float | None = None
    best_val_loss: float | None = None
    rank_accuracy: float | None = None      # training pairs whose true memory won (ranking loss on)
    val_rank_accuracy: float | None = None  # the same on fixed validation pairs


@dataclass
class Callbacks:
    on_prepare: Callable[[str], None] = lambda message: None
    on_step: Callable[[StepInfo], None] = lambda info: None
    on_eval: Callable[[StepInfo], None] = lambda info: None
    on_checkpoint: Callable[[Path, StepInfo], None] = lambda path, info: None


@dataclass
class TrainResult:
    steps: int
    tokens: int
    seconds: float
    final_loss: float
    best_val_loss: float
    best_val_bpc: float
    out: Path
    history: list[dict[str, Any]] = field(default_factory=list)


# -- distributed -----------------------------------------------------------------------------------
def dist_setup() -> tuple[int, int, torch.device]:
    """(rank, world size, device). Under torchrun, joins the process group (NCCL on GPU, gloo on CPU)."""
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0))) if torch.cuda.is_available() else torch.device("cpu")
    if "WORLD_SIZE" in os.environ and int(os.environ["WORLD_SIZE"]) > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size(), device
    return 0, 1, device


def weights_agree(model: torch.nn.Module) -> bool:
    """All ranks hold bit-identical weights (DDP's promise), checked by gathering a float64 checksum."""
    flat = torch.cat([p.detach().double().flatten() for p in model.parameters()])
    weights = torch.arange(1, flat.numel() + 1, dtype=torch.float64) / flat.numel()
    weights = weights.to(flat.device)
    mine = torch.stack([flat.sum(), (flat * weights).sum(), (flat * flat).sum()])
    gathered = [torch.zeros_like(mine) for _ in range(dist.get_world_size())]
    dist.all_gather(gathered, mine)
    return all(torch.equal(g, gathered[0]) for g in gathered)


# -- data --------------------------------------------------------------------------------------------
def prepare_data(corpus: list[str | Path], out: Path, config: TrainConfig, exclude: list[str] = (),
                 cache_dir: Path | None = None, log: Callable[[str], None] = print,
                 tokenizer: Tokenizer | None = None) -> tuple[Tokenizer, TurnData]:
    """Load documents, train (or reuse) the tokenizer, and build (or reuse from cache) the turn data."""
    files = iter_text_files(corpus, exclude)
    if not files:
        raise ValueError("the corpus has no .txt files")
    docs = load_documents(files, generated_keep=config.generated_keep, val_tail=config.val_tail)
    log(f"{len(files)} files, {len(docs)} documents")
    tok_path = out / "tokenizer.json"
    if tokenizer is None and tok_path.is_file():
        tokenizer = Tokenizer.load(tok_path)
        log(f"reusing tokenizer {tok_path} ({tokenizer.vocab_size} tokens)")
    if tokenizer is None:
        log(f"training a {config.vocab_size}-token BPE tokenizer")
        train_docs = [d for d in docs if not d.name.endswith(TAIL)]  # validation text never shapes the tokenizer
        tokenizer = Tokenizer.train(iter_documents_text(train_docs), vocab_size=config.vocab_size)
        out.mkdir(parents=True, exist_ok=True)
        tokenizer.save(tok_path)
    settings = {"memory_budget": config.memory_budget, "val_fraction": config.val_fraction, "exclude": list(exclude),
                "val_tail": config.val_tail, "generated_keep": config.generated_keep}
    cache_dir = cache_dir or Path(platformdirs.user_cache_dir("storyteller")) / "datasets"
    cache_file = cache_dir / f"{cache_key(files, tokenizer, settings)}.npz"
    if cache_file.is_file():
        log(f"reusing encoded corpus {cache_file}")
        return tokenizer, TurnData.load(cache_file)
    log("encoding the corpus and computing memory blocks")
    data = build_turn_data(docs, tokenizer, config.memory_budget, config.val_fraction)
    data.save(cache_file)
    log(f"{len(data.stream):,} tokens, {len(data.turns):,} turns ({int(data.is_val.sum()):,} validation), cached")
    return tokenizer, data


# -- optimizer state <-> safetensors -----------------------------------------------------------------
def optimizer_to_tensors(opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], list[dict[str, Any]]]:
    sd = opt.state_dict()
    tensors = {}
    for pid, st in sd["state"].items():
        for k, v in st.items():
            tensors[f"{pid}.{k}"] = v if torch.is_tensor(v) else torch.tensor(v)
    return tensors, sd["param_groups"]


def optimizer_from_tensors(opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], groups: list[dict]) -> None:
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, v in tensors.items():
        if key.startswith("rng."):
            continue
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = v
    opt.load_state_dict({"state": state, "param_groups": groups})


def lr_at(config: TrainConfig, step: int, fraction: float) -> float:
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    fraction = min(1.0, max(0.0, fraction))
    return config.min_lr + 0.5 * (config.lr - config.min_lr) * (1 + math.cos(math.pi * fraction))


@torch.no_grad()
def evaluate_batches(model: torch.nn.Module, batches, device: torch.device, bf16: bool) -> float:
    """Mean loss (nats per unmasked token) over fixed batches."""
    model.eval()
    total, count = 0.0, 0.0
    for x, y, m in batches:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            _, loss, _ = model(x.to(device), targets=y.to(device), loss_mask=m.to(device))
        n = float(m.sum())
        total += float(loss) * n
        count += n
    model.train()
    return total / max(count, 1.0)


def memory_losses(logits: torch.Tensor, y: torch.Tensor, lm_mask: torch.Tensor, narration: torch.Tensor,
                  pairs: torch.Tensor, margin: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The language-model loss over the true rows, and the ranking loss: the same narration read after its own
    story's memory should cost at least `margin` nats less than after each other story's memory paired with it:
    log(1 + sum_k exp(gap_k + margin)) per true row (a softplus hinge for one pair, InfoNCE-like for several),
    per narration token. Also returns which pairs the true memory won.

    Next-token training alone never taught the LSTM to read the block (it predicts the narration from the story
    just as well); this loss rewards exactly what a memory is for, as the ranking test of Fan et al. measures."""
    nll = F.cross_entropy(logits.float().flatten(0, 1), y.flatten(), reduction="none").view_as(y)
    lm = (nll * lm_mask).sum() / lm_mask.sum().clamp(min=1.0)
    if len(pairs) == 0:
        return lm, lm.new_zeros(()), lm.new_zeros(0, dtype=torch.bool)
    narration_nll = (nll * narration).sum(1)
    gap = narration_nll[pairs[:, 0]] - narration_nll[pairs[:, 1]]
    rows, group = torch.unique(pairs[:, 0], return_inverse=True)
    # Per true row, the log-sum-exp of its gaps (with a zero for the "1 +"), then normalised by its narration.
    scores = torch.full((len(rows), len(pairs) + 1), float("-inf"), device=gap.device)
    scores[:, -1] = 0.0
    scores[group, torch.arange(len(pairs), device=gap.device)] = gap + margin
    tokens = narration[rows].sum(1).clamp(min=1.0)
    return lm, (torch.logsumexp(scores, dim=1) / tokens).mean(), gap < 0


@torch.no_grad()
def evaluate_ranking(model: torch.nn.Module, batches, device: torch.device, bf16: bool) -> float:
    """Fraction of validation pairs in which the narration costs less after its own story's memory."""
    model.eval()
    won = total = 0
    for x, y, m, narration, pairs in batches:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            logits, _, _ = model(x.to(device))
        _, _, wins = memory_losses(logits, y.to(device), m.to(device), narration.to(device), pairs.to(device), 0.0)
        won += int(wins.sum())
        total += len(wins)
    model.train()
    return won / max(1, total)


# -- the loop ----------------------------------------------------------------------------------------
def train(corpus: list[str | Path], out: str | Path, config: TrainConfig, model_config: ModelConfig | None = None,
          resume: bool = False, exclude: list[str] = (), callbacks: Callbacks | None = None,
          cache_dir: Path | None = None, model_id: str | None = None,
          should_stop: Callable[[], bool] = lambda: False, init_from: str | Path | None = None) -> TrainResult:
    cb = callbacks or Callbacks()
    out = Path(out)
    rank, world, device = dist_setup()
    torch.manual_seed(config.seed + rank)
    last_dir, best_dir = out / "last", out / "best"

    resume_state = None
    tokenizer = None
    if resume:
        if not (last_dir / CONFIG).is_file():
            raise FileNotFoundError(f"nothing to resume: no checkpoint in {last_dir}")
        ckpt = load_checkpoint(last_dir)
        tokenizer = ckpt.tokenizer
        model_config = ckpt.model.config
        opt_tensors, resume_state = load_trainer_state(last_dir)
        # Resuming continues the saved run to its own budget; a budget given now is added on top of it.
        extra_minutes, extra_steps = config.minutes, config.max_steps
        config = from_dict(TrainConfig, resume_state["train_config"])
        if extra_minutes:
            config.minutes = resume_state["elapsed"] / 60 + extra_minutes
        if extra_steps:
            config.max_steps = resume_state["step"] + extra_steps
    if world > 1 and rank != 0:
        dist.barrier()  # rank 0 trains the tokenizer and fills the cache first; the others then reuse them
    init = None
    if init_from is not None and not resume:  # fine-tune: weights and tokenizer from a checkpoint, fresh schedule
        init = load_checkpoint(init_from)
        tokenizer, model_config = init.tokenizer, init.model.config
    tokenizer, data = prepare_data(corpus, out, config, exclude, cache_dir, cb.on_prepare, tokenizer)
    if world > 1 and rank == 0:
        dist.barrier()
    model_config = model_config or ModelConfig()
    model_config.vocab_size = tokenizer.vocab_size
    model = LSTMLanguageModel(model_config)
    if resume:
        model.load_state_dict(ckpt.model.state_dict())
    elif init is not None:
        model.load_state_dict(init.model.state_dict())
    model.to(device).train()
    ddp_model = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=config.lr, betas=(0.9, 0.99))
    step, elapsed_before, tokens_seen = 0, 0.0, 0
    best_val = float("inf")
    history: list[dict[str, Any]] = []
    if resume_state is not None:
        optimizer_from_tensors(opt, opt_tensors, resume_state["param_groups"])
        step = resume_state["step"]
        elapsed_before = resume_state["elapsed"]
        tokens_seen = resume_state["tokens"]
        best_val = resume_state["best_val_loss"]
        history = resume_state.get("history", [])
        if "rng.torch" in opt_tensors:
            torch.set_rng_state(opt_tensors["rng.torch"])

    train_batches = Batcher(data, tokenizer, config.seq_len, config.memory_prob, config.command_prob,
                            config.seed, "train", rank, world, config.short_context_prob, config.short_context_tokens,
                            config.rename_prob)
    val_batches = Batcher(data, tokenizer, config.seq_len, 1.0, 1.0, config.seed, "val").fixed_batches(
        config.batch_size, config.eval_batches)
    contrast = config.contrast_prob > 0
    val_pairs = None
    if contrast:
        val_batcher = Batcher(data, tokenizer, config.seq_len, 1.0, 1.0, config.seed, "val")
        val_pairs = [val_batcher.contrast_batch(k, config.batch_size, 1.0) for k in range(config.eval_batches)]
        # (one other memory per window: the figure stays comparable between runs with different `negatives`)
    chars_per_token = data.characters / max(1, len(data.stream))
    bf16 = config.bf16 and (device.type == "cpu" or torch.cuda.is_bf16_supported())

    def fraction(step_now: int, elapsed: float) -> float:
        if config.max_steps:
            return step_now / config.max_steps
        if config.minutes:
            return elapsed / (config.minutes * 60)
        return 0.0

    def save(path: Path, info: StepInfo) -> None:
        if rank != 0:
            return
        tensors, groups = optimizer_to_tensors(opt)
        tensors["rng.torch"] = torch.get_rng_state()
        meta = {"model_id": model_id or out.name, "step": step, "tokens": tokens_seen,
                "train_seconds": round(elapsed_before + (time.time() - t0), 1),
                "best_val_loss": best_val, "val_bpc": best_val / chars_per_token / LN2 if best_val < 1e9 else None,
                "train_config": config.to_dict(), "device": str(device), "world_size": world,
                "ranks_agree": ranks_agree}
        trainer_state = {"step": step, "elapsed": elapsed_before + (time.time() - t0), "tokens": tokens_seen,
                         "best_val_loss": best_val, "param_groups": groups, "train_config": config.to_dict(),
                         "history": history}
        save_checkpoint(path, model, tokenizer, meta, tensors, trainer_state)
        cb.on_checkpoint(path, info)

    ranks_agree: bool | None = None
    t0 = time.time()
    last_ckpt = time.time()
    info = StepInfo(step, float("nan"), 0.0, 0.0, elapsed_before, 0.0)
    loss_ema = rank_ema = None
    window_t, window_tokens = time.time(), 0
    while True:
        elapsed = elapsed_before + (time.time() - t0)
        frac = fraction(step, elapsed)
        if (config.max_steps and step >= config.max_steps) or (config.minutes and frac >= 1.0) or should_stop():
            break
        if not config.max_steps and not config.minutes:
            raise ValueError("give a budget: --steps N or --minutes M")
        lr = lr_at(config, step, frac)
        for g in opt.param_groups:
            g["lr"] = lr
        rank_won = None
        if contrast:
            x, y, m, narration, pairs = train_batches.contrast_batch(step, config.batch_size, config.contrast_prob,
                                                                     config.contrast_negatives)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                logits, _, _ = ddp_model(x.to(device))
            lm, ranking, rank_won = memory_losses(logits, y.to(device), m.to(device), narration.to(device),
                                                  pairs.to(device), config.contrast_margin)
            loss = lm + config.contrast_weight * ranking
        else:
            x, y, m = train_batches.batch(step, config.batch_size)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                _, loss, _ = ddp_model(x.to(device), targets=y.to(device), loss_mask=m.to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        opt.step()
        step += 1
        n_tokens = x.numel() * world
        tokens_seen += n_tokens
        window_tokens += n_tokens
        loss_value = loss.item()
        loss_ema = loss_value if loss_ema is None else 0.95 * loss_ema + 0.05 * loss_value
        if rank_won is not None and len(rank_won):
            won = float(rank_won.float().mean())
            rank_ema = won if rank_ema is None else 0.95 * rank_ema + 0.05 * won
        now = time.time()
        tps = window_tokens / max(1e-9, now - window_t)
        if now - window_t > 10:
            window_t, window_tokens = now, 0
        info = StepInfo(step, loss_ema, lr, tps, elapsed_before + now - t0, fraction(step, elapsed_before + now - t0),
                        best_val_loss=best_val if best_val < 1e9 else None, rank_accuracy=rank_ema)
        cb.on_step(info)
        last_step = (config.max_steps and step >= config.max_steps) or (config.minutes and info.fraction_done >= 1.0)
        if step % config.eval_interval == 0 or last_step or should_stop():
            val = evaluate_batches(model, val_batches, device, bf16)
            info.val_loss = val
            info.val_bpc = val / chars_per_token / LN2
            if val_pairs is not None:
                info.val_rank_accuracy = evaluate_ranking(model, val_pairs, device, bf16)
            history.append({"step": step, "loss": loss_ema, "val_loss": val, "val_bpc": info.val_bpc,
                            "elapsed": round(info.elapsed, 1), "tokens": tokens_seen,
                            **({"rank_accuracy": rank_ema, "val_rank_accuracy": info.val_rank_accuracy}
                               if val_pairs is not None else {})})
            if val < best_val:
                best_val = val
                save(best_dir, info)
            info.best_val_loss = best_val
            cb.on_eval(info)
        if time.time() - last_ckpt > config.checkpoint_minutes * 60:
            save(last_dir, info)
            last_ckpt = time.time()
    if world > 1:
        ranks_agree = weights_agree(model)
    save(last_dir, info)
    if world > 1:
        dist.barrier()
    return TrainResult(steps=step, tokens=tokens_seen, seconds=elapsed_before + time.time() - t0,
                       final_loss=loss_ema if loss_ema is not None else float("nan"), best_val_loss=best_val,
                       best_val_bpc=best_val / chars_per_token / LN2, out=out, history=history)
