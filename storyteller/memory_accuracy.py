"""Accuracy of the memory summarizer against hand-annotated stories (evals/annotated/*.json).

`score_summarizer(paths)` reads each story with `summarize_text`, then compares the end state with the gold
annotation:

- character statuses: a predicted character matches a gold one when any of its names/aliases equals one of the
  gold name/aliases (case-insensitive, without a leading article or possessive, "Mrs." = "Mrs"). A prediction is correct when it
  matches a gold character and its status is one of the gold's acceptable statuses. Precision = correct
  predictions / scored predictions (predictions for `unscored` entities are left out, predictions matching no
  gold character count as wrong); recall = gold characters with a correct prediction / gold characters.
  A first- or second-person narrator the gold lists among its characters ("I", "you") is matched by the memory's
  hero, as alive (the memory keeps the narrator as its hero, not among the characters).
- status changes: the same, restricted to non-alive statuses (predicted non-alive vs gold non-alive), the part
  of the memory that is hardest to get right.
- object holders: objects match on their head noun ("silver bell" = "bell"); holders match when equal after
  normalisation, when both name the same gold character, or when both are the hero ("you"/"I"/hero's name).

- characters_matched / status_changes_matched: the same statuses judged only on the characters the summarizer
  found. Precision = correct statuses / predictions that match a gold character (predicted characters that
  match no gold character are left out, so this says how good the statuses are, not how clean the cast is);
  recall = gold characters with a correct status / all gold characters (the same as the strict recall).
  `characters` / `status_changes` stay the strict figures: there every unmatched prediction counts as wrong.

Stories whose JSON has `"heldout": true` are also aggregated separately (`heldout`), and every story's
`split` (default `development`, or `heldout-1` for held-out stories without one) gets its own aggregate under
`groups`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from storyteller.memory import Memory, summarize_text

_LEAD = re.compile(r"^(?:the|a|an|his|her|my|your|their|our|its|[a-z]+'s)\s+")


def _norm_name(s: str) -> str:
    s = re.sub(r"\s+", " ", str(s).strip().lower())
    s = re.sub(r"\b(mr|mrs|ms|dr|st)\.", r"\1", s)  # "Mrs. Pike" is "Mrs Pike"
    prev = None
    while prev != s:
        prev = s
        s = _LEAD.sub("", s)
    return s


def _head(s: str) -> str:
    words = re.findall(r"[a-z][a-z'-]*", _norm_name(s))
    if "of" in words:
        words = words[:words.index("of")] or words
    if not words:
        return ""
    w = words[-1]
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return w


def _as_list(v: Any) -> list[str]:
    return [str(x) for x in v] if isinstance(v, list) else [str(v)]


def _prf(tp_pred: int, n_pred: int, tp_gold: int, n_gold: int) -> dict[str, float | int]:
    p = tp_pred / n_pred if n_pred else 1.0
    r = tp_gold / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "correct_predictions": tp_pred, "predictions": n_pred, "gold_found": tp_gold, "gold": n_gold}


class _Counts:
    def __init__(self) -> None:
        self.c = {k: [0, 0, 0, 0] for k in ("characters", "status_changes", "objects", "characters_matched",
                                            "status_changes_matched")}
        self.hero = [0, 0]

    def add(self, other: "_Counts") -> None:
        for k, v in other.c.items():
            for i in range(4):
                self.c[k][i] += v[i]
        self.hero[0] += other.hero[0]
        self.hero[1] += other.hero[1]

    def result(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: _prf(*v) for k, v in self.c.items()}
        out["hero_accuracy"] = round(self.hero[0] / self.hero[1], 4) if self.hero[1] else 1.0
        return out


def _unscored_names(gold: dict[str, Any], key: str) -> list[str]:
    """The `unscored` names: strings, or entries written like the scored ones ({"name": ..., ...}) with aliases."""
    out: list[str] = []
    for x in gold.get("unscored", {}).get(key, []):
        out.extend([x] if isinstance(x, str) else [x["name"], *[a for a in x.get("aliases", []) if isinstance(a, str)]])
    return out


def _score_one(story: dict[str, Any], memory: Memory) -> tuple[_Counts, dict[str, Any]]:
    gold = story["gold"]
    summary = memory.summary_json()
    counts = _Counts()
    details: dict[str, Any] = {"wrong_characters": [], "missed_characters": [], "wrong_objects": [],
                               "missed_objects": []}
    gold_chars = gold.get("characters", [])
    unscored_chars = {_norm_name(x) for x in _unscored_names(gold, "characters")}
    unscored_objs = {_head(x) for x in _unscored_names(gold, "objects")}
    gold_names = [{_norm_name(n) for n in [g["name"], *g.get("aliases", [])]} for g in gold_chars]
    hero = gold.get("hero")
    hero_names = {_norm_name(hero)} if hero else set()
    for g, names in zip(gold_chars, gold_names):
        if hero and _norm_name(g["name"]) == _norm_name(hero):
            hero_names |= names

    def match_char(names: set[str]) -> int | None:
        for i, gn in enumerate(gold_names):
            if names & gn:
                return i
        return None

    # hero
    counts.hero[1] += 1
    pred_hero = summary.get("hero")
    if pred_hero is not None and _norm_name(pred_hero) in (hero_names or {""}):
        counts.hero[0] += 1

    # characters; a narrator ("you", "I") is the memory's hero, not one of its characters: it stands for the gold's
    # narrator entry when the gold lists one
    predicted = list(summary["characters"])
    if pred_hero in ("you", "I") and not any(_norm_name(pc["name"]) == pred_hero.lower() for pc in predicted) \
            and match_char({pred_hero.lower()}) is not None:
        predicted.append({"name": pred_hero, "aliases": [], "status": "alive"})
    found = [False] * len(gold_chars)
    found_change = [False] * len(gold_chars)
    for pc in predicted:
        names = {_norm_name(n) for n in [pc["name"], *pc.get("aliases", [])]}
        i = match_char(names)
        if i is None and names & unscored_chars:
            continue
        ok = i is not None and pc["status"] in _as_list(gold_chars[i]["status"])
        counts.c["characters"][1] += 1
        if i is not None:
            counts.c["characters_matched"][1] += 1
            counts.c["characters_matched"][0] += ok
            if pc["status"] != "alive":
                counts.c["status_changes_matched"][1] += 1
                counts.c["status_changes_matched"][0] += ok
        if ok:
            counts.c["characters"][0] += 1
            found[i] = True
        else:
            details["wrong_characters"].append({"predicted": pc["name"], "status": pc["status"],
                                                "gold": gold_chars[i]["status"] if i is not None else None})
        if pc["status"] != "alive":
            counts.c["status_changes"][1] += 1
            if ok:
                counts.c["status_changes"][0] += 1
                found_change[i] = True
    for i, g in enumerate(gold_chars):
        counts.c["characters"][3] += 1
        counts.c["characters"][2] += found[i]
        counts.c["characters_matched"][3] += 1
        counts.c["characters_matched"][2] += found[i]
        if not found[i]:
            details["missed_characters"].append(g["name"])
        if any(s != "alive" for s in _as_list(g["status"])) and "alive" not in _as_list(g["status"]):
            for k in ("status_changes", "status_changes_matched"):
                counts.c[k][3] += 1
                counts.c[k][2] += found_change[i]

    # objects
    def holder_ok(pred: str, accept: list[str]) -> bool:
        p = _norm_name(pred)
        pi = match_char({p})
        for a in accept:
            an = _norm_name(a)
            if p == an or (_head(p) and _head(p) == _head(an) and match_char({an}) is None and pi is None):
                return True
            ai = match_char({an})
            if ai is not None and ai == pi:
                return True
            if (p in hero_names or p in ("you", "i")) and (an in hero_names or an in ("you", "i")):
                return True
        return False

    gold_objs = gold.get("objects", [])
    gold_heads = [{_head(o["name"]), *(_head(a) for a in o.get("aliases", []))} for o in gold_objs]
    obj_found = [False] * len(gold_objs)
    for po in summary["objects"]:
        h = _head(po["name"])
        i = next((j for j, hs in enumerate(gold_heads) if h in hs), None)
        if i is None and h in unscored_objs:
            continue
        counts.c["objects"][1] += 1
        if i is not None and holder_ok(po["holder"], _as_list(gold_objs[i]["holder"])):
            counts.c["objects"][0] += 1
            obj_found[i] = True
        else:
            details["wrong_objects"].append({"predicted": po["name"], "holder": po["holder"],
                                             "gold": gold_objs[i]["holder"] if i is not None else None})
    for i, o in enumerate(gold_objs):
        counts.c["objects"][3] += 1
        counts.c["objects"][2] += obj_found[i]
        if not obj_found[i]:
            details["missed_objects"].append(o["name"])
    return counts, details


def _split(story: dict[str, Any]) -> str:
    """The story's group: its `split` field, else `development` / `heldout-1` from its `heldout` flag."""
    return str(story.get("split") or ("heldout-1" if story.get("heldout") else "development"))


