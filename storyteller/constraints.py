"""Decoding constraints from hard facts in the memory and the story so far, cheap enough to run at every token.

- `fate_guard`: a character the memory records as dead must not act or speak again. Right after the narration
  writes a dead character's name, verbs of action and speech are vetoed; right after a speech verb ("said"), a
  dead name is.
- `holder_guard`: an object the memory says someone else holds (or that was lost or destroyed) is not "your"
  object and not in your hand: after "your" or "you hold/carry/draw ... the", its name is vetoed.
- `repeat_guard`: the narrator never tells the same sentence twice in a story. When the sentence being written
  is word for word one already told, the tokens that would end it are vetoed, so it must go on differently.
  (An LSTM that falls into a loop repeats whole sentences; this breaks the loop where it starts.)

Hooks compose with `combine`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

import torch

from storyteller.generator import LogitsHook
from storyteller.memory_pointer import LEADING_ARTICLE
from storyteller.tokenizer import Tokenizer

ACTION_VERBS = ("said", "says", "asked", "asks", "cried", "replied", "answered", "shouted", "whispered", "called",
                "went", "goes", "walked", "walks", "ran", "runs", "came", "comes", "took", "takes", "looked",
                "looks", "smiled", "laughed", "attacked", "stood", "sat", "turned", "gave", "spoke", "speaks",
                "opened", "followed", "nodded", "jumped", "rose", "got", "began", "sprang", "flew", "rode")
SPEECH_VERBS = ("said", "asked", "cried", "replied", "answered", "shouted", "whispered", "called")


def _first_tokens(tokenizer: Tokenizer, words: Sequence[str]) -> list[int]:
    """The first token of each word as it appears mid-sentence (with a leading space)."""
    return sorted({tokenizer.encode(" " + w)[0] for w in words if tokenizer.encode(" " + w)})


def fate_guard(tokenizer: Tokenizer, dead_names: Sequence[str]) -> LogitsHook | None:
    names = [n for n in dict.fromkeys(dead_names) if n and n.lower() not in {"you", "i"}]
    if not names:
        return None
    verb_ids = torch.tensor(_first_tokens(tokenizer, ACTION_VERBS))
    name_ids = torch.tensor(_first_tokens(tokenizer, names))
    lowered = [n.lower() for n in names]

    def hook(produced: list[int], logits: torch.Tensor) -> torch.Tensor:
        if not produced:
            return logits
        tail = tokenizer.decode(produced[-12:]).rstrip().lower()
        if any(tail.endswith(n) and (len(tail) == len(n) or not tail[-len(n) - 1].isalnum()) for n in lowered):
            logits = logits.clone()
            logits[verb_ids] = float("-inf")
        elif tail.endswith(SPEECH_VERBS):
            logits = logits.clone()
            logits[name_ids] = float("-inf")
        return logits

    return hook


# After these, an object name would put the object in the player's hands.
_HOLDING = re.compile(r"(?:\byour|\byou (?:now )?(?:hold|holds|are holding|carry|are carrying|grip|clutch|wield|draw|"
                      r"raise|swing|brandish|have|still have|take out|pull out)(?: up| out)?(?: the| your| a| an)?)$")
NOT_HELD_BY_YOU = ("lost", "destroyed", "missing")


def holder_guard(tokenizer: Tokenizer, objects: Iterable[dict], hero: str = "you",
                 places: Iterable[str] = ()) -> LogitsHook | None:
    """Veto objects held by someone else (or gone) right where the narration would put them in your hand.

    `objects` is the memory's list of {name, holder}; an object lying in a place may still be picked up, so only
    holders that are other characters, or lost/destroyed/missing, count."""
    place_set = {p.lower() for p in places}
    yours = {"you", "i", "me", hero.lower()}
    words: list[str] = []
    for obj in objects:
        holder = str(obj.get("holder") or "").lower()
        name = str(obj.get("name") or "").strip()
        if not name or not holder or holder in yours or holder in place_set:
            continue
        words.append(name.split()[-1])  # the head noun: "the golden key" -> "key"
        words.append(name.split()[0] if name.split()[0].lower() not in {"the", "a", "an"} else name.split()[-1])
    if not words:
        return None
    object_ids = torch.tensor(_first_tokens(tokenizer, words))

    def hook(produced: list[int], logits: torch.Tensor) -> torch.Tensor:
        if not produced:
            return logits
        tail = tokenizer.decode(produced[-8:]).rstrip().lower()
        if _HOLDING.search(tail):
            logits = logits.clone()
            logits[object_ids] = float("-inf")
        return logits

    return hook


_SENTENCE_END = re.compile(r"[.!?][\"'’”)\]]*\s+")
_TRAILING = re.compile(r"[\s.!?\"'’”)\]]+$")
_TAIL_TOKENS = 64


def sentence_key(sentence: str) -> str:
    """A sentence as the repeat guard compares it: lower case, single spaces, no closing punctuation."""
    return _TRAILING.sub("", " ".join(sentence.lower().split()))


@functools.lru_cache(maxsize=4096)
def told_sentences(text: str) -> frozenset[str]:
    # Cached: every turn the engine collects the sentences of the whole story, most of them told turns ago.
    return frozenset(k for k in (sentence_key(s) for s in _SENTENCE_END.split(text)) if len(k) > 2)


@functools.lru_cache(maxsize=4)
def _sentence_enders(tokenizer: Tokenizer) -> torch.Tensor:
    """Tokens that would close a sentence: sentence punctuation, a line break, or the end of the narration."""
    # '".' closes a sentence too: a quote or bracket first, then the full stop
    pieces = tokenizer.pieces
    enders = {i for i, p in enumerate(pieces) if p.lstrip("\"'’”)]")[:1] in (".", "!", "?")}
    # the narration stops at a line break or a command too, which ends its last sentence
    enders |= {i for i, p in enumerate(pieces) if p.lstrip(" ")[:1] == "\n"}
    enders |= {i for i in (getattr(tokenizer, n, None) for n in ("eot_id", "doc_id", "cmd_id")) if i is not None}
    return torch.tensor(sorted(enders))


def repeat_guard(tokenizer: Tokenizer, told: set[str]) -> LogitsHook | None:
    """No sentence twice. One word before a told sentence would be complete, its last word is masked ("You can't
    go that" cannot go on "way"), so the narrator says something else rather than the same line. Should it reach
    the whole sentence by another spelling, the tokens that would end it are masked, and so is its last token."""
    if not told:
        return None
    ender_ids = _sentence_enders(tokenizer)
    longest = max(len(k) for k in told)
    last_words: dict[str, set[int]] = {}
    for key in told:
        head, _, word = key.rpartition(" ")
        forms = {word, word.capitalize()}
        spellings = [f if not head else " " + f for f in forms]
        ids = {tokenizer.encode(w)[0] for w in spellings if w.strip() and tokenizer.encode(w)}
        last_words.setdefault(head, set()).update(ids)
    masks = {head: torch.tensor(sorted(ids)) for head, ids in last_words.items() if ids}

    def hook(produced: list[int], logits: torch.Tensor) -> torch.Tensor:
        if produced:
            text = tokenizer.decode(produced[-_TAIL_TOKENS:])
            parts = _SENTENCE_END.split(text)
            if len(parts) == 1 and len(produced) > _TAIL_TOKENS:
                return logits  # the sentence began before the tail we decoded: longer than anything we compare
            current = sentence_key(parts[-1])  # 'at "Y2"' is compared as the told 'at "y2'
        else:
            current = ""
        if len(current) > longest:
            return logits
        mask = masks.get(current)
        if mask is not None and (not current or not parts[-1].endswith((" ", "\n"))):
            logits = logits.clone()
            logits[mask] = float("-inf")
        if current and current in told:
            logits = logits.clone()
            logits[ender_ids] = float("-inf")
            # and not the last word again: "You're in Plover Room" went on "Room Room Room" to dodge the ending
            logits[produced[-1]] = float("-inf")
        return logits

    return hook


def mention_pattern(names: Iterable[str]) -> re.Pattern | None:
    """A case-insensitive pattern for any of the names as a whole word, without a leading article: "his sister"
    mentions "the sister", "a witch" mentions "the witch". None when no name is long enough to count."""
    keys = {LEADING_ARTICLE.sub("", n.strip().lower()) for n in names if n}
    keys = sorted((k for k in keys if len(k) > 2 and k not in {"you", "him", "her", "the"}), key=len, reverse=True)
    if not keys:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k) for k in keys) + r")(?!\w)", re.IGNORECASE)


def ground_guard(tokenizer: Tokenizer, names: Iterable[str], end_ids: Sequence[int],
                 max_tokens: int) -> LogitsHook | None:
    """A narration may not end (nor start the player's next command) before it has named something the story
    holds, a person, place or thing of the memory, for up to `max_tokens` tokens. With the memory pointer's
    steering, "OK." goes on to say what happened to what ("OK. The lamp is now on.") instead of ending there."""
    pattern = mention_pattern(names)
    if pattern is None or max_tokens <= 0 or not end_ids:
        return None
    ends = torch.tensor(sorted(end_ids))
    pieces = tokenizer.pieces
    seen = {"n": 0, "text": "", "grounded": False}  # the narration so far, extended token by token

    def hook(produced: list[int], logits: torch.Tensor) -> torch.Tensor:
        if len(produced) < seen["n"]:  # a new narration (a re-roll)
            seen.update(n=0, text="", grounded=False)
        if not seen["grounded"]:
            seen["text"] += "".join(pieces[t] if t < len(pieces) else "" for t in produced[seen["n"]:])
            seen["n"] = len(produced)
            seen["grounded"] = bool(pattern.search(seen["text"]))
        if seen["grounded"] or len(produced) >= max_tokens:
            return logits
        logits = logits.clone()
        logits[ends] = float("-inf")
        return logits

    return hook


def combine(*hooks: LogitsHook | None) -> LogitsHook | None:
    active = [h for h in hooks if h is not None]
    if not active:
        return None
    if len(active) == 1:
        return active[0]

    def hook(produced: list[int], logits: torch.Tensor) -> torch.Tensor:
        for h in active:
            logits = h(produced, logits)
        return logits

    return hook
