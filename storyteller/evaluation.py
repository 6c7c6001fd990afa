"""Evaluation: bits per character on text, speed benchmarks, and (with memory) the plot-holding figures.

Bits per character = total nats over the text / its characters / ln 2: comparable across tokenizers.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from storyteller.checkpoint import Checkpoint, CheckpointError, default_model_path, load_checkpoint
from storyteller.model import LSTMLanguageModel

LN2 = math.log(2)


@dataclass
class TextScore:
    nats: float
    tokens: int
    characters: int

    @property
    def bpc(self) -> float:
        return self.nats / max(1, self.characters) / LN2

    @property
    def perplexity(self) -> float:
        return math.exp(self.nats / max(1, self.tokens))

    def to_dict(self) -> dict[str, Any]:
        return {"bpc": round(self.bpc, 4), "perplexity": round(self.perplexity, 3), "tokens": self.tokens,
                "characters": self.characters, "nats": round(self.nats, 2)}


@torch.no_grad()
def score_text(model: LSTMLanguageModel, tokenizer, text: str, streams: int = 16, chunk: int = 256) -> TextScore:
    """Total negative log-likelihood of `text`, run as `streams` contiguous segments with carried LSTM state.

    The first token of every segment is predicted from <|doc|> alone, so nothing is left unscored.
    """
    model.eval()
    ids = tokenizer.encode(text)
    if not ids:
        return TextScore(0.0, 0, len(text))
    n_streams = max(1, min(streams, len(ids) // (chunk * 2) or 1))
    seg = math.ceil(len(ids) / n_streams)
    segments = [ids[i * seg : (i + 1) * seg] for i in range(n_streams)]
    segments = [s for s in segments if s]
    length = max(len(s) for s in segments)
    pad = tokenizer.pad_id
    inputs = torch.full((len(segments), length), pad, dtype=torch.long)
    targets = torch.full((len(segments), length), pad, dtype=torch.long)
    mask = torch.zeros((len(segments), length))
    for b, s in enumerate(segments):
        inputs[b, 0] = tokenizer.doc_id
        inputs[b, 1 : len(s)] = torch.tensor(s[:-1])
        targets[b, : len(s)] = torch.tensor(s)
        mask[b, : len(s)] = 1
    nats, state = 0.0, None
    for start in range(0, length, chunk):
        x = inputs[:, start : start + chunk]
        logits, _, state = model(x, state)
        loss = F.cross_entropy(logits.float().flatten(0, 1), targets[:, start : start + chunk].flatten(), reduction="none")
        nats += float((loss * mask[:, start : start + chunk].flatten()).sum())
    return TextScore(nats, len(ids), len(text))


def parse_range(spec: str | None) -> tuple[float, float]:
    if not spec:
        return 0.0, 1.0
    try:
        a, b = (float(x) for x in spec.split(":"))
    except ValueError:
        raise ValueError(f"bad range {spec!r}: expected A:B with 0 <= A < B <= 1") from None
    if not 0.0 <= a < b <= 1.0:
        raise ValueError(f"bad range {spec!r}: expected A:B with 0 <= A < B <= 1")
    return a, b


def read_corpus_texts(paths: list[str], max_chars: int | None = None,
                      fraction: tuple[float, float] = (0.0, 1.0)) -> list[tuple[str, str]]:
    from storyteller.corpus import iter_text_files

    out, total = [], 0
    for f in iter_text_files(paths):
        try:
            text = f.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        except OSError as e:  # unreadable: say which file, in one line
            raise ValueError(f"cannot read corpus file {f}: {e.strerror or e}") from None
        text = text[int(len(text) * fraction[0]) : int(len(text) * fraction[1])]
        if max_chars is not None:
            text = text[: max(0, max_chars - total)]
        if text:
            out.append((str(f), text))
            total += len(text)
        if max_chars is not None and total >= max_chars:
            break
    return out


def score_corpus(checkpoint: Checkpoint, texts: list[tuple[str, str]]) -> TextScore:
    total = TextScore(0.0, 0, 0)
    for _, text in texts:
        s = score_text(checkpoint.model, checkpoint.tokenizer, text)
        total = TextScore(total.nats + s.nats, total.tokens + s.tokens, total.characters + s.characters)
    return total


# -- speed -----------------------------------------------------------------------------------------
def bench_narration(checkpoint: Checkpoint, tokens: int = 400, quantize: bool = True) -> dict[str, float]:
    from storyteller.config import SamplerConfig
    from storyteller.generator import Generator

    gen = Generator(checkpoint, quantize=quantize)
    text = ("You stand at the edge of a dark forest with a lantern in your hand. The old ferryman told you "
            "that the witch lives beyond the trees. ") * 12
    story = checkpoint.tokenizer.encode(text)
    prompt = gen.build_prompt(story, "hero: you. place: the dark forest\ncarrying: lantern, knife\n"
                              "people: the witch alive; the ferryman alive", "open the door", 256)
    settings = SamplerConfig(max_tokens=tokens, temperature=0.8)
    gen.narrate(prompt, SamplerConfig(max_tokens=8), torch.Generator().manual_seed(0))  # warm-up
    # Count raw decoding speed: no early stop at end of turn.
    stop_ids, gen.stop_ids = gen.stop_ids, set()
    try:
        t = time.perf_counter()
        first_logits, _ = gen.prefill(prompt)
        prefill = time.perf_counter() - t
        n = gen.narrate(prompt, settings, torch.Generator().manual_seed(0))
    finally:
        gen.stop_ids = stop_ids
    return {"tokens_per_second": n.tokens / n.seconds, "first_token_ms": 1000 * n.first_token_seconds,
            "prefill_ms": 1000 * prefill, "prompt_tokens": len(prompt), "tokens": n.tokens}


PLAY_BENCH_COMMANDS = ["look around", "open the door", "ask the ferryman about the witch", "go north",
                       "light the lantern", "say \"I have come for my sister\"", "follow the path"]


def play_bench_engine(checkpoint: Checkpoint, saves: str):
    """The engine `bench_play` and `bench --tui` narrate with: a story long enough to fill the cache pointer's
    window, narrations of up to 160 tokens, no loop-guard re-rolls."""
    from storyteller.config import SamplerConfig
    from storyteller.engine import Engine
    from storyteller.generator import Generator

    paragraph = ("You stand at the edge of a dark forest with a lantern in your hand. The old ferryman told you "
                 "that the witch lives beyond the trees, and that your sister is her prisoner.")
    window = int(checkpoint.meta.get("cache", {}).get("window", 1000))
    opening = "\n\n".join([paragraph] * max(1, window // 35 + 1))
    engine = Engine(Generator(checkpoint), saves_dir=saves, seed=0, opening=opening,
                    sampler=SamplerConfig(max_tokens=160))
    engine.config.autosave = False
    engine.config.loop_guard_retries = 0
    return engine


def bench_play(checkpoint: Checkpoint, turns: int = 6) -> dict[str, float]:
    """Narration speed as in play: int8, a story long enough to fill the cache pointer's window, the memory
    pointer and the decoding guards on. Streaming speed after the first token, and the median first-token time
    (prefill of the 256-token context + memory + command, then one sampled token)."""
    import tempfile

    with tempfile.TemporaryDirectory() as saves:
        engine = play_bench_engine(checkpoint, saves)
        engine.submit(PLAY_BENCH_COMMANDS[0])  # warm-up
        engine.generator.stop_ids = set()  # count streaming speed over whole budgets, as `bench_narration` does
        tokens, seconds, first = 0, 0.0, []
        for command in PLAY_BENCH_COMMANDS[1 : turns + 1]:
            reply = engine.submit(command)
            if reply.narration is not None and reply.narration.token_ids:
                tokens += len(reply.narration.token_ids) - 1
                seconds += reply.narration.seconds - reply.narration.first_token_seconds
                first.append(reply.narration.first_token_seconds)
    return {"tokens_per_second": tokens / max(seconds, 1e-9), "tokens": tokens,
            "first_token_ms": 1000 * sorted(first)[len(first) // 2] if first else 0.0,
            "cache_pointer": engine.story_cache is not None}


def bench_training(config, batch_size: int = 32, seq_len: int = 288, steps: int = 6, bf16: bool = True) -> float:
    model = LSTMLanguageModel(config).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randint(0, config.vocab_size, (batch_size, seq_len))
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            _, loss, _ = model(x, targets=x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t)
    best = sorted(times[1:])[len(times[1:]) // 2]  # median after warm-up
    return batch_size * seq_len / best


def store_meta(checkpoint: Checkpoint, updates: dict[str, Any]) -> None:
    """Merge keys into the checkpoint's config.json meta (atomically)."""
    from storyteller.checkpoint import CONFIG, write_json_atomic

    path = Path(checkpoint.path) / CONFIG
    data = json.loads(path.read_text(encoding="utf-8"))
    data.setdefault("meta", {}).update(updates)
    write_json_atomic(path, data)


