"""The memory pointer copies the memory's names into the narration: it can only raise their probability."""

from __future__ import annotations

import math

import torch

from storyteller.memory_pointer import MemoryPointer, MemoryPointerConfig, memory_names


def test_memory_names_reads_characters_aliases_and_places():
    summary = {"characters": [{"name": "Brann", "aliases": ["the old ferryman"]}, {"name": "you", "aliases": []}],
               "places": ["Harrowgate"]}
    assert memory_names(summary) == ["Brann", "the old ferryman", "Harrowgate"]


def test_pointer_continues_a_name_it_has_begun(tiny_tokenizer):
    tok = tiny_tokenizer
    pointer = MemoryPointer(tok, ["Hans", "the witch"], MemoryPointerConfig(lam_start=0.1, lam_continue=0.5))
    ids = tok.encode(" Hans")
    lam, start = pointer.distribution(tok.encode("Then"))
    assert lam == 0.1 and ids[0] in start and math.isclose(sum(start.values()), 1.0)
    if len(ids) > 1:  # the tiny tokenizer may know " Hans" as one token
        lam, nxt = pointer.distribution(tok.encode("Then") + ids[:1])
        assert lam == 0.5 and ids[1] in nxt


def test_pointer_mixture_is_a_distribution_and_raises_the_names(tiny_tokenizer):
    tok = tiny_tokenizer
    pointer = MemoryPointer(tok, ["Hans"], MemoryPointerConfig(lam_start=0.2, lam_continue=0.6))
    logits = torch.randn(tok.vocab_size)
    mixed = pointer.adjust(logits, tok.encode("Then"))
    assert math.isclose(float(mixed.exp().sum()), 1.0, rel_tol=1e-4)
    first = tok.encode(" Hans")[0]
    assert mixed[first] > torch.log_softmax(logits, -1)[first]
    # scoring fixed text gives the same numbers as the play-time mixture
    target = tok.encode(" Hans went home")
    before = tok.encode("Then")
    model_logp = torch.log_softmax(logits, -1)[torch.tensor(target)]
    scored = pointer.token_logp(model_logp, target, before)
    assert math.isclose(float(scored[0]), float(mixed[first]), rel_tol=1e-4)
    assert not MemoryPointer(tok, ["you", "I"], MemoryPointerConfig())


def test_engine_points_at_the_memory_names_when_the_model_has_a_tuned_pointer(tiny_checkpoint, tmp_path):
    from storyteller.checkpoint import Checkpoint
    from storyteller.engine import Engine
    from storyteller.generator import Generator

    tok = tiny_checkpoint.tokenizer
    tuned = Checkpoint(model=tiny_checkpoint.model, tokenizer=tok,
                       meta={**tiny_checkpoint.meta, "memory_pointer": {"lam_start": 0.3, "lam_continue": 0.7}})
    opening = "Hans lived by the river with the witch."
    engine = Engine(Generator(tuned, quantize=False), saves_dir=tmp_path, opening=opening)
    names = memory_names(engine.memory.summary_json())
    assert "the witch" in names
    starts = {tok.encode(v)[0] for n in names for v in (" " + n, n)}
    logits = engine._constraints()([], torch.zeros(tok.vocab_size))
    assert int(logits.argmax()) in starts
    assert logits[tok.encode(" the")[0]] > logits[tok.encode(" went")[0]]

    engine.config.memory_pointer = False
    plain = engine._constraints()
    assert plain is None or torch.equal(plain([], torch.zeros(tok.vocab_size)), torch.zeros(tok.vocab_size))
