"""Memory pointer: the narrator copies names from the memory block, training-free.

The LSTM reads the memory block, but measured on held-out stories it barely uses it (docs/evaluation.md): a
name the memory holds and the recent story does not is hardly easier for it than any other name. A pointer over
the memory's names fixes that at the output, in the spirit of pointer-generator networks (See et al., ACL 2017)
and the unigram cache (Kuhn & De Mori, 1990), with two mixture weights tuned on validation text:

    p(w) = (1 - λ) p_model(w) + λ p_names(w)

- starting a name: λ = `lam_start`, p_names spread evenly over the first tokens of the memory's names;
- continuing a name already begun ("Ys" -> "olde"): λ = `lam_continue`, p_names over the tokens that continue
  the memory names sharing the prefix just written. Only names that start with a capital letter continue this
  strongly ("the giant" is a name, but " the" starts too many other things), the others use `lam_start`.

A second, weaker component points at the other words of the memory block (objects, places, goals, events:
"lantern", "heliumite", "mutiny"), like a unigram cache over the block: `lam_word` to start one of them,
`lam_word_continue` to go on with a word split into several tokens. A story reuses its own vocabulary, so this
is what lets the memory of the right story explain a window with no name in it.

A third points at the story's lexicon, its most telling words (`storyteller/lexicon.py`), each in proportion to
its tf-idf weight, wherever a word may start: with weight `lam_lexicon` times the model's own probability that the
next token starts a new word (a space and a letter or digit), so that it costs next to nothing inside a word:

    p(w) = (1 - g) p(w) + g p_lexicon(w),   g = lam_lexicon * p_model(next token starts a word)

The same object scores fixed text (`token_logp`, for evaluation) and steers sampling (`adjust`, at play time).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

import torch

from storyteller.tokenizer import Tokenizer

PRONOUNS = frozenset({"you", "i", "he", "she", "it", "they", "we", "me", "him", "her", "them"})
# Words of the memory block that say nothing about the story: its labels, statuses and English function words.
BLOCK_WORDS = frozenset("""
hero place people goal goals events threads objects things holds held carrying carried carries alive dead transformed
imprisoned banished missing departed lost destroyed pinned fact facts
the and but for nor with from into onto upon about over under after before then than that this these those there
their theirs they them his her hers him she was were been being are has have had not you your yours its our ours
who whom whose which what when where why how all any some each every one two three went came got get gave took
said says say will would shall should could can may might must did does done just very also too yet still
""".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]")


def memory_words(block: str) -> list[str]:
    """The content words of a rendered memory block, in order of first appearance, for the word pointer."""
    words = []
    for w in _WORD.findall(block):
        if len(w) >= 3 and w.lower() not in BLOCK_WORDS and w.lower() not in PRONOUNS:
            words.append(w)
    return list(dict.fromkeys(words))


def memory_names(summary: dict) -> list[str]:
    """The names a memory holds: its characters with their aliases, and its places (from `Memory.summary_json`)."""
    names: list[str] = []
    for c in summary.get("characters", []):
        names.append(c["name"])
        names.extend(c.get("aliases", []))
    names.extend(summary.get("places", []))
    return [n for n in names if n and n.lower() not in PRONOUNS]


def memory_things(summary: dict) -> list[str]:
    """The objects a memory holds (from `Memory.summary_json`)."""
    return [o["name"] for o in summary.get("objects", []) if o.get("name")]


# What a command's words are when they are not its subject: the verbs of interactive fiction and the words that
# join a noun phrase to them ("ask the ferryman about the witch" is about "ferryman" and "witch").
COMMAND_WORDS = frozenset("""
take get grab pick drop put place give hand offer open close shut unlock lock look examine read go walk run climb
enter leave exit ask tell talk speak say shout call whisper attack kill hit strike fight light extinguish turn push
pull eat drink wear remove throw search follow wait listen smell touch feel move use show find hide catch free help
cross swim jump sit stand sleep wake break cut tie untie fill pour dig pray sing play buy sell trade inventory again
around inside outside near way some more back deeper toward towards through across along down away off onto out
about into onto upon over under with from for the and but then this that these those his her its their your my our
to on at in by of behind beside beneath below above against past before after between beyond round
north south east west northeast northwest southeast southwest up ne nw se sw
is am anyone anybody someone somebody nobody everyone hello hi yes no please
""".split())
# A command that speaks ("say hello, is anyone there?") is about nothing the narrator should name.
_SPEECH_COMMANDS = frozenset("say shout whisper yell cry sing call answer reply".split())


def command_nouns(command: str) -> list[str]:
    """What a player's command is about, as noun phrases: "take the brass lamp" -> ["brass lamp"], "ask the
    ferryman about the witch" -> ["ferryman", "witch"]. Quoted speech is left out."""
    first = command.strip().split(" ", 1)[0].lower()
    if first in _SPEECH_COMMANDS:
        return []
    text = re.sub(r"\"[^\"]*\"?", " ", command)
    phrases: list[str] = []
    current: list[str] = []
    for word in re.findall(r"[A-Za-z][A-Za-z'-]*|[^\sA-Za-z]", text):
        low = word.lower()
        if not word[0].isalpha() or low in COMMAND_WORDS or low in BLOCK_WORDS or low in PRONOUNS:
            if current:
                phrases.append(" ".join(current))
            current = []
            continue
        current.append(word)
    if current:
        phrases.append(" ".join(current))
    return [p for p in dict.fromkeys(phrases) if len(p) >= 3]


