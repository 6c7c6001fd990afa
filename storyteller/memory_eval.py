"""Does the rolling memory keep the plot? Measured two ways.

1. Ablation on stories (`memory_ablation`): for windows that start at least 300 words into a story, the loss of
   the window given the same recent context and (a) the true memory of the text before it, (b) no memory,
   (c) the memory of a different story. Also restricted to character/place-name tokens, a ranking test
   (true memory vs 4 memories of other stories, Fan et al. 2018) and the continuous cache pointer on top.
   The ranking is also run on passages (the window's paragraph and those after it, PASSAGE_TOKENS tokens): one
   paragraph is often a single line of dialogue, and the memory's effect is mostly on its first few tokens.
2. Generation metrics on a scripted play (`play_metrics`): continuity with the memory, new names, fate
   contradictions (the dead acting or speaking), repetition and distinct bigrams.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from storyteller.cache import CacheConfig
from storyteller.checkpoint import Checkpoint
from storyteller.constraints import mention_pattern
from storyteller.corpus import Document, Unit, render_unit, split_documents
from storyteller.memory import Memory, MemoryConfig
from storyteller.memory_pointer import (MemoryPointer, MemoryPointerConfig, command_nouns, memory_names, memory_things,
                                        memory_words, word_starts)

LN2 = math.log(2)
MIN_WORDS_BEFORE = 300
CONTEXT_TOKENS = 256
MEMORY_BUDGET = 64
WINDOW_TOKENS = 96
PASSAGE_TOKENS = 192  # the supplementary ranking test scores this much text from the window's start
OTHER_MEMORIES = 4
HISTORY_CHARS = 16_000  # story kept before each window for the cache pointer (about 4,000 tokens)


@dataclass
class Window:
    doc: int
    context: list[int]         # recent story tokens before the window
    history: list[int]         # a longer stretch of story before the window (for the cache pointer)
    command: list[int]         # <|cmd|>...<|/cmd|> for transcript turns, else empty
    target: list[int]          # the window's tokens
    characters: int            # characters of the window text
    entity_mask: list[bool]    # which target tokens belong to a character or place name
    entity_chars: int
    memory: str                # true rolling memory before the window
    distance: int = 0          # words of story before the window
    names: list[str] = field(default_factory=list)  # the memory's character and place names (memory pointer)
    things: list[str] = field(default_factory=list)  # the memory's objects (memory pointer, after a determiner)
    work: str = ""             # the file the story came from: a novel's chapters, or two play-throughs of one game
    passage: list[int] = field(default_factory=list)  # the window's text and the units after it (PASSAGE_TOKENS)
    lexicon: list[tuple[str, float]] = field(default_factory=list)  # the story's telling words (memory pointer)


def _name_spans(text: str, names: Sequence[str]) -> list[tuple[int, int]]:
    spans = []
    for name in sorted({n for n in names if n and len(n) > 1}, key=len, reverse=True):
        for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text, flags=re.IGNORECASE):
            if not any(a < m.end() and m.start() < b for a, b in spans):
                spans.append((m.start(), m.end()))
    return spans


def collect_windows(checkpoint: Checkpoint, texts: Sequence[tuple[str, str]], max_windows: int = 240,
                    per_doc: int = 12, seed: int = 1) -> list[Window]:
    """Windows at paragraph boundaries at least MIN_WORDS_BEFORE words into each story, spread evenly."""
    tok = checkpoint.tokenizer
    docs: list[Document] = []
    for name, text in texts:
        from pathlib import Path

        docs.extend(split_documents(Path(name), text, generated_keep=1.0))
    candidates: list[Window] = []
    works = [doc.name.split("#")[0] for doc in docs]
    for d_index, doc in enumerate(docs):
        memory = Memory(MemoryConfig(budget_tokens=MEMORY_BUDGET))
        story = ""
        words = 0
        eligible: list[Window] = []
        units = doc.units
        for i, unit in enumerate(units):
            if unit.kind == "command":
                response = units[i + 1] if i + 1 < len(units) and units[i + 1].kind == "response" else None
                if response is not None and words >= MIN_WORDS_BEFORE:
                    summary = memory.summary_json(in_passing=True)
                    eligible.append(_make_window(tok, d_index, story, unit.text, response.text,
                                                 memory.render(tok.count, MEMORY_BUDGET), memory_names(summary),
                                                 words, memory_things(summary), _passage(tok, units, i + 1),
                                                 memory.lexicon.keywords()))
                memory.read_command(unit.text)
                story += f"> {unit.text}\n\n"
                continue
            if unit.kind == "prose" and words >= MIN_WORDS_BEFORE:
                summary = memory.summary_json(in_passing=True)
                eligible.append(_make_window(tok, d_index, story, None, unit.text,
                                             memory.render(tok.count, MEMORY_BUDGET), memory_names(summary), words,
                                             memory_things(summary), _passage(tok, units, i),
                                             memory.lexicon.keywords()))
            memory.read(unit.text)
            story += unit.text + "\n\n"
            words += len(unit.text.split())
        for w in eligible:
            w.work = works[d_index]
        if eligible:
            step = max(1, len(eligible) // per_doc)
            candidates.extend(eligible[::step][:per_doc])
    if len(candidates) > max_windows:
        rng = random.Random(seed)
        candidates = sorted(rng.sample(candidates, max_windows), key=lambda w: (w.doc, len(w.history)))
    return candidates


def _passage(tok, units: Sequence[Unit], start: int) -> list[int]:
    """Tokens of units[start:] as the story text has them (commands as "> command"), up to PASSAGE_TOKENS."""
    text, ids = "", []
    for unit in units[start:]:
        text += ("\n\n" if text else "") + render_unit(unit)
        ids = tok.encode(text)  # the joined text, not the units one by one: tokens may merge across a boundary
        if len(ids) >= PASSAGE_TOKENS:
            break
    return ids[:PASSAGE_TOKENS]


def _make_window(tok, doc: int, story: str, command: str | None, text: str, memory: str,
                 names: list[str], distance: int = 0, things: Sequence[str] = (),
                 passage: Sequence[int] = (), lexicon: Sequence[tuple[str, float]] = ()) -> Window:
    tail = story[-HISTORY_CHARS:]
    history = tok.encode(tail)
    enc = tok.hf.encode(text, add_special_tokens=False)
    ids, offsets = enc.ids[:WINDOW_TOKENS], enc.offsets[:WINDOW_TOKENS]
    shown = text[: offsets[-1][1]] if offsets else ""
    spans = _name_spans(shown, names)
    mask = [any(a < e and s < b for a, b in spans) for s, e in offsets]
    entity_chars = sum(e - s for (s, e), m in zip(offsets, mask) if m)
    cmd = [tok.cmd_id, *tok.encode(command), tok.end_cmd_id] if command else []
    return Window(doc, history[-CONTEXT_TOKENS:], history, cmd, ids, len(shown), mask, entity_chars, memory, distance,
                  list(names), list(things), passage=list(passage), lexicon=list(lexicon))


@dataclass
class Scored:
    logp: torch.Tensor                # (n,) log p_model(target_t)
    start_mass: torch.Tensor          # (n,) p_model(target_t starts a word), for the lexicon's weight
    full: torch.Tensor | None = None  # (n, vocab) log-probabilities, with want_hidden
    hidden: torch.Tensor | None = None


@torch.no_grad()
def _score(model, rows: list[list[int]], target_lens: list[int], pad: int, want_hidden: bool = False,
           starts: torch.Tensor | None = None) -> list[Scored]:
    """Per-token log-probabilities of each row's last target_len tokens (and hidden states there). `starts` marks
    the tokens that start a word (`word_starts`); without it the start mass is zero."""
    length = max(len(r) for r in rows)
    x = torch.full((len(rows), length), pad, dtype=torch.long)
    for b, r in enumerate(rows):
        x[b, length - len(r) :] = torch.tensor(r)  # left-pad: every row ends at the last column
    hidden, _ = model.hidden(x[:, :-1])
    logp = torch.log_softmax(model.head(hidden).float(), -1)
    out = []
    for b, n in enumerate(target_lens):
        tgt = x[b, length - n :]
        lp = logp[b, length - n - 1 :].gather(-1, tgt.view(-1, 1)).squeeze(-1)
        mass = logp[b, length - n - 1 :].exp() @ starts if starts is not None else torch.zeros(n)
        full = logp[b, length - n - 1 :] if want_hidden else None
        h = hidden[b, length - n - 1 :] if want_hidden else None
        out.append(Scored(lp, mass, full, h))
    return out


def _row(tok, w: Window, memory: str | None, target: Sequence[int] | None = None) -> list[int]:
    mem = [tok.mem_id, *tok.encode(memory), tok.end_mem_id] if memory else []
    return [tok.doc_id, *w.context, *mem, *w.command, *(w.target if target is None else target)]


def pointer_config(checkpoint: Checkpoint) -> MemoryPointerConfig | None:
    """The checkpoint's tuned memory pointer, or None when it has none (the model reads the block alone)."""
    tuned = checkpoint.meta.get("memory_pointer")
    return MemoryPointerConfig(**tuned) if tuned else None


