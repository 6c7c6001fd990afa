"""The game loop on a tiny real model: turns, meta-commands, undo/retry memory restore, saves, scripts."""

import io
import json

import pytest

from storyteller.engine import play_script
from storyteller.saves import SaveError, write_save


def test_turn_narrates_updates_memory_and_autosaves(make_engine, tmp_path):
    engine = make_engine(saves_dir=tmp_path)
    reply = engine.submit("take the lamp")
    assert reply.kind == "narration" and reply.text
    assert engine.turn_count == 1 and engine.turns[0].command == "take the lamp"
    saved = json.loads((tmp_path / f"{engine.name}.json").read_text())
    assert saved["turns"][0]["narration"] == reply.text


def test_model_input_has_memory_right_before_the_command(make_engine):
    engine = make_engine()
    engine.memory.pin("the witch is dead")
    ids = engine.model_input("open the door")
    tok = engine.tokenizer
    mem_at, cmd_at = ids.index(tok.mem_id), ids.index(tok.cmd_id)
    assert ids.index(tok.end_mem_id) + 1 == cmd_at and mem_at < cmd_at
    assert "the witch is dead" in tok.decode(ids[mem_at:cmd_at])
    assert tok.decode(ids[cmd_at:]) == "open the door"


def test_same_seed_same_story(make_engine, tmp_path):
    a = make_engine(seed=7, saves_dir=tmp_path / "a")
    b = make_engine(seed=7, saves_dir=tmp_path / "b")
    for cmd in ["look", "go north", "take key"]:
        assert a.submit(cmd).text == b.submit(cmd).text


def test_undo_restores_the_memory_but_keeps_the_players_pins(make_engine):
    # Pins and forgets are the player's edits, like world info and the author's note: undo takes back story only.
    engine = make_engine()
    engine.submit("look around")
    before = engine.memory.to_dict()
    engine.submit("The witch was killed by the hunter.")
    engine.memory.pin("pinned after turn two")
    assert engine.submit("/undo").kind == "info"
    assert engine.turn_count == 1
    assert engine.memory.pinned == ["pinned after turn two"]
    assert {**engine.memory.to_dict(), "pinned": []} == before


def test_retry_and_alter_keep_pins_and_forgets(make_engine):
    engine = make_engine(opening="The witch lives in the tower. The old ferryman waits by the river.")
    engine.submit("look")
    engine.submit("/remember Tom is my brother")
    engine.memory.forget("character", "the ferryman")  # as the TUI's memory editor does
    for line in ("/retry", "/alter The river is quiet.", "/undo"):
        engine.submit(line)
        assert engine.memory.pinned == ["Tom is my brother"], line
        assert "ferryman" not in engine.memory_text(), line


def _status(engine, name):
    return next(c["status"] for c in engine.memory.summary_json()["characters"] if c["name"] == name)


def _holder(engine, name):
    return next(o["holder"] for o in engine.memory.summary_json()["objects"] if o["name"] == name)


OPENING = "The witch lives in the tower. The old ferryman waits by the river. He carries a lantern."


def test_retry_alter_undo_and_load_keep_the_players_corrections(make_engine, tmp_path):
    engine = make_engine(opening=OPENING, saves_dir=tmp_path)
    engine.submit("look")
    engine.submit("wait")
    engine.correct_status("the witch", "imprisoned")  # as the TUI's memory editor does
    engine.correct_holder("lantern", "the witch")
    for line in ("/retry", "/alter The river is quiet.", "/undo"):
        engine.submit(line)
        assert _status(engine, "the witch") == "imprisoned", line
        assert _holder(engine, "lantern") == "the witch", line
    loaded = make_engine(saves_dir=tmp_path)
    loaded.load(engine.name)
    loaded.submit("/undo")
    assert loaded.turn_count == 0
    assert _status(loaded, "the witch") == "imprisoned" and _holder(loaded, "lantern") == "the witch"


