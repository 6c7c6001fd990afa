"""The plot-keeping machinery: cache pointer, fate guard, memory ablation and play metrics on tiny models."""

import math

import pytest
import torch

from storyteller.cache import CacheConfig, CachePointer, cache_probs, mix
from storyteller.checkpoint import Checkpoint
from storyteller.constraints import fate_guard
from storyteller.memory_eval import fate_contradiction, memory_ablation, play_metrics


def test_cache_probs_follow_similar_states():
    keys = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.1]])
    values = torch.tensor([3, 5, 3])
    p = cache_probs(torch.tensor([[1.0, 0.0]]), keys, values, theta=20.0, vocab=8)
    assert p.shape == (1, 8) and math.isclose(float(p.sum()), 1.0, rel_tol=1e-5)
    assert int(p.argmax()) == 3 and float(p[0, 3]) > 0.99


def test_cache_mask_hides_the_future():
    keys = torch.eye(3)
    values = torch.tensor([0, 1, 2])
    allowed = torch.tensor([[True, False, False]])
    p = cache_probs(torch.tensor([[0.0, 0.0, 1.0]]), keys, values, 5.0, 3, allowed)
    assert float(p[0, 0]) == pytest.approx(1.0)


def test_mix_is_a_distribution_and_keeps_model_without_cache():
    logp = torch.log_softmax(torch.randn(2, 6), -1)
    p_cache = torch.zeros(2, 6)
    p_cache[0, 2] = 1.0
    mixed = mix(logp, p_cache, 0.25)
    assert torch.allclose(mixed.exp().sum(-1), torch.ones(2), atol=1e-5)
    assert torch.allclose(mixed[1], logp[1])
    assert float(mixed[0, 2].exp()) == pytest.approx(0.75 * float(logp[0, 2].exp()) + 0.25, rel=1e-4)


def test_cache_pointer_window_is_bounded():
    cache = CachePointer(CacheConfig(window=5), vocab_size=10)
    cache.add(torch.randn(8, 4), torch.arange(8))
    assert len(cache) == 5 and cache.values.tolist() == [3, 4, 5, 6, 7]


def test_fate_guard_vetoes_the_dead_acting(tiny_tokenizer):
    hook = fate_guard(tiny_tokenizer, ["Hans"])
    produced = tiny_tokenizer.encode("Then Hans")
    said = tiny_tokenizer.encode(" said")[0]
    logits = hook(produced, torch.zeros(tiny_tokenizer.vocab_size))
    assert logits[said] == float("-inf")
    free = hook(tiny_tokenizer.encode("Then the king"), torch.zeros(tiny_tokenizer.vocab_size))
    assert torch.isfinite(free).all()
    assert fate_guard(tiny_tokenizer, []) is None


def test_fate_contradiction_detector():
    assert fate_contradiction("Then the witch said that you must go.", ["the witch"])
    assert fate_contradiction('"Go away," said Brann.', ["Brann"])
    assert not fate_contradiction("You look at the body of the witch.", ["the witch"])
    assert not fate_contradiction("Brann lay still on the floor.", ["Brann"])


STORY_A = ("Once upon a time there lived a miller named Tobias who had a grey cat. " * 3 + "\n\n") * 6 + \
    "\n\n".join(f"Tobias walked to the mill and the cat followed him through the wood, day {i}." for i in range(40))
STORY_B = ("Long ago a queen called Marigold ruled the island of Pell with her old ferryman. " * 3 + "\n\n") * 6 + \
    "\n\n".join(f"Marigold sailed to the island and the ferryman rowed the boat, night {i}." for i in range(40))


