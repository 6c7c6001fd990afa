"""The training set: documents -> token stream + turn points with their memory blocks, cached on disk.

Every training window ends in a turn, laid out exactly as the game loop lays out a turn at play time:

    [recent story ...][<|mem|> memory of the text before <|/mem|>][<|cmd|> command <|/cmd|>][narration][<|eot|>]

The memory is computed by the same `Memory` code the game uses, from the document text before the turn.
Loss covers the story and narration, never the memory or command tokens.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from storyteller.corpus import TAIL, Document, render_unit, stable_fraction, synthetic_command
from storyteller.memory import MEMORY_STATUSES, Memory, MemoryConfig
from storyteller.tokenizer import Tokenizer

# Turn-table columns.
DOC_START, CTX_END, NARR_START, NARR_END, CMD, MEM = range(6)
MAX_NARRATION = 96


@dataclass
class TurnData:
    """A tokenized corpus: one flat token stream, a table of turns, and ragged command/memory token lists."""

    stream: np.ndarray        # int32, all documents, each starting with <|doc|>
    turns: np.ndarray         # int64 (n, 6): doc_start, ctx_end, narr_start, narr_end, cmd index, mem index
    cmd_flat: np.ndarray
    cmd_offsets: np.ndarray
    mem_flat: np.ndarray
    mem_offsets: np.ndarray
    is_val: np.ndarray        # bool per turn
    characters: int           # characters of text in the stream (for bits per character)

    def ragged(self, which: str, i: int) -> np.ndarray:
        flat, off = (self.cmd_flat, self.cmd_offsets) if which == "cmd" else (self.mem_flat, self.mem_offsets)
        return flat[off[i] : off[i + 1]]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, stream=self.stream, turns=self.turns, cmd_flat=self.cmd_flat, cmd_offsets=self.cmd_offsets,
                 mem_flat=self.mem_flat, mem_offsets=self.mem_offsets, is_val=self.is_val,
                 characters=np.array([self.characters]))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "TurnData":
        z = np.load(path, allow_pickle=False)
        return cls(z["stream"], z["turns"], z["cmd_flat"], z["cmd_offsets"], z["mem_flat"], z["mem_offsets"],
                   z["is_val"], int(z["characters"][0]))


def _ragged(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(x) for x in lists])
    flat = np.fromiter((t for x in lists for t in x), dtype=np.int32, count=int(offsets[-1]))
    return flat, offsets


def validation_documents(docs: list[Document], val_fraction: float) -> set[str]:
    """Held-out documents for validation: file tails when the corpus was split that way, else a hash of the name
    (stable as the corpus grows)."""
    tails = {d.name for d in docs if d.name.endswith(TAIL)}
    return tails or {d.name for d in docs if stable_fraction("val:" + d.name) < val_fraction}


def build_turn_data(docs: list[Document], tokenizer: Tokenizer, memory_budget: int = 64,
                    val_fraction: float = 0.05) -> TurnData:
    """Tokenize documents and compute the memory at every turn point."""
    val_names = validation_documents(docs, val_fraction)
    stream: list[int] = []
    turns: list[tuple[int, int, int, int, int, int]] = []
    is_val: list[bool] = []
    cmd_texts: list[str] = []
    mem_texts: list[str] = []
    characters = 0
    for doc in docs:
        texts = [render_unit(u) + "\n\n" for u in doc.units]
        characters += sum(len(t) for t in texts)
        encoded = tokenizer.encode_batch(texts)
        doc_start = len(stream)
        stream.append(tokenizer.doc_id)
        starts = []
        for ids in encoded:
            starts.append(len(stream))
            stream.extend(ids)
        ends = starts[1:] + [len(stream)]
        memory = Memory(MemoryConfig(budget_tokens=memory_budget))
        i = 0
        units = doc.units
        while i < len(units):
            unit = units[i]
            if unit.kind == "command":
                j = i + 1
                while j < len(units) and units[j].kind == "response":
                    j += 1
                if j > i + 1:
                    narr_end = min(ends[j - 1], starts[i + 1] + MAX_NARRATION)
                    cmd_texts.append(unit.text)
                    mem_texts.append(memory.render(tokenizer.count, memory_budget))
                    turns.append((doc_start, starts[i], starts[i + 1], narr_end, len(cmd_texts) - 1, len(mem_texts) - 1))
                    is_val.append(doc.name in val_names)
                memory.read_command(unit.text)
                for k in range(i + 1, j):
                    memory.read(units[k].text)
                i = j
                continue
            if i > 0:
                command = synthetic_command(unit.text) if unit.kind == "prose" else None
                cmd_index = -1
                if command:
                    cmd_texts.append(command)
                    cmd_index = len(cmd_texts) - 1
                mem_texts.append(memory.render(tokenizer.count, memory_budget))
                turns.append((doc_start, starts[i], starts[i], min(ends[i], starts[i] + MAX_NARRATION),
                              cmd_index, len(mem_texts) - 1))
                is_val.append(doc.name in val_names)
            memory.read(unit.text)
            i += 1
    cmd_flat, cmd_offsets = _ragged(tokenizer.encode_batch(cmd_texts) if cmd_texts else [])
    mem_flat, mem_offsets = _ragged(tokenizer.encode_batch(mem_texts) if mem_texts else [])
    return TurnData(
        stream=np.array(stream, dtype=np.int32),
        turns=np.array(turns, dtype=np.int64).reshape(-1, 6),
        cmd_flat=cmd_flat, cmd_offsets=cmd_offsets, mem_flat=mem_flat, mem_offsets=mem_offsets,
        is_val=np.array(is_val, dtype=bool), characters=characters,
    )


def cache_key(files: list[Path], tokenizer: Tokenizer, settings: dict) -> str:
    h = hashlib.sha1()
    for f in files:
        st = f.stat()
        h.update(f"{f.resolve()}|{st.st_size}|{int(st.st_mtime)}".encode())
    h.update(hashlib.sha1(tokenizer.to_str().encode()).digest())
    h.update(json.dumps(settings, sort_keys=True).encode())
    from storyteller import memory as memory_module  # the summarizer's code is part of the data

    h.update(hashlib.sha1(Path(memory_module.__file__).read_bytes()).digest())
    h.update(hashlib.sha1(Path(__file__).read_bytes()).digest())
    return h.hexdigest()[:16]


# Capitalised words in a memory that are not names of anyone in particular.
NOT_NAMES = frozenset("""the a an i you he she it they we his her my your our their this that and but old young little
big captain king queen prince princess lord lady sir mr mrs miss master mistress doctor dr father mother brother
sister uncle aunt saint st mount north south east west""".split())


def memory_name_words(text: str) -> list[str]:
    """The words of the proper names a rendered memory holds (hero, people and their aliases), in order."""
    words: list[str] = []
    for line in text.splitlines():
        key, _, rest = line.partition(": ")
        if key == "hero":
            entries = [rest.split(". place:")[0]]
        elif key == "people":
            entries = rest.split("; ")
        else:
            continue
        for entry in entries:
            parts = entry.replace("(", " ").replace(")", " ").split()
            if parts and parts[-1] in MEMORY_STATUSES:
                parts = parts[:-1]
            for w in parts:
                w = w.strip(".,;:!?'\"")
                if len(w) > 2 and w[0].isupper() and w.lower() not in NOT_NAMES and w not in words:
                    words.append(w)
    return words


class NameSwapper:
    """Training-time augmentation: the names in a window's memory get other names, consistently in the story,
    the memory, the command and the narration.

    A model that has read a book four times can guess its heroes' names from the style alone; after a swap it
    can only find them in the memory block (or the recent story), which is what it has to do at play time on a
    story it has never seen."""

    def __init__(self, data: TurnData, tokenizer: Tokenizer, seed: int, pool_size: int = 20_000) -> None:
        self.tok = tokenizer
        rng = np.random.default_rng([seed, 11])
        n = len(data.mem_offsets) - 1
        picks = rng.choice(n, size=min(n, pool_size), replace=False) if n else []
        texts = tokenizer.hf.decode_batch([data.ragged("mem", int(i)).tolist() for i in picks])
        vocab_words = tokenizer.hf.get_vocab()
        # Drop capitalised ordinary words the summarizer mistook for names ("About", "Adventure"): their
        # lower-case form is a whole token of the vocabulary, which a name's seldom is.
        pool = sorted({w for t in texts for w in memory_name_words(t)
                       if w.isalpha() and "Ġ" + w.lower() not in vocab_words})
        self.pool = pool or ["Brann", "Ysolde", "Tam", "Mirela", "Oswin", "Hale"]
        pieces = tokenizer.pieces
        # A match must be a whole word: no letter straight after it, nor straight before a match without a space.
        self.starts_word_char = np.array([bool(p) and (p[0].isalnum() or p[0] == "'" and len(p) > 1 and p[1].isalpha())
                                          for p in pieces] + [False], dtype=bool)
        self.ends_word_char = np.array([bool(p) and p[-1].isalnum() for p in pieces] + [False], dtype=bool)
        self._encoded: dict[str, list[int]] = {}

    def _enc(self, text: str) -> list[int]:
        ids = self._encoded.get(text)
        if ids is None:
            ids = self._encoded[text] = self.tok.hf.encode(text, add_special_tokens=False).ids
        return ids

    def swap(self, seq: list[int], mask: list[int], memory_ids: np.ndarray, rng: np.random.Generator,
             length: int) -> tuple[list[int], list[int]]:
        names = memory_name_words(self.tok.hf.decode(memory_ids.tolist()))
        if not names:
            return seq, mask
        taken = set(names)
        rules: list[tuple[list[int], list[int], bool]] = []  # (old ids, new ids, needs a non-word before)
        for name in names:
            new = self.pool[int(rng.integers(len(self.pool)))]
            if new in taken:
                continue
            taken.add(new)
            rules.append((self._enc(" " + name), self._enc(" " + new), False))
            rules.append((self._enc(name), self._enc(new), True))
        rules.sort(key=lambda r: -len(r[0]))
        out_seq: list[int] = []
        out_mask: list[int] = []
        arr = np.asarray(seq)
        i, n = 0, len(seq)
        while i < n:
            for old, new, bare in rules:
                k = len(old)
                if (k and seq[i] == old[0] and i + k <= n and seq[i : i + k] == old
                        and not (i + k < n and self.starts_word_char[min(arr[i + k], len(self.starts_word_char) - 1)])
                        and not (bare and i > 0 and self.ends_word_char[min(arr[i - 1], len(self.ends_word_char) - 1)])):
                    out_seq.extend(new)
                    out_mask.extend([mask[i]] * len(new))
                    i += k
                    break
            else:
                out_seq.append(seq[i])
                out_mask.append(mask[i])
                i += 1
        if len(out_seq) >= length:  # renamed windows keep their length: trim or pad the far end of the story
            return out_seq[-length:], out_mask[-length:]
        pad = length - len(out_seq)
        return [self.tok.pad_id] * pad + out_seq, [0] * pad + out_mask


class Batcher:
    """Builds fixed-length training windows from turns; deterministic given (seed, step) so --resume is exact."""

    def __init__(self, data: TurnData, tokenizer: Tokenizer, seq_len: int, memory_prob: float,
                 command_prob: float, seed: int, split: str = "train", rank: int = 0, world: int = 1,
                 short_context_prob: float = 0.0, short_context_tokens: int = 48,
                 rename_prob: float = 0.0) -> None:
        self.short_context_prob = short_context_prob
        self.rename_prob = rename_prob
        self.renamer = NameSwapper(data, tokenizer, seed) if rename_prob > 0 else None
        self.short_context_tokens = short_context_tokens
        self.data = data
        self.tok = tokenizer
        self.length = seq_len
        self.memory_prob = memory_prob
        self.command_prob = command_prob
        self.seed = seed
        self.indices = np.flatnonzero(~data.is_val if split == "train" else data.is_val)
        if len(self.indices) == 0:
            raise ValueError(f"the corpus has no {split} turns: give it more text")
        self.rank, self.world = rank, world

    def window(self, turn: int, rng: np.random.Generator | None) -> tuple[np.ndarray, np.ndarray]:
        """(tokens[length + 1], loss_mask[length]) for one turn; rng None means: memory and command always on."""
        seq, marks = self._window(turn, rng)
        return np.array(seq, dtype=np.int64), (np.array(marks[1:]) > 0).astype(np.float32)

    def _window(self, turn: int, rng: np.random.Generator | None) -> tuple[list[int], list[int]]:
        """tokens[length + 1] and a mark per token: 0 not scored (pads, memory, command), 1 story, 2 narration."""
        d, t = self.data, self.data.turns[turn]
        tok = self.tok
        tail: list[int] = []
        tail_mask: list[int] = []
        if t[MEM] >= 0 and (rng is None or rng.random() < self.memory_prob):
            block = [tok.mem_id, *d.ragged("mem", int(t[MEM])).tolist(), tok.end_mem_id]
            tail += block
            tail_mask += [0] * len(block)
        is_transcript_turn = t[NARR_START] != t[CTX_END]
        if t[CMD] >= 0 and (is_transcript_turn or rng is None or rng.random() < self.command_prob):
            block = [tok.cmd_id, *d.ragged("cmd", int(t[CMD])).tolist(), tok.end_cmd_id]
            tail += block
            tail_mask += [0] * len(block)
        narration = d.stream[t[NARR_START] : t[NARR_END]].tolist()
        if t[NARR_END] - t[NARR_START] < MAX_NARRATION:
            narration.append(tok.eot_id)  # a narration cut by the length cap has not ended: no end-of-turn
        tail += narration
        tail_mask += [2] * len(narration)
        tail, tail_mask = tail[: self.length], tail_mask[: self.length]
        need = self.length + 1 - len(tail)
        keep = need
        if rng is not None and self.short_context_prob and rng.random() < self.short_context_prob:
            keep = min(need, self.short_context_tokens)
        ctx = d.stream[max(int(t[DOC_START]), int(t[CTX_END]) - keep) : t[CTX_END]].tolist()
        pad = need - len(ctx)
        seq = [tok.pad_id] * pad + ctx + tail
        # mask[k] says whether predicting seq[k + 1] counts: story context and narration yes, pads/memory/command no.
        target_mask = [0] * pad + [1] * len(ctx) + tail_mask
        if self.renamer is not None and rng is not None and t[MEM] >= 0 and rng.random() < self.rename_prob:
            seq, target_mask = self.renamer.swap(seq, target_mask, d.ragged("mem", int(t[MEM])), rng, self.length + 1)
        return seq, target_mask

    def with_memory(self, seq: list[int], marks: list[int], memory_ids: np.ndarray) -> tuple[list[int], list[int]]:
        """The same window with its memory block replaced by another one (the far end of the story is trimmed or
        padded so the window keeps its length)."""
        tok = self.tok
        start, end = seq.index(tok.mem_id), seq.index(tok.end_mem_id) + 1
        block = [tok.mem_id, *memory_ids.tolist(), tok.end_mem_id]
        seq = seq[:start] + block + seq[end:]
        marks = marks[:start] + [0] * len(block) + marks[end:]
        length = self.length + 1
        if len(seq) >= length:
            return seq[-length:], marks[-length:]
        pad = length - len(seq)
        return [tok.pad_id] * pad + seq, [0] * pad + marks

    def _chosen(self, step: int, batch_size: int) -> tuple[np.ndarray, np.random.Generator]:
        """This rank's turns for a global step and the step's random generator."""
        n = len(self.indices)
        per_epoch = max(1, n // (batch_size * self.world))
        epoch, k = divmod(step, per_epoch)
        order = np.random.default_rng([self.seed, epoch]).permutation(n)
        if n < batch_size * self.world:  # a tiny corpus: repeat turns to fill the batch
            order = np.resize(order, batch_size * self.world)
        start = (k * self.world + self.rank) * batch_size
        return self.indices[order[start : start + batch_size]], np.random.default_rng([self.seed, step, self.rank, 7])

    def batch(self, step: int, batch_size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The batch for a global step (this rank's share), a pure function of (seed, step)."""
        chosen, rng = self._chosen(step, batch_size)
        rows = [self.window(int(i), rng) for i in chosen]
        seq = torch.from_numpy(np.stack([r[0] for r in rows]))
        mask = torch.from_numpy(np.stack([r[1] for r in rows]))
        return seq[:, :-1], seq[:, 1:], mask

    def contrast_batch(self, step: int, batch_size: int, contrast_prob: float, negatives: int = 1
                       ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The step's batch plus, for a `contrast_prob` share of the windows that carry a memory, the same window
        read with the memories of `negatives` turns from other documents. Returns x, y, the language-model loss
        mask (true rows only), the narration mask (every row) and the (true row, other row) pairs."""
        chosen, rng = self._chosen(step, batch_size)
        n = len(self.indices)
        rows = [self._window(int(i), rng) for i in chosen]
        turns = self.data.turns
        pairs: list[tuple[int, int]] = []
        others: list[tuple[list[int], list[int]]] = []
        for b, (i, (seq, marks)) in enumerate(zip(chosen, rows)):
            if self.tok.mem_id not in seq or 2 not in marks or rng.random() >= contrast_prob:
                continue
            own = self.data.ragged("mem", int(turns[i][MEM]))
            for _ in range(negatives):
                for _ in range(8):  # another document's (different) memory; a tiny corpus may not have one
                    j = int(self.indices[rng.integers(n)])
                    other = self.data.ragged("mem", int(turns[j][MEM])) if turns[j][MEM] >= 0 else own
                    if turns[j][DOC_START] != turns[i][DOC_START] and not np.array_equal(other, own):
                        others.append(self.with_memory(seq, marks, other))
                        pairs.append((b, len(rows) + len(others) - 1))
                        break
        seq = torch.tensor([r[0] for r in rows + others], dtype=torch.long)
        marks = torch.tensor([r[1][1:] for r in rows + others], dtype=torch.long)
        lm_mask = (marks > 0).float()
        lm_mask[len(rows):] = 0.0  # another story's memory is not a window to learn to predict from
        return seq[:, :-1], seq[:, 1:], lm_mask, (marks == 2).float(), torch.tensor(pairs, dtype=torch.long).view(-1, 2)

    def fixed_batches(self, batch_size: int, count: int) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Validation batches: evenly spaced turns, memory and command always present (as in play)."""
        n = min(len(self.indices), batch_size * count)
        picks = self.indices[np.linspace(0, len(self.indices) - 1, n).astype(np.int64)]
        out = []
        for b in range(0, n, batch_size):
            rows = [self.window(int(i), None) for i in picks[b : b + batch_size]]
            seq = torch.from_numpy(np.stack([r[0] for r in rows]))
            mask = torch.from_numpy(np.stack([r[1] for r in rows]))
            out.append((seq[:, :-1], seq[:, 1:], mask))
        return out
