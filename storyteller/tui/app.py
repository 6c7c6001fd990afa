"""The Textual app: a story pane that streams the narration, a memory sidebar, a status line and a command line.

The engine is headless and synchronous. Anything that can generate (a plain command, /retry) runs in a thread
worker that reports back only with the messages of `messages.py`; quick meta-commands run on the UI thread. While
a narration streams the command line ignores Enter, Esc stops the narration, and the temperature keys change the
live sampler settings that the generator reads at every token.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from functools import partial
from time import monotonic

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Footer
from textual.worker import get_current_worker

from storyteller.config import clamp_temperature
from storyteller.engine import HELP, NARRATING_COMMANDS, Engine, Reply, mode_command, player_line, shown_input
from storyteller.tui.messages import (
    MemoryEdited,
    NarrationChunk,
    NarrationFailed,
    NarrationFinished,
    NarrationStarted,
)
from storyteller.tui.screens import HelpScreen, LoadScreen, MemoryEditScreen, SaveScreen
from storyteller.tui.widgets import CommandInput, MemorySidebar, StatusLine, StoryPane

TEMPERATURE_STEP = 0.05
SHOW_TIMEOUT = 0.5  # seconds the worker waits for the new turn to be drawn (a safety net: it is set at once)

@dataclass
class NarrationTiming:
    """One narration as the player saw it: from Enter to the first words drawn, then the model's streaming."""

    first_words_ms: float | None
    tokens: int
    streaming_seconds: float


# Actions that read or replace the engine's state: refused while the worker is narrating.
STATEFUL_ACTIONS = {"save", "load", "undo", "retry", "edit_memory", "new_story"}

# (title, help, action) for the command palette.
PALETTE_COMMANDS = [
    ("Save story", "Save the story under a name (ctrl+s)", "save"),
    ("Load story", "Continue a saved story (ctrl+o)", "load"),
    ("Undo", "Take back the last turn (ctrl+z)", "undo"),
    ("Retry", "Narrate the last turn again (ctrl+r)", "retry"),
    ("Edit memory", "Pin facts, fix statuses and holders, forget entries (f2)", "edit_memory"),
    ("Temperature up", "Wilder narration (ctrl+up or f8)", "temperature_up"),
    ("Temperature down", "Tamer narration (ctrl+down or f7)", "temperature_down"),
    ("New story", "Start a new story; the current one stays saved", "new_story"),
    ("Help", "Keys and meta-commands (f1)", "help"),
]


class StoryCommands(Provider):
    """The story's actions in the command palette (ctrl+p)."""

    def _commands(self):
        for title, help_text, action in PALETTE_COMMANDS:
            yield title, help_text, partial(self.app.run_action, action)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


