"""How far could any memory take the ranking test? Give each candidate the story's own text instead.

The ranking test (`storyteller eval`, `ranking_accuracy`) asks whether a window costs less after its own memory
than after each of 4 memories of other works. Here each candidate also brings the last 1,244 tokens of its story
before the window, read by the continuous cache pointer (the recent 256 tokens, which every candidate shares, are
the true story's in all of them). If even the text itself ranks no better than the memory does, the memory is not
what holds the figure back. Use validation documents (`scripts/validation_docs.py --by-work`), not held-out ones.

Usage: python scripts/ranking_with_story_text.py [--model assets/model] [--windows 160] FILE ...
"""

import argparse
import random
from pathlib import Path

import torch

from storyteller import memory_eval as me
from storyteller.cache import CacheConfig
from storyteller.checkpoint import load_checkpoint

parser = argparse.ArgumentParser()
parser.add_argument("files", nargs="+")
parser.add_argument("--model", default="assets/model")
parser.add_argument("--windows", type=int, default=160)
args = parser.parse_args()
checkpoint = load_checkpoint(args.model)
tok, model = checkpoint.tokenizer, checkpoint.model.eval()
windows = me.collect_windows(checkpoint, [(f, Path(f).read_text(encoding="utf-8")) for f in args.files],
                             max_windows=args.windows)
cache = CacheConfig(**checkpoint.meta.get("cache", {}))
pointer = me.pointer_config(checkpoint)
starts = me._starts(model, tok)
rng = random.Random(1)  # the draw of `memory_ablation`
shared = me.CONTEXT_TOKENS


@torch.no_grad()
def keys_of(ids: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """The cache's keys (states) and values (the token that followed each) over some story tokens."""
    hidden, _ = model.hidden(torch.tensor([[tok.doc_id, *ids[:-1]]]))
    return hidden[0, 1:].float(), torch.tensor(ids[1:])


ranked = {"memory (the shipped generator)": 0, "memory + the story's text": 0, "the story's text alone": 0}
for w in windows:
    others = me.other_stories(w, windows, rng)
    n = len(w.target)
    rows = [me._row(tok, w, m.memory) for m in (w, *others)]
    scored = me._score(model, rows, [n] * len(rows), tok.pad_id, want_hidden=True, starts=starts)
    plain, = me._score(model, [me._row(tok, w, None)], [n], tok.pad_id, want_hidden=True, starts=starts)
    true_keys, true_values = keys_of(w.history[-(cache.window + 1):])
    losses = {k: [] for k in ranked}
    for j, m in enumerate((w, *others)):
        if j == 0:
            keys, values = true_keys, true_values
        else:
            k, v = keys_of(m.history[-(cache.window - shared + 1):])
            keys, values = torch.cat([k, true_keys[-shared:]]), torch.cat([v, true_values[-shared:]])
        s, target = scored[j], torch.tensor(w.target)
        losses["memory (the shipped generator)"].append(-float(me._with_pointer(tok, s, rows[j], n, m, pointer).sum()))
        cached = -me.cache_nll(me.CacheParts(s.logp.float(), s.hidden.float(), keys, values, target), cache)
        losses["memory + the story's text"].append(
            -float(me._with_pointer(tok, s, rows[j], n, m, pointer, logp=cached).sum()))
        text_only = me.CacheParts(plain.logp.float(), plain.hidden.float(), keys, values, target)
        losses["the story's text alone"].append(float(me.cache_nll(text_only, cache).sum()))
    for name, nll in losses.items():
        ranked[name] += all(nll[0] < x for x in nll[1:])
for name, count in ranked.items():
    print(f"{name:34s} ranking {count / len(windows):.4f}  ({count} of {len(windows)} windows)")
