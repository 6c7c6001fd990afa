"""Byte-level BPE tokenizer (Hugging Face `tokenizers`) with the special tokens of the game's turn structure.

A turn as the model sees it:

    ...recent story...<|mem|>hero: you. place: the forest ...<|/mem|><|cmd|>open the door<|/cmd|> The door creaks ...<|eot|>

The memory block sits right before the command because an LSTM uses its last couple of hundred tokens best.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers, trainers

PAD = "<|pad|>"
DOC = "<|doc|>"      # start of a document
MEM = "<|mem|>"
END_MEM = "<|/mem|>"
CMD = "<|cmd|>"
END_CMD = "<|/cmd|>"
EOT = "<|eot|>"      # end of the narrator's turn
SPECIAL_TOKENS = [PAD, DOC, MEM, END_MEM, CMD, END_CMD, EOT]


_SPECIAL_TOKEN_TEXT = re.compile(r"<\|/?[a-z]+\|>")


def plain_text(text: str) -> str:
    """Text without the control-token strings: "<|eot|>" typed in a command (or "<|/mem|>" in a pinned fact)
    would otherwise be encoded as the real token and end the turn or close the memory block early."""
    return _SPECIAL_TOKEN_TEXT.sub("", text) if "<|" in text else text


class Tokenizer:
    """A thin wrapper that knows the special tokens and decodes token streams incrementally."""

    def __init__(self, hf: HFTokenizer) -> None:
        self.hf = hf
        missing = [t for t in SPECIAL_TOKENS if hf.token_to_id(t) is None]
        if missing:
            raise ValueError(f"tokenizer lacks special tokens: {', '.join(missing)}")
        self.pad_id = hf.token_to_id(PAD)
        self.doc_id = hf.token_to_id(DOC)
        self.mem_id = hf.token_to_id(MEM)
        self.end_mem_id = hf.token_to_id(END_MEM)
        self.cmd_id = hf.token_to_id(CMD)
        self.end_cmd_id = hf.token_to_id(END_CMD)
        self.eot_id = hf.token_to_id(EOT)
        self.special_ids = frozenset(hf.token_to_id(t) for t in SPECIAL_TOKENS)

    # -- construction -------------------------------------------------------------------------------
    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int = 8192, min_frequency: int = 2) -> "Tokenizer":
        hf = HFTokenizer(models.BPE())
        hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        hf.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            min_frequency=min_frequency,
            special_tokens=SPECIAL_TOKENS,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        hf.train_from_iterator(texts, trainer=trainer)
        return cls(hf)

    @classmethod
    def load(cls, path: str | Path) -> "Tokenizer":
        return cls(HFTokenizer.from_file(str(path)))

    @classmethod
    def from_str(cls, text: str) -> "Tokenizer":
        return cls(HFTokenizer.from_str(text))

    def save(self, path: str | Path) -> None:
        self.hf.save(str(path))

    def to_str(self) -> str:
        return self.hf.to_str()

    # -- use ----------------------------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return self.hf.get_vocab_size()

    def encode(self, text: str) -> list[int]:
        """Encode text; special-token strings inside it are recognised as special tokens."""
        return self.hf.encode(text, add_special_tokens=False).ids

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.hf.encode_batch(texts, add_special_tokens=False)]

    def decode(self, ids: Iterable[int], skip_special: bool = True) -> str:
        return self.hf.decode(list(ids), skip_special_tokens=skip_special)

    @functools.cached_property
    def pieces(self) -> list[str]:
        """Every token decoded on its own (special tokens as ""), once: for masks built from token text."""
        return [self.hf.decode([i]) for i in range(self.vocab_size)]

    @functools.cached_property
    def token_bytes(self) -> list[bytes]:
        """Every token's raw bytes (special tokens as b""). A byte-level token may hold part of a character: "’" is
        three tokens, one byte each."""
        decode = {c: b for b, c in _bytes_to_unicode().items()}
        out = []
        for i in range(self.vocab_size):
            piece = self.hf.id_to_token(i)
            out.append(b"" if i in self.special_ids or piece is None else bytes(decode.get(c, 0x3F) for c in piece))
        return out

    def count(self, text: str) -> int:
        return len(self.encode(text))

    def stream(self) -> "DecodeStream":
        return DecodeStream(self)


def _bytes_to_unicode() -> dict[int, str]:
    """The byte-level alphabet (GPT-2's): each byte as the printable character its tokens are spelled with."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("\u00a1"), ord("\u00ac") + 1),
                 *range(ord("\u00ae"), ord("\u00ff") + 1)]
    chars = list(printable)
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(printable, chars)}


def utf8_pending(data: bytes, pending: int = 0) -> int:
    """How many continuation bytes the text still owes after `data`, given that it owed `pending` before."""
    for b in data:
        if pending and 0x80 <= b <= 0xBF:
            pending -= 1
        else:
            pending = 1 if 0xC0 <= b <= 0xDF else 2 if 0xE0 <= b <= 0xEF else 3 if 0xF0 <= b <= 0xF7 else 0
    return pending


class DecodeStream:
    """Turns a stream of token ids into text pieces, holding back bytes of an unfinished UTF-8 character."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        self.ids: list[int] = []
        self.emitted = 0  # characters of the decoded text already handed out

    def push(self, token_id: int) -> str:
        if token_id in self.tokenizer.special_ids:
            return ""
        self.ids.append(token_id)
        text = self.tokenizer.decode(self.ids)
        if text.endswith("\ufffd"):  # an incomplete multi-byte character: wait for the rest
            return ""
        piece = text[self.emitted:]
        self.emitted = len(text)
        return piece