def test_memory_ablation_reports_all_figures(tiny_checkpoint):
    result = memory_ablation(tiny_checkpoint, [("a.txt", STORY_A), ("b.txt", STORY_B)], max_windows=8)
    for key in ("bpc_with", "bpc_without", "bpc_shuffled", "entity_bpc_with", "entity_bpc_without",
                "ranking_accuracy", "cache_bpc"):
        assert key in result and result[key] >= 0, key
    assert result["windows"] >= 2 and result["stories"] == 2
    assert 0.0 <= result["ranking_accuracy"] <= 1.0 and 0.0 <= result["ranking_accuracy_any_document"] <= 1.0
    assert result["works"] == 2
    assert result["memory_pointer"] is None and result["model_only"]["bpc_with"] == result["bpc_with"]
    # the split by windows that name something the memory holds adds up to the whole
    split = result["ranking_by_window"]
    naming = split["naming_windows"]
    assert 0 < naming <= result["windows"]
    assert math.isclose(split["naming"] * naming + split["other"] * (result["windows"] - naming),
                        result["ranking_accuracy"] * result["windows"], abs_tol=1e-3)


def test_ranking_draws_other_memories_from_other_works_when_there_are_enough():
    import random

    from storyteller.memory_eval import Window, other_stories

    def win(doc, work):
        return Window(doc, [], [], [], [1], 1, [False], 0, f"memory {doc}", work=work)

    novel = [win(d, "novel.txt") for d in range(4)]          # chapters of one novel
    tales = [win(d, f"tale{d}.txt") for d in range(4, 9)]    # five other works
    picked = other_stories(novel[0], novel + tales, random.Random(0))
    assert len(picked) == 4 and all(o.work != "novel.txt" for o in picked)
    anywhere = {o.doc for _ in range(30) for o in other_stories(novel[0], novel + tales, random.Random(_), False)}
    assert {1, 2, 3} & anywhere and 0 not in anywhere
    # Too few other works: any other document will do.
    few = other_stories(novel[0], novel + tales[:2], random.Random(0))
    assert len(few) == 4 and all(o.doc != 0 for o in few)


def test_memory_pointer_lowers_the_loss_of_names_the_memory_holds(tiny_checkpoint):
    from storyteller.memory_pointer import MemoryPointerConfig

    texts = [("a.txt", STORY_A), ("b.txt", STORY_B)]
    result = memory_ablation(tiny_checkpoint, texts, max_windows=8, pointer=MemoryPointerConfig(0.02, 0.7))
    assert result["memory_pointer"]["lam_start"] == 0.02 and result["memory_pointer"]["lam_continue"] == 0.7
    assert result["entity_bpc_with"] < result["model_only"]["entity_bpc_with"]
    assert result["bpc_without"] == result["model_only"]["bpc_without"]  # no memory, nothing to point at


def _tale(hero: str, place: str, thing: str) -> str:
    opening = (f"Long ago {hero} lived by {place} and kept {thing} in a box of oak. " * 3 + "\n\n") * 8
    return opening + "\n\n".join(f'"Day {i}," said {hero}, and walked to {place} with {thing}.' for i in range(30))


# Six works, so that the four other memories of the ranking test are drawn from a larger pool; one is a game.
WORKS = [(f"{hero.lower()}.txt", _tale(hero, place, thing)) for hero, place, thing in (
    ("Tobias", "the mill", "a grey cat"), ("Marigold", "the island of Pell", "an oar"),
    ("Brann", "the black tower", "a silver horn"), ("Ysolde", "the salt marsh", "a lantern"),
    ("Corvin", "the old quarry", "a hammer"))] + [
    ("cave.txt", "\n\n".join(f"> {cmd}\n{reply}" for _ in range(14) for cmd, reply in (
        ("look", "You are standing at the end of a road before a small brick building, with a stream beside it."),
        ("take lamp", "Taken."), ("go north", "You are in a valley in the forest beside a stream tumbling along."),
        ("say hello", "Nobody answers.")))),
]
PASSAGE_KEYS = ("ranking_accuracy_passage", "passage_tokens")


def _without_passage_figures(result: dict) -> dict:
    out = {k: v for k, v in result.items() if k not in PASSAGE_KEYS}
    out["model_only"] = {k: v for k, v in result["model_only"].items() if k not in PASSAGE_KEYS}
    return out


