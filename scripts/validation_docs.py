"""Write the training run's validation documents (never trained on) to a folder, for tuning on unseen text.

Usage: python scripts/validation_docs.py CORPUS OUT_DIR [--exclude GLOB ...]
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
args = parser.parse_args()
cfg = TrainConfig()
docs = load_documents(args.corpus, args.exclude, generated_keep=cfg.generated_keep)
val = validation_documents(docs, cfg.val_fraction)
args.out.mkdir(parents=True, exist_ok=True)
for i, d in enumerate(x for x in docs if x.name in val):
    (args.out / f"val{i:03d}.txt").write_text(d.text() + "\n", encoding="utf-8")
print(f"{len(val)} validation documents -> {args.out}")
