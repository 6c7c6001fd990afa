"""The game loop, headless: command -> model input -> streamed narration -> memory update -> autosave.

One turn: the player's command goes to the model with the recent story and the rolling memory rendered just
before it; the narration streams back token by token; the memory reads the command and the narration; the
session is saved. Meta-commands (`/help`, `/save`, `/undo`, ...) are handled here too, so the TUI and the
headless script player behave the same. Nothing here imports Textual.
"""

from __future__ import annotations

import base64
import difflib
import os
import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import torch

from storyteller.cache import CacheConfig, StoryCache
from storyteller.config import TEMPERATURE_MIN, EngineConfig, SamplerConfig, clamp_temperature, from_dict
from storyteller.constraints import combine, fate_guard, ground_guard, holder_guard, repeat_guard, told_sentences
from storyteller.generator import Generator, Narration
from storyteller.lexicon import StoryLexicon
from storyteller.memory import Memory, MemoryConfig
from storyteller.memory_pointer import (MemoryPointer, MemoryPointerConfig, command_nouns, memory_names, memory_things,
                                        memory_words)
from storyteller.saves import SaveError, SaveInfo, list_saves, read_save, validate_name, write_atomic, write_save
from storyteller.tokenizer import plain_text

UNDO_DEPTH = 100  # memory snapshots kept for undo/retry
NARRATING_COMMANDS = ("retry", "say", "story")  # meta-commands that make the narrator speak

HELP = """\
Type what you do, e.g. "open the door" or "ask the ferryman about the witch".
Meta-commands:
  /help               this help
  /save NAME          save the story as NAME          /load NAME   continue a saved story
  /saves              list saved stories
  /undo               take back the last turn (the memory goes back too)
  /redo               put back a turn taken back by /undo
  /branches           the other lines of the story (a command after /undo keeps the undone one)
  /branch AT N        go over to branch N after turn AT (the line you leave is kept)
  /retry              narrate the last turn again
  /alt [N]            list earlier narrations of the last turn, or use one
  /alter TEXT         rewrite the last narration yourself
  /say TEXT           say it out loud                 /story TEXT  write the story yourself
  /temperature X      set the sampling temperature (0.05-2.0; higher is wilder)
  /remember TEXT      pin a fact to the memory          /forget N    unpin fact N
  /memory             show the memory the narrator reads
  /context [COMMAND]  show the whole model input for a command (recent story, memory, command)
  /export [FILE.md]   write the story as a Markdown transcript
  /world              world info: /world add KEY, KEY: TEXT (joins the memory while a key is in play), /world del N
  /note [TEXT|clear]  the author's note: steers every turn from the top of the memory (the tone, where to go)
  /new                start a new story
  /quit               save and leave"""