def test_ranking_on_passages_scores_the_text_after_the_window(tiny_checkpoint):
    from storyteller.memory_eval import PASSAGE_TOKENS, collect_windows

    tok = tiny_checkpoint.tokenizer
    windows = collect_windows(tiny_checkpoint, WORKS, max_windows=16)
    assert all(len(w.target) <= len(w.passage) <= PASSAGE_TOKENS and w.passage[:len(w.target)] == w.target
               for w in windows)
    assert any(len(w.passage) == PASSAGE_TOKENS for w in windows)  # long enough stories fill the passage
    game = [w for w in windows if w.work == "cave.txt"]
    assert game and all(w.command for w in game)
    # A game's passage goes on past the response into the next turns, the commands as the story text has them.
    assert all("\n\n> " in tok.decode(w.passage) for w in game if len(w.passage) == PASSAGE_TOKENS)
    result = memory_ablation(tiny_checkpoint, WORKS, max_windows=16)
    for figures in (result, result["model_only"]):
        assert 0.0 <= figures["ranking_accuracy_passage"] <= 1.0
    assert result["passage_tokens"] == round(sum(len(w.passage) for w in windows) / len(windows), 1)
    assert result["passage_tokens"] > sum(len(w.target) for w in windows) / len(windows)


def test_passage_ranking_leaves_the_window_figures_as_they_were(tiny_checkpoint, monkeypatch):
    """With the passage test replaced by a stub, every other figure (ranking_accuracy above all) is the same."""
    from storyteller import memory_eval
    from storyteller.memory_pointer import MemoryPointerConfig

    pointer = MemoryPointerConfig(0.02, 0.7)
    result = memory_ablation(tiny_checkpoint, WORKS, max_windows=16, pointer=pointer)
    monkeypatch.setattr(memory_eval, "_passage_ranked", lambda *args: (False, False))
    stubbed = memory_ablation(tiny_checkpoint, WORKS, max_windows=16, pointer=pointer)
    assert stubbed["ranking_accuracy_passage"] == stubbed["model_only"]["ranking_accuracy_passage"] == 0.0
    assert _without_passage_figures(result) == _without_passage_figures(stubbed)


def test_passage_ranking_is_the_window_ranking_when_passages_are_the_windows(tiny_checkpoint, monkeypatch):
    """The passage test ranks against the very memories the window test drew, with the same memory pointer: on
    passages cut to the windows it gives the window figures."""
    from storyteller import memory_eval
    from storyteller.memory_pointer import MemoryPointerConfig

    collect, draw, ranked = memory_eval.collect_windows, memory_eval.other_stories, memory_eval._passage_ranked
    drawn, passed = [], []

    def windows_as_passages(*args, **kwargs):
        windows = collect(*args, **kwargs)
        for w in windows:
            w.passage = list(w.target)
        return windows

    def spy_draw(w, windows, rng, other_works=True):
        picked = draw(w, windows, rng, other_works)
        if other_works:
            drawn.append((w, picked))
        return picked

    def spy_ranked(model, tok, w, other, pointer):
        passed.append((w, other))
        return ranked(model, tok, w, other, pointer)

    monkeypatch.setattr(memory_eval, "collect_windows", windows_as_passages)
    monkeypatch.setattr(memory_eval, "other_stories", spy_draw)
    monkeypatch.setattr(memory_eval, "_passage_ranked", spy_ranked)
    result = memory_ablation(tiny_checkpoint, WORKS, max_windows=16, pointer=MemoryPointerConfig(0.02, 0.7))
    assert len(passed) == result["windows"] and all(p[0] is d[0] and p[1] is d[1] for p, d in zip(passed, drawn))
    assert result["ranking_accuracy_passage"] == result["ranking_accuracy"]
    assert result["model_only"]["ranking_accuracy_passage"] == result["model_only"]["ranking_accuracy"]
    assert 0 < result["model_only"]["ranking_accuracy"] < 1  # not a trivial agreement (the pointer wins all here)


def test_play_metrics_on_a_script(tiny_checkpoint):
    lines = ["# a test script", "look around", "take the lamp", "/temperature 0.5", "go north"]
    metrics = play_metrics(tiny_checkpoint, lines, seed=3)
    assert metrics["turns"] == 3
    for key in ("entity_continuity", "new_names_per_turn", "fate_contradictions", "repeated_sentence_rate",
                "distinct_2"):
        assert key in metrics