def _with_pointer(tok, scored: Scored, row: list[int], n: int, memory: Window | None,
                  config: MemoryPointerConfig | None, logp: torch.Tensor | None = None) -> torch.Tensor:
    """The window's log-probabilities with the memory pointer over `memory` (a window's memory; None: no memory).
    `logp` replaces the model's own (the cache pointer's mixture)."""
    logp = scored.logp if logp is None else logp
    if config is None or memory is None or not (memory.names or memory.memory or memory.lexicon):
        return logp
    pointer = MemoryPointer(tok, memory.names, config, memory_words(memory.memory), memory.things,
                            lexicon=memory.lexicon)
    return pointer.token_logp(logp, row[-n:], row[:-n], scored.start_mass) if pointer else logp


def _starts(model, tok) -> torch.Tensor:
    """Which of the model's output tokens start a word (built once per tokenizer: `word_starts` is cached)."""
    return word_starts(tok, model.head.out_features)


def other_stories(w: Window, windows: Sequence[Window], rng: random.Random, other_works: bool = True) -> list[Window]:
    """OTHER_MEMORIES windows of other stories, whose memories the true one must beat in the ranking test.

    Other works where there are enough of them: a chapter of the same novel, or another play-through of the same
    game, shares the story's people and places, so its memory is partly the true one. `other_works=False` draws
    from any other document (reported as `ranking_accuracy_any_document`)."""
    others = [o for o in windows if o.doc != w.doc]
    elsewhere = [o for o in others if o.work != w.work]
    pool = elsewhere if other_works and len(elsewhere) >= OTHER_MEMORIES else others
    return rng.sample(pool, min(OTHER_MEMORIES, len(pool)))


