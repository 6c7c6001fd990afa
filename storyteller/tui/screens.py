"""Modal screens: help, save, load and the memory editor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

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
    """Placeholder until the memory API lands."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine

    def compose(self) -> ComposeResult:
        with Vertical(id="memory-dialog", classes="dialog"):
            yield Label("Edit the memory", classes="dialog-title")