def default_openings() -> list[str]:
    here = Path(__file__).resolve().parent
    for path in (here.parent / "assets" / "openings.txt", here / "_assets" / "openings.txt"):
        if path.is_file():
            paras = [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n")]
            return [p for p in paras if p and not p.startswith("#")]
    return ["You stand at the edge of a dark forest. The path ahead leads to an old castle."]


@dataclass
class Turn:
    command: str
    narration: str
    memory_before: dict[str, Any] | None = None  # for /undo and /retry: the memory as it was before this turn
    mode: str = "do"
    alternatives: list[str] = field(default_factory=list)  # earlier narrations of this turn (/retry, /alter)

    def to_dict(self) -> dict[str, Any]:
        return {"command": self.command, "narration": self.narration, "mode": self.mode,
                "memory_before": self.memory_before, "alternatives": list(self.alternatives)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Turn":
        if not isinstance(d.get("command", ""), str) or d.get("mode", "do") not in ("do", "say", "story"):
            raise ValueError("a turn's command or mode is malformed")
        return cls(d.get("command", ""), d["narration"], d.get("memory_before"), d.get("mode", "do"),
                   [str(a) for a in d.get("alternatives", [])])

    def other_narrations(self, instead: str) -> list[str]:
        """This turn's narrations, alternatives and current, other than `instead` (the one now told)."""
        return [a for a in [*self.alternatives, self.narration] if a != instead]

    @property
    def shown(self) -> str:
        """The player's part as the story shows it: "> command", or the player's own prose in story mode."""
        return shown_input(self.command, self.mode)


@dataclass
class Branch:
    """A line of the story not taken (any more): the turns after a fork, and the forks further down that line.
    Fork positions count the turns before them, so they stay valid on every line that shares the prefix."""

    turns: list[Turn]
    forks: dict[int, list["Branch"]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"turns": [t.to_dict() for t in self.turns], "forks": forks_to_dict(self.forks)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Branch":
        return cls([Turn.from_dict(t) for t in d["turns"]], forks_from_dict(d.get("forks", {})))


def forks_to_dict(forks: dict[int, list[Branch]]) -> dict[str, Any]:
    return {str(at): [b.to_dict() for b in branches] for at, branches in sorted(forks.items()) if branches}


def forks_from_dict(d: dict[str, Any]) -> dict[int, list[Branch]]:
    forks = {int(at): [Branch.from_dict(b) for b in branches] for at, branches in d.items()}
    if any(at < 0 for at in forks):  # a fork counts the turns before it
        raise ValueError("a branch forks at a negative turn")
    return forks


MODES = ("do", "say", "story")


@dataclass
class Session:
    """A save, read and checked (`Engine._parse_session`), before any of it replaces the story being played."""

    turns: list[Turn]
    redo: list[Turn]
    forks: dict[int, list[Branch]]
    memory: Memory | None  # None: rebuilt from the story
    seed: int
    rng: torch.Generator
    sampler: SamplerConfig
    world_info: list["WorldInfo"]
    author_note: str
    opening: str
    created: str | None


WORLD_INFO_SCAN_CHARS = 2_000  # how far back in the story a world-info key is looked for (about the context)


@dataclass
class WorldInfo:
    """A lore entry (KoboldAI's "world info"): its text joins the memory block while one of its keys appears in
    the recent story or the command."""

    keys: list[str]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"keys": list(self.keys), "text": self.text}

    @classmethod
    def parse(cls, spec: str) -> "WorldInfo":
        keys, sep, text = spec.partition(":")
        keys_list = [k.strip() for k in keys.split(",") if k.strip()]
        if not sep or not keys_list or not text.strip():
            raise ValueError("Usage: /world add KEY[, KEY...]: TEXT, e.g. /world add Brann, ferryman: Brann owes the witch a debt")
        return cls(keys_list, text.strip())

    def triggered_by(self, text: str) -> bool:
        return any(re.search(rf"(?<!\w){re.escape(k)}(?!\w)", text, re.IGNORECASE) for k in self.keys)


def shown_input(command: str, mode: str) -> str:
    if not command:
        return ""
    return command if mode == "story" else f"> {command}"


def mode_command(mode: str, text: str) -> str:
    """What the model reads for a turn: do = the command as typed; say = `say "..."`, the form the model was
    trained on; story = the player's prose, which becomes part of the story itself."""
    text = text.strip()
    if mode == "say":
        return 'say "' + text.strip('"') + '"'
    return text


@dataclass
class Reply:
    """What the engine answers to one line of input."""

    kind: str                 # narration | info | error | quit
    text: str
    command: str | None = None
    narration: Narration | None = None
    changed: set[str] = field(default_factory=set)  # parts of the state that changed: story, memory, settings
    warning: str | None = None  # e.g. the autosave failed: the turn stands, the player should know


def player_line(line: str) -> str:
    """A line as the engine reads it: control-token text dropped, and a transcript's prompt too ("> take the lamp",
    pasted from a play-through or written so in a script, is the command "take the lamp")."""
    line = plain_text(line).strip()
    return line[1:].lstrip() if line.startswith(">") else line


def script_commands(lines: Iterable[str]) -> Iterator[str]:
    """The lines of a play script as the engine reads them: blank lines and '#' comments left out."""
    for raw in lines:
        line = raw.strip()
        if not line.startswith("#") and (line := player_line(line)):
            yield line


STOPPED_BEFORE_A_WORD = "Stopped before the first word: nothing happened, and no turn was kept."


def similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a.lower().split(), b.lower().split(), autojunk=False).ratio()


class Engine:
    def __init__(self, generator: Generator, saves_dir: str | Path = "saves", seed: int | None = None,
                 config: EngineConfig | None = None, sampler: SamplerConfig | None = None,
                 opening: str | None = None, name: str | None = None) -> None:
        self.generator = generator
        self.tokenizer = generator.tokenizer
        self.saves_dir = Path(saves_dir)
        self.config = config or EngineConfig()
        self.save_error: str | None = None  # the last autosave's failure, reported with the next reply
        self.settings = sampler or SamplerConfig()  # shared, live: the generator re-reads it every token
        # The continuous cache pointer, with θ/λ/window tuned on validation text and stored with the model.
        tuned = generator.checkpoint.meta.get("cache")
        self.story_cache = (StoryCache(generator.forward, CacheConfig(**tuned), self.tokenizer.vocab_size,
                                       self.tokenizer.doc_id)
                            if tuned and self.config.cache_pointer else None)
        self.new_story(seed=seed, opening=opening, name=name)

    # -- session state -----------------------------------------------------------------------------
    def new_story(self, seed: int | None = None, opening: str | None = None, name: str | None = None) -> None:
        self.seed = seed if seed is not None else int.from_bytes(os.urandom(4), "little")
        self.rng = torch.Generator().manual_seed(self.seed)
        if opening is None:
            openings = default_openings()
            opening = openings[random.Random(self.seed).randrange(len(openings))]
        self.opening = plain_text(opening)
        self.turns: list[Turn] = []
        self.redo_stack: list[Turn] = []
        self.forks: dict[int, list[Branch]] = {}  # the lines not taken, by the number of turns before the fork
        self.memory = Memory(MemoryConfig(budget_tokens=self.config.memory_budget))
        self.memory.read(opening)
        self.world_info: list[WorldInfo] = []
        self.author_note = ""
        self.name = name or self._fresh_name()
        self.created = datetime.now().isoformat(timespec="seconds")
        self._reset_cache()

    def _fresh_name(self) -> str:
        """story-DATE-TIME, with -2, -3... when a save of that name exists (two /new in the same second)."""
        base = f"story-{datetime.now():%Y%m%d-%H%M%S}"
        name, n = base, 1
        while (Path(self.saves_dir) / f"{name}.json").exists():
            n += 1
            name = f"{base}-{n}"
        return name

    @property
    def turn_count(self) -> int:
        return len(self.turns)

    def story_text(self) -> str:
        parts = [self.opening]
        for t in self.turns:
            if t.command:
                parts.append(t.shown)
            parts.append(t.narration)
        return "\n\n".join(parts) + "\n\n"

    def story_ids(self) -> list[int]:
        # The window is the tail of the story; encoding only a generous tail keeps each turn cheap.
        tail = self.story_text()[-self.config.context_tokens * 8 :]
        return self.tokenizer.encode(tail)[-self.config.context_tokens :]

    def remember(self, fact: str) -> None:
        """Pin a fact (/remember, the memory editor). A fact the player states is story too: its people, places
        and things join the memory."""
        fact = plain_text(fact).strip()
        self.memory.pin(fact)
        self.memory.read(fact)

    def correct_status(self, name: str, status: str) -> None:
        """The player corrects a character's status (the memory editor); it survives /undo and /retry."""
        self.memory.set_status(name, status, turn=len(self.turns))

    def correct_holder(self, obj: str, holder: str) -> None:
        """The player says who holds a thing; it survives /undo and /retry."""
        self.memory.set_holder(obj, holder, turn=len(self.turns))

    def memory_text(self, command: str = "") -> str:
        """The memory block: the rolling memory, with the world-info entries that the recent story or the command
        mention joining the player's pinned facts (the most important items, kept first within the budget)."""
        lore = [e.text for e in self.triggered_world_info(command)]
        return self.memory.render(self.tokenizer.count, self.config.memory_budget, extra_pinned=lore,
                                  note=self.author_note)

    def triggered_world_info(self, command: str = "") -> list[WorldInfo]:
        if not self.world_info:
            return []
        recent = self.story_text()[-WORLD_INFO_SCAN_CHARS:] + "\n" + command
        return [e for e in self.world_info if e.triggered_by(recent)]

    def model_input(self, command: str, mode: str = "do") -> list[int]:
        if mode == "story":  # the player's prose joins the story; the narrator goes on from it, no command
            tail = (self.story_text() + command.strip() + "\n\n")[-self.config.context_tokens * 8 :]
            story = self.tokenizer.encode(tail)[-self.config.context_tokens :]
            return self.generator.build_prompt(story, self.memory_text(command), None, self.config.context_tokens)
        return self.generator.build_prompt(self.story_ids(), self.memory_text(command), command,
                                           self.config.context_tokens)

    def set_temperature(self, value: float) -> float:
        self.settings.temperature = clamp_temperature(value)
        return self.settings.temperature

    # -- one line of input -------------------------------------------------------------------------
    def submit(self, line: str, on_text: Callable[[str], None] | None = None,
               should_stop: Callable[[], bool] | None = None) -> Reply:
        line = player_line(line)
        if not line:
            return Reply("error", "Type what you do, or /help.")
        self.save_error = None
        reply = self.meta(line, on_text, should_stop) if line.startswith("/") else self.play_turn(line, on_text,
                                                                                                  should_stop)
        if self.save_error and reply.kind != "error":
            reply.warning = f"Autosave failed: {self.save_error}"
        return reply

    def play_turn(self, command: str, on_text: Callable[[str], None] | None = None,
                  should_stop: Callable[[], bool] | None = None, mode: str = "do") -> Reply:
        before = self.memory.snapshot()
        narration = self._narrate(command, on_text, should_stop, mode)
        if narration.stop_reason == "cancelled" and not narration.text:
            # Stopped before the first word: no story happened, so no turn is kept (not "Nothing happens.").
            return Reply("info", STOPPED_BEFORE_A_WORD, command=command, narration=narration)
        if self.redo_stack:  # a new command where an undone line went on: that line becomes a branch, not lost
            at = len(self.turns)
            self.forks.setdefault(at, []).append(self._split_off(at, list(reversed(self.redo_stack))))
        self.turns.append(Turn(command, narration.text, before, mode))
        self.redo_stack.clear()
        self._after_turn(self.turns[-1])
        self._trim_snapshots()
        self.autosave()
        return Reply("narration", narration.text, command=command, narration=narration,
                     changed={"story", "memory"})

    def _narrate(self, command: str, on_text, should_stop, mode: str = "do") -> Narration:
        previous = self.turns[-1].narration if self.turns else self.opening
        prompt = self.model_input(command, mode)
        hook = self._constraints(self.memory_text(command), command)

        def narrate() -> Narration:
            cache = self.story_cache.for_turn() if self.story_cache is not None else None
            return self.generator.narrate(prompt, self.settings, self.rng, on_text=on_text,
                                          should_stop=should_stop, logits_hook=hook, cache=cache)

        narration = narrate()
        # Loop guard: an LSTM can fall into repeating its last answer; re-roll a near copy.
        retries = 0
        while (narration.stop_reason != "cancelled" and retries < self.config.loop_guard_retries
               and (not narration.text or similarity(narration.text, previous) >= self.config.loop_guard_similarity)):
            retries += 1
            if on_text is not None:
                on_text("\x00reset")  # tells a streaming UI to drop what it showed
            narration = narrate()
        if not narration.text and narration.stop_reason != "cancelled":
            narration.text = "Nothing happens."
        return narration

    def _constraints(self, block: str = "", command: str = ""):
        """The memory pointer, then the guards from hard facts: the dead stay dead, others' things stay theirs,
        no sentence twice (a guard's veto must come last, or the pointer could give a vetoed name mass again)."""
        summary = self.memory.summary_json(in_passing=True)
        pointer_hook = None
        tuned = self.generator.checkpoint.meta.get("memory_pointer")
        if self.config.memory_pointer and tuned:
            pointer = MemoryPointer(self.tokenizer, memory_names(summary),
                                    MemoryPointerConfig(**tuned).steered(self.config.noun_steer,
                                                                         self.config.command_focus),
                                    memory_words(block), memory_things(summary), summary.get("places", []),
                                    command_nouns(command), self.memory.lexicon.keywords())
            if pointer:
                def pointer_hook(produced, logits):
                    return pointer.adjust(logits, produced)
        told: set[str] = set()
        if self.config.repeat_guard:
            for text in [self.opening, *(t.narration for t in self.turns)]:
                told |= told_sentences(text)
        grounded = ground_guard(self.tokenizer, self.memory.known_names(), self.generator.early_end_ids(),
                                self.config.ground_tokens)
        return combine(pointer_hook, grounded, fate_guard(self.tokenizer, self.memory.dead_characters()),
                       holder_guard(self.tokenizer, summary["objects"], summary.get("hero") or "you", summary["places"]),
                       repeat_guard(self.tokenizer, told))

    def _after_turn(self, turn: Turn) -> None:
        _read_turn(self.memory, turn)
        self.memory.apply_corrections_made_at(len(self.turns))
        # Rebuilt from the story's tail rather than extended: a loaded save then gets the very same cache.
        self._reset_cache()

    def _reset_cache(self) -> None:
        if self.story_cache is not None:
            self.story_cache.reset(self.tokenizer.encode(self.story_text()[-self.story_cache.pointer.config.window * 8 :]))

    def _trim_snapshots(self) -> None:
        for t in self.turns[:-UNDO_DEPTH]:
            t.memory_before = None

    # -- meta-commands -----------------------------------------------------------------------------
    def meta(self, line: str, on_text=None, should_stop=None) -> Reply:
        name, _, arg = line[1:].partition(" ")
        name, arg = name.lower(), arg.strip()
        handler = getattr(self, f"_meta_{name}", None)
        if handler is None:
            return Reply("error", f"Unknown command /{name}. Type /help for the list.")
        if name in NARRATING_COMMANDS:
            return handler(arg, on_text, should_stop)
        return handler(arg)

    def _meta_help(self, arg: str) -> Reply:
        return Reply("info", HELP)

    def _meta_save(self, arg: str) -> Reply:
        try:
            name = validate_name(arg) if arg else self.name
            if name != self.name and self._saved_by_another_story(name):
                return Reply("error", f"Another story is saved as {name!r}; choose another name (or /load it).")
            path = write_save(self.saves_dir, name, self.to_dict())
        except SaveError as e:
            return Reply("error", str(e))
        self.name = name  # only once it is written: autosaves follow it
        return Reply("info", f"Saved as {self.name} ({path}).")

    def _saved_by_another_story(self, name: str) -> bool:
        """Whether the save `name` exists and is not this story (another creation time, or unreadable)."""
        try:
            return read_save(self.saves_dir, name).get("created") != self.created
        except SaveError as e:
            return not str(e).startswith("no save named")

    def _meta_load(self, arg: str) -> Reply:
        if not arg:
            return Reply("error", "Usage: /load NAME (see /saves).")
        try:
            self.load(arg)
        except SaveError as e:
            return Reply("error", str(e))
        return Reply("info", f"Loaded {self.name}: {self.turn_count} turns.", changed={"story", "memory", "settings"})

    def _meta_saves(self, arg: str) -> Reply:
        saves = self.list_saves()
        if not saves:
            return Reply("info", f"No saves in {self.saves_dir}.")
        lines = [f"{s.name:<24} {s.modified:%Y-%m-%d %H:%M}  {s.turns:>4} turns  {s.error or s.first_line[:40]}"
                 for s in saves]
        return Reply("info", "\n".join(lines))

    def _meta_undo(self, arg: str) -> Reply:
        if not self.turns:
            return Reply("error", "Nothing to undo.")
        turn = self.undo()
        return Reply("info", f"Undone: {turn.shown}", changed={"story", "memory"})

    def _meta_redo(self, arg: str) -> Reply:
        if not self.redo_stack:
            return Reply("error", "Nothing to redo.")
        turn = self.redo_stack.pop()
        # The memory before it now: the old snapshot may lack a correction made while it was undone, or describe a
        # narration since altered.
        turn.memory_before = self.memory.snapshot()
        self.turns.append(turn)
        self._after_turn(turn)
        self.autosave()
        return Reply("info", f"Redone: {turn.shown}", changed={"story", "memory"})

    def _split_off(self, at: int, turns: list[Turn]) -> Branch:
        """The line after fork `at` as a branch, taking the forks further down it along."""
        deeper = {q: bs for q, bs in self.forks.items() if q > at}
        for q in deeper:
            del self.forks[q]
        for t in turns:
            t.memory_before = None  # a branch taken again replays its memory; snapshots would only bloat the save
        return Branch(turns, deeper)

    def _meta_branches(self, arg: str) -> Reply:
        if not any(self.forks.values()):
            return Reply("info", "No other lines yet: after /undo, a new command keeps the old line as a branch.")
        lines = []
        for at, branches in sorted(self.forks.items()):
            lines.append(f"After turn {at}:" if at else "At the start:")
            for n, b in enumerate(branches, 1):
                first = b.turns[0] if b.turns else None
                said = " ".join(first.narration.split()) if first else ""
                told = f"{first.shown} — {said[:60]}{'…' if len(said) > 60 else ''}" if first else "(empty)"
                lines.append(f"  {n}. {told}  ({len(b.turns)} turn{'s' if len(b.turns) != 1 else ''})")
        return Reply("info", "Other lines of the story (/branch AT N to go over):\n" + "\n".join(lines))

    def _meta_branch(self, arg: str) -> Reply:
        parts = arg.split()
        # The line runs on through the turns taken back by /undo: a fork among them is reachable too.
        line = [*self.turns, *reversed(self.redo_stack)]
        try:
            at, n = int(parts[0]), int(parts[1])
            branches = self.forks[at]
            chosen = branches[n - 1]
            if n < 1 or len(parts) != 2 or at > len(line):
                raise IndexError
        except (ValueError, IndexError, KeyError):
            return Reply("error", "Usage: /branch AT N, a fork and a branch listed by /branches.")
        branches.pop(n - 1)
        leaving = self._split_off(at, line[at:])
        if leaving.turns or leaving.forks:
            branches.append(leaving)
        self.forks.update(chosen.forks)
        self.turns = line[:at] + chosen.turns
        self.redo_stack = []
        self.memory = self._replay_memory()
        self._reset_cache()
        self.autosave()
        left = f"; the line you left is branch {len(branches)}" if leaving.turns or leaving.forks else ""
        return Reply("info", f"Went over to branch {n} after turn {at}{left}.", changed={"story", "memory"})

    def _meta_retry(self, arg: str, on_text=None, should_stop=None) -> Reply:
        if not self.turns:
            return Reply("error", "Nothing to retry.")
        # With turns undone after this one, the old line (this turn as told, then those) becomes a branch whole;
        # otherwise a retry keeps only the old narration, one /alt away.
        redo_before = list(self.redo_stack)
        # Not saved until the new narration is: killed mid-retry, the file still holds the turn.
        turn = self.undo(keep_redo=bool(self.redo_stack), save=False)
        try:
            reply = self.play_turn(turn.command, on_text, should_stop, turn.mode)
        except BaseException:
            self._put_back(turn, redo_before)  # the narrator failed: a retry must not lose the turn it was retrying
            raise
        if reply.kind != "narration":  # stopped before a word: the turn stays as it was told
            self._put_back(turn, redo_before)
            return reply
        self.turns[-1].alternatives = turn.other_narrations(self.turns[-1].narration)  # one /alt away
        self.autosave()
        return reply

    def _put_back(self, turn: Turn, redo_stack: list[Turn]) -> None:
        """A /retry that told nothing: the turn as it was (the file on disk still holds it)."""
        self.redo_stack = redo_stack
        self.turns.append(turn)
        self._after_turn(turn)

    def _replace_last_narration(self, narration: str) -> Turn:
        """The last turn told differently: the memory goes back to before it and reads the new narration."""
        old = self._pop_turn()
        turn = Turn(old.command, narration, self.memory.snapshot(), old.mode, old.other_narrations(narration))
        self.turns.append(turn)
        self._after_turn(turn)
        self.autosave()
        return turn

    def _meta_alt(self, arg: str) -> Reply:
        if not self.turns or not self.turns[-1].alternatives:
            return Reply("error", "No other narration of the last turn yet: /retry makes one, /alter TEXT writes one.")
        alternatives = self.turns[-1].alternatives
        if not arg:
            lines = [f"  {i}. {a[:100]}{'…' if len(a) > 100 else ''}" for i, a in enumerate(alternatives, 1)]
            return Reply("info", "Other narrations of the last turn (/alt N to use one):\n" + "\n".join(lines))
        n = int(arg) if re.fullmatch(r"[0-9]{1,6}", arg) else 0  # "²".isdigit() is True, int("²") fails
        if not 1 <= n <= len(alternatives):
            return Reply("error", f"Usage: /alt N, N from 1 to {len(alternatives)} (see /alt).")
        self._replace_last_narration(alternatives[n - 1])
        return Reply("info", "Narration swapped; the one it replaced is kept (/alt).", changed={"story", "memory"})

    def _meta_alter(self, arg: str) -> Reply:
        if not self.turns:
            return Reply("error", "Nothing to alter yet.")
        if not arg.strip():
            return Reply("error", "Usage: /alter TEXT: rewrite the last narration yourself (the old one is kept, /alt).")
        self._replace_last_narration(arg.strip())
        return Reply("info", "Narration rewritten; the old one is kept (/alt).", changed={"story", "memory"})

    def _meta_say(self, arg: str, on_text=None, should_stop=None) -> Reply:
        if not arg.strip(' "'):
            return Reply("error", 'Usage: /say TEXT, e.g. /say I have come for my sister')
        return self.play_turn(mode_command("say", arg), on_text, should_stop, "say")

    def _meta_story(self, arg: str, on_text=None, should_stop=None) -> Reply:
        if not arg.strip(' "'):  # the same test as /say, and as the TUI's for a narrating command
            return Reply("error", "Usage: /story TEXT: write the next part of the story yourself; the narrator goes on.")
        return self.play_turn(mode_command("story", arg), on_text, should_stop, "story")

    def _meta_temperature(self, arg: str) -> Reply:
        try:
            value = float(arg)
        except ValueError:
            return Reply("error", f"Usage: /temperature X, a number such as 0.8 (now {self.settings.temperature}).")
        if not 0.0 <= value <= 2.0:
            return Reply("error", "Temperature must be between 0 and 2.0 (0.05 or less is greedy).")
        value = self.set_temperature(value)
        greedy = " (greedy: always the likeliest word)" if value <= TEMPERATURE_MIN else ""
        return Reply("info", f"Temperature {value}{greedy}.", changed={"settings"})

    def _meta_remember(self, arg: str) -> Reply:
        if not arg:
            return Reply("error", "Usage: /remember TEXT")
        self.remember(arg)
        self.autosave()
        return Reply("info", f"Pinned fact {len(self.memory.pinned)}: {arg}", changed={"memory"})

    def _meta_forget(self, arg: str) -> Reply:
        try:
            removed = self.memory.unpin(int(arg) - 1)
        except (ValueError, IndexError):
            return Reply("error", f"Usage: /forget N, N from 1 to {len(self.memory.pinned)} (see /memory).")
        self.autosave()
        return Reply("info", f"Forgot: {removed}", changed={"memory"})

    def _meta_context(self, arg: str) -> Reply:
        """What the narrator would read for a command: recent story, memory block, command, special tokens shown."""
        command = arg or "look"
        ids = self.model_input(command)
        text = self.tokenizer.decode(ids, skip_special=False)
        return Reply("info", f"The model input for > {command} ({len(ids)} tokens):\n\n{text}")

    def _meta_world(self, arg: str) -> Reply:
        verb, _, rest = arg.partition(" ")
        verb = verb.lower()
        if verb in ("", "list"):
            if not self.world_info:
                return Reply("info", "No world info. Add some: /world add KEY[, KEY...]: TEXT")
            active = {id(e) for e in self.triggered_world_info()}
            lines = [f"  {i}. {', '.join(e.keys)}: {e.text}{'   (active)' if id(e) in active else ''}"
                     for i, e in enumerate(self.world_info, 1)]
            return Reply("info", "World info (joins the memory while a key is in the recent story):\n" + "\n".join(lines))
        if verb == "add":
            try:
                entry = WorldInfo.parse(rest)
            except ValueError as e:
                return Reply("error", str(e))
            self.world_info.append(entry)
            self.autosave()
            return Reply("info", f"World info {len(self.world_info)}: {', '.join(entry.keys)}: {entry.text}",
                         changed={"memory"})
        if verb in ("del", "delete", "remove"):
            try:
                n = int(rest)
                if not 1 <= n <= len(self.world_info):
                    raise IndexError(n)  # pop(-1) would remove the last entry
                entry = self.world_info.pop(n - 1)
            except (ValueError, IndexError):
                return Reply("error", f"Usage: /world del N, N from 1 to {len(self.world_info)} (see /world).")
            self.autosave()
            return Reply("info", f"Removed world info: {', '.join(entry.keys)}", changed={"memory"})
        return Reply("error", "Usage: /world, /world add KEY[, KEY...]: TEXT, /world del N")

    def _meta_note(self, arg: str) -> Reply:
        if not arg:
            if not self.author_note:
                return Reply("info", "No author's note. /note TEXT sets one, e.g. /note A gloomy tale; the witch is near.")
            return Reply("info", f"Author's note: {self.author_note}  (/note clear removes it)")
        if arg.lower() == "clear":
            self.author_note = ""
            self.autosave()
            return Reply("info", "Author's note removed.", changed={"memory"})
        self.author_note = " ".join(arg.split())
        self.autosave()
        return Reply("info", f"Author's note: {self.author_note}", changed={"memory"})

    def transcript(self) -> str:
        """The story as Markdown: title, model and settings, the opening, then every turn as the story shows it."""
        lines = [f"# {self.name}", "",
                 f"*{self.turn_count} turns, narrated by {self.generator.model_id}, "
                 f"temperature {self.settings.temperature:.2f}.*", "", self.opening.strip(), ""]
        for t in self.turns:
            if t.command:
                lines += [f"**{t.shown}**" if t.mode != "story" else t.shown.strip(), ""]
            lines += [t.narration.strip(), ""]
        return "\n".join(lines)

    def _meta_export(self, arg: str) -> Reply:
        if "\x00" in arg:
            return Reply("error", "Usage: /export [FILE.md]: a file name cannot contain a NUL character.")
        path = Path(arg).expanduser() if arg else self.saves_dir / f"{self.name}.md"
        if path.suffix.lower() not in (".md", ".txt"):
            return Reply("error", "Usage: /export [FILE.md]: the transcript as Markdown (a .md or .txt file).")
        if path.exists() and not _is_transcript(path):  # an earlier export is replaced; anything else is kept
            return Reply("error", f"{path} exists and is not a storyteller transcript: choose another name.")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, self.transcript())
        except OSError as e:
            return Reply("error", f"Cannot write {path}: {e.strerror or e}")
        return Reply("info", f"Transcript written to {path}.")

    def _meta_memory(self, arg: str) -> Reply:
        pinned = "\n".join(f"  {i}. {p}" for i, p in enumerate(self.memory.pinned, 1)) or "  (none)"
        return Reply("info", f"{self.memory_text()}\n\nPinned facts:\n{pinned}")

    def _meta_new(self, arg: str) -> Reply:
        # seeded from this story's generator: the same seed and script give the same new story
        self.new_story(seed=int(torch.randint(0, 2**31 - 1, (1,), generator=self.rng)))
        return Reply("info", "A new story begins.", changed={"story", "memory"})

    def _meta_quit(self, arg: str) -> Reply:
        if not self.config.autosave:
            return Reply("quit", "Farewell.")
        self.autosave()
        if self.save_error:
            return Reply("quit", f"Could not save ({self.save_error}). Farewell.")
        return Reply("quit", f"Saved as {self.name}. Farewell.")

    # -- undo --------------------------------------------------------------------------------------
    def undo(self, keep_redo: bool = True, save: bool = True) -> Turn:
        turn = self._pop_turn()
        if keep_redo:
            self.redo_stack.append(turn)
        self._reset_cache()
        if save:
            self.autosave()
        return turn

    def _pop_turn(self) -> Turn:
        """Take the last turn off the story and put the memory back to before it (no autosave, no cache rebuild)."""
        turn = self.turns.pop()
        restored = None
        if turn.memory_before is not None:
            try:
                restored = Memory.from_dict(turn.memory_before)
            except (KeyError, TypeError, ValueError, AttributeError):
                restored = None  # a damaged snapshot in a hand-edited save: rebuild instead
        if restored is not None:
            if not restored.lexicon_saved:  # snapshots leave the lexicon out: count the story's words again
                _count_words(restored, self.opening, self.turns)
            restored.keep_player_edits(self.memory, len(self.turns))
            self.memory = restored
        else:  # snapshot trimmed away (or damaged): rebuild the memory from the story itself
            self.memory = self._replay_memory()
        return turn

    def _replay_memory(self, edited: Memory | None = None) -> Memory:
        """The memory rebuilt from the story, with the player's edits kept in `edited` (default: this story's)."""
        edited = self.memory if edited is None else edited
        memory = Memory(MemoryConfig(budget_tokens=self.config.memory_budget))
        memory.corrections = [dict(c) for c in edited.corrections]
        memory.read(self.opening)
        memory.apply_corrections_made_at(0)
        for i, t in enumerate(self.turns, 1):
            _read_turn(memory, t)
            memory.apply_corrections_made_at(i)  # in story order: a later turn may change what was corrected
        memory.keep_player_edits(edited, len(self.turns))
        return memory

    # -- saves -------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "app": "storyteller",
            "model_id": self.generator.model_id,
            "created": self.created,
            "seed": self.seed,
            "rng_state": base64.b64encode(bytes(self.rng.get_state().tolist())).decode(),
            "sampler": self.settings.to_dict(),
            "engine": {"context_tokens": self.config.context_tokens, "memory_budget": self.config.memory_budget},
            "opening": self.opening,
            "turns": [t.to_dict() for t in self.turns],
            "redo": [t.to_dict() for t in self.redo_stack],
            "forks": forks_to_dict(self.forks),
            "memory": self.memory.to_dict(),
            "world_info": [e.to_dict() for e in self.world_info],
            "author_note": self.author_note,
        }

    def save(self) -> Path:
        return write_save(self.saves_dir, self.name, self.to_dict())

    def autosave(self) -> None:
        """Save after every change. A failure (disk full, the saves folder gone) does not undo the turn: it is kept
        in `save_error` and reported with the next reply, and the next autosave tries again."""
        if not self.config.autosave:
            return
        try:
            self.save()
            self.save_error = None
        except SaveError as e:
            self.save_error = str(e)

    def load(self, name: str) -> None:
        session = self._parse_session(read_save(self.saves_dir, name), name)
        # nothing above changed the story: a corrupted save leaves the one being played (and its file) alone
        self.name = validate_name(name)  # the file it came from, so autosaves go back to it
        self.seed, self.rng, self.opening = session.seed, session.rng, session.opening
        self.turns, self.redo_stack, self.forks = session.turns, session.redo, session.forks
        self.world_info, self.author_note = session.world_info, session.author_note
        self.created = session.created or self.created
        for key, value in session.sampler.to_dict().items():  # update in place: the TUI holds this object
            setattr(self.settings, key, value)
        # a save without a memory is rebuilt from its story alone, not with the edits of the story open before
        self.memory = session.memory if session.memory is not None else self._replay_memory(Memory())
        self._reset_cache()

    def _parse_session(self, data: dict[str, Any], name: str) -> Session:
        """Every part of a save, checked; a damaged one is a SaveError and nothing is changed."""
        try:
            turns = [Turn.from_dict(t) for t in data["turns"]]
            redo = [Turn.from_dict(t) for t in data.get("redo", [])]
            forks = forks_from_dict(data.get("forks", {}))
            memory = Memory.from_dict(data["memory"]) if data.get("memory") else None
            if memory is not None:
                memory.summary_json()  # the sidebar and the editor read this: a damaged memory fails here, not there
                if not memory.lexicon_saved:  # a save from before the lexicon
                    _count_words(memory, str(data.get("opening", "")), turns)
            seed = data.get("seed", 0)
            if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
                raise ValueError(f"seed {str(seed)[:20]!r} is not a number from 0 to 2^63-1")
            rng = torch.Generator()
            if data.get("rng_state"):
                rng.set_state(torch.tensor(list(base64.b64decode(data["rng_state"])), dtype=torch.uint8))
            else:
                rng.manual_seed(seed)
            sampler = from_dict(SamplerConfig, {**self.settings.to_dict(), **data.get("sampler", {})})
            sampler.check()
            world_info = [WorldInfo([str(k) for k in e["keys"]], str(e["text"])) for e in data.get("world_info", [])]
            author_note = str(data.get("author_note") or "")
            opening = data.get("opening", "")
            if not isinstance(opening, str):
                raise TypeError("the opening is not text")
        except (KeyError, TypeError, ValueError, RuntimeError, AttributeError, OverflowError) as e:
            raise SaveError(f"save {name!r} is corrupted ({e.__class__.__name__}: {e})") from None
        return Session(turns, redo, forks, memory, seed, rng, sampler, world_info, author_note, opening,
                       data.get("created"))

    def list_saves(self) -> list[SaveInfo]:
        """The saves folder, checked as loading checks it: a save listed as loadable loads."""
        return list_saves(self.saves_dir, check=lambda data, name: self._parse_session(data, name))


