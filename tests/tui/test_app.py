"""The TUI driven with Pilot around a real Engine on the controllable FakeGenerator. No sleeps: tests wait for the
worker with `workers.wait_for_complete()` and for the fake generator with its threading events."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from textual.widgets import Input, Label, OptionList, Static
from textual.worker import WorkerCancelled

from storyteller.memory import Memory
from storyteller.tui.app import StorytellerApp, make_app
from storyteller.tui.screens import HelpScreen, LoadScreen, MemoryEditScreen, SaveScreen
from storyteller.tui.widgets import CommandInput, StatusLine, StoryPane
from tui_fakes import DEFAULT_NARRATIONS, OPENING, FakeGenerator

pytestmark = pytest.mark.asyncio


def story_texts(app: StorytellerApp, selector: str) -> list[str]:
    return [str(w.content) for w in app.query_one(StoryPane).query(selector).results(Static)]


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def wait_event(event) -> None:
    assert await asyncio.to_thread(event.wait, 10), "the fake generator never got there"


async def open_memory_editor(pilot) -> tuple[MemoryEditScreen, OptionList]:
    await pilot.press("f2")
    screen = pilot.app.screen
    assert isinstance(screen, MemoryEditScreen)
    return screen, screen.query_one("#memory-entries", OptionList)


async def type_command(pilot, text: str) -> None:
    pilot.app.query_one(CommandInput).value = text
    await pilot.press("enter")


async def test_command_streams_narration_and_is_shown_distinctly(engine):
    app = make_app(engine)
    async with app.run_test(size=(110, 32)) as pilot:
        assert story_texts(app, ".opening") == [engine.opening]
        await pilot.press(*"open the door", "enter")
        await settle(pilot)
        assert engine.turn_count == 1
        assert story_texts(app, ".command") == ["> open the door"]
        assert story_texts(app, ".narration") == [DEFAULT_NARRATIONS[0]]
        assert app.query_one(CommandInput).value == ""
        assert not app.busy
        assert app.query_one(StatusLine).turn == 1
        # the fake reads its prompt in 40 ms, then streams 25 tokens/s: the status shows both, apart
        assert app.query_one(StatusLine).tokens_per_second == pytest.approx(25.0)
        assert app.query_one(StatusLine).first_token_ms == pytest.approx(40.0)


async def test_narration_streams_before_it_finishes(engine, fake_generator):
    fake_generator.block_next(before_piece=4)
    app = make_app(engine)
    async with app.run_test() as pilot:
        await type_command(pilot, "open the door")
        await wait_event(fake_generator.reached)
        await pilot.pause()
        app.query_one(StoryPane).flush()  # redraws are batched in time; draw now rather than wait
        assert app.busy
        # the four words generated so far are on screen (plus the streaming cursor), the turn is not done
        narration = story_texts(app, ".narration")[-1]
        assert narration.startswith("The door creaks open")
        assert engine.turn_count == 0
        # Enter is ignored while narrating
        await type_command(pilot, "look")
        assert fake_generator.calls == 1
        fake_generator.release.set()
        await settle(pilot)
        assert engine.turn_count == 1
        assert story_texts(app, ".narration") == [DEFAULT_NARRATIONS[0]]
        assert app.query_one(CommandInput).value == "look"  # the line typed meanwhile is kept


async def test_temperature_keys_while_streaming_apply_mid_narration(engine, fake_generator):
    fake_generator.block_next(before_piece=3)
    app = make_app(engine)
    async with app.run_test() as pilot:
        assert app.temperature == 0.8
        await type_command(pilot, "open the door")
        await wait_event(fake_generator.reached)
        assert app.focused is app.query_one(CommandInput)
        await pilot.press("ctrl+up")
        await pilot.press("f8")
        assert app.temperature == 0.9 and engine.settings.temperature == 0.9
        fake_generator.release.set()
        await settle(pilot)
        temps = fake_generator.temperatures[0]
        assert temps[:3] == [0.8, 0.8, 0.8]
        assert set(temps[3:]) == {0.9}
        assert app.query_one(StatusLine).temperature == 0.9
        assert "temperature   0.90" in str(app.query_one("#sampler", Static).content)
        await pilot.press("ctrl+down", "f7", "f7")
        assert engine.settings.temperature == 0.75


async def test_temperature_is_clamped(engine):
    app = make_app(engine)
    async with app.run_test() as pilot:
        app.temperature = 99
        assert app.temperature == 2.0 == engine.settings.temperature
        await pilot.press("f8")
        assert engine.settings.temperature == 2.0
        app.temperature = -1
        assert engine.settings.temperature == 0.05
        await type_command(pilot, "/temperature 1.2")  # the meta-command goes through the engine
        assert app.temperature == 1.2 and app.query_one(StatusLine).temperature == 1.2
        await pilot.press("ctrl+down")
        assert engine.settings.temperature == 1.15


async def stop_before(pilot, fake_generator, line: str, piece: int) -> None:
    """Send `line` and press Esc while the narrator waits before word `piece`."""
    fake_generator.block_next(before_piece=piece)
    await type_command(pilot, line)
    await wait_event(fake_generator.reached)
    await pilot.press("escape")
    fake_generator.release.set()
    await settle(pilot)


async def test_escape_stops_narration(engine, fake_generator):
    app = make_app(engine)
    async with app.run_test() as pilot:
        await stop_before(pilot, fake_generator, "open the door", 3)
        assert not app.busy
        assert len(fake_generator.temperatures[0]) == 3  # no piece after Esc
        assert engine.turns[-1].narration == "The door creaks"
        assert story_texts(app, ".narration") == ["The door creaks"]
        assert story_texts(app, ".stopped-note") == ["(stopped)"]


async def test_escape_before_the_first_word_keeps_no_turn(engine, fake_generator):
    app = make_app(engine)
    async with app.run_test() as pilot:
        await stop_before(pilot, fake_generator, "open the door", 0)
        assert not app.busy and engine.turn_count == 0
        assert story_texts(app, ".turn") == []
        assert any("no turn was kept" in t for t in story_texts(app, ".info"))


async def test_escape_before_the_first_word_of_a_retry_keeps_the_turn(engine, fake_generator):
    app = make_app(engine)
    async with app.run_test() as pilot:
        await type_command(pilot, "open the door")
        await settle(pilot)
        await stop_before(pilot, fake_generator, "/retry", 0)
        assert [(t.command, t.narration) for t in engine.turns] == [("open the door", DEFAULT_NARRATIONS[0])]
        assert story_texts(app, ".narration") == [DEFAULT_NARRATIONS[0]]  # drawn again, not lost from the pane


async def test_meta_command_error_is_shown_in_story_pane(engine):
    app = make_app(engine)
    async with app.run_test() as pilot:
        await type_command(pilot, "/load nosuch")
        await settle(pilot)
        errors = story_texts(app, ".error")
        assert len(errors) == 1 and "nosuch" in errors[0]
        await type_command(pilot, "/frobnicate")
        assert "Unknown command /frobnicate" in story_texts(app, ".error")[-1]
        assert engine.turn_count == 0


async def test_history_walks_with_up_and_down(engine):
    app = make_app(engine)
    async with app.run_test() as pilot:
        for line in ("look", "go north"):
            await type_command(pilot, line)
            await settle(pilot)
        box = app.query_one(CommandInput)
        await pilot.press(*"dr")
        await pilot.press("up")
        assert box.value == "go north"
        await pilot.press("up", "up")
        assert box.value == "look"
        await pilot.press("down")
        assert box.value == "go north"
        await pilot.press("down")
        assert box.value == "dr"


async def test_save_dialog_then_load_dialog_in_a_new_app(make_ui_engine, saves_dir):
    engine = make_ui_engine()
    app = make_app(engine)
    async with app.run_test() as pilot:
        for line in ("open the door", "climb the stairs"):
            await type_command(pilot, line)
            await settle(pilot)
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SaveScreen)
        name_box = app.screen.query_one(Input)
        name_box.value = ""
        await pilot.press(*"my tale", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, SaveScreen)
    saved = saves_dir / "my tale.json"
    assert saved.is_file()
    assert [t["command"] for t in json.loads(saved.read_text())["turns"]] == ["open the door", "climb the stairs"]

    fresh = make_ui_engine(name="another")
    app = make_app(fresh)
    async with app.run_test() as pilot:
        assert story_texts(app, ".turn") == []
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, LoadScreen)
        options = app.screen.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "my tale" in ids
        options.highlighted = ids.index("my tale")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, LoadScreen)
        assert [(t.command, t.narration) for t in fresh.turns] == [
            ("open the door", DEFAULT_NARRATIONS[0]), ("climb the stairs", DEFAULT_NARRATIONS[1])]
        assert story_texts(app, ".command") == ["> open the door", "> climb the stairs"]
        assert story_texts(app, ".narration") == DEFAULT_NARRATIONS[:2]
        assert app.query_one(StatusLine).session == "my tale"
        assert app.query_one(StatusLine).turn == 2


async def test_load_dialog_lists_unreadable_saves_but_cannot_load_them(engine, saves_dir):
    saves_dir.mkdir(parents=True)
    (saves_dir / "broken.json").write_text("{not json")
    app = make_app(engine)
    async with app.run_test() as pilot:
        await pilot.press("ctrl+o")
        options = app.screen.query_one(OptionList)
        broken = options.get_option("broken")
        assert broken.disabled and "corrupted" in str(broken.prompt)
        await pilot.press("escape")
        assert not isinstance(app.screen, LoadScreen)


async def test_app_started_from_a_loaded_engine_shows_previous_turns(make_ui_engine):
    first = make_ui_engine(name="saga")
    first.submit("open the door")
    first.save()
    engine = make_ui_engine(name="other")
    engine.load("saga")
    app = make_app(engine)
    async with app.run_test():
        assert story_texts(app, ".command") == ["> open the door"]
        assert story_texts(app, ".narration") == [DEFAULT_NARRATIONS[0]]
        assert story_texts(app, ".info") == ["Continuing saga: 1 turn."]  # one turn, not "1 turns"


async def test_undo_and_retry_keys(engine, fake_generator):
    app = make_app(engine)
    async with app.run_test() as pilot:
        await type_command(pilot, "open the door")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert engine.turn_count == 1
        assert story_texts(app, ".narration") == [DEFAULT_NARRATIONS[1]]
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert engine.turn_count == 0
        assert story_texts(app, ".turn") == []


async def test_undo_and_alter_redraw_only_the_turns_that_changed(engine):
    app = make_app(engine)
    async with app.run_test() as pilot:
        for line in ("open the door", "climb the stairs", "look around"):
            await type_command(pilot, line)
            await settle(pilot)
        first, second, _ = app.story.query(".turn")
        await type_command(pilot, "/undo")
        await settle(pilot)
        assert list(app.story.query(".turn")) == [first, second]  # kept, not remounted
        await type_command(pilot, "/alter The stairs creak under you.")
        await settle(pilot)
        turns = list(app.story.query(".turn"))
        assert turns[0] is first and turns[1] is not second
        assert story_texts(app, ".narration") == [DEFAULT_NARRATIONS[0], "The stairs creak under you."]


async def test_old_turns_fold_into_one_block_and_undo_unfolds_them(engine, monkeypatch):
    import storyteller.tui.widgets as widgets

    monkeypatch.setattr(widgets, "FOLD_AT", 4)
    monkeypatch.setattr(widgets, "KEEP_TURNS", 2)
    monkeypatch.setattr(widgets, "FOLDED_SHOWN", 2)
    app = make_app(engine)
    async with app.run_test() as pilot:
        for i in range(6):
            await type_command(pilot, f"wait {i}")
            await settle(pilot)
        archive = app.story.query_one(".archive", Static)
        assert len(app.story.query(".turn")) == 3  # turns 4-6; turns 1-3 were folded when the fifth ended
        assert str(archive.content).startswith("(1 earlier turn:")  # three folded, the last two drawn
        assert "> wait 1" in str(archive.content) and "> wait 0" not in str(archive.content)
        await type_command(pilot, "/undo")
        await settle(pilot)
        assert story_texts(app, ".command") == ["> wait 3", "> wait 4"]
        for _ in range(3):
            await type_command(pilot, "/undo")
            await settle(pilot)
        assert not app.story.query(".archive") and story_texts(app, ".command") == ["> wait 0", "> wait 1"]


async def test_pasted_lines_are_played_one_after_another(engine):
    from textual import events

    app = make_app(engine)
    async with app.run_test() as pilot:
        app.command_input.focus()
        app.command_input.post_message(events.Paste("open the door\n/temperature 0.5\n\nclimb the stairs\n"))
        for _ in range(6):
            await settle(pilot)
        assert [t.command for t in engine.turns] == ["open the door", "climb the stairs"]
        assert engine.settings.temperature == 0.5
        assert app.command_input.history[-3:] == ["open the door", "/temperature 0.5", "climb the stairs"]


async def test_help_screen_opens_and_closes(engine):
    app = make_app(engine)
    async with app.run_test() as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_quit_command_exits(engine, saves_dir):
    app = make_app(engine)
    async with app.run_test() as pilot:
        await type_command(pilot, "/quit")
        await pilot.pause()
    assert not app.is_running
    assert (saves_dir / "test-story.json").is_file()


async def test_command_palette_offers_story_commands(engine):
    app = make_app(engine)
    async with app.run_test() as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"save story")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SaveScreen)


async def test_stateful_keys_are_refused_while_narrating(engine, fake_generator):
    fake_generator.block_next(before_piece=2)
    app = make_app(engine)
    async with app.run_test() as pilot:
        await type_command(pilot, "open the door")
        await wait_event(fake_generator.reached)
        await pilot.press("ctrl+s", "ctrl+z", "ctrl+r")
        assert len(app.screen_stack) == 1  # no dialog
        assert not app.check_action("undo", ()) and app.check_action("undo", ()) is None  # greyed in the footer
        fake_generator.release.set()
        await settle(pilot)
        assert engine.turn_count == 1 and fake_generator.calls == 1
        assert app.check_action("undo", ()) is True


def saved_memory(saves_dir, name: str = "test-story") -> Memory:
    """The memory as it is in the save file on disk."""
    return Memory.from_dict(json.loads((saves_dir / f"{name}.json").read_text())["memory"])


async def test_memory_edits_persist_in_the_save(make_ui_engine, saves_dir):
    engine = make_ui_engine(FakeGenerator(["You pick up the rusty lantern. The witch hands you a silver key."]))
    engine.submit("take the lantern")
    app = make_app(engine)
    async with app.run_test(size=(110, 40)) as pilot:
        screen, entries = await open_memory_editor(pilot)
        value = screen.query_one("#memory-value", Input)

        async def select(option_id: str) -> None:
            ids = [entries.get_option_at_index(i).id for i in range(entries.option_count)]
            entries.highlighted = ids.index(option_id)
            await pilot.pause()

        async def enter_value(text: str) -> None:
            value.value = text
            value.focus()
            await pilot.press("enter")
            await pilot.pause()

        # pin a fact
        screen.query_one("#memory-pin", Input).focus()
        await pilot.press(*"the bell is cursed", "enter")
        await pilot.pause()
        assert "the bell is cursed" in engine.memory.pinned
        assert saved_memory(saves_dir).pinned == ["the bell is cursed"]
        assert "1. the bell is cursed" in str(app.query_one("#pinned", Static).content)  # sidebar refreshed
        assert "the bell is cursed" in story_texts(app, ".info")[-1]

        # (names as the summarizer found them: its wording is not this test's business)
        summary = engine.memory.summary_json()
        character = summary["characters"][0]["name"]
        kept, dropped = (o["name"] for o in summary["objects"][:2])

        # change a character's status; a status the memory does not know is refused with a message
        await select(f"character:{character}")
        assert value.value == "alive"
        await enter_value("asleep")
        assert "unknown status" in str(screen.query_one("#memory-error", Label).content)
        await enter_value("Imprisoned")
        assert engine.memory.summary_json()["characters"][0]["status"] == "imprisoned"
        assert saved_memory(saves_dir).summary_json()["characters"][0]["status"] == "imprisoned"
        assert str(app.query_one("#memory-text", Static).content) == engine.memory_text().strip()  # sidebar redrawn

        # correct an object's holder
        await select(f"object:{kept}")
        assert value.value == "you"
        await enter_value(character)
        assert engine.memory.object_holder(kept) == character
        assert saved_memory(saves_dir).object_holder(kept) == character

        # forget an entry (Del in the list)
        await select(f"object:{dropped}")
        entries.focus()
        await pilot.press("delete")
        await pilot.pause()
        assert engine.memory.object_holder(dropped) is None
        assert saved_memory(saves_dir).object_holder(dropped) is None
        assert saved_memory(saves_dir).object_holder(kept) == character

        await pilot.press("escape")
        assert not isinstance(app.screen, MemoryEditScreen)


async def test_rerolled_narration_replaces_what_was_streamed(make_ui_engine):
    # The first narration repeats the opening: the engine's loop guard sends "\x00reset" and narrates again.
    fake = FakeGenerator([OPENING, "A fresh answer comes out of the dark."])
    fake.block_next(before_piece=2, narration=2)
    engine = make_ui_engine(fake)
    app = make_app(engine)
    async with app.run_test() as pilot:
        await type_command(pilot, "wait")
        await wait_event(fake.reached)
        await pilot.pause()
        app.query_one(StoryPane).flush()
        assert story_texts(app, ".narration")[-1].startswith("A fresh")
        assert "castle" not in story_texts(app, ".narration")[-1]
        fake.release.set()
        await settle(pilot)
        assert story_texts(app, ".narration") == ["A fresh answer comes out of the dark."]
        assert engine.turns[-1].narration == "A fresh answer comes out of the dark."


async def test_quit_while_narrating_stops_then_saves(engine, fake_generator, saves_dir):
    fake_generator.block_next(before_piece=3)
    app = make_app(engine)
    async with app.run_test() as pilot:
        await type_command(pilot, "open the door")
        await wait_event(fake_generator.reached)
        await pilot.press("ctrl+q")
        assert app.is_running  # waits for the narration to stop
        fake_generator.release.set()
        # the app exits as soon as the worker reports, possibly before the worker is marked complete
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()
    assert not app.is_running
    saved = json.loads((saves_dir / "test-story.json").read_text())
    assert [t["narration"] for t in saved["turns"]] == ["The door creaks"]


async def test_real_engine_on_the_tiny_model(make_engine):
    """End to end with the real generator (tiny random model): the narration streams in and the turn is kept."""
    engine = make_engine()
    app = make_app(engine)
    async with app.run_test() as pilot:
        await type_command(pilot, "go north")
        await settle(pilot)
        assert engine.turn_count == 1
        assert story_texts(app, ".command") == ["> go north"]
        assert story_texts(app, ".narration") == [engine.turns[0].narration]
        assert app.query_one(StatusLine).model_id == "tiny-test"


async def test_say_goes_through_the_narration_worker(engine, fake_generator):
    app = make_app(engine)
    async with app.run_test(size=(110, 32)) as pilot:
        await type_command(pilot, "/say hello there")
        await settle(pilot)
        assert engine.turn_count == 1 and engine.turns[-1].mode == "say"
        assert story_texts(app, ".command") == ['> say "hello there"']
        assert fake_generator.commands[-1] == 'say "hello there"'


async def test_memory_editor_opens_on_a_memory_that_names_someone_twice(engine, monkeypatch):
    # a hand-edited save can list one character twice; the editor shows it once instead of crashing on the ids
    summary = engine.memory.summary_json()
    twice = {**summary, "characters": [{"name": "Brann", "status": "alive"}, {"name": "Brann", "status": "dead"}]}
    monkeypatch.setattr(engine.memory, "summary_json", lambda: twice)
    app = make_app(engine)
    async with app.run_test(size=(110, 40)) as pilot:
        screen, entries = await open_memory_editor(pilot)
        ids = [entries.get_option_at_index(i).id for i in range(entries.option_count)]
        assert ids.count("character:Brann") == 1 and len(screen.entries) == len(ids)


async def test_a_line_is_classified_as_the_engine_reads_it(engine):
    # "<|eot|>/temperature 1.7" is the meta-command once the token text is dropped: run as one, not narrated
    app = make_app(engine)
    async with app.run_test(size=(110, 32)) as pilot:
        await type_command(pilot, "<|eot|>/temperature 1.7")
        await settle(pilot)
        assert engine.turn_count == 0
        assert app.temperature == pytest.approx(1.7) and engine.settings.temperature == pytest.approx(1.7)
