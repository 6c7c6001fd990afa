"""The widgets of the main screen: the story, the memory sidebar, the status line and the command input."""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import TYPE_CHECKING

from textual import events
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Input, Static

if TYPE_CHECKING:
    from storyteller.engine import Engine

STREAM_INTERVAL = 1 / 10  # the streaming narration is redrawn at most 10 times a second: every redraw lays out
# the screen on the UI thread, which shares the GIL with the sampling loop (20/s: 1,330 tokens/s; 10/s: 1,900)
STREAM_CURSOR = " ▍"
# Turns kept as widgets of their own; past FOLD_AT, older ones fold into one block of text. Every streamed redraw
# lays out every widget on the UI thread, which holds the GIL the sampler needs: with the shipped model, narration
# streamed at 630-760 tokens/s with 40-60 turns on screen, and stays at 1,070-1,290 over 120 turns with 15-25.
KEEP_TURNS = 15
FOLD_AT = 25
FOLDED_SHOWN = 200  # folded turns drawn; earlier ones are in the save and in /export, not on screen


def plain(text: str) -> Content:
    """Story text as content: never parsed as markup, whatever brackets the model or the player writes."""
    return Content(text)


class StoryPane(VerticalScroll):
    """The story so far: the opening, then one `.turn` per turn (`.command` line and `.narration`), with info and
    error replies in their own style in between. The narration being generated streams into the last `.turn`."""

    can_focus = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._live: Static | None = None
        self._live_command = ""
        self._pending: str | Callable[[], str] | None = None
        self.first_drawn_at: float | None = None
        self._last_flush = 0.0
        self._flush_timer: Timer | None = None

    def _follow(self, force: bool = False) -> None:
        """Keep the newest text in view, unless the player scrolled up to reread (then leave them there).

        (Not `anchor()`: in Textual 8 an anchored container bottom-aligns content shorter than itself.)"""
        if force or self.scroll_y >= self.max_scroll_y - 1:
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True)

    # -- whole story -------------------------------------------------------------------------------
    def show_story(self, engine: Engine) -> None:
        """Show the engine's story: the opening and every turn. The turns already shown as the engine has them
        stay (with the replies between them); from the first that differs on, the pane is redrawn. A /undo in a
        story of hundreds of turns used to remount them all, about a second each time."""
        self._stop_stream()
        keys = [(turn.shown, turn.narration) for turn in engine.turns]
        children = list(self.children)
        archive = self._archive()
        folded = archive.story_key if archive is not None else []  # type: ignore[attr-defined]
        if not children or getattr(children[0], "story_key", None) != ("", engine.opening) \
                or keys[:len(folded)] != folded:
            self.remove_children()
            opening = Static(plain(engine.opening), classes="opening")
            opening.story_key = ("", engine.opening)  # type: ignore[attr-defined]
            fold = len(keys) - KEEP_TURNS if len(keys) > FOLD_AT else 0
            self.mount_all([opening, *([self._archive_widget(keys[:fold])] if fold else []),
                            *(self._turn(*key) for key in keys[fold:])])
            self._follow(force=True)
            return
        keys = keys[len(folded):]
        shown = [child for child in children if child.has_class("turn")]
        same = 0
        while same < min(len(shown), len(keys)) and getattr(shown[same], "story_key", None) == keys[same]:
            same += 1
        if same < len(shown):
            self.remove_children(children[children.index(shown[same]):])
        if same < len(keys):
            self.mount_all([self._turn(*key) for key in keys[same:]])
        self.fold_old_turns()
        self._follow(force=True)

    def _archive(self) -> Static | None:
        found = self.query_children(".archive")
        return found.first(Static) if found else None

    @staticmethod
    def _archive_widget(keys: list[tuple[str, str]]) -> Static:
        archive = Static(plain(""), classes="archive")
        archive.story_key = []  # type: ignore[attr-defined]
        StoryPane._extend_archive(archive, keys)
        return archive

    @staticmethod
    def _extend_archive(archive: Static, keys: list[tuple[str, str]]) -> None:
        archive.story_key = [*archive.story_key, *keys]  # type: ignore[attr-defined]
        folded: list[tuple[str, str]] = archive.story_key  # type: ignore[attr-defined]
        hidden = max(0, len(folded) - FOLDED_SHOWN)
        text = "\n\n".join(f"{shown}\n{narration}" if shown else narration for shown, narration in folded[hidden:])
        if hidden:
            text = f"({hidden} earlier turn{'' if hidden == 1 else 's'}: /export writes the whole story)\n\n{text}"
        archive.update(plain(text))

    def fold_old_turns(self) -> None:
        """Past FOLD_AT turn widgets, fold all but the last KEEP_TURNS into the block of older turns (replies
        between them go: they were about those turns)."""
        turns = [child for child in self.children if child.has_class("turn")]
        if len(turns) <= FOLD_AT or self._live is not None:
            return
        if any(not hasattr(t, "story_key") for t in turns[: len(turns) - KEEP_TURNS]):
            return  # a turn still streaming or stopped without its text: fold later
        fold = turns[: len(turns) - KEEP_TURNS]
        archive = self._archive()
        if archive is None:
            archive = self._archive_widget([])
            self.mount(archive, after=self.children[0])
        self._extend_archive(archive, [t.story_key for t in fold])  # type: ignore[attr-defined]
        children = list(self.children)
        self.remove_children([c for c in children[children.index(archive) + 1: children.index(turns[len(fold)])]])

    @staticmethod
    def _turn(shown: str, narration: str | Static) -> Vertical:
        """One turn: the player's part as the story shows it ("> command", or story-mode prose), then the narration."""
        parts = []
        if shown:
            parts.append(Static(plain(shown), classes="command"))
        parts.append(narration if isinstance(narration, Static) else Static(plain(narration), classes="narration"))
        turn = Vertical(*parts, classes="turn")
        if isinstance(narration, str):
            turn.story_key = (shown, narration)  # type: ignore[attr-defined]  # which engine turn it shows
        return turn

    def add_info(self, text: str) -> None:
        self.mount(Static(plain(text), classes="reply info"))
        self._follow()

    def add_error(self, text: str) -> None:
        self.mount(Static(plain(text), classes="reply error"))
        self._follow()

    def add_meta(self, line: str) -> None:
        """A meta-command the player typed, shown like a command but quieter."""
        self.mount(Static(plain(f"> {line}"), classes="meta"))
        self._follow()

    def remove_last_turn(self) -> None:
        turns = self.query(".turn")
        if turns:
            turns.last().remove()

    # -- streaming ---------------------------------------------------------------------------------
    @property
    def streaming(self) -> bool:
        return self._live is not None

    def begin_narration(self, command: str) -> None:
        self._stop_stream()
        self._live = Static(plain(STREAM_CURSOR.strip()), classes="narration -streaming")
        self._live_command = command
        self.mount(self._turn(command, self._live))
        self._pending = None
        self._last_flush = 0.0
        self.first_drawn_at: float | None = None  # monotonic() when this narration's first words were drawn
        self._follow(force=True)

    def stream(self, text: str | Callable[[], str]) -> None:
        """Show the narration so far; redraws are batched to at most one per STREAM_INTERVAL. `text` may be a
        callable, read only when the redraw happens (the worker's newest text, see `NarrationChunk.take`)."""
        if self._live is None:
            return
        self._pending = text
        if self._flush_timer is not None:
            return  # a redraw is already scheduled; it will show this text
        wait = self._last_flush + STREAM_INTERVAL - monotonic()
        if wait <= 0:
            self.flush()
        else:
            self._flush_timer = self.set_timer(wait, self.flush)

    def flush(self) -> None:
        """Draw the pending streamed text now."""
        if self._flush_timer is not None:
            self._flush_timer.stop()
        self._flush_timer = None
        self._last_flush = monotonic()
        if self._live is not None and self._pending is not None:
            text = self._pending() if callable(self._pending) else self._pending
            if text and self.first_drawn_at is None:
                self.first_drawn_at = self._last_flush
            self._live.update(plain(text + STREAM_CURSOR))
            self._pending = None
            self._follow()

    def end_narration(self, text: str, stopped: bool = False) -> None:
        """Replace the streamed text with the engine's final (tidied) narration."""
        live = self._live
        self._stop_stream()
        if live is None:
            return
        live.remove_class("-streaming")
        live.update(plain(text))
        if live.parent is not None:
            live.parent.story_key = (self._live_command, text)  # type: ignore[attr-defined]
        if stopped:
            live.add_class("-stopped")
            live.parent.mount(Static("(stopped)", classes="stopped-note"))  # type: ignore[union-attr]
        self.fold_old_turns()
        self._follow()

    def abandon_narration(self) -> None:
        """Drop the turn being streamed (its narration failed or produced no turn)."""
        live = self._live
        self._stop_stream()
        if live is not None and live.parent is not None:
            live.parent.remove()

    def _stop_stream(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        self._live = None
        self._pending = None


class MemorySidebar(VerticalScroll):
    """What the narrator remembers (the rendered memory block and the pinned facts) and the sampler settings."""

    can_focus = False

    def compose(self):
        yield Static(id="memory-text", classes="sidebar-section")
        yield Static(id="pinned", classes="sidebar-section")
        yield Static(id="sampler", classes="sidebar-section")

    def on_mount(self) -> None:
        self.query_one("#memory-text").border_title = "Memory"
        self.query_one("#pinned").border_title = "Pinned facts"
        self.query_one("#sampler").border_title = "Sampler"

    def refresh_from(self, engine: Engine) -> None:
        self.refresh_memory(engine)
        self.refresh_settings(engine)

    def refresh_memory(self, engine: Engine) -> None:
        try:
            memory = engine.memory_text().strip() or "(empty)"
        except Exception as e:  # noqa: BLE001 - a memory bug must not take the whole UI down
            memory = f"(cannot render the memory: {e})"
        self.query_one("#memory-text", Static).update(plain(memory))
        pinned = list(getattr(engine.memory, "pinned", []))
        text = "\n".join(f"{i}. {fact}" for i, fact in enumerate(pinned, 1)) or "(none: /remember TEXT or F2)"
        self.query_one("#pinned", Static).update(plain(text))

    def refresh_settings(self, engine: Engine) -> None:
        s = engine.settings
        self.query_one("#sampler", Static).update(plain(
            f"temperature   {s.temperature:.2f}\n"
            f"top-k         {s.top_k}\n"
            f"top-p         {s.top_p:.2f}\n"
            f"rep. penalty  {s.repetition_penalty:.2f}\n"
            f"max tokens    {s.max_tokens}"
        ))


class StatusLine(Static):
    """model · session · turn · temperature · first-token time and streaming tokens/s of the last narration."""

    model_id: reactive[str] = reactive("")
    session: reactive[str] = reactive("")
    turn: reactive[int] = reactive(0)
    temperature: reactive[float] = reactive(0.0)
    tokens_per_second: reactive[float | None] = reactive(None)  # streaming, after the first token
    first_token_ms: reactive[float | None] = reactive(None)
    busy: reactive[bool] = reactive(False)

    def render(self) -> Content:
        tps = "—" if self.tokens_per_second is None else f"{self.tokens_per_second:,.0f}"
        if self.first_token_ms is not None:
            tps = f"first word {self.first_token_ms:.0f} ms, {tps}"
        state = "narrating… (Esc stops)" if self.busy else "ready"
        return Content.assemble(
            ("model ", "dim"), self.model_id,
            ("  │  story ", "dim"), self.session,
            ("  │  turn ", "dim"), str(self.turn),
            ("  │  temperature ", "dim"), f"{self.temperature:.2f}",
            ("  │  ", "dim"), f"{tps} tok/s",
            ("  │  ", "dim"), (state, "bold" if self.busy else "dim"),
        )

    def refresh_from(self, engine: Engine) -> None:
        self.model_id = str(engine.generator.model_id)
        self.session = engine.name
        self.turn = engine.turn_count
        self.temperature = engine.settings.temperature


class CommandInput(Input):
    """The command line, with a history walked with up/down (the line being typed is kept as the newest entry)."""

    BINDINGS = [
        Binding("up", "history_previous", "Previous command", show=False),
        Binding("down", "history_next", "Next command", show=False),
    ]

    def __init__(self, *, history_size: int = 200, **kwargs) -> None:
        super().__init__(**kwargs)
        self.history: list[str] = []
        self.history_size = history_size
        self._index: int | None = None  # position while walking the history; None: editing a new line
        self._draft = ""

    class LinesPasted(Message):
        """The player pasted several lines (a walkthrough, a list of commands): they are played in turn."""

        def __init__(self, lines: list[str]) -> None:
            super().__init__()
            self.lines = lines

    def _on_paste(self, event: events.Paste) -> None:
        lines = [line.strip() for line in event.text.splitlines() if line.strip()]
        if len(lines) > 1:  # Input would keep the first line and drop the rest without a word
            event.stop()
            self.post_message(self.LinesPasted(lines))
            return
        super()._on_paste(event)

    def add_history(self, line: str) -> None:
        line = line.strip()
        if line and (not self.history or self.history[-1] != line):
            self.history.append(line)
            del self.history[: -self.history_size]
        self._index = None
        self._draft = ""

    def action_history_previous(self) -> None:
        if not self.history:
            return
        if self._index is None:
            self._draft = self.value
            self._index = len(self.history)
        if self._index > 0:
            self._index -= 1
            self._show(self.history[self._index])

    def action_history_next(self) -> None:
        if self._index is None:
            return
        self._index += 1
        if self._index >= len(self.history):
            self._index = None
            self._show(self._draft)
        else:
            self._show(self.history[self._index])

    def _show(self, text: str) -> None:
        self.value = text
        self.cursor_position = len(text)