def test_a_correction_holds_over_its_turn_read_again(make_engine):
    engine = make_engine(opening=OPENING)
    engine.submit("/story The witch fell from the tower and died.")
    engine.correct_status("the witch", "imprisoned")  # the player knows better than the narration
    engine.submit("/undo")
    engine.submit("/redo")  # the death is read again; the correction made after it holds over it
    assert _status(engine, "the witch") == "imprisoned"
    engine.submit("/undo")
    engine.correct_status("the ferryman", "departed")  # made while the turn is undone
    engine.submit("/redo")
    engine.submit("/undo")
    assert _status(engine, "the ferryman") == "departed"


def test_a_thing_known_only_from_a_correction_is_not_put_back_in_time(make_engine):
    engine = make_engine(opening=OPENING)
    engine.submit("look")
    engine.correct_holder("golden harp", "the witch")
    assert _holder(engine, "golden harp") == "the witch"
    engine.submit("/undo")
    assert not any(o["name"] == "golden harp" for o in engine.memory.summary_json()["objects"])
    engine.submit("/redo")
    assert _holder(engine, "golden harp") == "the witch"


def test_a_killed_retry_leaves_the_turn_in_the_file(make_engine, tmp_path):
    engine = make_engine(saves_dir=tmp_path)
    engine.submit("look")
    engine.submit("wait")
    path = tmp_path / f"{engine.name}.json"
    saved = path.read_bytes()

    def killed(_text):
        assert path.read_bytes() == saved  # mid-narration: the file still holds the turn being retried
        raise KeyboardInterrupt  # as a kill would end it

    with pytest.raises(KeyboardInterrupt):
        engine.submit("/retry", on_text=killed)
    assert path.read_bytes() == saved and engine.turn_count == 2


@pytest.mark.parametrize("snapshots", [True, False])
def test_a_correction_does_not_overrule_what_the_story_told_after_it(make_engine, snapshots):
    engine = make_engine(opening="The witch lives in the tower. The old ferryman waits by the river.")
    engine.submit("look")
    engine.correct_status("the witch", "imprisoned")
    engine.submit("/story The witch fell from the tower and died.")
    assert _status(engine, "the witch") == "dead"
    engine.submit("wait")
    if not snapshots:
        for turn in engine.turns:
            turn.memory_before = None  # as if these turns were older than the undo depth: the memory is replayed
    engine.submit("/undo")  # back to after the death: the older correction must not bring the witch back
    assert _status(engine, "the witch") == "dead"
    engine.submit("/undo")  # back to before the death: the correction holds again
    assert _status(engine, "the witch") == "imprisoned"


def test_undo_past_the_snapshots_keeps_what_the_player_forgot(make_engine):
    engine = make_engine(opening="The witch lives in the tower. The old ferryman waits by the river.")
    engine.submit("look")
    engine.submit("wait")
    assert any(c["name"] == "the witch" for c in engine.memory.summary_json()["characters"])
    engine.memory.forget("character", "the witch")
    for turn in engine.turns:
        turn.memory_before = None  # as if these turns were older than the undo depth
    engine.submit("/undo")
    assert not any(c["name"] == "the witch" for c in engine.memory.summary_json()["characters"])


def test_retry_replaces_last_turn(make_engine):
    engine = make_engine()
    engine.submit("look")
    memory_before_turn = engine.turns[-1].memory_before
    reply = engine.submit("/retry")
    assert reply.kind == "narration" and engine.turn_count == 1
    assert engine.turns[-1].command == "look"
    assert engine.turns[-1].memory_before == memory_before_turn


def test_redo_after_undo(make_engine):
    engine = make_engine()
    engine.submit("look")
    text = engine.turns[-1].narration
    engine.submit("/undo")
    engine.submit("/redo")
    assert engine.turn_count == 1 and engine.turns[-1].narration == text


def test_meta_commands(make_engine):
    engine = make_engine()
    assert "/save NAME" in engine.submit("/help").text
    assert engine.submit("/temperature 1.3").text == "Temperature 1.3."
    assert engine.settings.temperature == 1.3
    assert engine.submit("/temperature 99").kind == "error"
    assert engine.submit("/temperature hot").kind == "error"
    engine.submit("/remember the key opens the tower")
    assert "the key opens the tower" in engine.submit("/memory").text
    assert engine.submit("/forget 1").kind == "info" and engine.memory.pinned == []
    assert engine.submit("/forget 5").kind == "error"
    assert engine.submit("/undo").kind == "error"
    assert engine.submit("/dance").kind == "error"
    assert engine.submit("/load").kind == "error"
    assert engine.submit("/quit").kind == "quit"


