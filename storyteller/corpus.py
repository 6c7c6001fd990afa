"""Reading a corpus of stories: cleaning, splitting into documents and turns, synthetic player commands.

Two kinds of text teach the model one turn structure:
- `> command` transcripts: a command, then the game's response paragraphs;
- prose: each paragraph is a turn; where its first sentence is an action ("Then he opened the door ..."),
  that action becomes a synthetic player command ("open the door"), so the model learns to narrate a command
  inside a tale, not only inside a cave.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

_TITLE_CHARS = re.compile(r"[A-Za-z]")
_COMMAND_LINE = re.compile(r"^>\s*(.*)$")


@dataclass
class Unit:
    """One paragraph of a document: prose, a player command, or a game response."""

    text: str
    kind: str  # "prose" | "command" | "response"


@dataclass
class Document:
    name: str
    units: list[Unit] = field(default_factory=list)

    @property
    def is_transcript(self) -> bool:
        return any(u.kind == "command" for u in self.units)

    def text(self) -> str:
        return "\n\n".join(render_unit(u) for u in self.units)


def render_unit(unit: Unit) -> str:
    return f"> {unit.text}" if unit.kind == "command" else unit.text


def is_title(paragraph: str) -> bool:
    """A heading: short, no sentence punctuation at the end, mostly capitals (THE GOLDEN BIRD, CHAPTER IV)."""
    p = paragraph.strip()
    if not p or len(p) > 70 or "\n" in p:
        return False
    if p.upper().startswith(("CHAPTER", "BOOK ", "PART ")):
        return True
    letters = _TITLE_CHARS.findall(p)
    if len(letters) < 3 or p[-1] in '.!?"\',;:':
        return False
    upper = sum(c.isupper() for c in letters)
    return upper / len(letters) > 0.6


def iter_text_files(paths: Iterable[str | Path], exclude: Iterable[str] = ()) -> list[Path]:
    """`.txt` files named directly or found in folders (sorted, so runs are reproducible)."""
    exclude = list(exclude)
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            # is_file: not a folder named x.txt, not a dangling link
            files.extend(sorted(q for q in p.rglob("*.txt") if q.name != "README.txt" and q.is_file()))
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(f"no such corpus file or folder: {p}")
    return [f for f in files if not any(fnmatch.fnmatch(str(f), pat) or fnmatch.fnmatch(f.name, pat) for pat in exclude)]


def stable_fraction(key: str) -> float:
    """A deterministic number in [0, 1) from a string (document hold-out, subsampling)."""
    return int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) / 0x1_0000_0000


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs: blocks between blank lines (Project Gutenberg style, lines hard-wrapped inside them).

    Two other layouts are common in stories found elsewhere, and read as one huge paragraph before:
    - one paragraph per line with no blank lines between: when the blocks are very long and their lines are
      long too (not hard-wrapped), every line is a paragraph;
    - a `> command` transcript with no blank lines: every command line starts a new paragraph.
    """
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if blocks and lines and len(text) / len(blocks) > 2000 and sorted(map(len, lines))[len(lines) // 2] > 100:
        blocks = lines
    paragraphs: list[str] = []
    for block in blocks:
        part: list[str] = []
        for line in block.split("\n"):
            if part and _COMMAND_LINE.match(line.strip()):
                paragraphs.append("\n".join(part))
                part = []
            part.append(line)
        paragraphs.append("\n".join(part).strip())
    return [p for p in paragraphs if p]


def split_documents(path: Path, text: str, generated_keep: float = 0.3,
                    story_paragraphs: int = 40) -> list[Document]:
    """Split a file into documents: `###` games in transcripts, titled stories in collections, else chunks.

    Generated random-agent play-throughs are repetitive: only `generated_keep` of them are kept.
    """
    text = re.sub(r"(?m)^(###.*)$", r"\n\1\n", text.replace("\r\n", "\n"))  # a header is its own paragraph
    paragraphs = split_paragraphs(text)
    docs: list[Document] = []
    current = Document(name=f"{path.name}#0")
    generated = "generated" in path.name

    def flush(new_name: str) -> None:
        nonlocal current
        if current.units:
            docs.append(current)
        current = Document(name=new_name)

    for para in paragraphs:
        if para.startswith("###"):
            flush(f"{path.name}#{len(docs) + 1}:{para.lstrip('#').strip()[:60]}")
            continue
        if is_title(para):
            # A heading starts a new story only when the current one has some body (skip runs of headings).
            if sum(len(u.text) for u in current.units) > 2000:
                flush(f"{path.name}#{len(docs) + 1}:{para[:60]}")
            continue
        lines = para.split("\n")
        m = _COMMAND_LINE.match(lines[0])
        if m:
            current.units.append(Unit(m.group(1).strip(), "command"))
            rest = "\n".join(lines[1:]).strip()
            if rest:
                current.units.append(Unit(rest, "response"))
            continue
        kind = "response" if current.units and current.units[-1].kind in ("command", "response") else "prose"
        current.units.append(Unit(para, kind))
        # Untitled prose (TinyStories, novels without headings) is cut into chunks so documents stay story-sized.
        if kind == "prose" and len(current.units) >= story_paragraphs * 4:
            flush(f"{path.name}#{len(docs) + 1}")
    flush("")
    if generated:
        docs = [d for d in docs if stable_fraction(d.name) < generated_keep]
    return docs


TAIL = "#tail"


def load_documents(paths: Iterable[str | Path], exclude: Iterable[str] = (), generated_keep: float = 0.3,
                   val_tail: float = 0.0) -> list[Document]:
    """Documents of all files. With `val_tail` > 0 the last fraction of each file's characters becomes separate
    documents whose names end in TAIL (the classic "first 90% train, last 10% validate" split)."""
    docs: list[Document] = []
    for f in iter_text_files(paths, exclude):
        try:
            text = f.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        except OSError as e:  # unreadable: say which file, in one line
            raise ValueError(f"cannot read corpus file {f}: {e.strerror or e}") from None
        if val_tail > 0:
            cut = int(len(text) * (1 - val_tail))
            head_docs = split_documents(f, text[:cut], generated_keep=generated_keep)
            tail_docs = split_documents(f, text[cut:], generated_keep=generated_keep)
            for d in tail_docs:
                d.name += TAIL
            docs.extend(head_docs + tail_docs)
        else:
            docs.extend(split_documents(f, text, generated_keep=generated_keep))
    return docs


# -- synthetic commands from prose ------------------------------------------------------------------
_IRREGULAR = {
    "went": "go", "took": "take", "saw": "see", "came": "come", "found": "find", "ran": "run", "gave": "give",
    "got": "get", "made": "make", "put": "put", "sat": "sit", "stood": "stand", "told": "tell", "left": "leave",
    "brought": "bring", "thought": "think", "knew": "know", "fell": "fall", "held": "hold", "threw": "throw",
    "drew": "draw", "rode": "ride", "swam": "swim", "climbed": "climb", "broke": "break", "struck": "strike",
    "caught": "catch", "fought": "fight", "sought": "seek", "bought": "buy", "ate": "eat", "drank": "drink",
    "slept": "sleep", "woke": "wake", "spoke": "speak", "sang": "sing", "flew": "fly", "hid": "hide",
    "shot": "shoot", "cut": "cut", "let": "let", "set": "set", "led": "lead", "lay": "lie", "laid": "lay",
    "began": "begin", "wrote": "write", "read": "read", "heard": "hear", "felt": "feel", "kept": "keep",
    "met": "meet", "sent": "send", "spent": "spend", "stole": "steal", "swore": "swear", "tore": "tear",
    "wore": "wear", "won": "win", "dug": "dig", "hung": "hang", "shook": "shake", "bit": "bite", "blew": "blow",
    "chose": "choose", "crept": "creep", "fed": "feed", "fled": "flee", "grew": "grow", "hit": "hit",
    "knelt": "kneel", "leapt": "leap", "lit": "light", "rose": "rise", "sank": "sink", "slew": "slay",
    "sprang": "spring", "stuck": "stick", "swung": "swing", "taught": "teach", "understood": "understand",
    "wept": "weep", "bade": "bid", "bent": "bend", "bound": "bind", "built": "build", "dealt": "deal",
    "drove": "drive", "forgot": "forget", "froze": "freeze", "lost": "lose", "paid": "pay", "sold": "sell",
    "shut": "shut", "slid": "slide", "spread": "spread", "sprung": "spring", "strode": "stride",
    "looked": "look", "opened": "open", "asked": "ask",
}
_NOT_ACTIONS = {"was", "were", "had", "did", "could", "would", "should", "might", "must", "said", "seemed",
                "became", "used", "wanted", "needed", "liked", "loved", "hated", "lived", "happened", "belonged"}
_SUBJECT = r"(?:he|she|they|i|we|you|the\s+[a-z]+(?:\s+[a-z]+)?|[A-Z][a-z]+)"
_OPENER = r"(?:(?:then|so|and|now|but|at\s+last|at\s+once|after\s+that|next)\s*,?\s+)?"
_ACTION = re.compile(
    rf"^{_OPENER}(?P<subj>{_SUBJECT})\s+(?:then\s+|at\s+once\s+|quickly\s+|slowly\s+|softly\s+)?"
    r"(?P<verb>[a-z]+)\b(?P<rest>[^.,;:!?\"]{0,60})",
    re.IGNORECASE,
)
_QUOTE = re.compile(r'^"([^"]{2,80}?)[,.!?]?"')
_POSSESSIVES = {"his": "your", "her": "your", "their": "your", "my": "your", "our": "your", "himself": "yourself",
                "herself": "yourself", "themselves": "yourself", "myself": "yourself"}


def base_form(verb: str) -> str | None:
    v = verb.lower()
    if v in _NOT_ACTIONS:
        return None
    if v in _IRREGULAR:
        return _IRREGULAR[v]
    if not v.endswith("ed") or len(v) < 5:
        return None
    stem = v[:-2]
    if stem.endswith("i"):
        return stem[:-1] + "y"           # carried -> carry
    if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "lsfz":
        return stem[:-1]                  # stopped -> stop
    if stem[-1] in "vcgz" or re.search(r"[aeiou][s]$", stem) or re.search(r"[^aeiou][aeiou][tkm]$", stem) and len(stem) <= 4:
        return stem + "e"                 # moved -> move, closed -> close, used -> use
    return stem


def synthetic_command(paragraph: str, max_words: int = 7) -> str | None:
    """A player command implied by a paragraph's first sentence, or None when it does not start with an action."""
    text = paragraph.strip()
    q = _QUOTE.match(text)
    if q:
        words = q.group(1).split()
        if 1 <= len(words) <= 12:
            return f'say "{" ".join(words)}"'
        return None
    m = _ACTION.match(text)
    if not m:
        return None
    verb = base_form(m.group("verb"))
    if verb is None:
        return None
    rest = m.group("rest").split()[:max_words]
    rest = [_POSSESSIVES.get(w.lower(), w) for w in rest]
    # Stop at a conjunction that starts a second clause ("opened the door and went in").
    for i, w in enumerate(rest):
        if w.lower() in {"and", "but", "when", "while", "as", "because", "that", "which", "who", "until", "where"}:
            rest = rest[:i]
            break
    return " ".join([verb, *rest]).strip()


def iter_documents_text(docs: Iterable[Document]) -> Iterator[str]:
    for d in docs:
        yield d.text()