def test_new_names_are_the_narrators_not_the_players(tmp_path, monkeypatch):
    from pathlib import Path

    from storyteller.engine import Engine

    monkeypatch.syspath_prepend(str(Path(__file__).parent / "tui"))
    from tui_fakes import FakeGenerator  # a narrator of canned texts

    narrations = ["The old ferryman nods and rows on.",  # the ferryman: the player named him
                  "The witch laughs, and the witch points at you."]  # the witch: the narrator's own
    engine = Engine(FakeGenerator(narrations), saves_dir=tmp_path, seed=1, opening="You stand by the river.")
    engine.config.autosave = False
    metrics = play_metrics(None, ["talk to the old ferryman", "listen"], engine=engine)
    assert metrics["turns"] == 2
    assert {c["name"] for c in engine.memory.summary_json()["characters"]} >= {"the ferryman", "the witch"}
    assert metrics["new_names_per_turn"] == 0.5


def test_engine_with_cache_pointer_resumes_exactly(tiny_checkpoint, tmp_path):
    from storyteller.config import SamplerConfig
    from storyteller.engine import Engine
    from storyteller.generator import Generator

    cached = Checkpoint(tiny_checkpoint.model, tiny_checkpoint.tokenizer,
                        {"model_id": "tiny-cache", "cache": {"theta": 5.0, "lam": 0.3, "window": 300}})
    gen = Generator(cached, quantize=False)

    def engine(seed):
        return Engine(gen, saves_dir=tmp_path, seed=seed, sampler=SamplerConfig(max_tokens=16),
                      opening="You stand before the castle gate.")

    a = engine(4)
    assert a.story_cache is not None
    a.submit("look")
    a.submit("/save snap")
    (tmp_path / "copy.json").write_bytes((tmp_path / "snap.json").read_bytes())
    expected = a.submit("open the gate").text
    b = engine(11)
    b.submit("/load copy")
    assert b.submit("open the gate").text == expected


def test_cache_nll_uses_matching_history_and_never_the_future():
    from storyteller.memory_eval import CacheParts, cache_nll

    hidden = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    parts = CacheParts(model_logp=torch.log(torch.tensor([0.1, 0.1])), hidden=hidden,
                       keys=torch.tensor([[1.0, 0.0]]), values=torch.tensor([7]), targets=torch.tensor([7, 3]))
    off = cache_nll(parts, CacheConfig(theta=10.0, lam=0.0, window=10))
    assert torch.allclose(off, -parts.model_logp)
    on = cache_nll(parts, CacheConfig(theta=10.0, lam=0.5, window=10))
    assert float(on[0]) < float(off[0])  # the history key matches position 0 and was followed by its target
    # Position 1 may see the history and position 0 (followed by 7), never itself: its target 3 gets no help.
    assert float(on[1]) > float(off[1])


def test_play_time_adjust_equals_dense_mixture():
    cache = CachePointer(CacheConfig(theta=7.0, lam=0.2, window=50), vocab_size=30)
    torch.manual_seed(0)
    cache.add(torch.randn(40, 8), torch.randint(0, 30, (40,)))
    logits, hidden = torch.randn(30), torch.randn(8)
    dense = mix(torch.log_softmax(logits, -1).view(1, -1),
                cache_probs(hidden.view(1, -1), cache.keys, cache.values, 7.0, 30, keys_normalized=True), 0.2)[0]
    assert torch.allclose(cache.adjust(logits, hidden), dense, atol=1e-5)


def test_holder_guard_keeps_others_things_out_of_your_hand(tiny_tokenizer):
    from storyteller.constraints import holder_guard

    objects = [{"name": "golden key", "holder": "the witch"}, {"name": "lamp", "holder": "you"},
               {"name": "crown", "holder": "castle"}]
    hook = holder_guard(tiny_tokenizer, objects, hero="you", places=["castle"])
    key = tiny_tokenizer.encode(" key")[0]
    lamp = tiny_tokenizer.encode(" lamp")[0]
    vetoed = hook(tiny_tokenizer.encode("You open the door with your"), torch.zeros(tiny_tokenizer.vocab_size))
    assert vetoed[key] == float("-inf") and torch.isfinite(vetoed[lamp])
    free = hook(tiny_tokenizer.encode("The witch holds the"), torch.zeros(tiny_tokenizer.vocab_size))
    assert torch.isfinite(free).all()
    assert holder_guard(tiny_tokenizer, [{"name": "lamp", "holder": "you"}]) is None