def test_save_load_continues_identically(make_engine, tmp_path):
    """A save made mid-story, loaded by a fresh engine, continues exactly as the original would."""
    original = make_engine(seed=3, saves_dir=tmp_path)
    for cmd in ["look", "go north"]:
        original.submit(cmd)
    original.submit("/temperature 1.1")
    assert original.submit("/save checkpoint").kind == "info"
    # Later turns autosave over "checkpoint"; keep a copy of the file as it was at /save time.
    (tmp_path / "snapshot.json").write_bytes((tmp_path / "checkpoint.json").read_bytes())
    expected = [original.submit(c).text for c in ["open the door", "take the key"]]

    resumed = make_engine(seed=999, saves_dir=tmp_path)
    assert resumed.submit("/load snapshot").kind == "info"
    assert resumed.turn_count == 2 and resumed.settings.temperature == 1.1
    assert [resumed.submit(c).text for c in ["open the door", "take the key"]] == expected


def test_loading_a_corrupted_save_keeps_the_current_story(make_engine, tmp_path):
    engine = make_engine(saves_dir=tmp_path)
    engine.submit("look")
    (tmp_path / "broken.json").write_text("{ not json")
    reply = engine.submit("/load broken")
    assert reply.kind == "error" and "corrupted" in reply.text
    assert engine.turn_count == 1
    engine.save()
    data = json.loads((tmp_path / f"{engine.name}.json").read_text())
    for forks in (["not", "a", "mapping"], {"1": [{"turns": "x"}]}):
        (tmp_path / "badforks.json").write_text(json.dumps({**data, "forks": forks}))
        reply = engine.submit("/load badforks")
        assert reply.kind == "error" and "corrupted" in reply.text and engine.turn_count == 1


def test_play_script_prints_commands_and_narrations(make_engine):
    engine = make_engine()
    out = io.StringIO()
    play_script(engine, ["# a comment", "look", "", "/temperature 0.5", "go north"], out)
    text = out.getvalue()
    assert "> look\n" in text and "> go north\n" in text and "a comment" not in text
    assert "Temperature 0.5." in text and engine.turn_count == 2


def test_loop_guard_rerolls_repeats(make_engine, monkeypatch):
    engine = make_engine()
    engine.submit("look")
    calls = []
    real = engine.generator.narrate

    def narrate(*args, **kwargs):
        n = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            n.text = engine.turns[-1].narration  # an exact repeat of the previous narration
        return n

    monkeypatch.setattr(engine.generator, "narrate", narrate)
    engine.submit("look again")
    assert len(calls) == 2


def test_say_and_story_modes(make_engine, tmp_path):
    engine = make_engine()
    reply = engine.submit('/say "I have come for my sister"')
    assert reply.kind == "narration"
    assert engine.turns[-1].command == 'say "I have come for my sister"' and engine.turns[-1].mode == "say"
    assert '> say "I have come for my sister"' in engine.story_text()

    tok = engine.tokenizer
    prose = "The witch laughed and the door swung open."
    prompt = engine.model_input(prose, "story")
    assert tok.cmd_id not in prompt and prose in tok.decode(prompt)  # prose joins the story; no command block
    assert engine.submit(f"/story {prose}").kind == "narration"
    assert engine.turns[-1].mode == "story" and engine.turns[-1].shown == prose
    assert f"\n\n{prose}\n\n" in engine.story_text() and f"> {prose}" not in engine.story_text()

    assert engine.submit("/retry").kind == "narration" and engine.turns[-1].mode == "story"
    assert engine.submit("/say").kind == "error" and engine.submit("/story").kind == "error"
    # what the TUI does not send to its narration worker must not narrate on the UI thread
    assert engine.submit('/story "').kind == "error" and engine.submit('/story " "').kind == "error"
    engine.save()
    again = make_engine(saves_dir=engine.saves_dir)
    again.load(engine.name)
    assert [t.mode for t in again.turns] == ["say", "story"]
    assert again.story_text() == engine.story_text()