# -- command entry points ----------------------------------------------------------------------------
def _load(model_path, UserError) -> Checkpoint:
    try:
        return load_checkpoint(model_path or default_model_path())
    except CheckpointError as e:
        raise UserError(str(e)) from None


def run_eval_command(args, UserError) -> int:
    if not args.corpus and not args.script and not args.annotated:
        raise UserError("give --corpus PATH [PATH ...], --script FILE and/or --annotated PATH [PATH ...]")
    result: dict[str, Any] = {}
    if args.annotated:
        from storyteller.memory_accuracy import score_summarizer

        files = [f for a in map(Path, args.annotated) for f in (sorted(a.glob("*.json")) if a.is_dir() else [a])]
        missing = [str(f) for f in files if not f.is_file()]
        if not files or missing:
            raise UserError(f"no annotated stories at {' '.join(missing or args.annotated)}")
        try:
            result["summarizer"] = score_summarizer([str(f) for f in files])
        except (ValueError, KeyError, json.JSONDecodeError) as e:
            raise UserError(f"cannot score annotated stories: {e}") from None
    if not args.corpus and not args.script:
        return _print_result(result, args, "summarizer accuracy")
    checkpoint = _load(args.model, UserError)
    result = {"model": checkpoint.model_id, **result}
    if args.corpus:
        for c in args.corpus:
            if not Path(c).exists():
                raise UserError(f"no such corpus file or folder: {c}")
        try:
            texts = read_corpus_texts(args.corpus, args.max_chars, parse_range(args.range))
        except ValueError as e:
            raise UserError(str(e)) from None
        if not texts:
            raise UserError("the corpus has no .txt text")
        total = score_corpus(checkpoint, texts)
        result.update(total.to_dict())
        if args.tune_cache:
            from storyteller.memory_eval import tune_cache

            best, grid = tune_cache(checkpoint, texts)
            result["cache_tuning"] = {"best": best.to_dict(), "best_bpc": round(min(g["bpc"] for g in grid), 4),
                                      "no_cache_bpc": round(grid[0]["bpc"], 4), "grid_points": len(grid) - 1}
            store_meta(checkpoint, {"cache": best.to_dict()})
            checkpoint.meta["cache"] = best.to_dict()
        if getattr(args, "tune_pointer", False):
            from storyteller.memory_eval import tune_memory_pointer

            best_pointer, grid = tune_memory_pointer(checkpoint, texts)
            result["pointer_tuning"] = {"best": best_pointer.to_dict(),
                                        "best_bpc": round(min(g["bpc"] for g in grid), 4),
                                        "no_pointer_bpc": round(next(g["bpc"] for g in grid if not g["lam_start"]
                                                                     and not g["lam_continue"]), 4),
                                        "grid": [{k: round(v, 4) for k, v in g.items()} for g in grid]}
            store_meta(checkpoint, {"memory_pointer": best_pointer.to_dict()})
            checkpoint.meta["memory_pointer"] = best_pointer.to_dict()
        if not args.no_memory_eval:
            from storyteller.memory_eval import distance_chart_svg, memory_ablation

            result["memory"] = memory_ablation(checkpoint, texts, seed=args.seed, max_windows=args.windows)
            if args.chart is not None and result["memory"].get("by_distance"):
                try:
                    args.chart.write_text(distance_chart_svg(result["memory"]["by_distance"]), encoding="utf-8")
                except OSError as e:
                    raise UserError(f"cannot write --chart {args.chart}: {e.strerror or e}") from None
    if args.script:
        from storyteller.memory_eval import play_metrics

        lines = args.script_lines  # read (and checked) by the command line before the evaluation
        result["play"] = play_metrics(checkpoint, lines, seed=args.seed,
                                      configure=getattr(args, "configure_engine", None))
    return _print_result(result, args, f"evaluation of {checkpoint.model_id}")


