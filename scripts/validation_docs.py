"""Write the training run's validation documents (never trained on) to a folder, for tuning on unseen text.

Usage: python scripts/validation_docs.py CORPUS OUT_DIR [--exclude GLOB ...] [--by-work]

With --by-work, one file per source work holds its validation documents (separated by `###` headers), so that the
memory ranking test can tell another chapter of the same novel from another story.
"""

import argparse
from pathlib import Path

from storyteller.config import TrainConfig
from storyteller.corpus import load_documents
from storyteller.dataset import validation_documents

parser = argparse.ArgumentParser()
parser.add_argument("corpus", nargs="+")
parser.add_argument("out", type=Path)
parser.add_argument("--exclude", nargs="*", default=[])
parser.add_argument("--by-work", action="store_true", help="one file per source work")
args = parser.parse_args()
cfg = TrainConfig()
docs = load_documents(args.corpus, args.exclude, generated_keep=cfg.generated_keep)
val = validation_documents(docs, cfg.val_fraction)
args.out.mkdir(parents=True, exist_ok=True)
chosen = [d for d in docs if d.name in val]
if args.by_work:
    works: dict[str, list[str]] = {}
    for d in chosen:
        works.setdefault(d.name.split("#")[0], []).append(f"### {d.name}\n\n{d.text()}\n")
    for work, texts in works.items():
        (args.out / work).write_text("\n".join(texts), encoding="utf-8")
else:
    for i, d in enumerate(chosen):
        (args.out / f"val{i:03d}.txt").write_text(d.text() + "\n", encoding="utf-8")
print(f"{len(val)} validation documents -> {args.out}")