def _passage_ranked(model, tok, w: Window, other: Sequence[Window],
                    pointer: MemoryPointerConfig | None) -> tuple[bool, bool]:
    """The ranking test on the window's passage: whether its loss given the true memory is lower than given each
    of `other`'s memories, with the memory pointer and with the LSTM alone. Its own batch, so that the window
    figures' batches (and their padding) stay as they were."""
    rows = [_row(tok, w, m.memory, w.passage) for m in (w, *other)]
    n = len(w.passage)
    scored = _score(model, rows, [n] * len(rows), tok.pad_id, starts=_starts(model, tok))
    model_nll = [float(-s.logp.sum()) for s in scored]
    nll = [float(-_with_pointer(tok, s, r, n, m, pointer).sum()) for s, r, m in zip(scored, rows, (w, *other))]
    return all(nll[0] < x for x in nll[1:]), all(model_nll[0] < x for x in model_nll[1:])


@torch.no_grad()
def memory_ablation(checkpoint: Checkpoint, texts: Sequence[tuple[str, str]], seed: int = 1,
                    max_windows: int = 240, cache: CacheConfig | None = None,
                    pointer: MemoryPointerConfig | None = None) -> dict[str, Any]:
    """The memory figures for the generator as it plays: the model reading the memory block plus, when the
    checkpoint has a tuned one, the memory pointer. `model_only` has the same figures for the LSTM alone."""
    model, tok = checkpoint.model.eval(), checkpoint.tokenizer
    windows = collect_windows(checkpoint, texts, max_windows=max_windows, seed=seed)
    docs = sorted({w.doc for w in windows})
    if len(windows) < 2 or len(docs) < 2:
        return {"windows": len(windows), "error": "need at least two stories longer than 300 words"}
    cache = cache or CacheConfig(**checkpoint.meta.get("cache", {}))
    pointer = pointer or pointer_config(checkpoint)
    rng = random.Random(seed)
    keys = ("with", "without", "shuffled", "cache", "e_with", "e_without")
    totals = {k: 0.0 for k in keys}
    model_totals = {k: 0.0 for k in keys}
    chars = entity_chars = 0
    ranked_ok = model_ranked_ok = 0
    passage_ok = model_passage_ok = 0
    buckets: dict[int, list[float]] = {}  # bucket -> [nats with, nats without, characters, windows, model only]
    any_rng = random.Random(seed + 1)
    any_ranked_ok = 0
    named = [0, 0]  # windows that name something the memory holds: [ranked right, all]
    starts = _starts(model, tok)
    for w in windows:
        other = other_stories(w, windows, rng)
        other_any = other_stories(w, windows, any_rng, other_works=False)
        rows_any = [_row(tok, w, o.memory) for o in other_any]
        nll_any = [-_with_pointer(tok, s, r, len(w.target), o, pointer)
                   for s, r, o in zip(_score(model, rows_any, [len(w.target)] * len(rows_any), tok.pad_id,
                                             starts=starts), rows_any, other_any)]
        rows = [_row(tok, w, w.memory), _row(tok, w, None), *[_row(tok, w, o.memory) for o in other]]
        memories = [w, None, *other]
        n = len(w.target)
        scored = _score(model, rows, [n] * len(rows), tok.pad_id, starts=starts)
        model_nll = [-s.logp for s in scored]
        nll = [-_with_pointer(tok, s, r, n, m, pointer) for s, r, m in zip(scored, rows, memories)]
        mask = torch.tensor(w.entity_mask, dtype=torch.bool)
        cache_logp = -cache_window_nll(model, tok, w, cache)
        for tot, losses, cached in ((totals, nll, _with_pointer(tok, scored[0], rows[0], n, w, pointer,
                                                                logp=cache_logp)),
                                    (model_totals, model_nll, cache_logp)):
            tot["with"] += float(losses[0].sum())
            tot["without"] += float(losses[1].sum())
            tot["shuffled"] += float(losses[2].sum())
            tot["e_with"] += float(losses[0][mask].sum())
            tot["e_without"] += float(losses[1][mask].sum())
            tot["cache"] += float(-cached.sum())
        ranked = all(float(nll[0].sum()) < float(x.sum()) for x in nll[2:])
        ranked_ok += ranked
        if any(w.entity_mask):
            named[0] += ranked
            named[1] += 1
        any_ranked_ok += all(float(nll[0].sum()) < float(x.sum()) for x in nll_any)
        model_ranked_ok += all(float(model_nll[0].sum()) < float(x.sum()) for x in model_nll[2:])
        ok, model_ok = _passage_ranked(model, tok, w, other, pointer)  # the same other memories, no new draws
        passage_ok += ok
        model_passage_ok += model_ok
        chars += w.characters
        entity_chars += w.entity_chars
        b = buckets.setdefault(_bucket(w.distance), [0.0, 0.0, 0, 0, 0.0])
        b[0] += float(nll[0].sum())
        b[1] += float(nll[1].sum())
        b[2] += w.characters
        b[3] += 1
        b[4] += float(model_nll[0].sum())

    def bpc(nats: float, c: int) -> float:
        return round(nats / max(1, c) / LN2, 4)

    def figures(tot: dict[str, float], ranked: int, ranked_passage: int) -> dict[str, Any]:
        return {
            "bpc_with": bpc(tot["with"], chars), "bpc_without": bpc(tot["without"], chars),
            "bpc_shuffled": bpc(tot["shuffled"], chars),
            "entity_bpc_with": bpc(tot["e_with"], entity_chars),
            "entity_bpc_without": bpc(tot["e_without"], entity_chars),
            "ranking_accuracy": round(ranked / len(windows), 4),
            "ranking_accuracy_passage": round(ranked_passage / len(windows), 4),
            "cache_bpc": bpc(tot["cache"], chars),
            "cache_gain": round(1 - tot["cache"] / max(tot["with"], 1e-9), 4),
        }

    return {
        "windows": len(windows), "stories": len(docs), "characters": chars, "entity_characters": entity_chars,
        **figures(totals, ranked_ok, passage_ok),
        "ranking_accuracy_any_document": round(any_ranked_ok / len(windows), 4),
        # The ranking split by whether the window names something the memory holds (the pointer's names have
        # something to find there) or nothing (only the block's reading, its words and the lexicon can tell).
        "ranking_by_window": {"naming_windows": named[1],
                              "naming": round(named[0] / max(1, named[1]), 4),
                              "other": round((ranked_ok - named[0]) / max(1, len(windows) - named[1]), 4)},
        "passage_tokens": round(sum(len(w.passage) for w in windows) / len(windows), 1),
        "works": len({w.work for w in windows}),
        "cache": cache.to_dict(),
        "memory_pointer": pointer.to_dict() if pointer else None,
        "model_only": figures(model_totals, model_ranked_ok, model_passage_ok),
        "by_distance": [{"words_from": lo, "words_to": DISTANCE_EDGES[i + 1] if i + 1 < len(DISTANCE_EDGES) else None,
                         "windows": int(b[3]), "bpc_with": bpc(b[0], int(b[2])), "bpc_without": bpc(b[1], int(b[2])),
                         "bpc_with_model_only": bpc(b[4], int(b[2]))}
                        for i, lo in enumerate(DISTANCE_EDGES) if (b := buckets.get(i))],
    }