def test_repeat_guard_forbids_ending_a_sentence_already_told(tiny_tokenizer):
    from storyteller.constraints import combine, repeat_guard, sentence_key, told_sentences

    told = told_sentences("You are in a dark forest. A path leads north to an old castle.\n\nTaken.")
    assert {"you are in a dark forest", "taken"} <= told
    assert sentence_key('  "Go away!"  ') == '"go away'
    hook = repeat_guard(tiny_tokenizer, told)
    full_stop = tiny_tokenizer.encode(".")[0]
    blocked = hook(tiny_tokenizer.encode("The witch laughed. You are in a dark forest"), torch.zeros(tiny_tokenizer.vocab_size))
    assert blocked[full_stop] == float("-inf") and blocked[tiny_tokenizer.eot_id] == float("-inf")
    assert blocked[tiny_tokenizer.encode("The witch laughed. You are in a dark forest")[-1]] == float("-inf")
    # one word before the told sentence is complete, its last word is masked, so the narrator says something else
    early = hook(tiny_tokenizer.encode("The witch laughed. You are in a dark"), torch.zeros(tiny_tokenizer.vocab_size))
    assert early[tiny_tokenizer.encode(" forest")[0]] == float("-inf")
    assert early[tiny_tokenizer.encode(" castle")[0]] == 0 and early[full_stop] == 0
    start = hook([], torch.zeros(tiny_tokenizer.vocab_size))  # a one-word sentence told: not again at the start
    assert start[tiny_tokenizer.encode("Taken")[0]] == float("-inf")
    other = hook(tiny_tokenizer.encode("You are in a dark castle"), torch.zeros(tiny_tokenizer.vocab_size))
    assert torch.isfinite(other).all()
    assert repeat_guard(tiny_tokenizer, set()) is None
    # a told sentence that ends in a quote is caught with the quote written, and a '".' token closes it too
    quoted = repeat_guard(tiny_tokenizer, told_sentences('You are at "Y2". Taken.'))
    blocked = quoted(tiny_tokenizer.encode('You are at "Y2"'), torch.zeros(tiny_tokenizer.vocab_size))
    assert blocked[full_stop] == float("-inf")
    closers = [i for i in range(tiny_tokenizer.vocab_size) if tiny_tokenizer.decode([i]).startswith('".')]
    if closers:  # the tiny tokenizer may not have one
        blocked = quoted(tiny_tokenizer.encode('You are at "Y2'), torch.zeros(tiny_tokenizer.vocab_size))
        assert all(blocked[i] == float("-inf") for i in closers)
    both = combine(None, hook)
    assert both is hook and combine(None, None) is None


def parrot_generator(checkpoint, line: str):
    """A real Generator whose model always wants to say the same line: a narrator stuck in a loop."""
    from storyteller.generator import Generator

    class Parrot(Generator):
        def forward(self, ids, state=None):
            step = 0 if state is None else state + len(ids)
            logits = torch.zeros(len(ids), self.tokenizer.vocab_size)
            logits[-1, wanted[min(step, len(wanted) - 1)]] = 30.0
            return logits, torch.zeros(len(ids), 4), step

    wanted = [*checkpoint.tokenizer.encode(line), checkpoint.tokenizer.eot_id]
    return Parrot(checkpoint, quantize=False)


def test_engine_never_tells_a_sentence_twice(tiny_checkpoint, tmp_path):
    from storyteller.config import SamplerConfig
    from storyteller.constraints import told_sentences
    from storyteller.engine import Engine

    engine = Engine(parrot_generator(tiny_checkpoint, "Taken."), saves_dir=tmp_path, seed=3,
                    sampler=SamplerConfig(max_tokens=12, temperature=0.5, min_tokens=0),
                    opening="You stand before the gate.")
    engine.story_cache = None
    engine.config.loop_guard_retries = 0
    engine.config.ground_tokens = 0  # "Taken." names nothing: the grounding guard would hold the parrot back
    engine.submit("take lamp")
    engine.submit("take key")
    assert engine.turns[0].narration == "Taken."
    assert "taken" not in told_sentences(engine.turns[1].narration)

    engine.config.repeat_guard = False  # the guard is what stopped the parrot
    engine.submit("take crown")
    assert engine.turns[2].narration == "Taken."



