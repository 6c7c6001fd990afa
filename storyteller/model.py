"""The LSTM language model: embedding -> stacked LSTM -> (projection) -> tied output layer.

Small on purpose: it must train on two CPU cores and narrate faster than a player reads.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from storyteller.config import ModelConfig

State = tuple[torch.Tensor, torch.Tensor]  # (h, c), each (n_layer, batch, n_hidden)


class LSTMLanguageModel(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.lstm = nn.LSTM(
            config.n_embd,
            config.n_hidden,
            num_layers=config.n_layer,
            batch_first=True,
            dropout=config.dropout if config.n_layer > 1 else 0.0,
        )
        # Tying needs the LSTM output in embedding space; a projection bridges different widths.
        self.proj = nn.Linear(config.n_hidden, config.n_embd, bias=False) if config.n_hidden != config.n_embd else None
        self.head = nn.Linear(config.n_embd, config.vocab_size, bias=True)
        if config.tie_weights:
            self.head.weight = self.embedding.weight
        self._init_weights()

    def _init_weights(self) -> None:
        nn.init.normal_(self.embedding.weight, std=0.05)
        nn.init.zeros_(self.head.bias)
        for name, p in self.lstm.named_parameters():
            if "bias" in name:
                nn.init.zeros_(p)
                # Forget-gate bias 1: the classic trick for remembering longer early in training.
                n = p.shape[0] // 4
                p.data[n : 2 * n] = 1.0

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(
        self,
        idx: torch.Tensor,
        state: State | None = None,
        targets: torch.Tensor | None = None,
        loss_mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None, State]:
        """idx (B, T) -> logits (B, T, V), mean loss over unmasked targets (or None), final state."""
        y, state = self.hidden(idx, state)
        logits = self.head(y)
        loss = None
        if targets is not None:
            losses = F.cross_entropy(logits.float().flatten(0, 1), targets.flatten(), reduction="none")
            if loss_mask is None:
                loss = losses.mean()
            else:
                mask = loss_mask.flatten().to(losses.dtype)
                loss = (losses * mask).sum() / mask.sum().clamp(min=1.0)
        return logits, loss, state

    def hidden(self, idx: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """The top-layer output in embedding space (B, T, n_embd): what the output layer and the cache pointer read."""
        x = self.drop(self.embedding(idx))
        y, state = self.lstm(x, state)
        y = self.drop(y)
        if self.proj is not None:
            y = self.proj(y)
        return y, state

    @torch.no_grad()
    def step(self, token: torch.Tensor, state: State | None) -> tuple[torch.Tensor, State]:
        """One decoding step: token (B,) -> logits (B, V) and the new state."""
        logits, _, state = self(token.view(-1, 1), state)
        return logits[:, -1, :], state


def quantize_for_inference(model: LSTMLanguageModel) -> nn.Module:
    """Dynamic int8 quantization of the LSTM and output layer: ~20x faster decoding on CPU.

    Falls back to the float model where the quantization engine is unavailable.
    """
    import warnings

    model = model.eval()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.ao.quantization.quantize_dynamic(model, {nn.LSTM, nn.Linear}, dtype=torch.qint8)
    except Exception:  # noqa: BLE001 - any backend failure means: run in float
        return model