@torch.no_grad()
def tune_memory_pointer(checkpoint: Checkpoint, texts: Sequence[tuple[str, str]], max_windows: int = 160,
                        lam_starts: Sequence[float] = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1),
                        lam_continues: Sequence[float] = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9),
                        lam_words: Sequence[float] = (0.0, 0.01, 0.02, 0.05, 0.1),
                        lam_word_continues: Sequence[float] = (0.0, 0.1, 0.3, 0.5),
                        lam_nouns: Sequence[float] = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3),
                        lam_noun_continues: Sequence[float] = (0.0, 0.1, 0.3, 0.7),
                        lam_lexicons: Sequence[float] = (0.0, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.08),
                        ) -> tuple[MemoryPointerConfig, list[dict]]:
    """Grid search of the memory pointer's weights on (validation) texts, minimising the bits per character of
    whole windows given their true memory (not of the name tokens alone): the two name weights first, then the
    two word weights with the best name weights held, then the weight after a determiner, then the lexicon's."""
    model, tok = checkpoint.model.eval(), checkpoint.tokenizer
    wins = collect_windows(checkpoint, texts, max_windows=max_windows)
    chars = sum(w.characters for w in wins)
    scored = []
    starts = _starts(model, tok)
    for w in wins:
        row = _row(tok, w, w.memory)
        one, = _score(model, [row], [len(w.target)], tok.pad_id, starts=starts)
        scored.append((row, one, w))
    grid = []
    for ls in lam_starts:
        for lc in lam_continues:
            grid.append(_grid_point(tok, scored, chars, MemoryPointerConfig(lam_start=ls, lam_continue=lc)))
    best = min(grid, key=lambda g: g["bpc"])
    for lw in lam_words:
        for lwc in lam_word_continues:
            if lw == 0 and lwc > 0:
                continue
            grid.append(_grid_point(tok, scored, chars, MemoryPointerConfig(
                best["lam_start"], best["lam_continue"], lam_word=lw, lam_word_continue=lwc)))
    best = min(grid, key=lambda g: g["bpc"])
    held = {k: v for k, v in best.items() if k not in ("bpc", "lam_noun", "lam_noun_continue")}
    for ln in lam_nouns:
        for lnc in lam_noun_continues if ln > 0 else ():
            grid.append(_grid_point(tok, scored, chars, MemoryPointerConfig(**held, lam_noun=ln,
                                                                              lam_noun_continue=lnc)))
    best = min(grid, key=lambda g: g["bpc"])
    held = {k: v for k, v in best.items() if k not in ("bpc", "lam_lexicon")}
    for ll in lam_lexicons:
        if ll > 0:
            grid.append(_grid_point(tok, scored, chars, MemoryPointerConfig(**held, lam_lexicon=ll)))
    best = min(grid, key=lambda g: g["bpc"])
    return MemoryPointerConfig(**{k: v for k, v in best.items() if k != "bpc"}), grid


