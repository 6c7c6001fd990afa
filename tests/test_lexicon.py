"""The story's lexicon: the words this story uses more than stories in general, kept with the memory."""

from __future__ import annotations

import json
import math

import pytest
import torch

from storyteller import lexicon as lexicon_module
from storyteller.lexicon import StoryLexicon, idf
from storyteller.memory import Memory
from storyteller.memory_pointer import MemoryPointer, MemoryPointerConfig, word_starts


def test_keywords_rank_the_storys_own_words_above_common_ones():
    lex = StoryLexicon()
    lex.read("The captain said the parrot was on the schooner. The parrot said nothing. The captain said so.")
    words = [w for w, _ in lex.keywords()]
    assert {"parrot", "schooner", "captain"} <= set(words)
    assert "said" not in words and "the" not in words  # in most documents: they tell nothing about this one
    assert words.index("parrot") < words.index("captain")  # twice, and rarer in stories at large
    weights = dict(lex.keywords())
    assert math.isclose(weights["parrot"], 2 * idf("parrot"), rel_tol=1e-3)
    assert lex.keywords(limit=1) == lex.keywords()[:1]


def test_the_counts_are_bounded_and_keep_the_telling_words(monkeypatch):
    monkeypatch.setattr(lexicon_module, "KEEP_WORDS", 10)
    lex = StoryLexicon()
    lex.read(" ".join(["zorkmid"] * 5))
    lex.read(" ".join(f"word{chr(97 + i // 26)}{chr(97 + i % 26)}x" for i in range(30)))
    assert len(lex.counts) == 10  # 31 words: past twice the limit, cut to the limit
    assert "zorkmid" in lex.counts  # five times, and rare in stories at large


def test_the_lexicon_round_trips_and_a_damaged_one_is_refused():
    lex = StoryLexicon()
    lex.read("The dragon guarded the dragon's gold.")
    assert StoryLexicon.from_dict(json.loads(json.dumps(lex.to_dict()))) == lex
    for bad in ([], {"counts": ["dragon"]}, {"counts": {"dragon": "two"}}, {"counts": {"dragon": True}}):
        with pytest.raises(ValueError, match="lexicon"):
            StoryLexicon.from_dict(bad)


def test_the_memory_counts_a_transcripts_commands_once():
    read_whole = Memory()
    read_whole.read("You are in a cave.\n\n> light lantern\n\nThe lantern is now on.")
    read_apart = Memory()
    read_apart.read("You are in a cave.")
    read_apart.read_command("light lantern")
    read_apart.read("The lantern is now on.")
    assert read_whole.lexicon.counts["lantern"] == read_apart.lexicon.counts["lantern"] == 2
    assert read_whole.lexicon == read_apart.lexicon
    assert "lantern" in read_whole.summary_json()["keywords"]


def test_a_saved_memory_keeps_its_lexicon_and_an_old_one_says_it_has_none():
    memory = Memory()
    memory.read("The miller ground the corn. The miller's daughter spun straw into gold.")
    copy = Memory.from_dict(json.loads(json.dumps(memory.to_dict())))
    assert copy.lexicon == memory.lexicon and copy.lexicon_saved
    old = memory.to_dict()
    del old["lexicon"]
    assert not Memory.from_dict(old).lexicon_saved


def test_a_save_made_before_the_lexicon_loads_with_the_lexicon_play_would_have(make_engine, tmp_path):
    saves = tmp_path / "saves"
    engine = make_engine(saves_dir=saves, opening="You stand by the millpond. The miller watches you.")
    for command in ("look at the millpond", "/story The miller fell into the millpond.", "ask the miller about gold"):
        engine.submit(command)
    engine.save()
    path = saves / f"{engine.name}.json"
    data = json.loads(path.read_text())
    del data["memory"]["lexicon"]
    path.write_text(json.dumps(data))
    resumed = make_engine(seed=5, saves_dir=saves)
    assert resumed.submit(f"/load {engine.name}").kind == "info"
    assert resumed.memory.lexicon == engine.memory.lexicon
    assert resumed.memory.lexicon.counts["millpond"] >= 3


def test_the_pointer_offers_the_lexicon_only_where_a_word_may_start(tiny_tokenizer):
    tok = tiny_tokenizer
    cfg = MemoryPointerConfig(lam_start=0.0, lam_continue=0.0, lam_lexicon=0.2)
    pointer = MemoryPointer(tok, [], cfg, lexicon=[("castle", 3.0), ("witch", 1.0)])
    assert pointer and math.isclose(sum(pointer.lexicon.values()), 1.0)
    castle, witch = tok.encode(" castle")[0], tok.encode(" witch")[0]
    assert pointer.lexicon[castle] > pointer.lexicon[witch]  # by weight
    assert not MemoryPointer(tok, [], MemoryPointerConfig(), lexicon=[("castle", 3.0)])  # no weight, no lexicon
    # play: the mixture stays a distribution and raises the lexicon's words by the model's word-start odds
    starts = word_starts(tok, tok.vocab_size)
    assert starts[castle] == 1 and starts[tok.encode("Once")[0]] == 0
    logits = torch.randn(tok.vocab_size)
    mixed = pointer.adjust(logits, tok.encode("Then"))
    assert math.isclose(float(mixed.exp().sum()), 1.0, rel_tol=1e-4)
    plain = torch.log_softmax(logits, -1)
    gate = 0.2 * float(plain.exp() @ starts)
    assert math.isclose(float(mixed[castle].exp()), (1 - gate) * float(plain[castle].exp())
                        + gate * pointer.lexicon[castle], rel_tol=1e-4)
    # no word can start here (all the model's mass is inside a word): nothing changes
    inside = torch.full((tok.vocab_size,), -1e4)
    inside[tok.encode("le")[0]] = 10.0
    assert torch.allclose(pointer.adjust(inside, tok.encode("Then")).exp(), torch.softmax(inside, -1), atol=1e-6)
    # scoring fixed text gives the play-time numbers, and needs the word-start mass
    target = tok.encode(" castle")
    model_logp = plain[torch.tensor(target)]
    with pytest.raises(ValueError, match="start"):
        pointer.token_logp(model_logp, target, tok.encode("Then"))
    scored = pointer.token_logp(model_logp, target, tok.encode("Then"), torch.tensor([float(plain.exp() @ starts)]))
    assert math.isclose(float(scored[0]), float(mixed[castle]), rel_tol=1e-4)


def test_undo_snapshots_leave_the_lexicon_out_and_undo_counts_it_again(make_engine):
    engine = make_engine(opening="You stand by the millpond. The miller watches you.")
    engine.submit("look at the millpond")
    engine.submit("ask the miller about the millstone")
    before = StoryLexicon(dict(engine.memory.lexicon.counts))
    engine.submit("throw the millstone into the millpond")
    assert all("lexicon" not in t.memory_before for t in engine.turns if t.memory_before is not None)
    assert engine.memory.lexicon != before  # the third turn's words were counted
    assert engine.submit("/undo").kind == "info"
    assert engine.memory.lexicon == before
    engine.submit("/retry")
    assert engine.submit("/undo").kind == "info" and engine.memory.lexicon.counts["millpond"] >= 2
