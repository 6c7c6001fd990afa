"""How far is the summarizer from a careful reader? A second, blind annotation scored like the summarizer.

Each file in evals/agreement/ is a second annotation (same schema as an annotated story's "gold") of the annotated
story of the same name in evals/annotated/, written by a reader who saw the story's text only. This scores it
against the gold exactly as `storyteller eval --annotated` scores the summarizer, and the summarizer on the same
stories beside it.

Usage: python scripts/annotation_agreement.py [--second evals/agreement] [--annotated evals/annotated]
"""

import argparse
import json
from pathlib import Path

from storyteller.memory import summarize_text
from storyteller.memory_accuracy import _Counts, _score_one

parser = argparse.ArgumentParser()
parser.add_argument("--second", type=Path, default=Path("evals/agreement"))
parser.add_argument("--annotated", type=Path, default=Path("evals/annotated"))
args = parser.parse_args()


class Annotation:
    """A second annotation, read as the summarizer's memory is."""

    def __init__(self, data: dict) -> None:
        self.data = data

    def summary_json(self) -> dict:
        return {"hero": self.data.get("hero"),
                "characters": [{"name": c["name"], "aliases": c.get("aliases", []), "status": c["status"]}
                               for c in self.data.get("characters", [])],
                "objects": [{"name": o["name"], "holder": o["holder"]} for o in self.data.get("objects", [])]}


reader, summarizer = _Counts(), _Counts()
files = sorted(args.second.glob("*.json"))
for f in files:
    story = json.loads((args.annotated / f.name).read_text(encoding="utf-8"))
    reader.add(_score_one(story, Annotation(json.loads(f.read_text(encoding="utf-8"))))[0])
    summarizer.add(_score_one(story, summarize_text(story["text"]))[0])
print(f"{len(files)} stories; precision / recall against the gold")
print(f"{'':18s} {'statuses':>12s} {'matched only':>13s} {'changes':>12s} {'holders':>12s} {'hero':>5s}")
for label, counts in (("second reader", reader), ("summarizer", summarizer)):
    r = counts.result()
    cells = [f"{r[k]['precision']:.2f} / {r[k]['recall']:.2f}"
             for k in ("characters", "characters_matched", "status_changes", "objects")]
    print(f"{label:18s} {cells[0]:>12s} {cells[1]:>13s} {cells[2]:>12s} {cells[3]:>12s} {r['hero_accuracy']:5.2f}")