def _grid_point(tok, scored, chars: int, cfg: MemoryPointerConfig) -> dict:
    nats = -sum(float(_with_pointer(tok, one, row, len(w.target), w, cfg).sum()) for row, one, w in scored)
    return {**cfg.to_dict(), "bpc": nats / max(1, chars) / LN2}


DISTANCE_EDGES = (300, 1000, 3000, 10000, 30000)


def _bucket(distance: int) -> int:
    return max(i for i, lo in enumerate(DISTANCE_EDGES) if distance >= lo) if distance >= DISTANCE_EDGES[0] else 0


def distance_chart_svg(by_distance: list[dict], title: str = "bits per character vs distance into the story") -> str:
    """A small dependency-free SVG line chart of bpc with and without memory per distance bucket."""
    width, height, left, bottom, top, right = 680, 360, 70, 60, 40, 190
    labels = [f"{r['words_from']}-{r['words_to'] or '…'}" for r in by_distance]
    series = {"with memory": [r["bpc_with"] for r in by_distance], "without memory": [r["bpc_without"] for r in by_distance]}
    if by_distance and "bpc_with_model_only" in by_distance[0]:
        series["memory, LSTM alone"] = [r["bpc_with_model_only"] for r in by_distance]
    values = [v for vs in series.values() for v in vs] or [0.0, 1.0]
    lo, hi = min(values) * 0.97, max(values) * 1.03
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(labels) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + plot_w * i / n, top + plot_h * (1 - (v - lo) / max(hi - lo, 1e-9))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="14">{title}</text>',
           f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="black"/>']
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        _, y = xy(0, v)
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{v:.2f}</text>')
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
    for i, label in enumerate(labels):
        x, _ = xy(i, lo)
        out.append(f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="middle">{label}</text>')
    out.append(f'<text x="{left + plot_w / 2}" y="{height - 15}" text-anchor="middle">words into the story</text>')
    for (name, vs), color, ly in zip(series.items(), ("#1f77b4", "#d62728", "#2ca02c"),
                                            (top + 10, top + 30, top + 50)):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(vs)))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, v in enumerate(vs):
            x, y = xy(i, v)
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>')
        out.append(f'<line x1="{left + plot_w + 15}" y1="{ly}" x2="{left + plot_w + 35}" y2="{ly}" stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{left + plot_w + 40}" y="{ly + 4}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out)


@dataclass
class CacheParts:
    """What the cache pointer needs for one window, computed once and reused across θ, λ and window sizes."""

    model_logp: torch.Tensor   # (n,) log p_model(target) with the true memory
    hidden: torch.Tensor       # (n, d) top-layer states at the window's positions
    keys: torch.Tensor         # (N, d) states over the story before the window (plain run)
    values: torch.Tensor       # (N,) the token that followed each key
    targets: torch.Tensor      # (n,)


@torch.no_grad()
def cache_parts(model, tok, w: Window, max_window: int) -> CacheParts:
    n = len(w.target)
    one, = _score(model, [_row(tok, w, w.memory)], [n], tok.pad_id, want_hidden=True)
    lp, h = one.logp, one.hidden
    history = w.history[-max_window - 1 :]
    if len(history) >= 2:
        hist_h, _ = model.hidden(torch.tensor([[tok.doc_id, *history[:-1]]]))
        keys, values = hist_h[0, 1:].float(), torch.tensor(history[1:])   # state after history[i] -> history[i + 1]
    else:
        keys, values = torch.zeros(0, h.shape[-1]), torch.zeros(0, dtype=torch.long)
    return CacheParts(lp.float(), h.float(), keys, values, torch.tensor(w.target))


def cache_nll(parts: CacheParts, cache: CacheConfig) -> torch.Tensor:
    """NLL of the window's tokens under (1 - λ) p_model + λ p_cache, with the last `cache.window` story
    positions plus the window's own earlier positions in the cache (position t never sees t or later)."""
    n = len(parts.targets)
    keys_hist, values_hist = parts.keys[-cache.window :], parts.values[-cache.window :]
    keys = torch.cat([keys_hist, parts.hidden[:-1]])
    values = torch.cat([values_hist, parts.targets[:-1]])
    if len(values) == 0 or cache.lam <= 0:
        return -parts.model_logp
    scores = cache.theta * (F.normalize(parts.hidden, dim=-1) @ F.normalize(keys, dim=-1).T)
    n_hist = len(values_hist)
    future = torch.arange(len(values)).view(1, -1) >= (n_hist + torch.arange(n)).view(-1, 1)
    scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores, dim=-1).nan_to_num(0.0)
    p_cache = (weights * (values.view(1, -1) == parts.targets.view(-1, 1))).sum(-1)
    has_cache = (~future).any(-1)
    mixed = torch.log((1 - cache.lam) * parts.model_logp.exp() + cache.lam * p_cache + 1e-12)
    return -torch.where(has_cache, mixed, parts.model_logp)