def test_continuity_matches_a_name_without_its_article():
    from storyteller.memory_eval import _mentions

    assert _mentions("His sister wept.", {"the sister"})
    assert _mentions("A witch laughed.", {"the witch"})
    assert not _mentions("The king laughed.", {"the witch", "you"})


def test_remember_puts_the_facts_people_into_the_memory(tiny_checkpoint, tmp_path):
    from storyteller.engine import Engine
    from storyteller.generator import Generator

    engine = Engine(Generator(tiny_checkpoint, quantize=False), saves_dir=tmp_path, opening="You stand in a field.")
    engine.submit("/remember Brann the ferryman was killed by the witch")
    assert engine.memory.pinned == ["Brann the ferryman was killed by the witch"]
    assert engine.memory.dead_characters()  # the ferryman, however the summarizer names him


def test_a_narration_does_not_end_before_min_tokens(tiny_checkpoint):
    from storyteller.config import SamplerConfig

    parrot = parrot_generator(tiny_checkpoint, "Taken.")
    short = len(tiny_checkpoint.tokenizer.encode("Taken."))
    rng = torch.Generator().manual_seed(0)
    terse = parrot.narrate([tiny_checkpoint.tokenizer.doc_id], SamplerConfig(min_tokens=0), rng)
    assert terse.text == "Taken." and terse.stop_reason == "eot"
    longer = parrot.narrate([tiny_checkpoint.tokenizer.doc_id], SamplerConfig(min_tokens=short + 3, max_tokens=20), rng)
    assert len(longer.token_ids) >= short + 3 and longer.text.startswith("Taken.")


def test_the_next_command_cannot_start_before_min_tokens(tiny_checkpoint):
    from storyteller.config import SamplerConfig

    tok = tiny_checkpoint.tokenizer
    parrot = parrot_generator(tiny_checkpoint, "OK\n\n> look")
    rng = torch.Generator().manual_seed(0)
    terse = parrot.narrate([tok.doc_id], SamplerConfig(min_tokens=0), rng)
    assert terse.text == "OK" and terse.stop_reason == "command"
    n = len(tok.encode("OK\n\n> look"))
    longer = parrot.narrate([tok.doc_id], SamplerConfig(min_tokens=n + 2, max_tokens=n + 6), rng)
    assert ">" not in tok.decode(longer.token_ids[: n + 2])


def test_ground_guard_holds_the_end_until_the_narration_names_something_remembered(tiny_tokenizer):
    from storyteller.constraints import ground_guard, mention_pattern

    tok = tiny_tokenizer
    ends = [tok.eot_id, tok.encode(">")[0]]
    hook = ground_guard(tok, {"the old lamp", "Hans"}, ends, max_tokens=30)
    zeros = torch.zeros(tok.vocab_size)
    held = hook(tok.encode("OK."), zeros)
    assert all(held[e] == float("-inf") for e in ends)            # "OK." names nothing: it may not end yet
    free = hook(tok.encode("OK. Your old lamp"), zeros)             # article or not, the lamp is remembered
    assert all(free[e] == 0 for e in ends)
    # A re-roll starts afresh; a narration past the limit may end even ungrounded.
    assert hook(tok.encode("You"), zeros)[ends[0]] == float("-inf")
    assert hook(tok.encode("word " * 31), zeros)[ends[0]] == 0
    assert ground_guard(tok, set(), ends, 30) is None and ground_guard(tok, {"Hans"}, ends, 0) is None
    assert mention_pattern({"the sister"}).search("his sister wept") and not mention_pattern({"Ann"}).search("Anna")


