import json
import os

import pytest

from storyteller.saves import SCHEMA_VERSION, SaveError, list_saves, read_save, validate_name, write_save


def test_write_then_read(tmp_path):
    write_save(tmp_path, "my story", {"turns": [{"command": "look", "narration": "A hall."}], "opening": "Hi."})
    data = read_save(tmp_path, "my story")
    assert data["schema"] == SCHEMA_VERSION and data["turns"][0]["narration"] == "A hall."
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temporaries left behind


def test_overwrite_is_atomic_and_complete(tmp_path):
    for i in range(5):
        write_save(tmp_path, "s", {"turns": [{"command": "x", "narration": str(i)}]})
    assert read_save(tmp_path, "s")["turns"][0]["narration"] == "4"
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_corrupted_save_is_a_clear_error_and_left_untouched(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"turns": [ {"narration": "half')
    with pytest.raises(SaveError, match="corrupted"):
        read_save(tmp_path, "broken")
    assert path.read_text() == '{"turns": [ {"narration": "half'


def test_malformed_turn_is_reported(tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"schema": 1, "turns": [{"command": "x"}]}))
    with pytest.raises(SaveError, match="turn 1"):
        read_save(tmp_path, "bad")


def test_newer_schema_is_refused(tmp_path):
    (tmp_path / "future.json").write_text(json.dumps({"schema": SCHEMA_VERSION + 1, "turns": []}))
    with pytest.raises(SaveError, match="newer"):
        read_save(tmp_path, "future")


def test_migration_from_schema_0(tmp_path):
    (tmp_path / "old.json").write_text(json.dumps({"story": [["look", "A hall."]], "seed": 3}))
    data = read_save(tmp_path, "old")
    assert data["schema"] == SCHEMA_VERSION
    assert data["turns"] == [{"command": "look", "narration": "A hall.", "mode": "do"}]


@pytest.mark.parametrize("name", ["../escape", "", "a/b", "x" * 70, ".hidden"])
def test_bad_names_are_refused(name):
    with pytest.raises(SaveError):
        validate_name(name)


def test_missing_save(tmp_path):
    with pytest.raises(SaveError, match="no save named"):
        read_save(tmp_path, "nothing")


def test_list_saves_reports_turns_first_line_and_errors(tmp_path):
    write_save(tmp_path, "good", {"turns": [{"command": "a", "narration": "b"}], "opening": "It was dark.\nMore."})
    (tmp_path / "bad.json").write_text("not json")
    infos = {s.name: s for s in list_saves(tmp_path)}
    assert infos["good"].turns == 1 and infos["good"].first_line == "It was dark." and infos["good"].error is None
    assert infos["bad"].error is not None


@pytest.mark.parametrize("change", [
    lambda d: d.pop("schema"),                      # turns and no schema: damaged, not pre-release
    lambda d: d.update(schema=-1),
    lambda d: d.update(schema="1"),
    lambda d: (d.pop("turns"), d.update(schema=0, story=[["look"]])),  # a pre-release pair cut short
])
def test_damaged_schema_is_refused_and_the_file_left_alone(tmp_path, change):
    write_save(tmp_path, "s", {"turns": [{"command": "look", "narration": "A hall."}], "opening": "Hi."})
    path = tmp_path / "s.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    before = path.read_text()
    with pytest.raises(SaveError, match="corrupted"):
        read_save(tmp_path, "s")
    assert path.read_text() == before


def test_a_save_with_a_byte_order_mark_loads(tmp_path):
    write_save(tmp_path, "s", {"turns": [], "opening": "Hi."})
    path = tmp_path / "s.json"
    path.write_text("\ufeff" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert read_save(tmp_path, "s")["opening"] == "Hi."


def test_list_saves_survives_a_dangling_link_and_a_bad_opening(tmp_path):
    (tmp_path / "gone.json").symlink_to(tmp_path / "nowhere.json")
    write_save(tmp_path, "odd", {"turns": [], "opening": 123})
    infos = {s.name: s for s in list_saves(tmp_path)}
    assert infos["gone"].error and infos["odd"].error


def test_deeply_nested_json_is_a_corrupted_save(tmp_path):
    (tmp_path / "deep.json").write_text('{"schema": 1, "turns": [], "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(SaveError, match="corrupted"):
        read_save(tmp_path, "deep")
    assert list_saves(tmp_path)[0].error


def test_listing_offers_only_files_that_load_by_their_name(tmp_path):
    write_save(tmp_path, "tale", {"turns": []})
    for odd in ("tale .json", "tale.json.json", " tale.json"):
        (tmp_path / odd).write_text((tmp_path / "tale.json").read_text())
    os.mkfifo(tmp_path / "pipe.json")  # reading it would block
    infos = {s.path.name: s for s in list_saves(tmp_path)}
    assert infos["tale.json"].error is None
    assert all(infos[name].error for name in ("tale .json", "tale.json.json", " tale.json", "pipe.json"))