def cache_window_nll(model, tok, w: Window, cache: CacheConfig) -> torch.Tensor:
    return cache_nll(cache_parts(model, tok, w, cache.window), cache)


def tune_cache(checkpoint: Checkpoint, texts: Sequence[tuple[str, str]], max_windows: int = 160,
               thetas: Sequence[float] = (5.0, 10.0, 20.0, 40.0, 60.0, 90.0),
               lams: Sequence[float] = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3),
               windows_sizes: Sequence[int] = (500, 1000, 2000, 3000)) -> tuple[CacheConfig, list[dict]]:
    """Grid search of θ, λ and window on (validation) texts; returns the best config and the whole grid."""
    model, tok = checkpoint.model.eval(), checkpoint.tokenizer
    wins = collect_windows(checkpoint, texts, max_windows=max_windows)
    chars = sum(w.characters for w in wins)
    parts = [cache_parts(model, tok, w, max(windows_sizes)) for w in wins]
    base = sum(float(p.model_logp.sum()) for p in parts)
    grid = [{"theta": 0.0, "lam": 0.0, "window": 0, "bpc": -base / max(1, chars) / LN2}]
    for size in windows_sizes:
        for theta in thetas:
            for lam in lams:
                cfg = CacheConfig(theta=theta, lam=lam, window=size)
                nats = sum(float(cache_nll(p, cfg).sum()) for p in parts)
                grid.append({**cfg.to_dict(), "bpc": nats / max(1, chars) / LN2})
    best = min(grid[1:], key=lambda g: g["bpc"])
    return CacheConfig(best["theta"], best["lam"], int(best["window"])), grid


