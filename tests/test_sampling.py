import torch

from storyteller.config import SamplerConfig
from storyteller.sampling import apply_repetition_penalty, sample_token, top_k_mask, top_p_mask


def test_low_temperature_is_argmax():
    logits = torch.tensor([0.1, 2.0, 1.9, -1.0])
    cfg = SamplerConfig(temperature=0.0, repetition_penalty=1.0)
    g = torch.Generator().manual_seed(0)
    assert all(sample_token(logits, cfg, g) == 1 for _ in range(20))


def test_top_k_keeps_k():
    out = top_k_mask(torch.tensor([1.0, 5.0, 3.0, 4.0, 2.0]), 2)
    assert torch.isfinite(out).tolist() == [False, True, False, True, False]


def test_top_p_keeps_smallest_nucleus():
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    kept = torch.isfinite(top_p_mask(logits, 0.7)).tolist()
    assert kept == [True, True, False, False]
    assert torch.isfinite(top_p_mask(logits, 0.01)).tolist() == [True, False, False, False]


def test_sampling_respects_masks():
    logits = torch.tensor([0.0, 0.0, 10.0, 9.0, 0.0])
    cfg = SamplerConfig(temperature=1.5, top_k=2, top_p=1.0, repetition_penalty=1.0)
    g = torch.Generator().manual_seed(0)
    assert {sample_token(logits, cfg, g) for _ in range(200)} <= {2, 3}


def test_repetition_penalty_lowers_recent_tokens():
    logits = torch.tensor([2.0, -1.0, 2.0])
    out = apply_repetition_penalty(logits, [0, 1], 2.0)
    assert out.tolist() == [1.0, -2.0, 2.0]


def test_same_seed_same_samples():
    logits = torch.randn(100)
    cfg = SamplerConfig(temperature=1.0)
    a = [sample_token(logits, cfg, torch.Generator().manual_seed(5)) for _ in range(3)]
    b = [sample_token(logits, cfg, torch.Generator().manual_seed(5)) for _ in range(3)]
    assert a == b


def test_temperature_override_is_used():
    logits = torch.tensor([0.0, 3.0, 0.0])
    cfg = SamplerConfig(temperature=1.0, top_k=0, top_p=1.0, repetition_penalty=1.0)
    g = torch.Generator().manual_seed(0)
    assert all(sample_token(logits, cfg, g, temperature=0.0) == 1 for _ in range(20))


def test_sampling_follows_the_top_k_top_p_distribution():
    torch.manual_seed(0)
    logits = torch.randn(300) * 2
    config = SamplerConfig(temperature=0.7, top_k=20, top_p=0.8, repetition_penalty=1.0)
    expected = torch.softmax(top_p_mask(top_k_mask(logits / 0.7, 20), 0.8), -1)
    rng = torch.Generator().manual_seed(1)
    counts = torch.zeros(300)
    for _ in range(20_000):
        counts[sample_token(logits, config, rng)] += 1
    assert set(counts.nonzero().view(-1).tolist()) <= set(expected.nonzero().view(-1).tolist())
    assert torch.allclose(counts / counts.sum(), expected, atol=0.015)


def test_tidy_narration_drops_a_sentence_left_unfinished_by_a_cut():
    from storyteller.generator import tidy_narration

    text = 'They looked afraid and ran. The king was angry, but the king\n\n> go north'
    assert tidy_narration(text, "command") == "They looked afraid and ran."
    assert tidy_narration("The door opens. You see a", "budget") == "The door opens."
    assert tidy_narration("You see a lamp", "eot") == "You see a lamp"  # the model ended it: kept
    assert tidy_narration("The door opens. You see a", "cancelled") == "The door opens. You see a"  # shown already


def test_token_bytes_spell_every_token_and_utf8_pending_counts_what_a_character_owes(tiny_tokenizer):
    from storyteller.tokenizer import utf8_pending

    tok = tiny_tokenizer
    ids = tok.encode("Don\u2019t cry, Zo\u00eb")
    assert b"".join(tok.token_bytes[i] for i in ids).decode("utf-8") == "Don\u2019t cry, Zo\u00eb"
    assert all(tok.token_bytes[i] == b"" for i in tok.special_ids)
    assert utf8_pending(b"Don\xe2") == 2 and utf8_pending(b"\x80", 2) == 1 and utf8_pending(b"\x99t", 1) == 0
    assert utf8_pending(b"Zo\xc3") == 1 and utf8_pending(b"abc") == 0 and utf8_pending(b"\x80") == 0


def test_a_character_begun_is_finished_before_anything_else(tiny_checkpoint):
    """"Don" + the first byte of "’" + "The" decoded as "Don�The": after a lead byte only its continuation bytes
    may follow, and a continuation byte never comes without one."""
    from storyteller.config import SamplerConfig
    from storyteller.generator import Generator

    tok = tiny_checkpoint.tokenizer
    lead, the = tok.encode("\u2019")[0], tok.encode("The")[0]
    assert tok.token_bytes[lead] == b"\xe2"
    stray = tok.encode("\u2019")[1]

    def hook(produced, logits):  # the model's favourites: the lead byte once, then "The" or a stray byte
        logits = logits.clone()
        logits[lead if not produced else the] += 50.0
        logits[stray] += 49.0
        return logits

    settings = SamplerConfig(max_tokens=6, temperature=1.0, top_k=0, top_p=1.0, repetition_penalty=1.0)
    narration = Generator(tiny_checkpoint, quantize=False).narrate(
        tok.encode("Once"), settings, torch.Generator().manual_seed(0), logits_hook=hook)
    data = b"".join(tok.token_bytes[i] for i in narration.token_ids)
    assert data.startswith(b"\xe2") and all(0x80 <= b <= 0xBF for b in data[1:3])
    assert data[3:].startswith(b"The") and b"\x80" not in data[3:] and "\ufffd" not in narration.text
