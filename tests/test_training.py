"""Training on a tiny corpus for a few steps: data layout, loss masking, checkpoints, exact resume, DDP."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from storyteller.checkpoint import load_checkpoint
from storyteller.config import ModelConfig, TrainConfig
from storyteller.corpus import load_documents, split_documents, split_paragraphs, synthetic_command
from storyteller.dataset import Batcher, build_turn_data
from storyteller.training import Callbacks, train

STORY = """\
THE KING AND THE WITCH

Once upon a time there lived a king who had a daughter named Rose. The king loved her dearly.

One day a wicked witch came to the castle. She wanted the golden crown of the king.

Rose went to the forest and found a little house. An old woman lived there with a black cat.

"Who are you?" said the old woman. "I am Rose, the daughter of the king," said she.

The old woman gave her a silver key. Rose took the key and went back to the castle.

Then she opened the door of the tower, and the witch fell down dead.
"""

TRANSCRIPT = """\
### A tiny game

You are standing in an open field west of a white house.

> open mailbox

Opening the small mailbox reveals a leaflet.

> take leaflet

Taken.

> go north

You are in a dark forest. A path leads north.
"""


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    for i in range(6):
        (d / f"tale{i}.txt").write_text(STORY.replace("Rose", ["Rose", "Anna", "Greta", "Mia", "Ida", "Eva"][i]))
    (d / "game.txt").write_text(TRANSCRIPT * 3)
    return d


def tiny_configs(steps=6):
    return (ModelConfig(n_embd=32, n_hidden=32, n_layer=1, dropout=0.0),
            TrainConfig(seq_len=48, batch_size=4, max_steps=steps, eval_interval=3, eval_batches=2, vocab_size=400,
                        warmup_steps=2, memory_budget=24, val_fraction=0.2, lr=1e-2))


def test_documents_and_synthetic_commands(corpus):
    docs = load_documents([corpus])
    assert any(d.is_transcript for d in docs)
    game = next(d for d in docs if d.is_transcript)
    assert [u.text for u in game.units if u.kind == "command"][:2] == ["open mailbox", "take leaflet"]
    assert all("###" not in u.text and u.text != "THE KING AND THE WITCH" for d in docs for u in d.units)
    assert synthetic_command("Then she opened the door of the tower, and the witch fell.") == "open the door of the tower"
    assert synthetic_command('"Who are you?" said the old woman.') == 'say "Who are you"'
    assert synthetic_command("The king loved her dearly.") is None


def test_paragraphs_without_blank_lines_between_them():
    para = ("Mara walked down to the river where the old ferryman kept his boat, and she asked him to take her "
            "across before the night came down over the marsh.")
    one_per_line = "\n".join(f"{para} ({i})" for i in range(30))
    assert split_paragraphs(one_per_line) == [f"{para} ({i})" for i in range(30)]
    hard_wrapped = "\n\n".join("\n".join([para[:70], para[70:]]) for _ in range(30))  # Gutenberg: lines are wraps
    assert split_paragraphs(hard_wrapped) == ["\n".join([para[:70], para[70:]])] * 30
    transcript = "> open mailbox\nOpening the mailbox reveals a leaflet.\n> take leaflet\nTaken.\n> read it"
    assert split_paragraphs(transcript) == ["> open mailbox\nOpening the mailbox reveals a leaflet.",
                                            "> take leaflet\nTaken.", "> read it"]
    game = split_documents(Path("game.txt"), transcript)[0]
    assert [(u.kind, u.text) for u in game.units][:3] == [
        ("command", "open mailbox"), ("response", "Opening the mailbox reveals a leaflet."), ("command", "take leaflet")]


def test_windows_put_memory_before_command_and_mask_them(corpus, tiny_tokenizer):
    docs = load_documents([corpus])
    data = build_turn_data(docs, tiny_tokenizer, memory_budget=24, val_fraction=0.2)
    batcher = Batcher(data, tiny_tokenizer, seq_len=64, memory_prob=1.0, command_prob=1.0, seed=0)
    tok = tiny_tokenizer
    transcript_turns = [i for i in batcher.indices if data.turns[i][2] != data.turns[i][1]]
    seq, mask = batcher.window(int(transcript_turns[0]), None)
    seq = seq.tolist()
    assert tok.mem_id in seq and tok.cmd_id in seq and seq[-1] == tok.eot_id
    assert seq.index(tok.end_mem_id) + 1 == seq.index(tok.cmd_id)
    # mask[k] scores the prediction of seq[k + 1]: memory and command tokens are never scored, narration is.
    for k in range(len(mask)):
        target_pos = k + 1
        inside = seq.index(tok.mem_id) <= target_pos <= seq.index(tok.end_cmd_id)
        if inside:
            assert mask[k] == 0
    assert mask[-1] == 1  # the end-of-turn token is learned


def test_train_saves_best_and_last_and_resumes_exactly(corpus, tmp_path):
    model_cfg, cfg = tiny_configs(steps=6)
    straight = train([corpus], tmp_path / "a", cfg, model_cfg, cache_dir=tmp_path / "cache")
    assert straight.steps == 6 and (tmp_path / "a/best/model.safetensors").is_file()
    loaded = load_checkpoint(tmp_path / "a/last")
    assert loaded.meta["step"] == 6

    # The same 6-step run, stopped after step 3 (as Ctrl-C does), then resumed to its own budget.
    model_cfg, cfg = tiny_configs(steps=6)
    steps_seen = []
    train([corpus], tmp_path / "b", cfg, model_cfg, cache_dir=tmp_path / "cache",
          callbacks=Callbacks(on_step=lambda info: steps_seen.append(info.step)),
          should_stop=lambda: len(steps_seen) >= 3)
    assert load_checkpoint(tmp_path / "b/last").meta["step"] == 3
    resumed = train([corpus], tmp_path / "b", TrainConfig(), resume=True, cache_dir=tmp_path / "cache")
    assert resumed.steps == 6
    a = load_checkpoint(tmp_path / "a/last").model.state_dict()
    b = load_checkpoint(tmp_path / "b/last").model.state_dict()
    for name in a:
        assert torch.allclose(a[name], b[name], atol=1e-6), name


def test_training_lowers_validation_loss(corpus, tmp_path):
    model_cfg, cfg = tiny_configs(steps=40)
    cfg.eval_interval = 10
    result = train([corpus], tmp_path / "run", cfg, model_cfg, cache_dir=tmp_path / "cache")
    assert result.history[-1]["val_loss"] < result.history[0]["val_loss"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ddp_two_cpu_processes_agree(corpus, tmp_path):
    """torchrun-style launch of 2 gloo processes: after a few steps both ranks hold identical weights."""
    # The real entry point through torch's own launcher; the trainer all-gathers a checksum of every rank's
    # weights at the end and records whether they are identical.
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={_free_port()}",
           "-m", "storyteller.cli", "train", "--corpus", str(corpus), "--out", str(tmp_path / "ddp"),
           "--steps", "4", "--config", str(_write_config(tmp_path)), "--cache-dir", str(tmp_path / "cache")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    meta = load_checkpoint(tmp_path / "ddp/last").meta
    assert meta["world_size"] == 2 and meta["step"] == 4
    assert meta["ranks_agree"] is True


def _write_config(tmp_path):
    import json

    path = tmp_path / "tiny.json"
    path.write_text(json.dumps({
        "model": {"n_embd": 32, "n_hidden": 32, "n_layer": 1, "dropout": 0.0},
        "train": {"seq_len": 48, "batch_size": 4, "eval_interval": 2, "eval_batches": 2, "vocab_size": 400,
                  "warmup_steps": 2, "memory_budget": 24, "val_fraction": 0.2, "lr": 1e-2},
    }))
    return path


def test_short_context_windows_and_fine_tuning(corpus, tmp_path, tiny_tokenizer):
    docs = load_documents([corpus])
    data = build_turn_data(docs, tiny_tokenizer, memory_budget=24, val_fraction=0.2)
    import numpy as np

    short = Batcher(data, tiny_tokenizer, seq_len=64, memory_prob=1.0, command_prob=1.0, seed=0,
                    short_context_prob=1.0, short_context_tokens=5)
    seq, mask = short.window(int(short.indices[-1]), np.random.default_rng(0))
    story_before_memory = [t for t in seq.tolist()[: seq.tolist().index(tiny_tokenizer.mem_id)] if t != tiny_tokenizer.pad_id]
    assert len(story_before_memory) <= 5

    model_cfg, cfg = tiny_configs(steps=3)
    train([corpus], tmp_path / "base", cfg, model_cfg, cache_dir=tmp_path / "cache")
    _, cfg2 = tiny_configs(steps=2)
    cfg2.short_context_prob = 0.5
    result = train([corpus], tmp_path / "ft", cfg2, init_from=tmp_path / "base/last", cache_dir=tmp_path / "cache")
    assert result.steps == 2
    base = load_checkpoint(tmp_path / "base/last")
    tuned = load_checkpoint(tmp_path / "ft/last")
    assert tuned.tokenizer.to_str() == base.tokenizer.to_str()
    assert tuned.model.config == base.model.config


def test_memory_name_words_reads_hero_and_people():
    from storyteller.dataset import memory_name_words

    text = "hero: Rose. place: forest\ncarrying: key\npeople: Brann (the old ferryman) dead; the king alive; Captain Flint alive"
    assert memory_name_words(text) == ["Rose", "Brann", "Flint"]


def test_name_swap_renames_consistently_and_keeps_the_window_shape(corpus, tiny_tokenizer):
    import numpy as np

    from storyteller.dataset import NameSwapper

    docs = load_documents([corpus])
    data = build_turn_data(docs, tiny_tokenizer, memory_budget=24, val_fraction=0.2)
    batcher = Batcher(data, tiny_tokenizer, seq_len=64, memory_prob=1.0, command_prob=1.0, seed=0, rename_prob=1.0)
    tok = tiny_tokenizer
    swapper = batcher.renamer
    swapper.pool = ["Ysolde"]  # one candidate: the swap is predictable
    tale_turns = [i for i in range(len(data.turns)) if "Rose" in tok.decode(data.ragged("mem", int(data.turns[i][5])))]
    assert tale_turns, "the tale's memory should name Rose"
    seq, mask = batcher.window(int(tale_turns[-1]), None)
    new_seq, new_mask = swapper.swap(seq.tolist(), [0] + mask.tolist(), data.ragged("mem", int(data.turns[tale_turns[-1]][5])),
                                     np.random.default_rng(0), len(seq))
    before, after = tok.decode(seq.tolist()), tok.decode(new_seq)
    assert "Rose" in before and "Rose" not in after
    assert after.count("Ysolde") == before.count("Rose")
    assert len(new_seq) == len(seq) and len(new_mask) == len(seq)
    # the memory block is still unscored after the swap
    mem_start, mem_end = new_seq.index(tok.mem_id), new_seq.index(tok.end_mem_id)
    assert not any(new_mask[mem_start + 1 : mem_end + 1])


def test_contrast_batch_pairs_each_window_with_another_storys_memory(corpus, tiny_tokenizer):
    docs = load_documents([corpus])
    data = build_turn_data(docs, tiny_tokenizer, memory_budget=24, val_fraction=0.2)
    batcher = Batcher(data, tiny_tokenizer, seq_len=64, memory_prob=1.0, command_prob=1.0, seed=0)
    tok = tiny_tokenizer
    x, y, lm_mask, narration, pairs = batcher.contrast_batch(0, 8, 1.0, negatives=2)
    assert len(pairs) > 0 and x.shape[0] == 8 + len(pairs)
    assert max(pairs[:, 0].tolist().count(r) for r in set(pairs[:, 0].tolist())) == 2
    for true_row, other_row in pairs.tolist():
        a, b = x[true_row].tolist(), x[other_row].tolist()
        block_a = a[a.index(tok.mem_id): a.index(tok.end_mem_id) + 1]
        block_b = b[b.index(tok.mem_id): b.index(tok.end_mem_id) + 1]
        assert block_a != block_b
        # The same narration, scored at the same places; only the true row teaches the language model.
        n = int(narration[true_row].sum())
        assert n > 0 and int(narration[other_row].sum()) == n
        assert y[true_row][narration[true_row] > 0].tolist() == y[other_row][narration[other_row] > 0].tolist()
        assert lm_mask[other_row].sum() == 0 and lm_mask[true_row].sum() >= n


def test_ranking_loss_prefers_the_true_memory():
    from storyteller.training import memory_losses

    y = torch.tensor([[1, 2], [1, 2]])
    narration = torch.ones(2, 2)
    pairs = torch.tensor([[0, 1]])
    confident = torch.full((2, 2, 4), -5.0)
    confident[0, 0, 1] = confident[0, 1, 2] = 5.0  # the true row predicts the narration well
    _, good, won = memory_losses(confident, y, torch.tensor([[1.0, 1.0], [0.0, 0.0]]), narration, pairs, 2.0)
    _, bad, lost = memory_losses(confident.flip(0), y, torch.tensor([[1.0, 1.0], [0.0, 0.0]]), narration, pairs, 2.0)
    assert won.tolist() == [True] and lost.tolist() == [False]
    assert float(good) < float(bad)
    # One other memory: the softplus hinge, log(1 + exp(gap + margin)) per narration token.
    nll = -torch.log_softmax(confident, -1).gather(-1, y.unsqueeze(-1)).squeeze(-1).sum(1)
    assert abs(float(good) - float(torch.nn.functional.softplus(nll[0] - nll[1] + 2.0)) / 2) < 1e-5


def test_ranking_loss_with_several_other_memories_needs_the_true_one_to_beat_them_all():
    from storyteller.training import memory_losses

    y = torch.tensor([[1], [1], [1]])
    narration = torch.ones(3, 1)
    lm_mask = torch.tensor([[1.0], [0.0], [0.0]])
    pairs = torch.tensor([[0, 1], [0, 2]])
    logits = torch.zeros(3, 1, 4)
    logits[0, 0, 1] = 3.0   # the true memory beats the first other one...
    logits[2, 0, 1] = 6.0   # ...but not the second
    _, loss, won = memory_losses(logits, y, lm_mask, narration, pairs, 0.0)
    assert won.tolist() == [True, False]
    logits[2, 0, 1] = 0.0   # now it beats both: the loss falls
    _, better, won = memory_losses(logits, y, lm_mask, narration, pairs, 0.0)
    assert won.tolist() == [True, True] and float(better) < float(loss)


def test_training_with_the_ranking_loss_reports_validation_ranking(corpus, tmp_path):
    model_cfg, cfg = tiny_configs(steps=4)
    cfg.eval_interval = 2
    cfg.contrast_prob = 0.5
    result = train([corpus], tmp_path / "rank", cfg, model_cfg, cache_dir=tmp_path / "cache")
    assert result.steps == 4
    assert all(0.0 <= h["val_rank_accuracy"] <= 1.0 for h in result.history)