# -- play metrics ------------------------------------------------------------------------------------
_ACTS = ("said", "says", "asked", "asks", "cried", "cries", "replied", "replies", "answered", "answers",
         "shouted", "shouts", "whispered", "whispers", "went", "goes", "walked", "walks", "ran", "runs", "came",
         "comes", "took", "takes", "looked", "looks", "smiled", "smiles", "laughed", "laughs", "attacked",
         "attacks", "stood", "stands", "sat", "sits", "turned", "turns", "gave", "gives", "spoke", "speaks",
         "opened", "opens", "followed", "follows", "nodded", "nods", "jumped", "jumps")
_ACT_RE = "|".join(_ACTS)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+")


def fate_contradiction(narration: str, dead: Sequence[str]) -> bool:
    """True when a character recorded dead acts or speaks: "<name> [adverb] said/went/...", or "said <name>"."""
    for name in dead:
        if not name or name.lower() in {"you", "i"}:
            continue
        n = re.escape(name)
        if re.search(rf"(?<!\w){n}(?!\w)\s+(?:\w+ly\s+)?(?:{_ACT_RE})\b", narration, re.IGNORECASE):
            return True
        if re.search(rf"\b(?:said|asked|cried|replied|answered)\s+{n}(?!\w)", narration, re.IGNORECASE):
            return True
    return False


