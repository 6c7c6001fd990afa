"""The memory pointer copies the memory's names into the narration: it can only raise their probability."""

from __future__ import annotations

import math

import torch

from storyteller.memory_pointer import (MemoryPointer, MemoryPointerConfig, command_nouns, memory_names, memory_things,
                                        memory_words)


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
    engine.config.ground_tokens = 0  # (the grounding guard would hold back the end of the narration)
    plain = engine._constraints()
    assert plain is None or torch.equal(plain([], torch.zeros(tok.vocab_size)), torch.zeros(tok.vocab_size))


def test_memory_words_keeps_the_blocks_content_words_only():
    block = "hero: you. place: the black house\npeople: Brann dead; the witch alive\ncarrying: lantern\nevents: you lit the lantern"
    words = memory_words(block)
    assert words == ["black", "house", "Brann", "witch", "lantern", "lit"]


def test_word_pointer_raises_the_blocks_words_and_stays_a_distribution(tiny_tokenizer):
    tok = tiny_tokenizer
    words = ["lantern", "mountain"]
    names_only = MemoryPointer(tok, ["Hans"], MemoryPointerConfig(lam_start=0.1, lam_continue=0.5))
    with_words = MemoryPointer(tok, ["Hans"], MemoryPointerConfig(0.1, 0.5, lam_word=0.1, lam_word_continue=0.4),
                               words)
    lam, start = with_words.distribution(tok.encode("Then"))
    assert math.isclose(lam, 0.2) and math.isclose(sum(start.values()), 1.0)
    logits = torch.randn(tok.vocab_size)
    mixed = with_words.adjust(logits, tok.encode("Then"))
    assert math.isclose(float(mixed.exp().sum()), 1.0, rel_tol=1e-4)
    lantern = tok.encode(" lantern")
    assert mixed[lantern[0]] > names_only.adjust(logits, tok.encode("Then"))[lantern[0]]
    if len(lantern) > 1:  # a word split into pieces is continued with its own weight
        lam, nxt = with_words.distribution(tok.encode("Then") + lantern[:1])
        assert lam == 0.4 and lantern[1] in nxt
    # no word weight: the pointer is the names-only one
    assert MemoryPointer(tok, ["Hans"], MemoryPointerConfig(0.1, 0.5), words).distribution([]) == \
        names_only.distribution([])
    # words alone are enough to point
    assert MemoryPointer(tok, [], MemoryPointerConfig(0.1, 0.5, lam_word=0.1), words)


def test_after_a_determiner_the_pointer_offers_the_memorys_nouns_and_things(tiny_tokenizer):
    tok = tiny_tokenizer
    cfg = MemoryPointerConfig(0.01, 0.7, lam_noun=0.1)
    pointer = MemoryPointer(tok, ["the old ferryman", "Brann"], cfg, things=["lantern"])
    lam, nouns = pointer.distribution(tok.encode("He saw the"))
    assert lam == 0.1 and math.isclose(sum(nouns.values()), 1.0)
    assert tok.encode(" old ferryman")[0] in nouns and tok.encode(" lantern")[0] in nouns
    assert tok.encode(" Brann")[0] not in nouns  # a proper name does not follow "the"
    # elsewhere: the tuned name start, and a bare name only after a quote or a line break
    lam, start = pointer.distribution(tok.encode("He saw"))
    assert lam == 0.01 and tok.encode(" Brann")[0] in start
    bare = tok.encode("Brann")[0]
    if bare != tok.encode(" Brann")[0]:
        assert bare not in start and bare in pointer.distribution(tok.encode('He said, "'))[1]


def test_play_steering_raises_the_noun_weight_and_continues_a_begun_noun(tiny_tokenizer):
    tuned = MemoryPointerConfig(0.005, 0.7, lam_noun=0.05)
    steered = tuned.steered(0.5)
    assert steered.lam_noun == 0.5 and steered.lam_noun_continue == 0.7 and steered.lam_start == 0.005
    assert steered.fresh_nouns and not tuned.fresh_nouns
    assert tuned.steered(0.0) is tuned
    tok = tiny_tokenizer
    pointer = MemoryPointer(tok, ["the ferryman"], steered)
    ids = tok.encode(" ferryman")
    if len(ids) > 1:
        lam, nxt = pointer.distribution(tok.encode("He saw the") + ids[:1])
        assert lam == 0.7 and ids[1] in nxt


def test_memory_things_reads_the_objects():
    assert memory_things({"objects": [{"name": "lantern", "holder": "you"}, {"name": "", "holder": "x"}]}) == ["lantern"]