class StorytellerApp(App[None]):
    TITLE = "storyteller"
    CSS_PATH = "storyteller.tcss"
    COMMANDS = App.COMMANDS | {StoryCommands}

    BINDINGS = [
        # priority: they work whatever has focus, the command line included, and while a narration streams.
        Binding("ctrl+up,f8", "temperature_up", "Temp+", key_display="^↑", priority=True),
        Binding("ctrl+down,f7", "temperature_down", "Temp-", key_display="^↓", priority=True),
        Binding("escape", "stop", "Stop"),
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+o", "load", "Load"),
        Binding("ctrl+z", "undo", "Undo"),
        Binding("ctrl+r", "retry", "Retry"),
        Binding("f2", "edit_memory", "Memory"),
        Binding("f1", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    # The live sampling temperature: validate_ clamps it, watch_ hands it to the engine and redraws.
    temperature: reactive[float] = reactive(0.8, init=False)
    # True while the worker narrates.
    busy: reactive[bool] = reactive(False, init=False)

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.set_reactive(StorytellerApp.temperature, clamp_temperature(engine.settings.temperature))
        self._stop_requested = threading.Event()
        self._narration_id = 0
        self._submitted_at = 0.0
        self._quit_when_done = False
        self._pasted: list[str] = []  # pasted lines waiting for the one narrating to end
        self.timings: deque[NarrationTiming] = deque(maxlen=200)  # `storyteller bench --tui` reads these

    # -- layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield StoryPane(id="story")
            yield MemorySidebar(id="sidebar")
        yield StatusLine(id="status")
        yield CommandInput(placeholder="What do you do?  (/help for commands)", id="command")
        yield Footer()

    def on_mount(self) -> None:
        self.story.show_story(self.engine)
        if self.engine.turns:
            n = self.engine.turn_count
            self.story.add_info(f"Continuing {self.engine.name}: {n} turn{'' if n == 1 else 's'}.")
        self.refresh_panes()
        self.command_input.focus()

    @property
    def story(self) -> StoryPane:
        return self.query_one("#story", StoryPane)

    @property
    def sidebar(self) -> MemorySidebar:
        return self.query_one("#sidebar", MemorySidebar)

    @property
    def status(self) -> StatusLine:
        return self.query_one("#status", StatusLine)

    @property
    def command_input(self) -> CommandInput:
        return self.query_one("#command", CommandInput)

    def refresh_panes(self) -> None:
        """Redraw the sidebar and the status line from the engine."""
        self.sidebar.refresh_from(self.engine)
        self.status.refresh_from(self.engine)

    # -- reactives ---------------------------------------------------------------------------------
    def validate_temperature(self, value: float) -> float:
        return clamp_temperature(value)

    def watch_temperature(self, value: float) -> None:
        # The generator re-reads engine.settings at every token: this lands mid-narration.
        self.engine.set_temperature(value)
        # Only the settings: while narrating, the worker thread may be updating the memory.
        self.sidebar.refresh_settings(self.engine)
        self.status.temperature = self.engine.settings.temperature

    def watch_busy(self, busy: bool) -> None:
        self.status.busy = busy
        self.command_input.set_class(busy, "-busy")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        on_main = len(self.screen_stack) <= 1
        if action == "stop":
            return self.busy and on_main
        if action in STATEFUL_ACTIONS:
            if not on_main:
                return False
            return None if self.busy else True  # None: shown, but greyed out
        if action in {"temperature_up", "temperature_down", "help"}:
            return on_main
        return True

    # -- the command line --------------------------------------------------------------------------
    @on(CommandInput.Submitted, "#command")
    def command_submitted(self, event: CommandInput.Submitted) -> None:
        event.stop()
        line = event.value.strip()
        if self.busy:
            self.bell()  # locked while narrating; the typed line stays for later
            return
        if not line:
            return
        self.command_input.add_history(line)
        self.command_input.value = ""
        self.submit(line)

    def submit(self, line: str, *, echo: bool = True) -> None:
        """Send one line to the engine: through the worker when it can generate, directly otherwise."""
        if self.busy:
            return
        line = player_line(line)  # as the engine reads it: "<|eot|>/undo" is /undo, not a narrated command
        if not line:
            return
        name, _, arg = line[1:].partition(" ") if line.startswith("/") else (None, "", "")
        name = name.lower() if name is not None else None
        narrating = name in NARRATING_COMMANDS and (self.engine.turns if name == "retry" else arg.strip(' "'))
        if name is None or narrating:
            if name is None:
                shown = shown_input(line, "do")
            elif name == "retry":
                shown = self.engine.turns[-1].shown
            else:
                shown = shown_input(mode_command(name, arg), name)
            self.start_narration(line, shown, retry=name == "retry")
            return
        if echo:
            self.story.add_meta(line)
        try:
            reply = self.engine.submit(line)
        except Exception as e:  # noqa: BLE001 - show it, never a traceback
            self.story.add_error(f"{line.split()[0]} failed: {e.__class__.__name__}: {e}")
            return
        self.show_reply(reply)

    def show_reply(self, reply: Reply) -> None:
        """A reply of a quick meta-command: redraw what changed, then show its text."""
        if reply.kind == "quit":
            self.exit(message=reply.text)
            return
        if "settings" in reply.changed:
            self.temperature = self.engine.settings.temperature
        if "story" in reply.changed:
            self.story.show_story(self.engine)
        if reply.kind == "error":
            self.story.add_error(reply.text)
        elif reply.text:
            self.story.add_info(reply.text)
        if reply.warning:
            self.story.add_error(reply.warning)
        self.refresh_panes()

    # -- narration worker --------------------------------------------------------------------------
    def start_narration(self, line: str, command: str, retry: bool = False) -> None:
        self._narration_id += 1
        self._submitted_at = monotonic()
        self._stop_requested.clear()
        self.busy = True
        self.narrate(line, self._narration_id, command, retry)

    @work(thread=True, exclusive=True, group="narration")
    def narrate(self, line: str, narration_id: int, command: str, retry: bool) -> None:
        """Runs in a thread: drives the engine, reports with messages only."""
        worker = get_current_worker()
        started = NarrationStarted(narration_id, command, retry)
        self.post_message(started)
        # Laying out the new turn takes the UI thread tens of milliseconds. Run concurrently, it holds the GIL
        # the sampling loop needs, and short narrations streamed at a quarter of their headless speed.
        started.shown.wait(timeout=SHOW_TIMEOUT)
        text, pieces = "", 0
        queued = threading.Event()

        def on_text(piece: str) -> None:
            nonlocal text, pieces
            if piece == "\x00reset":  # the engine re-rolls this narration
                text = ""
            else:
                text += piece
                pieces += 1
            if not queued.is_set():
                queued.set()
                self.post_message(NarrationChunk(narration_id, text, pieces, latest=lambda: text, queued=queued))

        def should_stop() -> bool:
            return self._stop_requested.is_set() or worker.is_cancelled

        try:
            reply = self.engine.submit(line, on_text=on_text, should_stop=should_stop)
        except Exception as e:  # noqa: BLE001 - reported to the player as a message
            self.post_message(NarrationFailed(narration_id, f"{e.__class__.__name__}: {e}"))
            return
        stopped = reply.narration is not None and reply.narration.stop_reason == "cancelled"
        self.post_message(NarrationFinished(narration_id, reply, stopped))

    @on(NarrationStarted)
    def narration_started(self, message: NarrationStarted) -> None:
        if message.retry:
            self.story.remove_last_turn()
        self.story.begin_narration(message.command)
        self.call_after_refresh(message.shown.set)

    @on(NarrationChunk)
    def narration_chunk(self, message: NarrationChunk) -> None:
        if message.narration_id == self._narration_id:
            self.story.stream(message.take)  # read (and the next chunk allowed) when the pane redraws
        else:
            message.take()

    @on(NarrationFinished)
    def narration_finished(self, message: NarrationFinished) -> None:
        reply = message.reply
        if reply.kind == "narration":
            self.story.end_narration(reply.text, stopped=message.stopped)
            if reply.narration is not None:
                self.status.tokens_per_second = reply.narration.streaming_tokens_per_second
                self.status.first_token_ms = 1000 * reply.narration.first_token_seconds
                drawn = self.story.first_drawn_at
                self.timings.append(NarrationTiming(
                    first_words_ms=1000 * (drawn - self._submitted_at) if drawn is not None else None,
                    tokens=max(0, len(reply.narration.token_ids) - 1),
                    streaming_seconds=reply.narration.seconds - reply.narration.first_token_seconds))
        else:
            self.story.abandon_narration()
            if message.stopped:  # stopped before a word: no turn kept (a /retry keeps the old one, drawn again)
                self.story.show_story(self.engine)
            (self.story.add_error if reply.kind == "error" else self.story.add_info)(reply.text)
        if reply.warning:
            self.story.add_error(reply.warning)  # e.g. the autosave failed: the turn stands
        self._narration_done()

    @on(NarrationFailed)
    def narration_failed(self, message: NarrationFailed) -> None:
        # The engine may have kept part of the turn: redraw the story from it, then say what went wrong.
        self.story.show_story(self.engine)
        self.story.add_error(f"The narrator failed: {message.error}")
        self._narration_done()

    def _narration_done(self) -> None:
        self.busy = False
        self.refresh_panes()
        if self._quit_when_done:
            self.submit("/quit", echo=False)
        elif self._pasted:
            self.call_later(self._play_pasted)

    # -- memory ------------------------------------------------------------------------------------
    @on(MemoryEdited)
    def memory_edited(self, message: MemoryEdited) -> None:
        self.story.add_info(f"Memory: {message.description}")
        if self.engine.save_error:  # the edit stands; the player should know it is not on disk yet
            self.story.add_error(f"Autosave failed: {self.engine.save_error}")
        self.refresh_panes()

    # -- actions -----------------------------------------------------------------------------------
    def action_temperature_up(self) -> None:
        self.temperature = round(self.temperature + TEMPERATURE_STEP, 2)

    def action_temperature_down(self) -> None:
        self.temperature = round(self.temperature - TEMPERATURE_STEP, 2)

    def action_stop(self) -> None:
        if self.busy:
            self._stop_requested.set()
            if self._pasted:
                self.story.add_info(f"Stopped; {len(self._pasted)} pasted line(s) not played.")
                self._pasted.clear()

    @on(CommandInput.LinesPasted)
    def lines_pasted(self, message: CommandInput.LinesPasted) -> None:
        if self.busy or self._pasted:
            self.bell()
            return
        self._pasted.extend(message.lines)
        self.story.add_info(f"{len(message.lines)} lines pasted: played one after another (Esc stops).")
        self._play_pasted()

    def _play_pasted(self) -> None:
        """The next pasted line, once the one before it is done."""
        if self._pasted and not self.busy and self.is_running:
            line = self._pasted.pop(0)
            self.command_input.add_history(line)
            self.submit(line)
            if not self.busy:  # a quick meta-command: go on with the next line
                self.call_later(self._play_pasted)

    def _refuse_if_busy(self) -> bool:
        if self.busy:
            self.notify("Wait for the narration to end, or press Esc to stop it.", severity="warning")
            return True
        return False

    def action_save(self) -> None:
        if self._refuse_if_busy():
            return

        def saved(name: str | None) -> None:
            if name:
                self.submit(f"/save {name}", echo=False)

        self.push_screen(SaveScreen(self.engine.name), saved)

    def action_load(self) -> None:
        if self._refuse_if_busy():
            return

        def chosen(name: str | None) -> None:
            if name:
                self.submit(f"/load {name}", echo=False)

        self.push_screen(LoadScreen(self.engine.list_saves()), chosen)

    def action_undo(self) -> None:
        if not self._refuse_if_busy():
            self.submit("/undo")

    def action_retry(self) -> None:
        if not self._refuse_if_busy():
            self.submit("/retry")

    def action_new_story(self) -> None:
        if not self._refuse_if_busy():
            self.submit("/new")

    def action_edit_memory(self) -> None:
        if self._refuse_if_busy():
            return
        self.push_screen(MemoryEditScreen(self.engine), lambda _: self.refresh_panes())

    def action_help(self) -> None:
        self.push_screen(HelpScreen(KEY_HELP, HELP))

    async def action_quit(self) -> None:
        """Save and leave; a narration in progress is stopped first (the worker saves what it produced)."""
        if self.busy:
            self._quit_when_done = True
            self._stop_requested.set()
            return
        self.submit("/quit", echo=False)


KEY_HELP = [
    ("Enter", "send the command"),
    ("↑ / ↓", "walk the command history"),
    ("Esc", "stop the narration"),
    ("ctrl+↑ / F8", "temperature up (also while narrating)"),
    ("ctrl+↓ / F7", "temperature down (also while narrating)"),
    ("ctrl+s", "save as…"),
    ("ctrl+o", "load a saved story"),
    ("ctrl+z", "undo the last turn"),
    ("ctrl+r", "retry: narrate the last turn again"),
    ("F2", "edit the memory"),
    ("ctrl+p", "command palette"),
    ("F1", "this help"),
    ("ctrl+q", "save and quit"),
]


def make_app(engine: Engine) -> StorytellerApp:
    """The app around an engine; the CLI and the tests both build it here."""
    return StorytellerApp(engine)
