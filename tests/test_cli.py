"""The command line: headless play, saves across processes, eval/summarize output, one-line errors."""

import json
import subprocess
import sys

import pytest

from storyteller.checkpoint import save_checkpoint
from storyteller.cli import main


@pytest.fixture
def model_dir(tmp_path, tiny_checkpoint):
    return save_checkpoint(tmp_path / "model", tiny_checkpoint.model, tiny_checkpoint.tokenizer, {"model_id": "tiny"})


def test_play_script_prints_story(model_dir, tmp_path, capsys):
    script = tmp_path / "s.txt"
    script.write_text("# comment\nlook around\nopen the door\n/save mine\n")
    code = main(["play", "--script", str(script), "--model", str(model_dir), "--seed", "1",
                 "--saves-dir", str(tmp_path / "saves")])
    out = capsys.readouterr().out
    assert code == 0
    assert "> look around\n" in out and "> open the door\n" in out and "comment" not in out
    assert (tmp_path / "saves/mine.json").is_file()


def test_same_seed_same_story(model_dir, tmp_path, capsys):
    script = tmp_path / "s.txt"
    script.write_text("look\ngo north\n")
    outs = []
    for run in range(2):
        main(["play", "--script", str(script), "--model", str(model_dir), "--seed", "5",
              "--saves-dir", str(tmp_path / f"s{run}")])
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]


