"""Bad input the QA pass found: stdin and BOMs, odd corpus folders, annotated files, corrupted checkpoints."""

import io
import json
import sys
import tempfile
from pathlib import Path

import pytest

from storyteller.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from storyteller.cli import main

ANNOTATED = Path(__file__).resolve().parent.parent / "evals" / "annotated"


@pytest.fixture
def model_dir(tmp_path, tiny_checkpoint):
    return save_checkpoint(tmp_path / "model", tiny_checkpoint.model, tiny_checkpoint.tokenizer, {"model_id": "tiny"})


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def _one_line_error(capsys, message: str) -> None:
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err, err


@pytest.mark.parametrize("argv", [["summarize", "-"], ["play", "--script", "-"]])
def test_non_utf8_stdin_is_one_line(argv, model_dir, capsys, monkeypatch):
    _stdin(monkeypatch, b"look\n\xff\xfe oops\n")
    if argv[0] == "play":
        argv = [*argv, "--model", str(model_dir)]
    assert main(argv) == 2
    _one_line_error(capsys, "stdin: not UTF-8 text")


@pytest.mark.parametrize("from_stdin", [False, True])
def test_bom_script_first_line_is_not_a_command(from_stdin, model_dir, tmp_path, capsys, monkeypatch):
    script = "\ufeff/save bom\r\nlook\r\n".encode("utf-8")
    argv = ["play", "--model", str(model_dir), "--seed", "1", "--saves-dir", str(tmp_path / "saves")]
    if from_stdin:
        _stdin(monkeypatch, script)
        argv += ["--script", "-"]
    else:
        (tmp_path / "s.txt").write_bytes(script)
        argv += ["--script", str(tmp_path / "s.txt")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "saves/bom.json").is_file() and "\ufeff" not in out


def test_bom_comment_is_a_comment(model_dir, tmp_path, capsys):
    (tmp_path / "s.txt").write_bytes("\ufeff# a comment\nlook\n".encode("utf-8"))
    assert main(["play", "--script", str(tmp_path / "s.txt"), "--model", str(model_dir),
                 "--saves-dir", str(tmp_path / "saves")]) == 0
    assert "comment" not in capsys.readouterr().out


def test_corpus_skips_folders_named_txt_and_dangling_links(model_dir, tmp_path, capsys):
    corpus = tmp_path / "c"
    (corpus / "chapter1.txt").mkdir(parents=True)
    (corpus / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (corpus / "a.txt").write_text("The king had three sons. The youngest was kind.\n\n" * 5)
    assert main(["eval", "--model", str(model_dir), "--corpus", str(corpus), "--json", "--no-memory-eval"]) == 0
    assert json.loads(capsys.readouterr().out)["characters"] > 0


def test_annotated_file_named_twice_counts_once(capsys):
    story = ANNOTATED / "a_ferrymans_lantern.json"
    assert main(["eval", "--annotated", str(story), str(story), str(ANNOTATED / "." / story.name), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["summarizer"]["files"] == 1


def test_eval_script_leaves_no_temporary_folder(model_dir, tmp_path, capsys, monkeypatch):
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    (tmp_path / "s.txt").write_text("look\n/save mine\n")
    assert main(["eval", "--model", str(model_dir), "--script", str(tmp_path / "s.txt"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["play"]["turns"] == 1
    assert list(temp.iterdir()) == []


def test_eval_of_a_script_with_no_commands_says_so(model_dir, tmp_path, capsys):
    (tmp_path / "s.txt").write_text("# only a comment\n/temperature 0.5\n>\n")
    assert main(["eval", "--model", str(model_dir), "--script", str(tmp_path / "s.txt"), "--json"]) == 2
    _one_line_error(capsys, "has no commands to play")


@pytest.mark.parametrize("argv", [["--tui-turns", "5"], ["--tui", "--tui-turns", "1"]])
def test_bench_tui_turns_is_checked(argv, model_dir, capsys):
    assert main(["bench", "--model", str(model_dir), *argv]) == 2
    _one_line_error(capsys, "--tui-turns goes with --tui")


def _edit_config(path: Path, edit) -> None:
    data = json.loads((path / "config.json").read_text())
    (path / "config.json").write_text(json.dumps(edit(data)))


CORRUPTIONS = {
    "weights_truncated": ("model.safetensors", lambda p: (p / "model.safetensors").write_bytes(
        (p / "model.safetensors").read_bytes()[:100])),
    "weights_empty": ("model.safetensors", lambda p: (p / "model.safetensors").write_bytes(b"")),
    "tokenizer_garbage": ("tokenizer.json", lambda p: (p / "tokenizer.json").write_text("{1: 2}")),
    "tokenizer_empty": ("tokenizer.json", lambda p: (p / "tokenizer.json").write_text("")),
    "config_list": ("config.json", lambda p: (p / "config.json").write_text("[]")),
    "config_not_json": ("config.json", lambda p: (p / "config.json").write_text("{oops")),
    "layers_str": ("config.json", lambda p: _edit_config(p, lambda d: {**d, "model": {**d["model"], "n_layer": "2"}})),
    "meta_list": ("config.json", lambda p: _edit_config(p, lambda d: {**d, "meta": [1]})),
    "cache_unknown_key": ("config.json", lambda p: _edit_config(p, lambda d: {**d, "meta": {"cache": {"foo": 1}}})),
    "cache_str": ("config.json", lambda p: _edit_config(p, lambda d: {**d, "meta": {"cache": "x"}})),
    "pointer_bad_type": ("config.json", lambda p: _edit_config(
        p, lambda d: {**d, "meta": {"memory_pointer": {"lam_start": "x"}}})),
    "vocab_mismatch": ("model.safetensors", lambda p: _edit_config(
        p, lambda d: {**d, "model": {**d["model"], "vocab_size": 100}})),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_corrupted_checkpoint_is_one_line_naming_the_file(case, model_dir, capsys):
    name, corrupt = CORRUPTIONS[case]
    corrupt(model_dir)
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(model_dir)
    assert str(model_dir / name) in str(e.value) and "\n" not in str(e.value)
    assert main(["play", "--model", str(model_dir), "--script", "-"]) == 2
    _one_line_error(capsys, f"cannot read checkpoint file {model_dir / name}")


def test_export_of_a_corrupted_checkpoint_is_one_line(model_dir, tmp_path, capsys):
    (model_dir / "tokenizer.json").write_text("")
    assert main(["export", "--model", str(model_dir), "--out", str(tmp_path / "out")]) == 2
    _one_line_error(capsys, "tokenizer.json")


def test_valid_checkpoint_meta_still_loads(model_dir):
    _edit_config(model_dir, lambda d: {**d, "meta": {"cache": {"theta": 20, "lam": 0.15, "window": 1500},
                                                      "memory_pointer": {"lam_start": 0.005, "fresh_nouns": True}}})
    assert load_checkpoint(model_dir).meta["cache"]["window"] == 1500