def play_script(engine: Engine, lines: Iterable[str], out: TextIO) -> None:
    """Headless play: each command printed as `> command`, then its narration. Meta-commands work too."""
    if not engine.turns:
        out.write(engine.opening + "\n\n")
    else:
        out.write(f"[continuing {engine.name}: {engine.turn_count} turns]\n\n")
    for line in script_commands(lines):
        out.write(f"> {line}\n")
        reply = engine.submit(line)
        out.write(f"{reply.text}\n\n")
        if reply.warning:
            out.write(f"[{reply.warning}]\n\n")
        out.flush()
        if reply.kind == "quit":
            break


def _is_transcript(path: Path) -> bool:
    """Whether a file is one that /export wrote (its heading, then "*N turns, narrated by ...")."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = f.read(400)
    except OSError:
        return False
    return re.match(r"# [^\n]*\n\n\*\d+ turns?, narrated by ", head) is not None


def _count_words(memory: Memory, opening: str, turns: Sequence[Turn]) -> None:
    """The lexicon of a memory restored without one, counted from the story in the order play read it (the opening,
    then each turn's command and narration), so that it is the very lexicon play would have."""
    memory.lexicon = StoryLexicon()
    for text in (opening, *(part for t in turns for part in (t.command, t.narration))):
        memory.lexicon.read(text)
    memory.lexicon_saved = True


def _read_turn(memory: Memory, turn: Turn) -> None:
    """The memory reads a turn: a command (do, say), or the player's prose in story mode, then the narration."""
    if turn.mode == "story":
        memory.read(turn.command)
    else:
        memory.read_command(turn.command)
    memory.read(turn.narration)