DETERMINERS = (" the", " a", " an", " his", " her", " your", " my", " their", " its", " our", "The", " The")
PLACE_PREPOSITIONS = (" in", " at", " into")  # "You're in valley.", "You're at end of road." (not "to": "began to")
LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_BREAK_END = ("\n", '"', "'", "(", "\u201c", "\u2018")


@dataclass
class MemoryPointerConfig:
    lam_start: float = 0.02
    lam_continue: float = 0.3
    lam_word: float = 0.0           # start a content word of the memory block
    lam_word_continue: float = 0.0  # go on with one begun
    lam_noun: float = 0.0           # right after "the", "a", "his"...: a noun the memory holds ("the" -> "witch")
    lam_noun_continue: float = 0.0  # go on with one begun ("the fer" -> "ryman")
    fresh_nouns: bool = False       # play: nouns already said in the narration give way to the others
    lam_place: float = 0.0          # play: right after "in", "at", "into"...: a place the memory holds
    focus_share: float = 0.0        # play: the share of that noun mass for what the command is about ("the lamp")
    lam_lexicon: float = 0.0        # a word of the story's lexicon, times the model's odds that a word starts here

    def to_dict(self) -> dict:
        return asdict(self)

    def steered(self, noun: float, focus: float = 0.0) -> MemoryPointerConfig:
        """Play time: at least `noun` of the mass after a determiner goes to a noun the memory holds, a noun begun
        is continued as strongly as a name, and one already said in the narration gives way to the others. Only
        after a determiner, because a noun comes next whatever it is; raising the other weights would insert
        names mid-phrase. `focus` of that mass goes to the nouns of the player's command. Not used for the
        likelihood figures."""
        if noun <= self.lam_noun:
            return self
        return replace(self, lam_noun=noun, lam_noun_continue=max(self.lam_noun_continue, self.lam_continue),
                       fresh_nouns=True, lam_place=noun / 2, focus_share=focus)


@functools.lru_cache(maxsize=4)
def word_starts(tokenizer: Tokenizer, size: int) -> torch.Tensor:
    """(size,) 1.0 for the tokens that start a new word (" ship"), 0.0 for the rest and for special tokens. Built
    once per tokenizer (every turn's pointer asks); not to be changed in place."""
    mask = torch.zeros(size)
    starts = [i for i, piece in enumerate(tokenizer.pieces[:size]) if piece[:1] == " " and piece[1:2].isalnum()]
    mask[starts] = 1.0
    return mask


def _normalised(counts: dict[int, float]) -> dict[int, float]:
    total = sum(counts.values()) or 1.0
    return {t: c / total for t, c in counts.items()}


