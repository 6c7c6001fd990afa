"""Modal screens: help, save, load and the memory editor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from storyteller.memory import MEMORY_STATUSES, SPECIAL_HOLDERS
from storyteller.saves import SaveError, SaveInfo, validate_name

if TYPE_CHECKING:
    from storyteller.engine import Engine

DATE_FORMAT = "%Y-%m-%d %H:%M"


class HelpScreen(ModalScreen[None]):
    """Keys and meta-commands."""

    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def __init__(self, keys: list[tuple[str, str]], commands_help: str) -> None:
        super().__init__()
        self.keys = keys
        self.commands_help = commands_help

    def compose(self) -> ComposeResult:
        width = max(len(k) for k, _ in self.keys) + 2
        keys = Content("\n").join(
            Content.assemble((key.ljust(width), "bold"), description) for key, description in self.keys
        )
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Label("storyteller: help", classes="dialog-title")
            yield Static(keys, id="help-keys")
            yield Static(Content(self.commands_help), id="help-commands")
            yield Label("Esc, F1 or q closes this help.", classes="dialog-hint")


class SaveScreen(ModalScreen[str | None]):
    """Asks for a save name; dismisses with the validated name, or None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.initial_name = name

    def compose(self) -> ComposeResult:
        with Vertical(id="save-dialog", classes="dialog"):
            yield Label("Save the story as", classes="dialog-title")
            yield Input(self.initial_name, placeholder="save name", id="save-name", select_on_focus=True)
            yield Label("", id="save-error", classes="dialog-error")
            yield Label("Enter saves, Esc cancels. Letters, digits, spaces, '-', '_', '.'.", classes="dialog-hint")

    @on(Input.Submitted, "#save-name")
    def submit_name(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            name = validate_name(event.value)
        except SaveError as e:
            self.query_one("#save-error", Label).update(Content(str(e)))
            return
        self.dismiss(name)


def save_option(info: SaveInfo) -> Option:
    """One save as a two-line option; an unreadable save is shown with its error and cannot be chosen."""
    turns = "unreadable" if info.error else f"{info.turns} turn{'s' if info.turns != 1 else ''}"
    head = Content.assemble((info.name, "bold"), "  ", (info.modified.strftime(DATE_FORMAT), "dim"), "  ", turns)
    if info.error:
        return Option(Content.assemble(head, "\n", ("⚠ " + info.error, "italic")), id=info.name, disabled=True)
    first = info.first_line if len(info.first_line) <= 68 else info.first_line[:67] + "…"
    return Option(Content.assemble(head, "\n", (first or "(empty)", "italic")), id=info.name)


class LoadScreen(ModalScreen[str | None]):
    """Lists the saves, newest first, with date, turns and first line; dismisses with the chosen name, or None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, saves: list[SaveInfo]) -> None:
        super().__init__()
        self.saves = saves

    def compose(self) -> ComposeResult:
        with Vertical(id="load-dialog", classes="dialog"):
            yield Label("Load a story", classes="dialog-title")
            if self.saves:
                content: list[Option | None] = []
                for info in self.saves:
                    content += [None, save_option(info)] if content else [save_option(info)]
                yield OptionList(*content, id="save-list")  # None: a separator line
            else:
                yield Label("There are no saved stories yet.", id="no-saves")
            yield Label("Enter loads, Esc cancels. Unreadable saves are greyed out.", classes="dialog-hint")

    def on_mount(self) -> None:
        if self.saves:
            options = self.query_one("#save-list", OptionList)
            first = next((i for i, s in enumerate(self.saves) if not s.error), None)
            if first is not None:
                options.highlighted = first

    @on(OptionList.OptionSelected, "#save-list")
    def choose(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)


class MemoryEditScreen(ModalScreen[None]):
    """Edit what the narrator remembers: pin a fact, change a character's status, correct an object's holder,
    forget an entry. Every edit goes through the Memory API, then `engine.autosave()`, so it lands in the save."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("delete", "forget", "Forget entry"),
    ]

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.entries: list[tuple[str, str | int, str]] = []  # (kind, key, current value)

    def compose(self) -> ComposeResult:
        with Vertical(id="memory-dialog", classes="dialog"):
            yield Label("Edit the memory", classes="dialog-title")
            yield OptionList(id="memory-entries")
            with Horizontal(id="memory-edit-row", classes="memory-row"):
                yield Label("Select an entry", id="memory-edit-label", classes="memory-row-label")
                yield Input(id="memory-value", disabled=True)
            with Horizontal(id="memory-pin-row", classes="memory-row"):
                yield Label("Pin a fact", classes="memory-row-label")
                yield Input(placeholder="e.g. the ferryman owes you a favour", id="memory-pin")
            yield Label("", id="memory-error", classes="dialog-error")
            with Horizontal(id="memory-buttons"):
                yield Button("Forget entry", id="memory-forget", variant="error")
                yield Button("Close", id="memory-close")
            yield Label("Enter applies a field · Del (in the list) forgets the selected entry · Esc closes",
                        classes="dialog-hint")

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#memory-entries", OptionList).focus()

    # -- the list ----------------------------------------------------------------------------------
    def reload(self, keep: str | None = None) -> None:
        """Rebuild the entry list from the memory; keep the highlight on option id `keep` if it is still there."""
        memory = self.engine.memory
        summary = memory.summary_json()
        self.entries = []
        options: list[Option] = []

        seen: set[str] = set()

        def add(kind: str, key: str | int, label: str, value: str = "", shown: str = "") -> None:
            option_id = f"{kind}:{key}"
            if option_id in seen:  # a hand-edited save can hold one name twice; OptionList refuses duplicate ids
                return
            seen.add(option_id)
            options.append(self._option(option_id, kind, label, shown or value))
            self.entries.append((kind, key, value))

        for i, fact in enumerate(memory.pinned):
            add("pinned", i, fact)
        for c in summary.get("characters", []):
            aliases = [a for a in c.get("aliases", []) if a.lower() != c["name"].lower()]
            add("character", c["name"], c["name"] + (f" ({', '.join(aliases)})" if aliases else ""),
                str(c.get("status") or ""))
        for o in summary.get("objects", []):
            holder = str(o.get("holder") or "")
            add("object", o["name"], o["name"], holder, f"held by {holder}" if holder else "")
        for place in summary.get("places", []):
            add("place", place, place)
        for thread in summary.get("threads", []):
            add("thread", thread, thread)
        for i, event in enumerate(getattr(memory, "events", [])):
            add("event", str(i), event)

        entries = self.query_one("#memory-entries", OptionList)
        entries.clear_options()
        if not options:
            entries.add_option(Option("(the memory is empty)", id="empty", disabled=True))
            self._select(None)
            return
        entries.add_options(options)
        ids = [o.id for o in options]
        entries.highlighted = ids.index(keep) if keep in ids else 0
        self._select(self._current())

    @staticmethod
    def _option(option_id: str, kind: str, label: str, value: str) -> Option:
        prompt = Content.assemble((f"{kind:<10}", "dim"), (label, "bold"), (f"  {value}" if value else "", "italic"))
        return Option(prompt, id=option_id)

    def _current(self) -> tuple[str, str | int, str] | None:
        index = self.query_one("#memory-entries", OptionList).highlighted
        if index is None or index >= len(self.entries):
            return None
        return self.entries[index]

    @on(OptionList.OptionHighlighted, "#memory-entries")
    def entry_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._select(self._current())

    def _select(self, entry: tuple[str, str | int, str] | None) -> None:
        label = self.query_one("#memory-edit-label", Label)
        value = self.query_one("#memory-value", Input)
        if entry is None or entry[0] not in ("character", "object"):
            label.update("Select a person or object" if entry is None else f"{entry[0].capitalize()}")
            value.value, value.placeholder, value.disabled = "", "(this entry can only be forgotten)", True
            value.suggester = None
            return
        kind, key, current = entry
        value.disabled = False
        value.value = current
        if kind == "character":
            label.update(Content(f"Status of {key}"))
            value.placeholder = " / ".join(MEMORY_STATUSES)
            value.suggester = SuggestFromList(MEMORY_STATUSES, case_sensitive=False)
        else:
            label.update(Content(f"Holder of {key}"))
            value.placeholder = "a character, a place, you, " + ", ".join(SPECIAL_HOLDERS)
            value.suggester = None

    # -- edits -------------------------------------------------------------------------------------
    def _edited(self, description: str, keep: str | None) -> None:
        from storyteller.tui.messages import MemoryEdited

        try:
            self.engine.autosave()
        except SaveError as e:
            self._error(f"Changed, but not saved: {e}")
        else:
            self._error("")
        self.reload(keep)
        self.app.post_message(MemoryEdited(description))

    def _error(self, text: str) -> None:
        self.query_one("#memory-error", Label).update(Content(text))

    @on(Input.Submitted, "#memory-pin")
    def pin_fact(self, event: Input.Submitted) -> None:
        event.stop()
        fact = event.value.strip()
        if not fact:
            return
        self.engine.remember(fact)  # as /remember: the fact's people and places join the memory too
        event.input.value = ""
        self._edited(f"pinned \"{fact}\"", f"pinned:{len(self.engine.memory.pinned) - 1}")

    @on(Input.Submitted, "#memory-value")
    def set_value(self, event: Input.Submitted) -> None:
        event.stop()
        entry = self._current()
        value = event.value.strip()
        if entry is None or entry[0] not in ("character", "object") or not value:
            return
        kind, key, _ = entry
        try:
            if kind == "character":
                value = value.lower()
                self.engine.correct_status(str(key), value)
            else:
                self.engine.correct_holder(str(key), value)
        except (KeyError, ValueError) as e:
            self._error(f"Cannot change {key}: {e}")
            return
        what = "is now" if kind == "character" else "is held by"
        value = self._value_shown(kind, str(key), value)
        self._edited(f"{key} {what} {value}", f"{kind}:{key}")
        self.query_one("#memory-entries", OptionList).focus()

    def _value_shown(self, kind: str, key: str, typed: str) -> str:
        """The value as the memory stored it (a holder may be normalised to a character's name)."""
        summary = self.engine.memory.summary_json()
        if kind == "object":
            return next((str(o["holder"]) for o in summary.get("objects", []) if o["name"] == key), typed)
        return typed

    def action_forget(self) -> None:
        entry = self._current()
        if entry is None:
            return
        kind, key, current = entry
        try:
            if kind == "pinned":
                self.engine.memory.unpin(int(key))
                description = f"unpinned \"{current}\""
            else:
                label = self.engine.memory.events[int(key)] if kind == "event" else key
                self.engine.memory.forget(kind, str(key))
                description = f"forgot the {kind} \"{label}\""
        except (KeyError, ValueError, IndexError) as e:
            self._error(f"Cannot forget {key}: {e}")
            return
        self._edited(description, None)

    @on(Button.Pressed, "#memory-forget")
    def forget_pressed(self) -> None:
        self.action_forget()

    @on(Button.Pressed, "#memory-close")
    def close_pressed(self) -> None:
        self.dismiss(None)