def test_export_writes_a_markdown_transcript(make_engine, tmp_path):
    engine = make_engine()
    engine.submit("open the door")
    engine.submit("/story The wind rose over the hill.")
    reply = engine.submit(f"/export {tmp_path / 'tale.md'}")
    assert reply.kind == "info"
    text = (tmp_path / "tale.md").read_text()
    assert text.startswith(f"# {engine.name}") and engine.opening in text
    assert "**> open the door**" in text and "\nThe wind rose over the hill.\n" in text
    for turn in engine.turns:
        assert turn.narration.strip() in text
    assert engine.submit("/export").kind == "info" and (engine.saves_dir / f"{engine.name}.md").is_file()
    assert engine.submit(f"/export {tmp_path / 'tale.json'}").kind == "error"
    engine.submit("look")
    assert engine.submit(f"/export {tmp_path / 'tale.md'}").kind == "info"  # an earlier export is replaced
    assert "**> look**" in (tmp_path / "tale.md").read_text()
    (tmp_path / "notes.md").write_text("my own notes")
    assert engine.submit(f"/export {tmp_path / 'notes.md'}").kind == "error"  # anything else is not
    assert (tmp_path / "notes.md").read_text() == "my own notes"


def test_temperature_zero_is_greedy_and_says_so(make_engine):
    engine = make_engine()
    reply = engine.submit("/temperature 0")
    assert engine.settings.temperature == 0.05 and "greedy" in reply.text
    assert "0.05" in engine.submit("/temperature 3").text


def test_world_info_joins_the_memory_while_its_key_is_in_play(make_engine):
    engine = make_engine(opening="You stand on the river bank at dusk.")
    lore = "Brann owes the witch a debt"
    assert engine.submit("/world add Brann, ferryman: " + lore).kind == "info"
    assert engine.submit("/world add nothing here").kind == "error"
    assert lore not in engine.memory_text()
    assert lore in engine.memory_text("ask the ferryman about the witch")
    assert lore in engine.tokenizer.decode(engine.model_input("call for Brann"))
    assert lore not in engine.memory.pinned  # joining the block does not pin it
    engine.save()
    again = make_engine(saves_dir=engine.saves_dir)
    again.load(engine.name)
    assert [(e.keys, e.text) for e in again.world_info] == [(["Brann", "ferryman"], lore)]
    assert "1. Brann, ferryman: " + lore in again.submit("/world").text
    assert again.submit("/world del 1").kind == "info" and again.world_info == []
    assert again.submit("/world del 3").kind == "error"


def test_author_note_steers_every_turn_and_is_saved(make_engine):
    engine = make_engine(opening="You stand on the river bank at dusk.")
    assert "No author's note" in engine.submit("/note").text
    note = "A gloomy tale; the witch is always near"
    assert engine.submit("/note " + note).kind == "info"
    assert note in engine.memory_text() and note in engine.tokenizer.decode(engine.model_input("look"))
    assert note not in engine.memory.pinned  # steering, not a fact of the story
    assert engine.memory_text().splitlines()[0] == "note: " + note  # labelled as a note, first in the block
    engine.submit("look")
    assert note in engine.memory_text()  # it stays for every turn
    engine.save()
    again = make_engine(saves_dir=engine.saves_dir)
    again.load(engine.name)
    assert again.author_note == note and note in again.submit("/note").text
    assert again.submit("/note clear").kind == "info" and note not in again.memory_text()
    again.submit("/new")
    assert again.author_note == ""


