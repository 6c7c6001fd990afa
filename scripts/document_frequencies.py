"""Write storyteller/data/document_frequencies.json: in how many training documents each word appears.

The story lexicon (storyteller/lexicon.py) weighs a story's words by how rare they are in stories in general. The
counts come from the training documents only: the held-out files and the training run's validation documents are
left out, as in `storyteller train`.

Usage: python scripts/document_frequencies.py CORPUS [--exclude FILE ...] [--min-documents 2]
"""

import argparse
import json
from collections import Counter

from storyteller.config import TrainConfig
from storyteller.corpus import load_documents
from storyteller.dataset import validation_documents
from storyteller.lexicon import FREQUENCIES, WORD

parser = argparse.ArgumentParser()
parser.add_argument("corpus", nargs="+")
parser.add_argument("--exclude", nargs="*", default=[])
parser.add_argument("--min-documents", type=int, default=2, help="rarer words are left out (an absent word is rare)")
args = parser.parse_args()
cfg = TrainConfig()
docs = load_documents(args.corpus, args.exclude, generated_keep=cfg.generated_keep)
val = validation_documents(docs, cfg.val_fraction)
frequencies: Counter[str] = Counter()
documents = 0
for doc in docs:
    if doc.name in val:
        continue
    frequencies.update({w.lower() for w in WORD.findall(doc.text()) if len(w) >= 3})
    documents += 1
kept = {w: c for w, c in sorted(frequencies.items()) if c >= args.min_documents}
FREQUENCIES.parent.mkdir(parents=True, exist_ok=True)
FREQUENCIES.write_text(json.dumps({"documents": documents, "frequencies": kept}, separators=(",", ":")) + "\n",
                       encoding="utf-8")
print(f"{documents} documents, {len(kept)} words -> {FREQUENCIES}")