def _as_strings(v: Any) -> bool:
    return isinstance(v, str) or isinstance(v, list) and all(isinstance(x, str) for x in v)


def story_problem(story: Any) -> str | None:
    """What is wrong with an annotated story's shape (a hand-written file), or None."""
    if not isinstance(story, dict):
        return f"expected an object, got {type(story).__name__}"
    if not isinstance(story.get("text"), str):
        return "'text' must be a string"
    gold = story.get("gold")
    if not isinstance(gold, dict):
        return "'gold' must be an object"
    if gold.get("hero") is not None and not isinstance(gold["hero"], str):
        return "gold 'hero' must be a string"
    unscored = gold.get("unscored", {})
    lists = [unscored.get(k, []) for k in ("characters", "objects")] if isinstance(unscored, dict) else [None]
    if not all(isinstance(v, list) and all(isinstance(x, str) or isinstance(x, dict) and isinstance(x.get("name"), str)
                                           for x in v) for v in lists):
        return "gold 'unscored' must be an object of name lists"
    for key, value_key in (("characters", "status"), ("objects", "holder")):
        entries = gold.get(key, [])
        if not isinstance(entries, list):
            return f"gold {key!r} must be a list"
        for i, e in enumerate(entries):
            if not (isinstance(e, dict) and isinstance(e.get("name"), str) and _as_strings(e.get(value_key))
                    and isinstance(e.get("aliases", []), list) and _as_strings(e.get("aliases", []))):
                return (f"gold {key}[{i}] must be an object with a string 'name', a {value_key!r} (a string or a "
                        f"list of them) and optional 'aliases' (a list of strings)")
    return None