def test_a_new_command_after_undo_keeps_the_old_line_as_a_branch(make_engine):
    engine = make_engine(seed=4)
    for command in ("open the gate", "go north", "light the lamp"):
        engine.submit(command)
    old_line = [(t.command, t.narration) for t in engine.turns]
    assert "No other lines" in engine.submit("/branches").text
    engine.submit("/undo")
    engine.submit("/undo")
    engine.submit("go south")  # a fork after turn 1: the undone line is kept, not dropped
    assert [t.command for t in engine.turns] == ["open the gate", "go south"] and not engine.redo_stack
    listing = engine.submit("/branches").text
    assert "After turn 1:" in listing and "> go north" in listing and "(2 turns)" in listing
    new_line = [(t.command, t.narration) for t in engine.turns]
    engine.save()

    again = make_engine(saves_dir=engine.saves_dir)
    again.load(engine.name)  # the tree is saved
    assert again.submit("/branch 1 1").kind == "info"
    assert [(t.command, t.narration) for t in again.turns] == old_line
    assert again.memory.to_dict() == again._replay_memory().to_dict()  # the memory follows the line
    assert "> go south" in again.submit("/branches").text  # the line left is a branch now
    again.submit("/branch 1 1")
    assert [(t.command, t.narration) for t in again.turns] == new_line
    for bad in ("/branch", "/branch 1", "/branch 1 9", "/branch 7 1", "/branch x y"):
        assert again.submit(bad).kind == "error"


def test_branches_further_down_travel_with_their_line(make_engine):
    engine = make_engine(seed=6)
    for command in ("a", "b", "c"):
        engine.submit(command)
    engine.submit("/undo")
    engine.submit("c2")          # fork after turn 2: [c]
    engine.submit("/undo")
    engine.submit("/undo")
    engine.submit("b2")          # fork after turn 1: [b, c2], which carries the fork after turn 2
    assert set(engine.forks) == {1}
    engine.submit("/branch 1 1")
    assert [t.command for t in engine.turns] == ["a", "b", "c2"]
    assert set(engine.forks) == {1, 2} and [t.command for t in engine.forks[2][0].turns] == ["c"]
    engine.submit("/undo")
    engine.submit("/undo")
    # A fork among the turns taken back by /undo is reachable: the line runs on through them.
    assert engine.submit("/branch 2 1").kind == "info"
    assert [t.command for t in engine.turns] == ["a", "b", "c"] and not engine.redo_stack
    assert [t.command for t in engine.forks[2][0].turns] == ["c2"]
    assert engine.memory.to_dict() == engine._replay_memory().to_dict()


def test_context_shows_the_model_input(make_engine):
    engine = make_engine()
    engine.submit("open the door")
    reply = engine.submit("/context ask about the witch")
    assert reply.kind == "info"
    assert "<|mem|>" in reply.text and "<|cmd|>ask about the witch<|/cmd|>" in reply.text
    assert engine.turns[-1].narration.strip()[-20:] in reply.text
    assert engine.turn_count == 1  # looking does not play a turn


def test_retry_keeps_alternatives_and_alter_rewrites(make_engine):
    engine = make_engine(seed=5)
    engine.submit("look")
    first = engine.turns[-1].narration
    engine.submit("/retry")
    second = engine.turns[-1].narration
    assert second != first  # the sampler has moved on: a new narration
    assert engine.turns[-1].alternatives == [first]
    assert engine.submit("/alt 1").kind == "info"
    assert engine.turns[-1].narration == first and engine.turns[-1].alternatives == [second]
    assert engine.submit("/alter The witch was killed by the hunter.").kind == "info"
    turn = engine.turns[-1]
    assert turn.narration == "The witch was killed by the hunter." and first in turn.alternatives
    assert "the witch" in engine.memory.dead_characters()  # the memory read the rewritten narration
    assert engine.turn_count == 1
    engine.save()
    again = make_engine(saves_dir=engine.saves_dir)
    again.load(engine.name)
    assert again.turns[-1].alternatives == turn.alternatives
    assert again.submit("/alt 9").kind == "error" and again.submit("/alter").kind == "error"


@pytest.mark.parametrize("field, value", [("seed", "abc"), ("seed", None), ("opening", 123),
                                           ("sampler", {"temperature": "hot"}), ("sampler", {"top_k": -5}),
                                           ("sampler", {"temperature": float("nan")}),
                                           ("memory.corrections", [{"kind": "status", "name": "the witch"}]),
                                           ("memory.corrections", [{"kind": "status", "name": "the witch",
                                                                    "value": "zombie", "turn": 0}]),
                                           ("memory.forgotten", {"character": [5]}), ("memory.events", [1]),
                                           ("forks", {"-1": []})])
