import torch

from storyteller.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from storyteller.config import ModelConfig
from storyteller.model import LSTMLanguageModel, quantize_for_inference


def test_shapes_and_state():
    model = LSTMLanguageModel(ModelConfig(vocab_size=50, n_embd=16, n_hidden=24, n_layer=2, dropout=0.0))
    x = torch.randint(0, 50, (3, 7))
    logits, loss, (h, c) = model(x, targets=x)
    assert logits.shape == (3, 7, 50)
    assert h.shape == (2, 3, 24) and c.shape == (2, 3, 24)
    assert loss is not None and loss.ndim == 0


def test_tied_weights_share_storage():
    model = LSTMLanguageModel(ModelConfig(vocab_size=50, n_embd=16, n_hidden=16, tie_weights=True))
    assert model.head.weight.data_ptr() == model.embedding.weight.data_ptr()


def test_stateful_steps_equal_full_sequence():
    torch.manual_seed(0)
    model = LSTMLanguageModel(ModelConfig(vocab_size=40, n_embd=8, n_hidden=8, n_layer=2, dropout=0.0)).eval()
    x = torch.randint(0, 40, (1, 6))
    full, _, _ = model(x)
    state, outs = None, []
    for t in range(6):
        logits, state = model.step(x[:, t], state)
        outs.append(logits)
    assert torch.allclose(torch.stack(outs, 1), full, atol=1e-5)


def test_training_steps_lower_the_loss():
    torch.manual_seed(0)
    model = LSTMLanguageModel(ModelConfig(vocab_size=30, n_embd=16, n_hidden=32, n_layer=1, dropout=0.0))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    x = torch.tensor([[i % 7 for i in range(40)]])
    first = None
    for _ in range(100):
        _, loss, _ = model(x[:, :-1], targets=x[:, 1:])
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < first * 0.5


def test_loss_mask_ignores_masked_tokens():
    torch.manual_seed(0)
    model = LSTMLanguageModel(ModelConfig(vocab_size=30, n_embd=8, n_hidden=8, n_layer=1, dropout=0.0))
    x = torch.randint(0, 30, (1, 10))
    y = torch.randint(0, 30, (1, 10))
    mask = torch.zeros(1, 10)
    mask[0, :5] = 1
    y2 = y.clone()
    y2[0, 5:] = (y2[0, 5:] + 1) % 30  # changing masked targets must not change the loss
    _, a, _ = model(x, targets=y, loss_mask=mask)
    _, b, _ = model(x, targets=y2, loss_mask=mask)
    assert torch.allclose(a, b)


def test_quantized_model_agrees_roughly():
    torch.manual_seed(0)
    model = LSTMLanguageModel(ModelConfig(vocab_size=64, n_embd=32, n_hidden=32, n_layer=2, dropout=0.0)).eval()
    q = quantize_for_inference(model)
    x = torch.randint(0, 64, (1, 12))
    a = model(x)[0].softmax(-1)
    b = q(x)[0].softmax(-1)
    assert (a - b).abs().max() < 0.05


def test_checkpoint_round_trip(tmp_path, tiny_checkpoint):
    save_checkpoint(tmp_path / "ck", tiny_checkpoint.model, tiny_checkpoint.tokenizer, {"model_id": "x"})
    assert not list(tmp_path.glob("ck/*.pt")) and not list(tmp_path.glob("ck/*.bin"))
    loaded = load_checkpoint(tmp_path / "ck")
    assert loaded.model_id == "x"
    for (n1, p1), (n2, p2) in zip(tiny_checkpoint.model.state_dict().items(), loaded.model.state_dict().items()):
        assert n1 == n2 and torch.equal(p1, p2)


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    try:
        load_checkpoint(tmp_path / "nothing")
    except CheckpointError as e:
        assert "no model checkpoint" in str(e)
    else:
        raise AssertionError("expected CheckpointError")


def test_half_precision_export_loads_as_float32(tmp_path, tiny_checkpoint):
    from storyteller.checkpoint import export_checkpoint

    save_checkpoint(tmp_path / "full", tiny_checkpoint.model, tiny_checkpoint.tokenizer, {"model_id": "t"})
    export_checkpoint(tmp_path / "full", tmp_path / "half")
    half = load_checkpoint(tmp_path / "half")
    assert (tmp_path / "half/model.safetensors").stat().st_size < (tmp_path / "full/model.safetensors").stat().st_size * 0.6
    assert all(p.dtype == torch.float32 for p in half.model.parameters())
    x = torch.randint(0, tiny_checkpoint.model.config.vocab_size, (1, 10))
    a = tiny_checkpoint.model(x)[0].softmax(-1)
    b = half.model(x)[0].softmax(-1)
    assert (a - b).abs().max() < 1e-2
    assert half.meta["weights_dtype"] == "float16"