def test_engine_narration_goes_on_until_it_names_the_memory(tiny_tokenizer, tmp_path):
    from storyteller.config import ModelConfig
    from storyteller.engine import Engine
    from storyteller.generator import Generator
    from storyteller.model import LSTMLanguageModel

    torch.manual_seed(0)
    model = LSTMLanguageModel(ModelConfig(vocab_size=tiny_tokenizer.vocab_size, n_embd=32, n_hidden=48, n_layer=2,
                                          dropout=0.0)).eval()
    with torch.no_grad():
        model.head.bias[tiny_tokenizer.eot_id] = 50.0  # a narrator that ends every turn as soon as it may
    checkpoint = Checkpoint(model=model, tokenizer=tiny_tokenizer, meta={"model_id": "eager-to-end"})

    def narration_tokens(ground_tokens):
        engine = Engine(Generator(checkpoint, quantize=False), saves_dir=tmp_path / str(ground_tokens), seed=3)
        engine.config.autosave = False
        engine.config.ground_tokens = ground_tokens
        engine.submit("/remember Hans the miller keeps the old lamp")
        reply = engine.submit("look")
        return len(reply.narration.token_ids), reply

    ungrounded, _ = narration_tokens(0)
    held, reply = narration_tokens(25)
    assert ungrounded == 10                      # min_tokens, then the end-of-turn it wants
    assert held == 25 or "lamp" in reply.text.lower() or "hans" in reply.text.lower()
    assert held > ungrounded


def test_a_paragraph_does_not_open_with_a_space(tiny_checkpoint):
    from storyteller.config import SamplerConfig

    tok = tiny_checkpoint.tokenizer
    # A narrator that wants " the lamp" right after a line break (what the model did once '>' was held back).
    parrot = parrot_generator(tiny_checkpoint, "OK\n the lamp")
    rng = torch.Generator().manual_seed(0)
    narration = parrot.narrate([tok.doc_id], SamplerConfig(min_tokens=0, max_tokens=8, temperature=0.5), rng)
    text = narration.text
    assert "\n" not in text or not text.split("\n", 1)[1].startswith(" "), repr(text)


def test_the_storys_lexicon_lowers_the_loss_given_the_true_memory_only(tiny_checkpoint):
    """A window uses its story's words: the lexicon of the true memory explains it, another story's does not."""
    from storyteller.memory_eval import collect_windows
    from storyteller.memory_pointer import MemoryPointerConfig

    windows = collect_windows(tiny_checkpoint, WORKS, max_windows=16)
    tobias = next(w for w in windows if w.work == "tobias.txt")
    assert {"mill", "grey", "cat"} <= {word for word, _ in tobias.lexicon}
    plain = memory_ablation(tiny_checkpoint, WORKS, max_windows=16, pointer=MemoryPointerConfig(0.0, 0.0))
    lexicon = memory_ablation(tiny_checkpoint, WORKS, max_windows=16,
                              pointer=MemoryPointerConfig(0.0, 0.0, lam_lexicon=0.3))
    assert lexicon["bpc_with"] < plain["bpc_with"]
    assert lexicon["bpc_without"] == plain["bpc_without"]  # no memory, no lexicon
    assert lexicon["bpc_with"] < lexicon["bpc_shuffled"]
    assert lexicon["ranking_accuracy"] >= plain["ranking_accuracy"]


def test_pointer_tuning_ends_with_the_lexicons_weight_and_keeps_the_best_point(tiny_checkpoint):
    from storyteller.memory_eval import tune_memory_pointer

    best, grid = tune_memory_pointer(tiny_checkpoint, WORKS, max_windows=8, lam_starts=(0.0, 0.02),
                                     lam_continues=(0.0, 0.7), lam_words=(0.0,), lam_word_continues=(0.0,),
                                     lam_nouns=(0.0,), lam_noun_continues=(0.0,), lam_lexicons=(0.0, 0.1, 0.3))
    assert [g["lam_lexicon"] for g in grid[-2:]] == [0.1, 0.3]
    assert all(g["lam_lexicon"] == 0.0 for g in grid[:-2])
    chosen = min(grid, key=lambda g: g["bpc"])
    assert best.to_dict() == {k: v for k, v in chosen.items() if k != "bpc"}
    assert best.lam_lexicon > 0  # these tales repeat their words: the lexicon pays