def test_save_in_one_process_continues_in_another(model_dir, tmp_path):
    saves = tmp_path / "saves"
    first = subprocess.run([sys.executable, "-m", "storyteller", "play", "--script", "-", "--model", str(model_dir),
                            "--seed", "2", "--saves-dir", str(saves)],
                           input="look\n/save journey\n", capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    second = subprocess.run([sys.executable, "-m", "storyteller", "play", "--script", "-", "--model", str(model_dir),
                             "--load", "journey", "--saves-dir", str(saves)],
                            input="open the door\n", capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "[continuing journey: 1 turns]" in second.stdout
    data = json.loads((saves / "journey.json").read_text())
    assert [t["command"] for t in data["turns"]] == ["look", "open the door"]


def _write_bad_inputs(folder):
    """The files the bad-input rows name, in the test's working folder."""
    (folder / "binary.bin").write_bytes(b"\xff\xfe\x00garbage\x80")
    (folder / "afile").write_text("not a folder, not JSON")
    (folder / "corpus").mkdir()
    (folder / "corpus/a.txt").write_text("The king had three sons.\n")
    (folder / "model_list.json").write_text('{"model": [1]}')
    (folder / "layers_str.json").write_text('{"model": {"n_layer": "2"}}')
    story = {"text": "The wolf slept.", "gold": {"hero": "you", "characters": [{"name": "wolf", "status": "alive"}]}}
    for name, data in (("gold_list", {**story, "gold": []}), ("top_list", [story]), ("text_int", {**story, "text": 1}),
                       ("char_str", {**story, "gold": {"characters": ["wolf"]}})):
        (folder / f"{name}.json").write_text(json.dumps(data))


@pytest.mark.parametrize("argv, message", [
    (["play", "--script", "missing.txt"], "cannot read script"),
    (["play", "--model", "no/such/model", "--script", "-"], "no model checkpoint"),
    (["play", "--temperature", "9", "--script", "-"], "temperature"),
    (["play", "--load", "../evil", "--script", "-"], "bad save name"),
    (["train", "--corpus", "no/such/dir", "--out", "x", "--steps", "1"], "no such corpus"),
    (["eval", "--corpus", "no/such/dir"], "no such corpus"),
    (["summarize", "no/such/file.txt"], "cannot read"),
    (["play", "--noun-steer", "2", "--script", "-"], "--noun-steer"),
    (["eval", "--script", "x.txt", "--min-tokens", "-1"], "--min-tokens"),
    (["eval", "--script", "x.txt", "--ground-tokens", "-1"], "--ground-tokens"),
    (["play", "--command-focus", "1.5", "--script", "-"], "--command-focus"),
    (["play", "--seed", "99999999999999999999", "--script", "-"], "--seed must be between 0 and"),
    (["play", "--seed", "-1", "--script", "-"], "--seed must be between 0 and"),
    (["eval", "--script", "s.txt", "--seed", str(-2**63 - 1)], "--seed must be between 0 and"),
    (["eval", "--script", "binary.bin"], "cannot read script binary.bin: not UTF-8 text"),
    (["play", "--script", "binary.bin"], "cannot read script binary.bin: not UTF-8 text"),
    (["summarize", "binary.bin"], "cannot read story binary.bin: not UTF-8 text"),
    (["play", "--opening", "binary.bin", "--script", "-"], "cannot read opening binary.bin: not UTF-8 text"),
    (["eval", "--corpus", "corpus", "--chart", "no/such/dir/chart.svg"], "no such folder no/such/dir"),
    (["eval", "--corpus", "corpus", "--chart", "corpus"], "--chart corpus: it is a folder"),
    (["eval", "--corpus", "corpus", "--windows", "-3"], "--windows must be 2 or more"),
    (["eval", "--corpus", "corpus", "--windows", "1"], "--windows must be 2 or more"),
    (["eval", "--corpus", "corpus", "--max-chars", "0"], "--max-chars must be 1 or more"),
    (["eval", "--corpus", "corpus", "--max-chars", "-5"], "--max-chars must be 1 or more"),
    (["bench", "--tokens", "0"], "--tokens must be 1 or more"),
    (["bench", "--tokens", "-5"], "--tokens must be 1 or more"),
    (["export", "--out", "afile"], "cannot export to afile: it is a file"),
    (["export", "--out", "afile/sub"], "cannot export to afile/sub"),
    (["train", "--corpus", "corpus", "--out", "afile", "--steps", "1"], "--out afile: it is a file"),
    (["train", "--corpus", "corpus", "--out", "afile/sub", "--steps", "1"], "--out afile/sub"),
    (["train", "--corpus", "corpus", "--out", "x", "--steps", "1", "--config", "model_list.json"],
     "bad config model_list.json: model: expected an object"),
    (["train", "--corpus", "corpus", "--out", "x", "--steps", "1", "--config", "layers_str.json"],
     "bad config layers_str.json: model: n_layer '2' is not an integer"),
    (["train", "--corpus", "corpus", "--out", "x", "--minutes", "-1"], "--minutes must be"),
    (["train", "--corpus", "corpus", "--out", "x", "--minutes", "nan"], "--minutes must be"),
    (["train", "--corpus", "corpus", "--out", "x", "--minutes", "inf"], "--minutes must be"),
    (["train", "--corpus", "corpus", "--out", "x", "--steps", "-1"], "--steps must be 0 or more"),
    (["train", "--corpus", "corpus", "--out", "x", "--steps", "1", "--init-from", "no/such/model"],
     "no model checkpoint"),
    (["eval", "--annotated", "gold_list.json"], "gold_list.json: 'gold' must be an object"),
    (["eval", "--annotated", "top_list.json"], "top_list.json: expected an object, got list"),
    (["eval", "--annotated", "text_int.json"], "text_int.json: 'text' must be a string"),
    (["eval", "--annotated", "char_str.json"], "char_str.json: gold characters[0] must be an object"),
    (["eval", "--annotated", "binary.bin"], "binary.bin: not UTF-8 text"),
    (["eval", "--annotated", "afile"], "afile: not valid JSON"),
])
def test_bad_input_is_one_line_and_exit_2(argv, message, model_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write_bad_inputs(tmp_path)
    if "--model" not in argv and argv[0] in ("play", "eval", "export"):
        argv = [*argv, "--model", str(model_dir)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_summarize_json(tmp_path, capsys):
    story = tmp_path / "story.txt"
    story.write_text("Once upon a time a wolf lived in the forest. The hunter killed the wolf with his axe.\n\n"
                     "> take lamp\n\nTaken.\n")
    assert main(["summarize", str(story), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("characters", "places", "current_place", "objects", "threads", "events"):
        assert key in data
    wolf = [c for c in data["characters"] if "wolf" in c["name"].lower()]
    assert wolf and wolf[0]["status"] == "dead"
    assert {"name": "lamp", "holder": "you"} in [{"name": o["name"], "holder": o["holder"]} for o in data["objects"]]


def test_eval_json(model_dir, tmp_path, capsys):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The king had three sons. The youngest was kind.\n\n" * 30)
    assert main(["eval", "--model", str(model_dir), "--corpus", str(corpus), "--json", "--no-memory-eval"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["bpc"] > 0 and data["perplexity"] > 1 and data["tokens"] > 0 and data["characters"] > 0


def test_opening_file_starts_the_story(model_dir, tmp_path, capsys):
    opening = tmp_path / "opening.txt"
    opening.write_text("The miller's daughter sat alone in the tower, spinning straw.\n")
    script = tmp_path / "s.txt"
    script.write_text("look\n")
    assert main(["play", "--script", str(script), "--model", str(model_dir), "--opening", str(opening),
                 "--saves-dir", str(tmp_path / "saves")]) == 0
    assert capsys.readouterr().out.startswith("The miller's daughter sat alone")


def test_steering_options_reach_the_engine(model_dir, tmp_path):
    import argparse

    from storyteller.cli import _open_engine, apply_steering

    args = argparse.Namespace(model=model_dir, saves_dir=tmp_path, seed=1, temperature=None, load=None,
                              no_quantize=True, opening=None, noun_steer=0.0, min_tokens=0, ground_tokens=0,
                              command_focus=0.0)
    engine = _open_engine(args)
    assert engine.config.noun_steer == 0.0 and engine.settings.min_tokens == 0 and engine.config.ground_tokens == 0
    assert engine.config.command_focus == 0.0
    apply_steering(engine, argparse.Namespace(noun_steer=0.3, min_tokens=None, ground_tokens=None, command_focus=None))
    assert engine.config.noun_steer == 0.3 and engine.settings.min_tokens == 0 and engine.config.ground_tokens == 0
    assert engine.config.command_focus == 0.0
