"""The rolling memory summarizer: behaviour on small stories, bounds, serialisation, player edits."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyteller.memory import MEMORY_STATUSES, Memory, MemoryConfig, summarize_text

ANNOTATED = Path(__file__).resolve().parent.parent / "evals" / "annotated"


def char(memory: Memory, name: str) -> dict:
    """The summary entry of the character called `name` (by name or alias)."""
    for c in memory.summary_json()["characters"]:
        if c["name"].lower() == name.lower() or name.lower() in (a.lower() for a in c["aliases"]):
            return c
    raise AssertionError(f"{name!r} not in {[c['name'] for c in memory.summary_json()['characters']]}")


# -- characters ------------------------------------------------------------------------------------
def test_death_is_tracked_with_evidence():
    m = summarize_text(
        "Once upon a time there lived a miller named Hans. Hans had a clever daughter called Greta.\n\n"
        "One winter night a wolf came down from the hills. The wolf killed Hans at the door of the mill.\n\n"
        "Greta wept for a long time."
    )
    hans = char(m, "Hans")
    assert hans["status"] == "dead"
    assert "killed Hans" in hans["evidence"]
    assert char(m, "Greta")["status"] == "alive"
    assert "Hans" in m.dead_characters()
    assert "Greta" not in m.dead_characters()
    assert any("Hans" in e and "died" in e for e in m.summary_json()["events"])


@pytest.mark.parametrize("text", [
    "Hans drowned in the river.",
    "Hans died.",
    "Hans fell dead.",
    "Hans was slain by the giant.",
    "The giant slew Hans.",
    "They found the body of Hans in the reeds.",
    "Hans is dead.",
])
def test_death_phrasings(text):
    m = summarize_text("A tailor named Hans lived in the town with his cat. " + text)
    assert char(m, "Hans")["status"] == "dead", text


@pytest.mark.parametrize("text", [
    "Hans did not die.",
    "Hans would have died if the cat had not helped him.",
    "The giant tried to kill Hans.",
    "Hans was almost dead with fright.",
])
def test_negated_or_hypothetical_death_is_ignored(text):
    m = summarize_text("A tailor named Hans lived in the town with his cat. " + text)
    assert char(m, "Hans")["status"] == "alive", text


@pytest.mark.parametrize("text", [
    "'Kill him!' cried the queen.",
    "The witch said, \"Hans shall die before the winter is over.\"",
    "'If you go into the wood, you will be killed,' said the queen to Hans.",
])
def test_orders_and_prophecies_in_speech_are_not_events(text):
    m = summarize_text("A tailor named Hans lived in the town with his cat. " + text)
    assert char(m, "Hans")["status"] == "alive", text


def test_pronouns_resolve_to_the_right_character():
    m = summarize_text("The old king grieved for his children, and before the winter was over he was dead.")
    assert char(m, "the king")["status"] == "dead"
    m = summarize_text("The sorcerer seized the princess and locked her in a tower of glass.")
    assert char(m, "the princess")["status"] == "imprisoned"
    assert char(m, "the sorcerer")["status"] == "alive"
    m = summarize_text("The hunter drew his knife. The blow fell upon the wolf and killed him.")
    assert char(m, "the wolf")["status"] == "dead"
    assert char(m, "the hunter")["status"] == "alive"
    m = summarize_text("Pip thanked the owl and flew away.")
    # (an animal named in one sentence is not reported among the people, but it is remembered)
    assert m.characters["the owl"].status == "alive"


def test_run_on_text_is_processed_in_bounded_time():
    import time

    words = ("the king took the lamp and he gave it to Hans who killed the wolf in the castle of the old witch "
             "and then she turned him into a frog while you are in the hall ").split()
    text = " ".join(words[i % len(words)] for i in range(20_000))  # one 20k-word "sentence"
    t = time.perf_counter()
    m = summarize_text(text)
    assert time.perf_counter() - t < 20
    assert len(m.render().split()) * 1.3 <= m.config.budget_tokens


def test_other_statuses_and_revival():
    m = summarize_text(
        "There was a prince named Karel and a princess named Ilsa, and an old witch lived in the wood.\n\n"
        "The witch turned Karel into a frog. Then she locked Ilsa in the tower.\n\n"
        "The king banished the witch from the kingdom.\n\n"
        "A shepherd named Tobin went away and never came back. A goose girl named Wenna vanished."
    )
    assert char(m, "Karel")["status"] == "transformed"
    assert char(m, "Ilsa")["status"] == "imprisoned"
    assert char(m, "the witch")["status"] == "banished"
    assert char(m, "Tobin")["status"] == "departed"
    assert char(m, "Wenna")["status"] == "missing"
    m.read("At last the spell was broken, and Karel turned back into a prince. Ilsa was set free.")
    assert char(m, "Karel")["status"] == "alive"
    assert char(m, "Ilsa")["status"] == "alive"


def test_alias_merged_from_apposition_and_naming():
    m = summarize_text(
        "At the river Maren met Brann, the old ferryman, who rowed her across.\n\n"
        "The ferryman was kind. Later the ferryman fell into the water and drowned."
    )
    brann = char(m, "Brann")
    assert "the ferryman" in brann["aliases"]
    assert brann["status"] == "dead"
    names = [c["name"] for c in m.summary_json()["characters"]]
    assert "the ferryman" not in names  # merged, not a second character
    m2 = summarize_text("A ferryman sat by the water. The ferryman, whose name was Brann, waved. Brann smiled.")
    assert "the ferryman" in char(m2, "Brann")["aliases"]
    assert [c["name"] for c in m2.summary_json()["characters"]].count("Brann") == 1


def test_hero_detection():
    assert summarize_text("Lily ran to the park. Lily saw a dog named Max. Lily smiled.").hero == "Lily"
    assert summarize_text("I woke early. I took my bag and I walked to the station, where I waited.").hero == "I"
    m = Memory()
    m.read("You are in a small room.")
    m.read_command("look")
    assert m.hero == "you"


# -- objects ---------------------------------------------------------------------------------------
def test_item_taken_and_dropped_in_prose():
    m = summarize_text("A boy named Tom lived near a dark cave. Tom picked up the lamp.")
    assert m.object_holder("lamp") == "Tom"
    m.read("Tom went into the cave. He dropped the lamp and ran.")
    assert m.object_holder("lamp") == "cave"
    m.read("Tom gave the ring to Anna. The old sword was broken. Tom lost the key.")
    assert m.object_holder("ring") == "Anna"
    assert m.object_holder("sword") == "destroyed"
    assert m.object_holder("key") == "lost"


def test_item_taken_and_dropped_in_transcript():
    m = summarize_text(
        "You are inside a building, a well house for a large spring.\n\n"
        "> take lamp\n\nTaken.\n\n> take bottle\n\nThere is no bottle here.\n\n"
        "> west\n\nYou are in a debris room filled with stuff washed in from the surface.\n\n"
    )
    assert m.object_holder("lamp") == "you"
    assert m.object_holder("bottle") is None
    assert "carrying: lamp" in m.render()
    m.read_command("drop lamp")
    m.read("Dropped.")
    assert m.object_holder("lamp") == "debris room"
    m.read_command("inventory")
    m.read("You are carrying:\n  A brass key\n  A small bottle")
    assert m.object_holder("key") == "you"
    assert m.object_holder("bottle") == "you"


def test_current_place_from_transcript():
    m = Memory()
    m.read("You are in a debris room filled with stuff washed in from the surface.")
    assert m.summary_json()["current_place"] == "debris room"
    m.read_command("north")
    m.read("West of House\nYou are standing in an open field west of a white house.")
    assert m.summary_json()["current_place"] == "West of House"
    m.read_command("east")
    m.read("You're in Hall of Mists.")
    assert m.summary_json()["current_place"] == "Hall of Mists"
    assert "place: Hall of Mists" in m.render()
    assert m.hero == "you"


def test_goal_thread_opened_and_closed():
    m = summarize_text("The old king said to Hans, \"You must find the golden key.\" Hans set out at dawn.")
    assert any("find the golden key" in t for t in m.summary_json()["threads"])
    assert "goal: " in m.render(budget=500)
    m.read("After a long search Hans found the golden key under a stone.")
    assert not any("golden key" in t for t in m.summary_json()["threads"])


# -- rendering -------------------------------------------------------------------------------------
def _generated_story(words: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    names = ["Hans", "Greta", "Brann", "Maren", "Olek", "Tobin", "Wenna", "Karel", "Ilsa", "Pell", "Dunya", "Ferro",
             "Aled", "Rosa", "Pip", "Tam", "Ysolde", "Mordrec", "Lio", "Gundar"] + [f"Zed{i}" for i in range(60)]
    roles = ["the king", "the witch", "the giant", "the wolf", "the miller", "the fox", "the dwarf", "the queen"]
    things = ["lamp", "sword", "key", "ring", "apple", "bottle", "cage", "coin", "crown", "rope", "egg", "map"]
    places = ["castle", "forest", "village", "tower", "river", "cave", "mill", "palace", "meadow", "bridge"]
    templates = [
        "{N} went to the {P} and met {R}.", "{N} picked up the {T}.", "{N} gave the {T} to {M}.",
        "{R} killed {N} near the {P}.", "{N} was turned into a frog.", "{N} dropped the {T}.",
        "\"You must find the {T},\" said {R} to {N}.", "{N}, the old {r}, laughed.", "{M} vanished.",
        "{N} came back to life.", "The {T} was broken.", "{N} locked {M} in the tower.", "{N} wanted to find the {T}.",
        "> take {T}", "Taken.", "You are in a dark {P}.", "{N} and {M} walked along the {P} all day long.",
    ]
    out: list[str] = []
    total = 0
    while total < words:
        para = []
        for _ in range(rng.randint(1, 5)):
            t = rng.choice(templates)
            r = rng.choice(roles)
            s = t.format(N=rng.choice(names), M=rng.choice(names), R=r, r=r.split()[-1], T=rng.choice(things),
                         P=rng.choice(places))
            para.append(s)
        text = " ".join(p for p in para if not p.startswith(">"))
        cmds = [p for p in para if p.startswith(">")]
        chunk = "\n\n".join(cmds + [text]) if text else "\n\n".join(cmds)
        out.append(chunk)
        total += len(chunk.split())
    return out


def test_render_stays_within_budget_and_memory_stays_bounded():
    cfg = MemoryConfig()
    m = Memory(cfg)
    sizes = []
    for i, chunk in enumerate(_generated_story(20_000)):
        m.read(chunk)
        if i % 50 == 0:
            for budget in (8, 32, 96):
                text = m.render(budget=budget)
                assert len(text.split()) * 1.3 <= budget + 1e-9
            sizes.append(len(json.dumps(m.to_dict())))
    assert len(m.characters) <= cfg.max_characters
    assert len(m.places) <= cfg.max_places
    assert len(m.objects) <= cfg.max_objects
    assert len(m.threads) <= cfg.max_threads
    assert len(m.summary_json()["events"]) <= cfg.max_events
    # the state does not grow with the story: the second half is no bigger than a bound set by the first
    half = len(sizes) // 2
    assert max(sizes[half:]) <= 1.5 * max(sizes[:half]) + 2000
    assert max(sizes) < 60_000


def test_render_format_and_custom_counter():
    m = summarize_text(
        "A girl named Maren lived by the marsh. Maren took the lantern. Her mother had died long ago. "
        "Maren went to the village. She had to find the silver bell."
    )
    m.pin("Maren is afraid of the dark")
    text = m.render(budget=500)
    lines = text.split("\n")
    assert lines[0] == "pinned: Maren is afraid of the dark"
    assert lines[1].startswith("hero: Maren. place: village")
    labels = [ln.split(":")[0] for ln in lines]
    assert labels == sorted(labels, key=["pinned", "hero", "carrying", "people", "goal", "events"].index)
    assert "carrying: lantern" in text
    people = next(ln for ln in lines if ln.startswith("people: "))
    assert people.startswith("people: the mother dead")  # non-alive first

    def by_chars(s: str) -> int:
        return (len(s) + 3) // 4
    for budget in range(0, 60, 3):
        out = m.render(by_chars, budget)
        assert by_chars(out) <= budget
    assert m.render(budget=0) == ""
    assert m.render(budget=1) == "" or len(m.render(budget=1).split()) * 1.3 <= 1


# -- serialisation and copies ----------------------------------------------------------------------
STORY = (
    "Once upon a time a fisherman named Olek lived with his granddaughter Maren. Olek said, \"You must find the "
    "silver bell.\" Maren took the lantern and went to the river.\n\n"
    "> take key\n\nTaken.\n\nYou are in a cold kitchen.\n\nThe wolf killed the old ferryman."
)


def test_to_dict_round_trip():
    m = summarize_text(STORY)
    m.pin("a pinned fact")
    d = m.to_dict()
    d2 = json.loads(json.dumps(d))
    assert d2 == d  # JSON-serialisable as is
    m2 = Memory.from_dict(d2)
    assert m2.to_dict() == d
    assert m2.render() == m.render()
    assert m2.summary_json() == m.summary_json()
    # and it behaves the same afterwards
    more = "Maren dropped the lantern. The witch vanished. Maren went to the castle."
    m.read(more)
    m2.read(more)
    assert m2.to_dict() == m.to_dict()


def test_copy_is_independent():
    m = summarize_text(STORY)
    c = m.copy()
    assert c.to_dict() == m.to_dict()
    c.read("Maren died.")
    c.pin("x")
    c.set_holder("lantern", "the wolf")
    assert char(m, "Maren")["status"] == "alive"
    assert m.pinned == []
    assert m.object_holder("lantern") == "Maren"


def test_deterministic():
    a, b = summarize_text(STORY), summarize_text(STORY)
    assert a.to_dict() == b.to_dict()
    assert a.render() == b.render()
    chunks = _generated_story(3000, seed=7)
    x, y = Memory(), Memory()
    for ch in chunks:
        x.read(ch)
        y.read(ch)
    assert json.dumps(x.to_dict()) == json.dumps(y.to_dict())


# -- player edits ----------------------------------------------------------------------------------
def test_pin_and_unpin():
    m = summarize_text(STORY)
    m.pin("the bridge is out")
    m.pin("Olek owes Brann money")
    assert m.pinned == ["the bridge is out", "Olek owes Brann money"]
    assert m.render().startswith("pinned: the bridge is out; Olek owes Brann money")
    assert m.unpin(0) == "the bridge is out"
    assert m.pinned == ["Olek owes Brann money"]
    with pytest.raises(IndexError):
        m.unpin(5)
    with pytest.raises(IndexError):
        m.unpin(-1)
    assert m.summary_json()["pinned"] == ["Olek owes Brann money"]


def test_set_status_and_holder():
    m = summarize_text(STORY)
    m.set_status("Olek", "imprisoned")
    assert char(m, "Olek")["status"] == "imprisoned"
    assert "Olek" in m.render(budget=500)
    with pytest.raises(ValueError):
        m.set_status("Olek", "sleeping")
    with pytest.raises(KeyError):
        m.set_status("Nobody", "dead")
    m.set_holder("lantern", "Olek")
    assert m.object_holder("lantern") == "Olek"
    m.set_holder("golden harp", "you")
    assert m.object_holder("golden harp") == "you"
    assert set(MEMORY_STATUSES) == {"alive", "dead", "transformed", "imprisoned", "banished", "missing", "departed"}


def test_forget_removes_until_mentioned_again():
    m = summarize_text(STORY)
    assert char(m, "Olek")
    m.forget("character", "Olek")
    assert all(c["name"] != "Olek" for c in m.summary_json()["characters"])
    m.read("The river was wide and cold. Maren walked on.")  # no mention: stays forgotten
    assert all(c["name"] != "Olek" for c in m.summary_json()["characters"])
    assert "Olek" not in m.render(budget=1000)
    m.read("Then Olek came running along the bank.")  # mentioned again later: back
    assert char(m, "Olek")["status"] == "alive"

    m.forget("object", "lantern")
    assert m.object_holder("lantern") is None
    threads = m.summary_json()["threads"]
    assert threads
    m.forget("thread", threads[0])
    assert threads[0] not in m.summary_json()["threads"]
    ev = m.summary_json()["events"][-1]
    m.forget("event", ev)
    assert ev not in m.summary_json()["events"][-1:]
    place = m.summary_json()["places"][0]
    m.forget("place", place)
    assert place not in m.summary_json()["places"]
    with pytest.raises(ValueError):
        m.forget("planet", "Mars")
    with pytest.raises(KeyError):
        m.forget("character", "Nobody")


def test_summary_json_shape_and_known_names():
    m = summarize_text(STORY)
    s = m.summary_json()
    assert set(s) >= {"characters", "places", "current_place", "objects", "threads", "events", "hero", "pinned"}
    for c in s["characters"]:
        assert set(c) >= {"name", "aliases", "status"} and c["status"] in MEMORY_STATUSES
    for o in s["objects"]:
        assert set(o) >= {"name", "holder"}
    json.dumps(s)
    names = m.known_names()
    assert "Olek" in names and "lantern" in names


# -- robustness ------------------------------------------------------------------------------------
_ALPHABET = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,;:!?'\"\n>-()")
                            + ["the ", "The ", " was ", " killed ", " died", " took ", " gave ", " to ", "You are in ",
                               "> take ", "Taken.", " named ", "\n\n", " turned into a frog", "Hans", "Mr. ",
                               "You are carrying:\n  A lamp\n", " the old ferryman, ", "'", "\u201c", "\u2019"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunks=st.lists(st.text(max_size=200) | st.lists(_ALPHABET, max_size=60).map("".join), max_size=6),
       budget=st.integers(min_value=0, max_value=120),
       commands=st.lists(st.text(max_size=30), max_size=3))
def test_arbitrary_text_never_crashes_and_render_fits(chunks, budget, commands):
    m = Memory(MemoryConfig(budget_tokens=budget))
    for i, ch in enumerate(chunks):
        m.read(ch)
        if i < len(commands):
            m.read_command(commands[i])
    text = m.render()
    assert len(text.split()) * 1.3 <= budget + 1e-9
    assert (len(m.render(len, budget))) <= budget
    d = m.to_dict()
    assert Memory.from_dict(json.loads(json.dumps(d))).to_dict() == d


# -- accuracy scorer -------------------------------------------------------------------------------
def test_score_summarizer_on_annotated_stories():
    from storyteller.memory_accuracy import score_summarizer

    files = sorted(ANNOTATED.glob("*.json"))
    assert len(files) >= 8
    result = score_summarizer(files)
    assert result["files"] == len(files)
    for split in ("overall", "development", "heldout"):
        for part in ("characters", "status_changes", "objects"):
            r = result[split][part]
            assert 0.0 <= r["precision"] <= 1.0 and 0.0 <= r["recall"] <= 1.0
    assert len(result["heldout_files"]) >= 3


# -- precision fixes: idioms, negation, junk names, second person, objects ---------------------------
@pytest.mark.parametrize("text", [
    "Hans was not dead.",
    "Hans was dead tired after the long road.",
    "Hans was dead asleep by the fire.",
    "In the dead of night Hans crept out of the house.",
    "There was a dead silence, and Hans listened.",
    "Hans was frightened half to death.",
    "Neither death nor old age awaits Hans.",
    "\"If you go, you will die,\" said the cat to Hans.",
    "\"I will kill you,\" the giant told Hans.",
    "If the giant caught him, Hans would be killed.",
    "Hans lay down as if he were dead.",
])
def test_idioms_negation_and_threats_do_not_kill(text):
    m = summarize_text("A tailor named Hans lived in the town with his cat. " + text)
    assert char(m, "Hans")["status"] == "alive", text


def test_connla_is_not_killed_by_an_abstract_death_and_sails_away():
    m = summarize_text(
        "Connla of the Fiery Hair was son of Conn of the Hundred Fights. One day as Connla stood by the side of his "
        "father, he saw a maiden coming towards him. Then the maiden answered, \"Connla speaks to a young, fair "
        "maid, whom neither death nor old age awaits.\" Conn the king spoke to the Druid. Connla and the maiden "
        "went away on the sea, and were no more seen.")
    assert char(m, "Connla")["status"] in ("alive", "departed")
    assert char(m, "the maiden")["status"] == "departed"


@pytest.mark.parametrize("junk, text", [
    ("Law", "When the Law will come, it will do away with the magic of the druids."),
    ("Druid", "Hans spoke to the Druid. The Druid's spell was strong."),
    ("Work", "Work was hard for Hans. Work was hard for Greta too."),
    ("Adventure", "Adventure called to Hans. Adventure called to Greta."),
    ("Fate", "Fate was cruel to Hans. Fate smiled on Greta."),
    ("Indian", "Hans met an Indian on the road. The Indian said nothing."),
    ("Heron", "Hans had a boat that was called the Heron."),
    ("Dunmere", "Greta was a nun of the abbey at Dunmere."),
])
def test_capitalised_common_nouns_are_not_characters(junk, text):
    m = summarize_text("A tailor named Hans lived in the town with his sister Greta. " + text)
    names = {n.lower() for c in m.summary_json()["characters"] for n in [c["name"], *c["aliases"]]}
    assert junk.lower() not in names, names


def test_capitalised_name_after_the_that_comes_back_is_a_character():
    m = summarize_text("Alice met the Gryphon on the shore. The Gryphon sat up and rubbed its eyes. "
                       "Then the Gryphon sang a song.")
    assert char(m, "Gryphon")["status"] == "alive"


def test_second_person_opening_hero_and_carrying():
    m = summarize_text(
        "You wake in a small cabin. On the table lies a letter from your brother: he has gone up to the old "
        "mine and has not come back. You take your coat and the brass lamp from the hook and step outside.")
    assert m.hero == "you"
    held = {o["name"]: o["holder"] for o in m.summary_json()["objects"]}
    assert held.get("coat") == "you" and held.get("brass lamp") == "you", held
    assert "carrying:" in m.render() and "brass lamp" in m.render()


def test_unintroduced_the_old_man_is_the_recent_named_man():
    m = summarize_text(
        "Maren walked to the river. At the river she met Brann, the old ferryman. Maren gave a coin to Brann, "
        "and he rowed her across. Maren thanked him and climbed the bank. That night a grey wolf came out of "
        "the reeds. It leapt at the boat where Brann was tying the rope, and the old man fell into the water "
        "and drowned. Maren wept.")
    assert char(m, "Brann")["status"] == "dead"
    assert all(c["name"] != "the man" for c in m.summary_json()["characters"])


def test_role_joined_to_name_through_description():
    m = summarize_text("I rode beside the cook, a cheerful giant of a man named Pell. The king's counsellor was a "
                       "sorcerer called Mordrec. The next spring the cook died.")
    assert char(m, "the cook")["name"] == "Pell" and char(m, "Pell")["status"] == "dead"
    assert char(m, "the counsellor")["name"] == "Mordrec"
    assert all(c["name"] != "the giant" for c in m.summary_json()["characters"])


@pytest.mark.parametrize("text, obj, holder", [
    ("The king took the ring. The king put the ring on Elsa's finger.", "ring", "Elsa"),
    ("The knight took the gold chain and hung the chain around the old king's neck.", "chain", "the king"),
    ("Tam was given a new coat by the king.", "coat", "Tam"),
    ("Elsa found a journal. Elsa put the journal inside her coat.", "journal", "Elsa"),
    ("Elsa took the old book. Elsa handed the book up to Tam.", "book", "Tam"),
    ("Elsa took the silver penny and gave the silver penny to her granddaughter Nessa.", "penny", "Nessa"),
])
def test_object_holders_from_placing_on_someone_and_passive_giving(text, obj, holder):
    m = summarize_text("Elsa lived at the mill with a kitchen boy named Tam and the king nearby. " + text)
    held = {o["name"].split()[-1]: o["holder"] for o in m.summary_json()["objects"]}
    assert held.get(obj) == holder, held


def test_score_summarizer_reports_matched_status_accuracy_and_groups():
    from storyteller.memory_accuracy import score_summarizer

    result = score_summarizer(sorted(ANNOTATED.glob("*.json")))
    for split in ("overall", "development", "heldout"):
        strict, matched = result[split]["characters"], result[split]["characters_matched"]
        assert matched["predictions"] <= strict["predictions"]
        assert matched["recall"] == strict["recall"]
        assert matched["precision"] >= strict["precision"]
    assert {"development", "heldout-1", "heldout-2"} <= set(result["groups"])


# -- third round: general rules (arrests, eating, coordinated passives, hearsay, clause subjects, "it") -----
@pytest.mark.parametrize("text, name, status", [
    ("A thief named Aldo robbed the inn. The sheriff's men came and dragged him off to the gaol.", "Aldo", "imprisoned"),
    ("A clockmaker named Holt stole the watch. Holt was arrested that afternoon.", "Holt", "imprisoned"),
    ("A smuggler named Oss lived by the sea. Oss had been taken by the excise men at Dunmarrow and hanged.", "Oss",
     "dead"),
    ("A mouse named Pip lived in the barn. The old cat caught Pip and ate him.", "Pip", "dead"),
    ("A prince named Alder was locked in a cell. At last the captain set Alder free.", "Alder", "alive"),
    ("Vardo locked Elin in the north tower. Days passed. Elin came down the stairs, and the people cheered.", "Elin",
     "alive"),
])
def test_third_round_status_rules(text, name, status):
    assert char(summarize_text(text), name)["status"] == status


def test_hearsay_and_superlative_descriptions_are_not_facts():
    m = summarize_text("Maud was the sergeant. Maud hunted a secretary named Brand. Maud looked everywhere. Maud "
                       "asked at the inn. Brand had vanished. As for Brand, some said he drowned at the ford, and "
                       "some said he took ship for France.")
    assert char(m, "Brand")["status"] == "missing"
    names = [c["name"] for c in m.summary_json()["characters"]]
    assert "France" not in names
    m = summarize_text("My master, Anselm Vey, was the finest clockmaker in Ostry and the worst-tempered man I have "
                       "ever known. I was his apprentice for six years.")
    names = {c["name"] for c in m.summary_json()["characters"]}
    assert not names & {"the man", "the clockmaker", "the apprentice"}


def test_object_pronoun_is_not_the_clause_subject_and_gender_is_learned():
    # "When Hob came back, the guards caught him": him = Hob (the subject is the guards)
    m = summarize_text("Hob was a kitchen boy. Vardo was the counsellor. When Hob came back, Vardo's guards caught "
                       "him at the gate and threw him into the dungeon.")
    assert char(m, "Hob")["status"] == "imprisoned"
    assert char(m, "Vardo")["status"] == "alive"
    # Ysolde is "she" once; "He was dead" is then Corrie
    m = summarize_text("The ship was led by a captain named Ysolde. She took a pistol from the desk. Ysolde fired, "
                       "and a bosun named Corrie fell back through the doorway. He was dead before he hit the deck.")
    assert char(m, "Corrie")["status"] == "dead"
    assert char(m, "Ysolde")["status"] == "alive"


@pytest.mark.parametrize("text, obj, holder", [
    ("A girl named Bet gave the purse to a tinker named Jory, and he gave her two silver coins.", "coin", "Bet"),
    ("Inside the box was a gold compass. The captain looked at it, then gave it to Tam.", "compass", "Tam"),
    ("A boy named Tam caught the mate at the mast and held the cutlass to his throat.", "cutlass", "Tam"),
    ("The carter brought the purse to Maud.", "purse", "Maud"),
    ("Morvane snatched the trowel and snapped it in two.", "trowel", "destroyed"),
    ("Quill dropped the ring. It fell into the mill pond and sank.", "ring", "lost"),
    ("My notebooks went to the Geographical Society.", "notebook", "geographical society"),
    ("I met an old woman. She traded me a basket of eggs for a tin of tea.", "tin", "the woman"),
    ("I met an old woman. She traded me a basket of eggs for a tin of tea.", "basket", "I"),
])
def test_third_round_object_rules(text, obj, holder):
    m = summarize_text(text)
    got = {o["name"].split()[-1].rstrip("s"): o["holder"] for o in m.summary_json()["objects"]}
    assert got.get(obj.rstrip("s"), "").lower() == holder.lower(), got


# -- fourth round: indirect transformations, pronoun chains, fronted objects, inventories ---------------
def test_where_x_stood_there_was_now_a_toad_is_a_transformation():
    m = summarize_text("The wizard Gorran came to the hut. There was a clap like thunder, and where the wizard had "
                       "stood there was now a toad. The toad hopped into the ditch.")
    assert char(m, "Gorran")["status"] == "transformed"
    assert [c["name"] for c in m.summary_json()["characters"]] == ["Gorran"]  # the toad is Gorran
    # and back: "where the frog sat, a young man now stands"
    m = summarize_text("A prince named Alder was turned into a frog. Where the frog sat, a young man now stands.")
    assert char(m, "Alder")["status"] == "alive"


def test_pronoun_chain_survives_one_sentence_without_people():
    m = summarize_text("A dealer offered me a silver crown. On the way home Brann rowed me over the river. "
                       "The music played as sweet as a lark. I thanked him and gave him the silver crown.")
    got = {o["name"]: o["holder"] for o in m.summary_json()["objects"]}
    assert got.get("silver crown") == "Brann", got


def test_noun_phrase_without_and_is_not_coordinated():
    # "the crown the dealer had pressed on me": the dealer is not a second thing given
    m = summarize_text("Brann rowed the boat. I gave Brann the silver crown the dealer had pressed on me.")
    got = {o["name"]: o["holder"] for o in m.summary_json()["objects"]}
    assert got == {"silver crown": "Brann"}, got
    m = summarize_text("Brann rowed the boat. I gave Brann a rope and a lantern.")
    got = {o["name"]: o["holder"] for o in m.summary_json()["objects"]}
    assert got == {"rope": "Brann", "lantern": "Brann"}, got


def test_inventory_coil_of_rope_is_the_rope():
    m = summarize_text("Road\nA coil of rope lies in the ditch.\n\n> take rope\n\nTaken.\n\n> inventory\n\n"
                       "You are carrying:\n  a coil of rope")
    got = {o["name"]: o["holder"] for o in m.summary_json()["objects"]}
    assert got.get("rope") == "you", got


# -- fifth round: general rules found on the development-4 stories -----------------------------------
@pytest.mark.parametrize("text, name, status", [
    ("Tom and a guide named Osk climbed the pass. Osk turned back up the mountain without a word. Tom never saw "
     "him again.", "Osk", "missing"),
    ("A king named Odo had a wicked wife named Mab. Odo had Mab thrown into the dungeon. Odo ruled for many years, "
     "and nobody ever saw Mab again.", "Mab", "missing"),
    ("Kaspar lived with a sorcerer named Malachor. Kaspar went home. Malachor was never seen in that country "
     "again.", "Malachor", "departed"),
    ("Leofric had a brother named Edwy. Edwy was put on a horse and banished across the sea.", "Edwy", "banished"),
    ("There was a duke named Leofric and a lady named Maud. Leofric trusted Maud. Leofric laughed. Leofric "
     "ruled. Maud fled the castle before the guards could seize her.",
     "Maud", "departed"),
    ("A captain named Rook hired a sailor named Pieter. Rook slept. Rook ate. At the change of the watch young "
     "Pieter was washed overboard.",
     "Pieter", "missing"),
    ("Ben found a bird named Pip. Ben put Pip in a box. Pip got better. Ben opened the lid. Pip flew up into the "
     "sky and away over the trees.", "Pip", "alive"),
    ("When Duke Ormond of Carrow died, his son Leofric was sad.", "Ormond", "dead"),
])
def test_fifth_round_status_rules(text, name, status):
    assert char(summarize_text(text), name)["status"] == status


def test_fifth_round_names_that_are_not_people():
    m = summarize_text("Will Archer sailed on the brig Kestrel. The captain, a man named Vane, had not smiled since "
                       "Michaelmas. Vane watched the revenue cutter Swift. A Dutchman named Pieter was slow but "
                       "willing. Pieter was found drunk, and Vane had him put in irons. Released Pieter.")
    names = {c["name"] for c in m.summary_json()["characters"]}
    assert not names & {"Michaelmas", "Swift", "Kestrel", "Dutchman", "Released Pieter"}, names
    assert char(m, "Pieter")["status"] == "alive"
    assert "Carrow" not in {c["name"] for c in summarize_text(
        "When Duke Ormond of Carrow died, his son Leofric wept.").summary_json()["characters"]}


def test_fifth_round_appositions_and_reordered_names():
    m = summarize_text("Mr. Hollis, my first mate, reports fair wind. The mate is ill. Hollis died in the night.")
    assert char(m, "the first mate")["name"] == char(m, "Hollis")["name"]
    assert char(m, "Hollis")["status"] == "dead"
    m = summarize_text("It was Jory Black, the boatswain, a brute whom the men called Black Jory. Black Jory "
                       "laughed. Jory was arrested. Will Archer watched. Will Archer wept. Will Archer slept.")
    jory = [c for c in m.summary_json()["characters"] if "jory" in c["name"].lower()]
    assert len(jory) == 1 and jory[0]["status"] == "imprisoned", jory


def test_possessive_noun_phrase_names_the_thing_not_the_owner():
    m = summarize_text("My uncle Tobias walked ahead. We built a cairn, and I left my uncle's walking stick "
                       "standing on the cairn.")
    got = {o["name"]: o["holder"] for o in m.summary_json()["objects"]}
    assert "walking stick" in got, got


def test_quoted_self_introduction_names_the_speaker():
    m = summarize_text("Ossuary\nA hunched old man in a grey robe is sweeping the floor. \"Visitors! How rare,\" he "
                       "wheezes. \"I am Aubert, keeper of these bones.\"\n\n> give chalice to aubert\n\nAubert's eyes "
                       "glitter. He tucks the chalice under his robe.")
    assert char(m, "Aubert")["name"] == char(m, "the man")["name"]


def test_role_before_possessive_name_is_an_alias():
    m = summarize_text("Kaspar had been the sorcerer Malachor's apprentice for seven years. Kaspar sighed. The "
                       "sorcerer laughed.")
    assert char(m, "the sorcerer")["name"] == "Malachor"


def test_possessor_of_a_person_role_is_not_salient():
    # "the tailor's wife": "him" later is the cat, not the tailor
    m = summarize_text("The tailor's wife sewed at the window. A cat named Grimalkin slept by the stove. He carried "
                       "the thimble down in his mouth and dropped it at the tailor's wife's feet. She cried with "
                       "joy and gave him a saucer of cream.")
    got = {o["name"].split()[-1]: o["holder"] for o in m.summary_json()["objects"]}
    assert got.get("thimble") in ("the tailor's wife", "the wife"), got
    assert got.get("saucer") == "Grimalkin", got


@pytest.mark.parametrize("text, obj, holder", [
    # fronted objects
    ("I had a brass key. A girl named Nell lived with me. The brass key I gave to Nell.", "key", "Nell"),
    ("The fox found a gold ring. A badger named Grumble came by. The ring he gave to the badger.", "ring",
     "Grumble"),
    ("A boy named Tam found a music box. Years later, the box itself he kept on his shelf.", "box", "Tam"),
    # later rounds: transcripts and possession phrases
    ("Goblin\nA goblin with a cleaver is crouching here.\n\n> attack goblin\n\nThe goblin collapses and dies. "
     "Its cleaver clatters to the floor.", "cleaver", "floor"),
    ("Treasury\nA gold crown rests on a shelf. Suddenly a lean figure in black slips out of the shadows, grabs the "
     "crown, and is gone.", "crown", "the figure"),
    ("A sailor named Pieter drowned. I have his sea chest in my cabin. I am the captain. I sleep.", "chest", "I"),
    ("The captain found a stowaway named Nell. Nell went ashore this morning with a letter from me.", "letter",
     "Nell"),
    ("Uncle Aldo waded in and came out with a lump of gold. The men brought Aldo up the next morning, alive but "
     "without the gold.", "gold", "lost"),
    ("The smugglers took the compass. The compass was never found.", "compass", "lost"),
    ("A sailor named Jory met Will in the passage. Will had a letter. Jory tore the letter from Will's fingers and stuffed it "
     "into his coat.", "letter", "Jory"),
    ("Tam had the letter. Tam delivered the letter to the purser that afternoon.", "letter", "the purser"),
    ("The queen snatched up her hazel wand, but Aldric struck it from her hand and it broke in two on the "
     "flagstones.", "wand", "destroyed"),
    ("I was young. I was cold. My uncle gave me his father's pocket watch. I put the watch in my inside pocket.",
     "watch", "I"),
    ("Grandma gave Ben a blue hat. The wind blew the hat off Ben's head! The hat flew into the pond. The hat sank.",
     "hat", "lost"),
    # seventh round
    ("A girl named Anna found a bell. One night she let the bell fall into the millpond.", "bell", "millpond"),
    ("A girl named Anna found a rope. The rope is now tied to the ring.", "rope", "ring"),
    ("A girl named Anna found a staff. The staff falls to the flagstones and breaks in two.", "staff", "destroyed"),
    ("A girl named Anna came in. Anna took the pewter jugs from the shelf and the clock from the wall.", "clock",
     "Anna"),
    ("Lucy found a kitten named Smoky. Smoky was gone. She could not find him. Then Jack came. Lucy hugged Smoky. "
     "Jack gave her the flashlight.", "flashlight", "Lucy"),
    ("A boy named Leo went to the pond. He played with an old sock. Leo kept the sock.", "sock", "Leo"),
])
def test_object_holder_by_head_noun(text, obj, holder):
    m = summarize_text(text)
    got = {o["name"].split()[-1]: o["holder"] for o in m.summary_json()["objects"]}
    assert got.get(obj) == holder, got


def test_he_was_dead_is_the_one_acted_on():
    m = summarize_text("My uncle Tobias and a guide named Osk crossed the pass with me. Tobias was gone. At last Osk "
                       "found him at the bottom of a gully. He was dead. Osk turned back.")
    assert char(m, "Tobias")["status"] == "dead"
    assert char(m, "Osk")["status"] == "alive"


def test_possessive_name_role_name_is_an_alias():
    m = summarize_text("One day, Tom's friend Lily came to play. Lily laughed. Tom laughed. \"You are a good friend,\" "
                       "she said.")
    assert char(m, "the friend")["name"] == "Lily"


# -- sixth round -----------------------------------------------------------------------------------------
def names(m):
    return {c["name"] for c in m.summary_json()["characters"]}


def test_animals_in_passing_are_not_reported():
    m = summarize_text("Mara walked into the yard. A goat was chewing on a rope. Mara took the bucket and went "
                       "home. Later a knight put her on his horse.")
    assert not any(n in names(m) for n in ("the goat", "the horse"))
    m = summarize_text("Mara walked into the yard. A goat was chewing on a rope. The goat bleated at Mara. "
                       "The goat butted the gate.")
    assert "the goat" in names(m)


def test_animal_present_when_someone_dies_is_reported():
    m = summarize_text("The counsellor Vardo was turned into a rat. The castle cat caught him and ate him.")
    assert "the cat" in {n for c in m.summary_json()["characters"] for n in [c["name"], *c["aliases"]]} or \
        any("cat" in n for n in names(m))


@pytest.mark.parametrize("text, who, status", [
    ("Teague was a smuggler. Teague was taken in chains to the gaol at Truro.", "Teague", "imprisoned"),
    ("Ewan met the sorceress. Ewan threw the sorceress into the lake, and she sank like a stone and never came up.",
     "the sorceress", "dead"),
    ("You stand by a gate. You wait. A pale ghost drifts before you. The ghost bows its head and fades away.", "the ghost", "missing"),
    ("Tom sat. Tom sat. Tom sat. Anselm waits here. Anselm runs up the stair. Anselm is gone.", "Anselm", "departed"),
    ("Tom sat. Tom sat. Tom sat. Tom and Kit fished. Kit sold his boat and went to sea on a merchant ship.", "Kit", "departed"),
    ("Tom sat. Tom sat. Tom sat. Tom and Ruth played. Ruth went back to Dublin in September.", "Ruth", "departed"),
    ("Tom sat. Tom sat. Tom sat. Ewan saw the hunter. Ewan drove the hunter off with an oar.", "the hunter", "departed"),
])
def test_sixth_round_statuses(text, who, status):
    m = summarize_text(text)
    assert char(m, who)["status"] == status


def test_speech_tag_pronoun_is_not_someone_named_in_the_quote():
    m = summarize_text("A girl knocked on his door. \"A sorceress changed me into an otter,\" she said. \"My name is "
                       "Oona.\"")
    assert "the sorceress" not in {n for c in m.summary_json()["characters"] if c["name"] == "Oona"
                                   for n in c["aliases"]}
    assert "the girl" in char(m, "Oona")["aliases"]


def test_titled_name_apposition_and_relative_clause_subject():
    m = summarize_text("Tom and Nell ran. Nell gave the map to the riding officer, Mr. Lusk, who thanked her and rode off with it to "
                       "Falmouth.")
    got = {o["name"]: o["holder"] for o in m.summary_json()["objects"]}
    assert got["map"] == "Lusk"
    assert "Falmouth" not in names(m)
    assert char(m, "Nell")["status"] == "alive"


def test_role_noun_before_a_vessel_is_not_a_person():
    m = summarize_text("Kit laughed. Kit went to sea on a merchant ship.")
    assert "the merchant" not in names(m)


def test_relatives_only_spoken_of_are_not_reported():
    m = summarize_text("Isobel watched Corvin. \"Your father is dying,\" Corvin said. Isobel wrote to her brother. "
                       "Isobel waited.")
    assert not {"the father", "the brother"} & names(m)
    m = summarize_text("Tom played with Lily. Lily's dad came to take her home. Tom waved.")
    assert "the dad" in {n for c in m.summary_json()["characters"] for n in [c["name"], *c["aliases"]]} or \
        any("dad" in n.lower() for n in names(m))


def test_the_dead_man_is_the_one_who_died():
    m = summarize_text("A lean man named Corvin served Lord Aldric. Lord Aldric died three days later. Corvin took "
                       "the great seal from the dead man's hand.")
    assert char(m, "Corvin")["status"] == "alive"
    assert char(m, "Aldric")["status"] == "dead"


def test_locked_himself_in_is_not_imprisonment_and_long_coordinated_banishment():
    m = summarize_text("Tomas and Corvin quarrelled. Corvin locked himself in the tower with the seal.")
    assert char(m, "Corvin")["status"] == "alive"
    m = summarize_text("Tomas and Corvin quarrelled. So Corvin was put on a horse with nothing but the clothes on his "
                       "back and banished from Varne forever.")
    assert char(m, "Corvin")["status"] == "banished"


def test_will_is_a_name_except_as_a_sentence_initial_verb():
    m = summarize_text("Will Archer had been aboard for three days. \"Boy,\" he said to Will, \"take this.\" "
                       "\"Will they follow us?\" Nell asked. Will delivered the letter.")
    assert char(m, "Will Archer")["mentions"] == 3
    assert "Will" not in {c["name"] for c in m.summary_json()["characters"]} - {"Will Archer"}


def test_hero_is_not_the_banished_villain_by_one_mention():
    m = summarize_text("Corvin stole from the treasury. Isobel saw Corvin. Isobel told Tomas. Corvin laughed. "
                       "Tomas and Isobel caught Corvin. Corvin was banished. Isobel smiled.")
    assert m.hero == "Isobel"


# -- seventh round: general status, name and place rules ---------------------------------------------------------
_ANNA = "There was a girl named Anna. Anna sang. Anna ran. Anna laughed. "


@pytest.mark.parametrize("text, name, status", [
    ("A smith named Orm dived into the pond. They pulled him out, and he was buried beside the church wall.", "Orm",
     "dead"),
    ("Anna met a wizard. The sword strikes the wizard in the chest. He crumbles into dust.", "the wizard", "dead"),
    ("Anna met Morwen. The king was so angry that he ordered Morwen out of the kingdom.", "Morwen", "banished"),
    ("Anna saw Morwen. The soldiers drove Morwen to the border, and she was never seen there again.", "Morwen",
     "banished"),
    ("The priest grew old and left the village to live with the monks.", "the priest", "departed"),
    ("The goblin drops its sack and flees through the archway.", "the goblin", "departed"),
    ("Anna had a dog called Bramble. In March Bramble went out into the snow and did not come back.", "Bramble",
     "missing"),
    ("Anna saw Finch. Anna put Finch in irons. Three nights later Finch broke his irons and went over the side. "
     "Whatever the truth, he was never seen again.", "Finch", "departed"),
    ("The king had a son, Prince Leopold. A witch had turned him into a raven. Anna threw the shirt over the raven, "
     "and in the bird's place stood a young man.", "Leopold", "alive"),
    ("\"My partner Tibbs went down the shaft a week ago and never came up,\" said the miner. Anna went down. "
     "\"I'm Tibbs,\" he gasps. Tibbs pulls his leg free. Tibbs climbs up after Anna.", "Tibbs", "alive"),
])
def test_seventh_round_status_rules(text, name, status):
    assert char(summarize_text(_ANNA + text), name)["status"] == status


def test_seventh_round_names_aliases_and_places():
    m = summarize_text(_ANNA + "Orm's apprentice was a sly youth called Ketil. Ketil wanted silver. He fired, and the "
                       "boatswain, an old Welshman named Hugh Price, fell dead. \"Mr. Finch,\" he said to the mate, "
                       "\"we sail.\" Finch laughed. In March our old dog Bramble went out into the snow.")
    assert char(m, "the apprentice")["name"] == "Ketil"
    assert char(m, "the boatswain")["name"] == "Hugh Price"
    assert char(m, "the mate")["name"] == "Finch"
    assert char(m, "the dog")["name"] == "Bramble"
    m = summarize_text(_ANNA + "Anna walked the six miles to Harrow Cross. \"He'll hang at Kingston,\" said Anna. "
                       "There was a smith in the village of Wennick. The men took him away, and Wennick never heard "
                       "of him again. Anna looked at Tom. Tom smiled.")
    names = {c["name"] for c in m.summary_json()["characters"]}
    assert not names & {"Harrow Cross", "Kingston", "Wennick"}, names
    assert "Tom" in names
    m = summarize_text("The winter my father died, the inn passed to my mother and me. Mother could not pay.")
    assert char(m, "the mother")["status"] == "alive"


NARRATOR = "I was there that year, and I saw it all. I remember it well, for I was young.\n\n"


@pytest.mark.parametrize("text, name, status", [
    ("Lady Wren grew old and frail. She passed away in her sleep on Midsummer Eve.", "Wren", "dead"),
    ("Captain Rourke drew his pistol. Before he could fire, the bosun shot him through the heart.", "Rourke", "dead"),
    ("The fox crept up to the hen house. The farmer's dog caught him and that was the end of the fox.", "the fox",
     "dead"),
    ("The old king was laid to rest in the abbey, with his sword upon his breast.", "the king", "dead"),
    ("The giant roared at Jack. Jack swung his axe and the giant toppled into the ravine.", "the giant", "dead"),
    ("Isobel Crane vanished on the night of the ball. In April the gardener found her body in the ice house.",
     "Isobel Crane", "dead"),
    ("My brother Owain left for Sheffield to work in the steel mills.", "Owain", "departed"),
    ("The peddler shouldered his pack and went on his way down the valley road.", "the peddler", "departed"),
    ("The ogre took the bread and lumbered off into the forest.", "the ogre", "departed"),
    ("The abbot set out for Rome in the spring and was not seen again in England.", "the abbot", "departed"),
    ("The guards dragged the thief down to the dungeon and bolted the door.", "the thief", "imprisoned"),
    ("The king banished the traitor Corvin from the realm for ever.", "Corvin", "banished"),
    ("The witch touched Prince Alder with her wand and he became a grey hare.", "Alder", "transformed"),
])
def test_eighth_round_status_rules(text, name, status):
    assert char(summarize_text(NARRATOR + text), name)["status"] == status


@pytest.mark.parametrize("text, name", [
    ("Tom fed the dog. Then Tom washed his body in the river, and Tom sang.", "Tom"),  # a living body
    ("The sailor left for the night and came back at dawn. The sailor sang.", "the sailor"),  # an errand
    ("The maid found her body in the garden. The maid wept.", "the maid"),  # the finder is not the dead
])
def test_eighth_round_rules_leave_the_living_alone(text, name):
    assert char(summarize_text(NARRATOR + text), name)["status"] == "alive"


def test_named_return_to_human_shape():
    m = summarize_text(NARRATOR + "The sorceress touched Oona with her beak, and Oona became an otter again. Ewan "
                       "wrapped his coat around it, and in the otter's place there stood Oona.")
    assert char(m, "Oona")["status"] == "alive"


@pytest.mark.parametrize("text, place", [
    ("Josiah Rowan was carried off in irons to Bodmin gaol. Josiah wept.", "Bodmin"),
    ("I took the telescope up Gallow Knap to watch the hawks.", "Gallow Knap"),
    ("That letter has every name between here and Truro in it, said Kit.", "Truro"),
    ("Corwin took Elsbet home to Harrowmere, where his father wept.", "Harrowmere"),
    ("At Martinmas he set the crown of Wendmark upon his own head.", "Wendmark"),
])
def test_places_named_like_people_are_places(text, place):
    names = {c["name"] for c in summarize_text(NARRATOR + text).summary_json()["characters"]}
    assert place not in names


def test_a_possessive_description_after_was_is_not_another_character():
    text = ("Mara lived by the sea. Mara was a fisher's daughter, and Mara loved the boats. "
            "One day Mara met the miller's wife on the shore.")
    names = [c["name"] for c in summarize_text(text).summary_json()["characters"]]
    assert "the daughter" not in names  # Mara herself
    assert "the wife" in names  # someone the story meets


@pytest.mark.parametrize("fact", [
    "The ferryman Brann once told me that the river remembers every boat that ever crossed it, and that on the "
    "night of the full moon the drowned sing under the water near the old mill by the ford where we met.",
    "Зоя живёт в долине со своей кошкой и старой собакой у реки",
])
def test_a_pinned_fact_is_never_left_out_of_the_block(fact, tiny_tokenizer):
    memory = summarize_text("Mara walked to the river. The old ferryman Brann rowed her across. The witch watched "
                            "from the tower, and Mara carried the silver key to the mill.")
    memory.pin(fact)
    block = memory.render(tiny_tokenizer.count, 24)
    assert tiny_tokenizer.count(block) <= 24
    assert block.startswith("pinned: " + fact.split()[0])  # kept first, cut to the words that fit if need be


def test_a_name_joined_to_a_known_person_is_a_person():
    text = "Mara lived by the sea. Mara loved the boats. Tom and Mara went fishing. Tom and Mara caught a fish."
    assert "Tom" in [c["name"] for c in summarize_text(text).summary_json()["characters"]]


def test_someone_mentioned_once_long_ago_is_kept_but_not_reported():
    opening = "Mara walked to the market. A man sold her a loaf of bread. "
    later = " ".join(f"Mara walked on past the {i} mill." for i in ("first", "second", "third", "fourth", "fifth",
                                                                   "sixth"))
    memory = summarize_text(opening + later)
    reported = [c["name"] for c in memory.summary_json()["characters"]]
    kept = [c["name"] for c in memory.summary_json(in_passing=True)["characters"]]
    assert "the man" not in reported and "the man" in kept
    assert "the man" in [c["name"] for c in summarize_text(opening).summary_json()["characters"]]  # just met
    again = summarize_text(opening + later + " The man waved to Mara.")
    assert "the man" in [c["name"] for c in again.summary_json()["characters"]]  # mentioned twice


@pytest.mark.parametrize("text, name, status, alias", [
    ("The wizard Morvan raised his staff. Morvan smiled.", "Morvan", "alive", "the wizard"),  # "The" opens it
    ("Lord Ashby drank the wine. Lord Ashby was found dead in the library.", "Ashby", "dead", None),
    ("Edric fought the troll Grimbold. Grimbold turned to stone when the sun rose.", "Grimbold", "transformed",
     "the troll"),
])
def test_common_turns_of_phrase(text, name, status, alias):
    people = {c["name"]: c for c in summarize_text(text).summary_json()["characters"]}
    assert people[name]["status"] == status
    if alias:
        assert alias in people[name]["aliases"] and alias not in people


def test_left_for_a_place_names_a_place():
    summary = summarize_text("Then Uncle Ray left for Chicago and never came back.").summary_json()
    assert "Chicago" in summary["places"]
    assert [c["name"] for c in summary["characters"]] == ["Ray"]


_MARA = "Mara lived by the sea. Mara mended nets. Mara sang to the gulls. "


def _fate(text: str, name: str) -> str | None:
    """The status the memory reports for `name` after reading `text` (None when it has no such character)."""
    return {c["name"]: c["status"] for c in summarize_text(text).summary_json(in_passing=True)["characters"]}.get(name)


def _holder(text: str, thing: str) -> str | None:
    return {o["name"]: o["holder"] for o in summarize_text(text).summary_json()["objects"]}.get(thing)


@pytest.mark.parametrize("text, name, status, alias", [
    (_MARA + "Her friend Violet came to stay. Violet left for London and did not come back. Mara wept.",
     "Violet", "departed", "the friend"),  # she went somewhere: not missing
    (_MARA + "Her uncle Tom lived with her. Tom went out into the snow and did not come back. Mara wept.",
     "Tom", "missing", "the uncle"),
    (_MARA + "Mara met Edmund at the inn. Edmund fled to the harbour and took ship. Mara slept.",
     "Edmund", "departed", None),
    (_MARA + "Mara met Fenn and Hob at the inn. Some said Fenn had killed him too.", "Fenn", "alive", None),
    (_MARA + "Mara met Hob at the inn. Then the guards seized Hob and locked him in the tower.", "Hob",
     "imprisoned", None),
    ("But Reynard the fox had watched her from the bracken. Reynard smiled. The fox laughed.", "Reynard", "alive",
     "the fox"),
    ("I spent the summer at the farm. Everyone called her Gran, though her name was Margaret Hale. Gran took a "
     "watch out of her apron. Gran died in the spring.", "Gran", "dead", "Margaret Hale"),
])
def test_more_turns_of_phrase(text, name, status, alias):
    people = {c["name"]: c for c in summarize_text(text).summary_json()["characters"]}
    assert "Mara" in people or not text.startswith(_MARA)  # a name that only ever opens sentences
    assert people[name]["status"] == status
    if alias:
        assert alias in people[name]["aliases"] and alias not in people


@pytest.mark.parametrize("sentence, name, status", [
    ("Her old dog Bracken did not survive the winter.", "Bracken", "dead"),
    ("The keeper's wife, Greta, lost her life in the great gale.", "Greta", "dead"),
    ("Her cousin Peter fell at the Battle of Aldmoor.", "Peter", "dead"),
    ("The giant Blunderbore came crashing down and broke his neck.", "Blunderbore", "dead"),
    ("The dragon swooped down upon the knight Kay and burned him to ash.", "Kay", "dead"),
    ("Her uncle Eli fished all his life. In the end the sea took him.", "Eli", "dead"),
    ("Ronan fought the bandit Skarn. At last Ronan drove his sword through Skarn's heart.", "Skarn", "dead"),
    ("The captain, Morrow, would not leave. He saluted and went down with his ship.", "Morrow", "dead"),
    ("Her cousin Beatrix went to live in the city with our aunt.", "Beatrix", "departed"),
    ("Her partner, Maud Pryor, had already escaped to France.", "Maud Pryor", "departed"),
    ("The forger Elliot Vance was found guilty and sent to prison.", "Elliot Vance", "imprisoned"),
    ("They drove the witch Morwen beyond the boundary stones.", "Morwen", "banished"),
    ("The duke exiled his son Lucan. Years later the duke pardoned Lucan.", "Lucan", "alive"),
    ("The old carp Gorm saw the acorn fall. Gorm swallowed it.", "Gorm", "alive"),  # "it" is the acorn
])
def test_ways_of_telling_a_fate(sentence, name, status):
    assert _fate(_MARA + sentence + " Mara wept.", name) == status
    assert _fate(_MARA + sentence + " Mara wept.", "France") is None


def test_a_named_thing_is_not_a_person():
    summary = summarize_text(_MARA + "Mara carried the sword Dawnbringer and wore the Iron Crown. The Iron Crown "
                             "shone.").summary_json()
    assert {c["name"] for c in summary["characters"]} == {"Mara"}


@pytest.mark.parametrize("text, thing, holder", [
    ("A silver comb lay on the path. Mara picked it up.", "silver comb", "Mara"),  # "lay" is not part of the name
    ("Mara found a brass bottle in her net. Mara threw it back into the sea.", "brass bottle", "lost"),  # not the net
])
def test_what_it_means(text, thing, holder):
    assert _holder(_MARA + text, thing) == holder


@pytest.mark.parametrize("sentence, fates", [
    ("Her brothers, Rolf and Gunnar, were turned to stone at the summit.", {"Rolf": "transformed",
                                                                           "Gunnar": "transformed"}),
    ("The keepers, Ducat, Marshall and McArthur, had disappeared.", {"Ducat": "missing", "Marshall": "missing",
                                                                     "McArthur": "missing"}),
    ("Mara met Tom and Anna was killed.", {"Tom": "alive", "Anna": "dead"}),  # Tom is not a second subject
    ("The knight Piers fell from his horse, dead.", {"Piers": "dead"}),
    ("The butler Simms poured the tea. By nightfall Simms was in a cell at the county gaol.", {"Simms": "imprisoned"}),
    ("The giant Ysbaddaden ruled the mountain. But Culhwch cut off the giant's head.", {"Ysbaddaden": "dead"}),
    ("Dr. Marlow drank the potion, and he had become a small brown bat.", {"Marlow": "transformed"}),
])
def test_fates_told_of_several_or_in_passing(sentence, fates):
    people = {c["name"]: c["status"] for c in summarize_text(_MARA + sentence + " Mara wept.").summary_json()["characters"]}
    assert {name: people.get(name) for name in fates} == fates


def test_a_title_with_or_without_its_full_stop_is_one_name(tmp_path):
    from storyteller.memory_accuracy import score_summarizer

    story = {"text": _MARA + "Mara met Mrs. Pike at the door. Mrs. Pike smiled.",
             "gold": {"hero": "Mara", "characters": [{"name": "Mara", "status": "alive"},
                                                     {"name": "Mrs. Pike", "status": "alive"}], "objects": []}}
    (tmp_path / "pike.json").write_text(json.dumps(story), encoding="utf-8")
    assert score_summarizer([tmp_path])["overall"]["characters"]["recall"] == 1.0


@pytest.mark.parametrize("text, thing, holder", [
    ("The goat found the map in Mara's pocket and ate it.", "map", "destroyed"),  # the goat did not eat itself
    ("Mara found an acorn made of pure gold and hid it in her apron.", "acorn", "Mara"),
    ("Mara took the signet ring from the box.", "signet ring", "Mara"),  # "ring" is not a verb in -ing
])
def test_things_and_their_pronouns(text, thing, holder):
    memory = summarize_text(_MARA + text)
    objects = {o["name"]: o["holder"] for o in memory.summary_json()["objects"]}
    assert objects.get(thing) == holder
    assert all(c["status"] == "alive" for c in memory.summary_json(in_passing=True)["characters"])


@pytest.mark.parametrize("text, holder", [
    ("Mara dropped the key. It bounced through the grate and disappeared into the darkness.", "missing"),
    ("Mara dropped the key into the lake. No one ever found it.", "lost"),
    ("Mara hid the key in a box. The next day it was gone.", "missing"),
])
def test_things_lost_from_sight(text, holder):
    assert _holder(_MARA + text, "key") == holder


def test_the_shape_someone_had_been_turned_into():
    memory = summarize_text(_MARA + "The king's steward, a thin man called Gorlan, stole the key. The witch raised her "
                            "staff, and out of his clothes hopped a black toad. The toad that had been the steward "
                            "croaked once and hopped away.")
    people = {c["name"]: c for c in memory.summary_json()["characters"]}
    assert people["Gorlan"]["status"] == "transformed" and "the toad" in people["Gorlan"]["aliases"]


def test_brought_out_of_the_dungeon():
    memory = summarize_text(_MARA + "The guards threw Osric into the dungeon. Years later Wulfric broke down the door "
                            "and brought out King Osric, thin but alive.")
    assert {c["name"]: c["status"] for c in memory.summary_json()["characters"]}["Osric"] == "alive"


@pytest.mark.parametrize("sentence, name, status", [
    ("Mara met the king, Odran. There the king fell with an axe in his side.", "Odran", "dead"),
    ("The bosun Teague went over the rail, and the grey water closed above him.", "Teague", "dead"),
    ("The mutineer Halloran Quist was put into the boat and cast adrift.", "Halloran Quist", "banished"),
    ("The cook Barty Swale woke with a sore head, behind bars in the brig.", "Barty Swale", "imprisoned"),
    ("The housekeeper Agatha Dunmore was taken to Holloway to await trial.", "Agatha Dunmore", "imprisoned"),
    ("Her uncle Rory smuggled brandy. He got three years in Mountjoy.", "Rory", "imprisoned"),
    ("Her sister Clodagh sailed for Boston the year after.", "Clodagh", "departed"),
    ("Her dog Biscuit trotted off into the snow and never came home.", "Biscuit", "missing"),
    ("Her dog Sailor, who had waited for Kit every evening, wandered off one night.", "Sailor", "departed"),
    ("Her cousin Jasper ran. Of Jasper, and of the tiepin, there was never any further word.", "Jasper", "missing"),
    ("Mara met the goblin Grisk. Where the goblin stood, a fat toad blinks up at her.", "Grisk", "transformed"),
    ("Mara kept a caterpillar called Fuzz. Fuzz had changed.", "Fuzz", "transformed"),
    ("Mara met the shieldmaiden Thora. At the tower gate Thora took a spear meant for her lord and breathed her "
     "last.", "Thora", "dead"),
])
def test_fates_in_literary_prose(sentence, name, status):
    assert _fate(_MARA + sentence + " Mara wept.", name) == status
    assert _fate(_MARA + sentence + " Mara wept.", "Kit") in (None, "alive")


def test_names_of_things_and_places_are_not_people():
    memory = summarize_text(_MARA + "The king's sword Gealach broke. She laid the blade of Gealach in the treasury of "
                            "Dunhal. Her father's boat, the Gull, went out. The Gull was found upturned. The monks of "
                            "Ebbasford wrote it down.")
    summary = memory.summary_json(in_passing=True)
    assert {c["name"] for c in summary["characters"]} <= {"Mara", "the king"}
    assert {"Dunhal", "Ebbasford"} <= set(summary["places"])
    again = Memory.from_dict(json.loads(json.dumps(memory.to_dict())))
    again.read("Gealach lay in the treasury.")
    assert "Gealach" not in {c["name"] for c in again.summary_json()["characters"]}  # remembered across a save


def test_two_titles_before_a_name():
    people = summarize_text(_MARA + "Detective Inspector Rosalind Mabry arrived at eight. Mabry looked at the body."
                            ).summary_json()["characters"]
    assert [c["name"] for c in people if c["name"] != "Mara"] == ["Rosalind Mabry"]


@pytest.mark.parametrize("story", ["zzc_salt_mine_transcript.json", "h3b_wren_and_the_weasel.json",
                                   "d9a_the_chronicle_of_the_ashen_crown.json"])
def test_a_saved_memory_reads_on_exactly_as_one_never_saved(story):
    # the pronoun, hearsay and named-thing state must travel with the save, or a loaded story drifts
    paragraphs = [p for p in json.loads((ANNOTATED / story).read_text())["text"].split("\n\n") if p.strip()]
    for cut in range(1, len(paragraphs)):
        kept = Memory()
        for p in paragraphs[:cut]:
            kept.read(p)
        loaded = Memory.from_dict(json.loads(json.dumps(kept.to_dict())))
        for p in paragraphs[cut:]:
            kept.read(p)
            loaded.read(p)
        assert loaded.to_dict() == kept.to_dict(), f"differs after a save at paragraph {cut}"


@pytest.mark.parametrize("text, name, alias", [
    ("Mam wept. For two days Mam — Ada Hale to the rest of the parish — stood at the window.", "Mam", "Ada Hale"),
    ("Her uncle Hrothmar, whom men called the Red Steward, was made regent. The Red Steward smiled.", "Hrothmar",
     "Red Steward"),
    ("Fenwick paid the witch of the wood. Mara knocked, and Dame Ashcoil the witch opened the door. The witch's eyes "
     "glittered.", "Ashcoil", "the witch"),
])
def test_two_names_for_one_person(text, name, alias):
    people = {c["name"]: c for c in summarize_text(_MARA + text).summary_json(in_passing=True)["characters"]}
    assert alias in people[name]["aliases"] and alias not in people


def test_a_narrator_the_gold_lists_is_the_memory_hero(tmp_path):
    from storyteller.memory_accuracy import score_summarizer

    story = {"text": "> look\nYou are in a cellar. A rat watches you.\n\n> take lamp\nTaken.\n\n> north\nYou climb "
                     "the stairs into the kitchen.",
             "gold": {"hero": "you", "characters": [{"name": "you", "status": "alive"}], "objects": []}}
    (tmp_path / "cellar.json").write_text(json.dumps(story), encoding="utf-8")
    assert score_summarizer([tmp_path])["overall"]["characters"]["recall"] == 1.0


_NESSA = "Nessa lived by the sea. Nessa mended nets. Nessa sang. Tom lived with Nessa. "


@pytest.mark.parametrize("text, thing, holder", [
    ("Tom took the bell. Tom flung it far into the river, where it sank.", "bell", "lost"),
    ("Nessa found a silver mirror. Nessa dashed the silver mirror to pieces on the stair.", "silver mirror",
     "destroyed"),
    ("Tom found the crown. The crown was set on Nessa's head.", "crown", "Nessa"),
    ("Tom had a chart. Nessa pulled the chart from under his hands.", "chart", "Nessa"),
    ("Tom had a spyglass. Nessa slid the spyglass into her boot.", "spyglass", "Nessa"),
    ("Tom found a brass key. By midnight the brass key was in Nessa's hand.", "brass key", "Nessa"),
    ("Nessa had a letter. Nessa held the letter to the candle until it curled into ash.", "letter", "destroyed"),
    ("Nessa took the key. The key grinds in the rusted lock and snaps in two.", "key", "destroyed"),
    ("Nessa took the key. The key turned in the lock.", "key", "Nessa"),
])
def test_how_things_change_hands(text, thing, holder):
    assert _holder(_NESSA + text, thing) == holder


@pytest.mark.parametrize("text, name, status, alias", [
    ("Grandpa Otto came to stay. Grandpa Otto told stories. In the evening Grandpa went home.", "Otto", "alive",
     None),  # in children's stories everyone goes home at dusk: not an exit from the story
    ("Her aunt Mina came. Mina put the jar in her bag and got on the train.", "Mina", "departed", None),
    ("Odran the Elder, King of the Hollow Marches, met the raiders at the ford. There the king fell with an axe in his "
     "side.", "Odran", "dead", "the king"),
])
def test_leaving_and_titles(text, name, status, alias):
    people = {c["name"]: c for c in summarize_text(_MARA + text).summary_json(in_passing=True)["characters"]}
    assert people[name]["status"] == status
    if alias:
        assert alias in people[name]["aliases"]


@pytest.mark.parametrize("sentence, name, status", [
    ("Her son Alfie nearly died of scarlet fever, but he pulled through.", "Alfie", "alive"),
    ("Mara met the soldier Lykos. In an instant Lykos was stone.", "Lykos", "transformed"),
    ("The gods bound the trickster Loki with chains in a cave.", "Loki", "imprisoned"),
    ("Years later Mara came back to the village to bury her sister Odile.", "Odile", "dead"),
    ("Mara wanted to kill her brother Tom. Tom laughed.", "Tom", "alive"),
])
def test_near_misses_and_implied_fates(sentence, name, status):
    assert _fate(_MARA + sentence, name) == status


def test_out_of_the_wolfs_belly():
    people = {c["name"]: c["status"] for c in summarize_text(
        _MARA + "The wolf swallowed Grandmother whole. The huntsman cut open the wolf's belly, and out stepped "
        "Grandmother, alive and well.").summary_json(in_passing=True)["characters"]}
    assert people["the grandmother"] == "alive"


@pytest.mark.parametrize("sentence, name, status", [
    ("The first mate, Jory Fenn, fought. Nib found the keys in Jory's coat before they gave him to the sea.",
     "Jory Fenn", "dead"),
    ("There the smith Orm got his death-wound and went to sit with his fathers.", "Orm", "dead"),
    ("The pirate Silas laughed. They put Silas ashore on Gannet Key with a cask of water and no boat.", "Silas",
     "banished"),
    ('The mate Dunstan ran. "Put him ashore," said the captain.', "Dunstan", "alive"),  # an order, not yet done
])
def test_sea_and_saga_fates(sentence, name, status):
    assert _fate(_MARA + sentence, name) == status


def test_a_sheriff_by_title():
    people = summarize_text(_MARA + "Mara met the sheriff. Sheriff Hollis Brand chewed his mustache. The sheriff "
                            "smiled.").summary_json(in_passing=True)["characters"]
    assert [(c["name"], "the sheriff" in c["aliases"]) for c in people if c["name"] != "Mara"] == [("Hollis Brand", True)]


@pytest.mark.parametrize("sentence, name, status", [
    ("Her grandmother Ilse grew frail. Ilse did not wake one morning in the new year.", "Ilse", "dead"),
    ("Her brother Tom did not wake when the cock crowed, so Mara shook him.", "Tom", "alive"),
    ("Her friend Lucy could hardly believe how quickly the time had passed.", "Lucy", "alive"),
    ("The wizard Weatherbeard changed himself into a hare.", "Weatherbeard", "transformed"),
    ("Thereupon the miller Hob walked home. Thereupon the miller Hob laughed.", "Thereupon", None),
    ("That winter old Father Lume went to his rest, and we buried him under the yew.", "Lume", "dead"),
    ("The troll Gorrum roared. Where the troll sat there is now a hunched grey boulder, the lamp in one stone fist.",
     "Gorrum", "transformed"),
    ("The hermit Ambrel took up his staff and walked north across the bridge and out of sight.", "Ambrel",
     "departed"),
])
def test_quiet_ways_of_ending(sentence, name, status):
    assert _fate(_MARA + sentence, name) == status


@pytest.mark.parametrize("sentence, name, status", [
    ("The steward Harlow gave his master the last of his rations. One was Harlow, who had given his master the last "
     "of his own rations and then died.", "Harlow", "dead"),
    ("Ngazi the Lion, chief of all the animals, kept a drum. Ngazi tried to swim the river, and the crocodile Mbaku "
     "dragged him under.", "Ngazi", "dead"),
    ("The master, Sir Aubrey, ran after them. Sir Aubrey went through the ice and did not come up.", "Aubrey", "dead"),
    ("The butler Gaunt confessed. Constable Trask led Gaunt away in irons.", "Gaunt", "imprisoned"),
])
def test_fates_in_a_relative_clause_or_a_river(sentence, name, status):
    assert _fate(_MARA + sentence, name) == status
    assert _fate(_MARA + sentence, "the master") in (None, "alive")


def test_a_crowd_is_not_a_character_and_a_name_starts_at_its_title():
    summary = summarize_text(_MARA + "The men rowed out at dawn. The men sang. At Michaelmas King Osbert died in his "
                             "bed.").summary_json()
    names = {c["name"]: c["status"] for c in summary["characters"]}
    assert "the men" not in names and names.get("Osbert") == "dead"


@pytest.mark.parametrize("sentence, name, status", [
    ("The sorcerer Kasyan sat up, howled once, and crumbled into grey dust on his own bed.", "Kasyan", "dead"),
    ("The forger Teodor fell, and by the time anyone knelt beside him he was already cold.", "Teodor", "dead"),
    ("Her brother Tom was cold and hungry. Tom ate bread.", "Tom", "alive"),
    ("The men haul the smuggler Dace out of the cellar and march him off in irons.", "Dace", "imprisoned"),
    ("The steward Hamo was seen no more in human shape.", "Hamo", "departed"),
    ("Her friend Ines shook Mara's hand and boarded the mail packet for the northern mines.", "Ines", "departed"),
])
def test_fates_in_folk_tales_and_heists(sentence, name, status):
    assert _fate(_MARA + sentence, name) == status


@pytest.mark.parametrize("text, thing, holder", [
    ("Mara gave the dog a sausage soaked in honey.", "sausage", "the dog"),
    ("Mara took his own silver hunting horn from the wall.", "hunting horn", "Mara"),  # not "own silver"
])
def test_where_a_things_name_ends(text, thing, holder):
    assert _holder(_MARA + text, thing) == holder


@pytest.mark.parametrize("sentence, name, status", [
    ("The witch Hask stiffened, and in a moment she was nothing but a crooked stone by the roadside.", "Hask",
     "transformed"),
    ("Her dog Biscuit barked. In August Biscuit slipped his collar chasing a hare across the field and never came "
     "home.", "Biscuit", "missing"),
    ("The butler Crane confessed. Pim put the cuffs on him, and a constable drove him away to the cells.", "Crane",
     "imprisoned"),
    ("The counselor Velmaine fell forward onto his hands, and rose a grey wolf, and ran howling into the north.",
     "Velmaine", "transformed"),
    ("The guards held the prince Aureth in the tower. By night she climbed the wall and brought Aureth out.",
     "Aureth", "alive"),
])
def test_fates_in_chronicles_and_whodunits(sentence, name, status):
    assert _fate(_MARA + sentence, name) == status


@pytest.mark.parametrize("text, thing, holder", [
    ("Tom found a key. Tom turned the key himself and hung it on his own belt.", "key", "Tom"),
    ("Tom gave his sword into Nessa's hand, and she afterward bestowed it upon her son Wulfric.", "sword", "Wulfric"),
    ("Nessa gave her ring to Tom.", "ring", "Tom"),  # "her" is the ring's owner here, not a recipient
])
def test_wearing_and_bestowing(text, thing, holder):
    assert _holder(_NESSA + text, thing) == holder


def test_a_name_that_opens_sentences_is_a_person_after_an_irregular_past():
    memory = Memory()
    memory.read(_MARA + "Aput came to see Mara. Aput drove his sledge home across the ice.")
    assert "Aput" in {c["name"] for c in memory.summary_json()["characters"]}


@pytest.mark.parametrize("text, thing, holder", [
    # an adjective before the place is part of it, not where its name stops
    (_NESSA + "Tom found a pearl in the reeds. Tom placed the pearl on the high altar.", "pearl", "high altar"),
    # a possessor as the determiner: the place itself, or the one who wears the container
    (_NESSA + "Nessa found a pink shell. Nessa laid the pink shell on Bubbles' grave.", "pink shell", "grave"),
    (_NESSA + "Tom mended the boat. Nessa had a ring. Nessa put the ring into Tom's pocket.", "ring", "Tom"),
    # over the side and into the water: where it went is the water
    (_NESSA + "Nessa had a brass compass. Nessa dropped the brass compass over the side into the grey water.",
     "brass compass", "lost"),
    (_NESSA + "Nessa had a brass compass. Nessa dropped the brass compass over the side of the boat.",
     "brass compass", "side"),
    # a sword in its scabbard is still worn; an adverb after the place is not part of it
    (_NESSA + "Tom mended the boat. Tom had a broken sword. Tom slid the broken sword into his scabbard anyway.",
     "broken sword", "Tom"),
    (_NESSA + "Nessa had a key. Nessa hid the key under the mat again.", "key", "mat"),
])
def test_where_a_thing_was_put(text, thing, holder):
    assert _holder(text, thing) == holder