def _trie(tokenizer: Tokenizer, texts: Sequence[str]) -> tuple[dict[int, float], dict[tuple[int, ...], dict[int, float]], int]:
    """First-token counts, prefix -> next-token distribution, and the longest token length, of some texts."""
    starts: dict[int, float] = {}
    follow: dict[tuple[int, ...], dict[int, float]] = {}
    longest = 0
    for text in texts:
        ids = tuple(tokenizer.encode(text))
        if not ids:
            continue
        starts[ids[0]] = starts.get(ids[0], 0.0) + 1.0
        longest = max(longest, len(ids))
        for k in range(1, len(ids)):
            nxt = follow.setdefault(ids[:k], {})
            nxt[ids[k]] = nxt.get(ids[k], 0.0) + 1.0
    return starts, {k: _normalised(n) for k, n in follow.items()}, longest


def _longest_match(trie: dict[tuple[int, ...], dict[int, float]], previous: Sequence[int], longest: int):
    """The continuation of the longest prefix in `trie` that the tokens so far end with, or None."""
    for k in range(min(longest - 1, len(previous)), 0, -1):
        nxt = trie.get(tuple(previous[-k:]))
        if nxt is not None:
            return nxt
    return None


class MemoryPointer:
    def __init__(self, tokenizer: Tokenizer, names: Sequence[str], config: MemoryPointerConfig,
                 words: Sequence[str] = (), things: Sequence[str] = (), places: Sequence[str] = (),
                 focus: Sequence[str] = (), lexicon: Sequence[tuple[str, float]] = ()) -> None:
        self.config = config
        self.tokenizer = tokenizer
        # The story's lexicon: " ship" and " Ship" (a sentence's first word), each with the word's tf-idf weight.
        lexicon_weights: dict[int, float] = {}
        if config.lam_lexicon > 0:
            for word, weight in lexicon:
                for text in dict.fromkeys((" " + word, " " + word[:1].upper() + word[1:])):
                    if ids := tokenizer.encode(text):
                        lexicon_weights[ids[0]] = lexicon_weights.get(ids[0], 0.0) + max(0.0, float(weight))
        self.lexicon = _normalised({t: w for t, w in lexicon_weights.items() if w > 0})
        self._lexicon_tensors = (torch.tensor(list(self.lexicon.keys()), dtype=torch.long),
                                 torch.tensor(list(self.lexicon.values())))
        self._word_starts: torch.Tensor | None = None
        names = [n.strip() for n in dict.fromkeys(names) if n and n.strip() and n.strip().lower() not in PRONOUNS]
        # Names: " Brann" mid-sentence, "Brann" after a quote or a line break; a trie continues one begun.
        spaced: dict[int, float] = {}
        bare: dict[int, float] = {}
        self.follow: dict[tuple[int, ...], tuple[dict[int, float], bool]] = {}  # prefix -> (next tokens, proper)
        self.longest = 0
        for name in names:
            proper = name[0].isupper()
            for text, starts in ((" " + name, spaced), (name, bare)):
                ids = tuple(tokenizer.encode(text))
                if not ids:
                    continue
                starts[ids[0]] = starts.get(ids[0], 0.0) + 1.0
                self.longest = max(self.longest, len(ids))
                for k in range(1, len(ids)):
                    nxt, was_proper = self.follow.get(ids[:k], ({}, False))
                    nxt[ids[k]] = nxt.get(ids[k], 0.0) + 1.0
                    self.follow[ids[:k]] = (nxt, was_proper or proper)
        self.follow = {k: (_normalised(n), p) for k, (n, p) in self.follow.items()}
        self.start_spaced = _normalised(spaced)
        either = dict(spaced)
        for t, c in bare.items():
            either[t] = either.get(t, 0.0) + c
        self.start_either = _normalised(either)
        # After a determiner: the memory's common-noun names and its objects ("the old ferryman" -> "old ferryman").
        heads = [LEADING_ARTICLE.sub("", n) for n in [*names, *things]
                 if LEADING_ARTICLE.match(n) or not n[0].isupper()]
        word_texts = [t for w in dict.fromkeys(w.strip() for w in words if w and w.strip())
                      for t in dict.fromkeys((" " + w, " " + w.lower()))]
        word_starts, self.word_follow, longest_words = _trie(tokenizer, word_texts)
        noun_texts = [" " + h for h in dict.fromkeys(h.strip() for h in heads if h.strip())] if config.lam_noun > 0 else []
        noun_starts, self.noun_follow, longest_nouns = _trie(tokenizer, noun_texts)
        self.longest_word = max(longest_words, longest_nouns)
        self.nouns = _normalised(noun_starts) if config.lam_noun > 0 else {}
        # What the command is about ("take the brass lamp" -> "brass lamp") takes `focus_share` of the noun slot.
        focus_texts = [" " + LEADING_ARTICLE.sub("", f.strip()) for f in dict.fromkeys(focus) if f and f.strip()]
        self.unfocused = self.nouns  # after "in the", "at a": where the story is, not what the command is about
        if config.lam_noun > 0 and config.focus_share > 0 and focus_texts:
            focus_starts, focus_follow, longest_focus = _trie(tokenizer, focus_texts)
            share = config.focus_share if self.nouns else 1.0
            mixed = {t: (1 - share) * q for t, q in self.nouns.items()}
            for t, q in _normalised(focus_starts).items():
                mixed[t] = mixed.get(t, 0.0) + share * q
            self.nouns = mixed
            for prefix, nxt in focus_follow.items():
                self.noun_follow.setdefault(prefix, nxt)
            self.longest_word = max(self.longest_word, longest_focus)
        self.determiners = {ids[0] for d in DETERMINERS if len(ids := tokenizer.encode(d)) == 1}
        self.place_slot: dict[int, float] = {}
        if config.lam_place > 0 and places:
            place_texts = [" " + LEADING_ARTICLE.sub("", pl.strip())
                           for pl in dict.fromkeys(places) if pl and pl.strip()]
            place_starts, place_follow, longest_places = _trie(tokenizer, place_texts)
            self.place_slot = _normalised(place_starts)
            for prefix, nxt in place_follow.items():  # a place begun is continued like a noun
                self.noun_follow.setdefault(prefix, nxt)
            self.longest_word = max(self.longest_word, longest_places)
        self.prepositions = {ids[0] for w in PLACE_PREPOSITIONS if len(ids := tokenizer.encode(w)) == 1}
        # One start distribution per position kind: names and words mixed by their weights.
        words_p = _normalised(word_starts) if config.lam_word > 0 else {}
        self._start = {kind: self._mix(names_p, words_p) for kind, names_p in
                       (("spaced", self.start_spaced), ("bare", self.start_either))}
        self._tensors: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        self._variants: dict[tuple, dict[int, float]] = {}
        # " a" wants a consonant next, " an" a vowel (the tokenizer's ids for the article, if single tokens)
        self._articles = {ids[0]: vowel for a, vowel in ((" a", False), (" an", True), ("A", False), (" A", False),
                                                        ("An", True), (" An", True))
                          if len(ids := tokenizer.encode(a)) == 1}

    def _mix(self, names_p: dict[int, float], words_p: dict[int, float]) -> tuple[float, dict[int, float]]:
        lam_n = self.config.lam_start if names_p else 0.0
        lam_w = self.config.lam_word if words_p else 0.0
        lam = lam_n + lam_w
        if lam <= 0:
            return self.config.lam_start, {}
        mix = {t: lam_n * p / lam for t, p in names_p.items()}
        for t, p in words_p.items():
            mix[t] = mix.get(t, 0.0) + lam_w * p / lam
        return lam, mix

    def __bool__(self) -> bool:
        return bool(self._start["bare"][1] or self.nouns or self.place_slot or self.lexicon)

    def _after_break(self, token: int) -> bool:
        if token >= self.tokenizer.vocab_size:
            return True
        if token in self.tokenizer.special_ids:
            return False
        text = self.tokenizer.pieces[token]
        return not text or text.endswith(_BREAK_END)

    def distribution(self, previous: Sequence[int]) -> tuple[float, dict[int, float]]:
        """(λ, p_memory) for the next token after `previous` (the tokens so far, most recent last): go on with a
        name or noun begun, else offer the memory's nouns after a determiner, else start a name or a word."""
        common_name = None
        for k in range(min(self.longest - 1, len(previous)), 0, -1):
            hit = self.follow.get(tuple(previous[-k:]))
            if hit is not None:
                nxt, proper = hit
                if proper:
                    return self.config.lam_continue, nxt
                common_name = nxt
                break
        if self.noun_follow and self.config.lam_noun_continue > 0:  # "the fer" -> "ryman"
            nxt = _longest_match(self.noun_follow, previous, self.longest_word)
            if nxt is not None:
                return self.config.lam_noun_continue, nxt
        if self.place_slot and previous and previous[-1] in self.prepositions:
            return self.config.lam_place, self._slot("place", self.place_slot, previous)
        if self.nouns and previous and previous[-1] in self.determiners:
            if len(previous) > 1 and previous[-2] in self.prepositions and self.unfocused is not self.nouns:
                # "You are in a lamp": the command's thing is not a place
                if not self.unfocused:
                    return self._start["spaced"]
                return self.config.lam_noun, self._slot("noun-in", self.unfocused, previous)
            return self.config.lam_noun, self._slot("noun", self.nouns, previous)
        if common_name is not None:
            return self.config.lam_start, common_name
        if self.word_follow and self.config.lam_word_continue > 0:
            nxt = _longest_match(self.word_follow, previous, self.longest_word)
            if nxt is not None:
                return self.config.lam_word_continue, nxt
        return self._start["bare" if not previous or self._after_break(previous[-1]) else "spaced"]

    def _slot(self, kind: str, base: dict[int, float], previous: Sequence[int]) -> dict[int, float]:
        """A slot's distribution after `previous`: "a" takes a noun that starts with a consonant and "an" one with a
        vowel; in play, a noun already said in this narration gives way to the others. Each variant is kept, so
        the tensors `adjust` builds for it stay valid."""
        article = self._articles.get(previous[-1]) if kind.startswith("noun") else None
        said = frozenset(t for t in base if t in previous) if self.config.fresh_nouns else frozenset()
        if article is None and not said:
            return base
        key = (kind, article, said)
        dist = self._variants.get(key)
        if dist is None:
            keep = {t: q for t, q in base.items() if t not in said and (article is None or self._vowel(t) == article)}
            dist = self._variants[key] = _normalised(keep) if keep else base
        return dist

    def _vowel(self, token: int) -> bool:
        return self.tokenizer.pieces[token].lstrip()[:1].lower() in "aeiou"

    def token_logp(self, model_logp: torch.Tensor, targets: Sequence[int], before: Sequence[int],
                   start_mass: torch.Tensor | None = None) -> torch.Tensor:
        """Mixed log-probabilities of fixed text: model_logp (n,) = log p_model(target_t), `before` the tokens
        that precede the first target, `start_mass` (n,) the model's probability that target_t starts a word
        (needed when there is a lexicon: see `word_starts`)."""
        if self.lexicon and start_mass is None:
            raise ValueError("the lexicon's weight needs the model's word-start probabilities (start_mass)")
        out = model_logp.clone().float()
        keep = max(self.longest, self.longest_word, 1)
        history = list(before[-keep:])
        for t, token in enumerate(targets):
            lam, p = self.distribution(history)
            if lam > 0:
                out[t] = torch.log((1 - lam) * model_logp[t].float().exp() + lam * p.get(int(token), 0.0) + 1e-12)
            if self.lexicon:
                g = self.config.lam_lexicon * float(start_mass[t])
                out[t] = torch.log((1 - g) * out[t].exp() + g * self.lexicon.get(int(token), 0.0) + 1e-12)
            history.append(int(token))
            if len(history) > keep:
                history.pop(0)
        return out

    def adjust(self, logits: torch.Tensor, previous: Sequence[int]) -> torch.Tensor:
        """Mixed log-probabilities over the vocabulary for the next token (play time)."""
        lam, p = self.distribution(previous)
        if (lam <= 0 or not p) and not self.lexicon:
            return logits
        mixed = torch.softmax(logits.float(), -1)
        gate = 0.0
        if self.lexicon:
            if self._word_starts is None or len(self._word_starts) != len(mixed):
                self._word_starts = word_starts(self.tokenizer, len(mixed))
            gate = self.config.lam_lexicon * float(mixed @ self._word_starts)  # before the pointer moves mass
        if lam > 0 and p:
            mixed.mul_(1 - lam)
            tensors = self._tensors.get(id(p))
            if tensors is None:  # the distributions live as long as the pointer: build each one's tensors once
                tensors = self._tensors[id(p)] = (torch.tensor(list(p.keys())), torch.tensor(list(p.values())))
            mixed.index_add_(0, tensors[0], tensors[1], alpha=lam)
        if gate > 0:
            mixed.mul_(1 - gate).index_add_(0, *self._lexicon_tensors, alpha=gate)
        return mixed.add_(1e-12).log_()
