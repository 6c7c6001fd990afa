from storyteller.tokenizer import CMD, EOT, MEM, Tokenizer


def test_round_trip_plain_text(tiny_tokenizer):
    text = "Once upon a time there lived a king. \"Go!\" said he -- and Hans went.\n\n> take lamp\n\nTaken."
    assert tiny_tokenizer.decode(tiny_tokenizer.encode(text)) == text


def test_round_trip_unicode(tiny_tokenizer):
    text = "Café — naïve résumé 🐉"
    assert tiny_tokenizer.decode(tiny_tokenizer.encode(text)) == text


def test_special_tokens_are_single_ids(tiny_tokenizer):
    ids = tiny_tokenizer.encode(f"{MEM}hero: you{CMD}open{EOT}")
    assert tiny_tokenizer.mem_id in ids and tiny_tokenizer.cmd_id in ids and tiny_tokenizer.eot_id in ids
    assert tiny_tokenizer.decode(ids) == "hero: youopen"  # specials are skipped when shown to a player


def test_save_load(tmp_path, tiny_tokenizer):
    tiny_tokenizer.save(tmp_path / "t.json")
    again = Tokenizer.load(tmp_path / "t.json")
    assert again.encode("the witch") == tiny_tokenizer.encode("the witch")
    assert again.eot_id == tiny_tokenizer.eot_id


def test_decode_stream_matches_decode(tiny_tokenizer):
    text = "Hans took the golden key — and opened the door. Café!"
    stream = tiny_tokenizer.stream()
    pieces = [stream.push(i) for i in tiny_tokenizer.encode(text)]
    assert "".join(pieces) == text


def test_bpe_compresses(tiny_tokenizer):
    text = "Once upon a time there lived a king who had three sons."  # seen in training: merges apply
    assert len(tiny_tokenizer.encode(text)) < len(text) / 2