def score_summarizer(paths: Iterable[str | Path]) -> dict[str, Any]:
    """Precision/recall of character statuses and object holders over annotated story files (or folders).
    A file that cannot be read or has the wrong shape is a ValueError naming it."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(p.glob("*.json")))
        else:
            files.append(p)
    files = list({f.resolve(): f for f in files}.values())  # a file named twice (or via its folder) counts once
    total, dev, held = _Counts(), _Counts(), _Counts()
    groups: dict[str, _Counts] = {}
    per_file: dict[str, Any] = {}
    for f in files:
        try:
            story = json.loads(f.read_text(encoding="utf-8"))
        except OSError as e:
            raise ValueError(f"{f}: {e.strerror or e}") from None
        except UnicodeDecodeError:
            raise ValueError(f"{f}: not UTF-8 text") from None
        except ValueError as e:
            raise ValueError(f"{f}: not valid JSON ({e})") from None
        if problem := story_problem(story):
            raise ValueError(f"{f}: {problem}")
        memory = summarize_text(story["text"])
        counts, details = _score_one(story, memory)
        total.add(counts)
        (held if story.get("heldout") else dev).add(counts)
        split = _split(story)
        groups.setdefault(split, _Counts()).add(counts)
        per_file[f.name] = {"heldout": bool(story.get("heldout")), "split": split, **counts.result(),
                            "details": details}
    return {
        "files": len(files),
        "overall": total.result(),
        "development": dev.result(),
        "heldout": held.result(),
        "groups": {k: groups[k].result() for k in sorted(groups)},
        "heldout_files": sorted(n for n, v in per_file.items() if v["heldout"]),
        "per_file": per_file,
    }