def test_in_play_a_noun_already_said_gives_way_to_the_others(tiny_tokenizer):
    tok = tiny_tokenizer
    things = ["lantern", "knife"]
    played = MemoryPointer(tok, [], MemoryPointerConfig(lam_noun=0.05).steered(0.5), things=things)
    scored = MemoryPointer(tok, [], MemoryPointerConfig(lam_noun=0.05), things=things)
    lantern, knife = tok.encode(" lantern")[0], tok.encode(" knife")[0]
    said = tok.encode("You lift the lantern and the")
    lam, nouns = played.distribution(said)
    assert lam == 0.5 and lantern not in nouns and math.isclose(nouns[knife], 1.0)
    assert played.distribution(said)[1] is nouns  # kept: the tensors built for it stay valid
    assert lantern in scored.distribution(said)[1]  # the likelihood figures do not filter
    logits = played.adjust(torch.zeros(tok.vocab_size), said)
    assert math.isclose(float(logits.exp().sum()), 1.0, rel_tol=1e-4) and logits[knife] > logits[lantern]


def test_in_play_a_place_the_memory_holds_may_follow_in_or_at(tiny_tokenizer):
    tok = tiny_tokenizer
    cfg = MemoryPointerConfig(lam_noun=0.05).steered(0.5)
    assert cfg.lam_place == 0.25 and MemoryPointerConfig(lam_noun=0.05).lam_place == 0.0
    pointer = MemoryPointer(tok, ["the valley"], cfg, places=["the valley"])
    lam, places = pointer.distribution(tok.encode("You are in"))
    assert lam == 0.25 and tok.encode(" valley")[0] in places
    assert pointer.distribution(tok.encode("You began to")) != (0.25, places)  # "to" is not a place slot
    scored = MemoryPointer(tok, ["the valley"], MemoryPointerConfig(lam_noun=0.05), places=["the valley"])
    assert not scored.place_slot  # the likelihood figures have no place slot


def test_after_a_or_an_the_noun_agrees_with_the_article(tiny_tokenizer):
    tok = tiny_tokenizer
    pointer = MemoryPointer(tok, [], MemoryPointerConfig(lam_noun=0.1), things=["old key", "lantern"])
    old, lantern = tok.encode(" old key")[0], tok.encode(" lantern")[0]
    assert pointer.distribution(tok.encode("He saw a"))[1] == {lantern: 1.0}
    assert pointer.distribution(tok.encode("He saw an"))[1] == {old: 1.0}
    assert set(pointer.distribution(tok.encode("He saw the"))[1]) == {old, lantern}


def test_command_nouns_are_what_the_command_is_about():
    assert command_nouns("take the brass lamp") == ["brass lamp"]
    assert command_nouns("ask the old woman the way to the witch") == ["old woman", "witch"]
    assert command_nouns("take lamp") == ["lamp"]
    assert command_nouns("go north") == [] and command_nouns("look around") == []
    assert command_nouns('say "give me the key"') == []  # speech is not a thing to point at
    assert command_nouns("say hello, is anyone there?") == [] and command_nouns("shout for the guard") == []


def test_in_play_the_commands_nouns_take_their_share_after_a_determiner(tiny_tokenizer):
    tok = tiny_tokenizer
    steered = MemoryPointerConfig(0.005, 0.7, lam_noun=0.05).steered(0.5, focus=0.5)
    assert steered.focus_share == 0.5
    lamp = tok.encode(" lamp")[0]
    plain = MemoryPointer(tok, ["the ferryman"], steered, things=["lantern"])
    focused = MemoryPointer(tok, ["the ferryman"], steered, things=["lantern"], focus=["lamp"])
    _, before = plain.distribution(tok.encode("You take the"))
    lam, nouns = focused.distribution(tok.encode("You take the"))
    assert lam == 0.5 and math.isclose(sum(nouns.values()), 1.0)
    assert nouns[lamp] >= 0.5 > before.get(lamp, 0.0)
    assert tok.encode(" lantern")[0] in nouns  # the memory's nouns keep the rest
    # no steering: the command changes nothing
    tuned = MemoryPointerConfig(0.005, 0.7, lam_noun=0.05)
    assert MemoryPointer(tok, [], tuned, things=["lantern"], focus=["lamp"]).nouns == \
        MemoryPointer(tok, [], tuned, things=["lantern"]).nouns


def test_the_commands_noun_is_not_offered_as_a_place(tiny_tokenizer):
    tok = tiny_tokenizer
    steered = MemoryPointerConfig(0.005, 0.7, lam_noun=0.05).steered(0.5, focus=0.5)
    pointer = MemoryPointer(tok, ["the ferryman"], steered, things=["lantern"], focus=["lamp"])
    lamp = tok.encode(" lamp")[0]
    _, after_take = pointer.distribution(tok.encode("You take the"))
    _, after_in = pointer.distribution(tok.encode("You are in the"))
    assert after_take.get(lamp, 0.0) >= 0.5 and lamp not in after_in  # "You are in a lamp"
    assert tok.encode(" lantern")[0] in after_in