def test_a_corrupted_save_changes_nothing(make_engine, tmp_path, field, value):
    victim = make_engine(saves_dir=tmp_path / "saves")
    victim.submit("look")
    victim.save()
    path = tmp_path / "saves" / f"{victim.name}.json"
    data = json.loads(path.read_text())
    *parents, key = field.split(".")
    target = data
    for parent in parents:
        target = target[parent]
    target[key] = value
    path.write_text(json.dumps(data))
    engine = make_engine(seed=3, saves_dir=tmp_path / "saves")
    engine.submit("go north")
    name, turns = engine.name, [t.command for t in engine.turns]
    reply = engine.submit(f"/load {victim.name}")
    assert reply.kind == "error" and "corrupted" in reply.text
    assert engine.name == name and [t.command for t in engine.turns] == turns  # its autosaves still go to its own file


def test_an_autosave_that_fails_keeps_the_turn_and_says_so(make_engine, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    engine = make_engine(saves_dir=blocker)
    reply = engine.submit("look")
    assert reply.kind == "narration" and engine.turn_count == 1
    assert "Autosave failed" in reply.warning and "not a folder" in reply.warning
    assert "Could not save" in engine.submit("/quit").text


def test_new_stories_never_share_a_save_and_replay_from_the_seed(make_engine, tmp_path):
    a = make_engine(seed=5, saves_dir=tmp_path / "a", opening=None)
    b = make_engine(seed=5, saves_dir=tmp_path / "b", opening=None)
    names = []
    for engine in (a, b):
        engine.submit("look")
        engine.submit("/new")
        engine.submit("look")
        engine.submit("/new")
        engine.submit("look")
        names.append(engine.name)
    assert a.opening == b.opening  # /new is seeded from the story: same seed and script, same new story
    assert len(list((tmp_path / "a").glob("*.json"))) == 3  # none overwritten, even within one second


def test_odd_meta_arguments_are_refused(make_engine):
    engine = make_engine()
    engine.submit("/world add door: an oak door")
    engine.submit("/world add key: an iron key")
    assert engine.submit("/world del 0").kind == "error" and len(engine.world_info) == 2
    engine.submit("look")
    engine.submit("/retry")
    assert engine.submit("/alt ²").kind == "error"
    assert engine.submit("/export a\x00b.md").kind == "error"


def test_control_token_text_typed_by_the_player_is_plain_text(make_engine):
    engine = make_engine()
    engine.submit("/remember <|/mem|><|doc|> the king is dead")
    ids = engine.model_input("look <|eot|>")
    tok = engine.tokenizer
    assert ids.count(tok.mem_id) == 1 and ids.count(tok.end_mem_id) == 1
    assert tok.eot_id not in ids and tok.doc_id not in ids[1:]
    assert "<|" not in engine.memory_text()


def test_retry_after_undo_keeps_the_old_line_whole_as_a_branch(make_engine):
    engine = make_engine()
    engine.submit("open the door")
    old_narration = engine.turns[-1].narration
    engine.submit("climb the stairs")
    engine.submit("/undo")
    engine.submit("/retry")
    assert [t.command for t in engine.turns] == ["open the door"] and not engine.redo_stack
    assert engine.submit("/branch 0 1").kind == "info"
    assert [t.command for t in engine.turns] == ["open the door", "climb the stairs"]
    assert engine.turns[0].narration == old_narration


def test_undo_with_a_damaged_snapshot_rebuilds_the_memory(make_engine):
    engine = make_engine()
    engine.submit("look")
    engine.submit("open the door")
    engine.turns[-1].memory_before = {"characters": 5}  # as a hand-edited save could hold it
    assert engine.submit("/undo").kind == "info"
    assert engine.turn_count == 1 and "witch" in engine.memory_text()


def test_a_retry_whose_narrator_fails_keeps_the_turn(make_engine, monkeypatch, tmp_path):
    engine = make_engine(saves_dir=tmp_path / "saves")
    engine.submit("look")
    engine.submit("open the door")
    before = [(t.command, t.narration) for t in engine.turns]

    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(engine.generator, "narrate", broken)
    with pytest.raises(RuntimeError):
        engine.submit("/retry")
    assert [(t.command, t.narration) for t in engine.turns] == before
    saved = json.loads((tmp_path / "saves" / f"{engine.name}.json").read_text())
    assert [t["narration"] for t in saved["turns"]] == [n for _, n in before]


def test_save_as_never_overwrites_another_story(make_engine, tmp_path):
    saves = tmp_path / "saves"
    first = make_engine(saves_dir=saves)
    first.submit("look")
    first.submit("/save precious")
    other = make_engine(seed=2, saves_dir=saves)
    other.created = "another time"
    other.submit("go north")
    assert other.submit("/save precious").kind == "error"
    assert json.loads((saves / "precious.json").read_text())["turns"][0]["command"] == "look"
    assert first.submit("/save precious").kind == "info"  # its own save: fine
    assert other.submit("/save x.json.json").kind == "error"


def test_a_save_whose_memory_is_damaged_is_refused(make_engine, tmp_path):
    saves = tmp_path / "saves"
    victim = make_engine(saves_dir=saves, opening="You hold a lantern. The witch watches you.")
    victim.submit("take the lantern")
    victim.save()
    path = saves / f"{victim.name}.json"
    data = json.loads(path.read_text())
    for o in data["memory"].get("objects", {}).values() if isinstance(data["memory"].get("objects"), dict) else data["memory"].get("objects", []):
        o.pop("holder", None)
    data["turns"][0]["command"] = 5
    path.write_text(json.dumps(data))
    engine = make_engine(seed=3, saves_dir=saves)
    assert engine.submit(f"/load {victim.name}").kind == "error"


def test_a_turn_stopped_before_its_first_word_is_not_kept(make_engine):
    engine = make_engine()
    engine.submit("look")
    told = [(t.command, t.narration) for t in engine.turns]
    memory = engine.memory.to_dict()
    for line in ("open the door", "/retry", "/say hello"):
        reply = engine.submit(line, should_stop=lambda: True)
        assert reply.kind == "info" and "no turn was kept" in reply.text, line
        assert [(t.command, t.narration) for t in engine.turns] == told, line  # a /retry keeps the turn it retried
        assert engine.memory.to_dict() == memory, line


def test_the_saves_listed_as_loadable_are_the_ones_that_load(make_engine, tmp_path):
    good = make_engine(saves_dir=tmp_path)
    good.submit("look")
    good.save()
    data = json.loads((tmp_path / f"{good.name}.json").read_text())
    (tmp_path / "negative seed.json").write_text(json.dumps({**data, "seed": -4}))
    (tmp_path / "bad name!.json").write_text(json.dumps(data))
    infos = {s.name: s for s in good.list_saves()}
    assert infos[good.name].error is None and infos[good.name].turns == 1
    assert "corrupted" in infos["negative seed"].error
    assert infos["bad name!"].error
    for name, info in infos.items():
        if info.error:
            with pytest.raises(SaveError):
                make_engine(saves_dir=tmp_path).load(name)


def test_a_transcript_prompt_before_a_command_is_not_part_of_it(make_engine):
    engine = make_engine()
    out = io.StringIO()
    play_script(engine, ["> take the lamp", ">look", "> /undo"], out)
    assert [t.command for t in engine.turns] == ["take the lamp"]
    assert "> take the lamp\n" in out.getvalue() and "> > " not in out.getvalue()


def test_a_save_without_a_memory_is_rebuilt_without_the_open_storys_edits(make_engine, tmp_path):
    other = make_engine(saves_dir=tmp_path, opening=OPENING, name="other")
    other.submit("look")
    data = other.to_dict()
    data["memory"] = None  # as in a pre-release save: rebuilt from the story
    write_save(tmp_path, "other", data)
    engine = make_engine(saves_dir=tmp_path, opening=OPENING)
    engine.submit("/remember Tom is my brother")
    engine.correct_status("the witch", "dead")
    engine.memory.forget("character", "the ferryman")
    engine.load("other")
    assert engine.memory.pinned == [] and engine.memory.corrections == []
    assert _status(engine, "the witch") == "alive" and _status(engine, "the ferryman") == "alive"