def _flatten(prefix: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [row for k, v in value.items() for row in _flatten(f"{prefix}.{k}" if prefix else str(k), v)]
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [row for i, v in enumerate(value) for row in _flatten(f"{prefix}[{i}]", v)]
    return [(prefix, f"{value:.4f}" if isinstance(value, float) else str(value))]


def _print_result(result: dict[str, Any], args, title: str) -> int:
    from rich.console import Console
    from rich.table import Table

    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in _flatten("", result):
        table.add_row(name, value)
    Console().print(table)
    return 0


def run_bench_command(args, UserError) -> int:
    from rich.console import Console
    from rich.table import Table

    checkpoint = _load(args.model, UserError)
    torch.manual_seed(0)
    result: dict[str, Any] = {"model": checkpoint.model_id, "threads": torch.get_num_threads(),
                              "parameters": checkpoint.model.num_params()}
    for name, quantize in (("int8", True), ("fp32", False)):
        r = bench_narration(checkpoint, args.tokens if quantize else min(args.tokens, 120), quantize)
        result[f"narration_{name}_tokens_per_second"] = round(r["tokens_per_second"], 1)
        result[f"first_token_{name}_ms"] = round(r["first_token_ms"], 1)
        result[f"prefill_{name}_ms"] = round(r["prefill_ms"], 1)
    play = bench_play(checkpoint)
    result["play_int8_tokens_per_second"] = round(play["tokens_per_second"], 1)
    result["play_first_token_ms"] = round(play["first_token_ms"], 1)
    result["play_cache_pointer"] = play["cache_pointer"]
    if args.tui:
        import tempfile

        from storyteller.tui.bench import bench_tui

        with tempfile.TemporaryDirectory() as saves:
            engine = play_bench_engine(checkpoint, saves)
            engine.generator.stop_ids = set()
            turns = args.tui_turns or len(PLAY_BENCH_COMMANDS)
            commands = [PLAY_BENCH_COMMANDS[i % len(PLAY_BENCH_COMMANDS)] for i in range(turns)]
            tui = bench_tui(engine, commands)
        result["tui_int8_tokens_per_second"] = round(tui["tokens_per_second"], 1)
        result["tui_first_words_ms"] = round(tui["first_words_ms"], 1)
        result["tui_first_words_max_ms"] = round(tui["first_words_max_ms"], 1)
        if "last_20_tokens_per_second" in tui:
            result["tui_turns"] = turns
            result["tui_last_20_tokens_per_second"] = round(tui["last_20_tokens_per_second"], 1)
    if args.train:
        result["training_bf16_tokens_per_second"] = round(bench_training(checkpoint.model.config), 1)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    table = Table(title="storyteller bench")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for k, v in result.items():
        table.add_row(k, f"{v:,}" if isinstance(v, (int, float)) else str(v))
    Console().print(table)
    return 0