def _mentions(narration: str, names: set[str]) -> bool:
    """Whether a narration names something the memory holds. A leading article is not part of the name: "his
    sister" mentions the memory's "the sister", "a witch" its "the witch"."""
    pattern = mention_pattern(names)
    return bool(pattern and pattern.search(narration))


def play_metrics(checkpoint: Checkpoint, lines: Sequence[str], seed: int = 1, engine=None,
                 configure=None) -> dict[str, Any]:
    """Play a script headless and measure the narrations against the memory. `configure(engine)` may change the
    new engine's settings first (e.g. the play-time steering)."""
    import tempfile

    from storyteller.engine import Engine, script_commands
    from storyteller.generator import Generator

    if engine is None:
        with tempfile.TemporaryDirectory(prefix="storyteller-eval-") as saves:  # a script's /save lands here
            engine = Engine(Generator(checkpoint), saves_dir=saves, seed=seed)
            engine.config.autosave = False
            if configure is not None:
                configure(engine)
            return play_metrics(checkpoint, lines, engine=engine)
    narrations: list[str] = []
    about = asked = 0
    continuity = contradictions = 0
    new_names = 0
    for line in script_commands(lines):
        if line.startswith("/"):
            engine.submit(line)
            continue
        known = engine.memory.known_names()
        characters_before = {c["name"] for c in engine.memory.summary_json(in_passing=True)["characters"]}
        dead = engine.memory.dead_characters()
        reply = engine.submit(line)
        text = reply.text
        narrations.append(text)
        continuity += _mentions(text, known)
        nouns = command_nouns(line)
        if nouns:
            asked += 1
            about += _mentions(text, {n.split()[-1] for n in nouns})
        contradictions += fate_contradiction(text, dead)
        characters_after = {c["name"] for c in engine.memory.summary_json(in_passing=True)["characters"]}
        # the narrator's inventions: someone the player's command named ("ask the miller") is not one
        new_names += sum(not _mentions(line, {name}) for name in characters_after - characters_before)
    turns = len(narrations)
    sentences = [s.strip().lower() for n in narrations for s in _SENTENCE_SPLIT.split(n) if len(s.strip()) > 3]
    seen: set[str] = set()
    repeated = 0
    for s in sentences:
        repeated += s in seen
        seen.add(s)
    bigrams = [(a, b) for n in narrations for a, b in zip(n.lower().split(), n.lower().split()[1:])]
    return {
        "turns": turns,
        "entity_continuity": round(continuity / max(1, turns), 4),
        "new_names_per_turn": round(new_names / max(1, turns), 4),
        "fate_contradictions": contradictions,
        "repeated_sentence_rate": round(repeated / max(1, len(sentences)), 4),
        "distinct_2": round(len(set(bigrams)) / max(1, len(bigrams)), 4),
        # of the commands about something ("take the lamp"), how many narrations name it ("lamp")
        "command_mentions": round(about / max(1, asked), 4),
    }
