"""`rag bench` smoke test at a small size: it must produce numbers, not meet targets."""

import json

import numpy as np
import pytest

from rag.cli import main
from rag.eval.bench import SentenceMeanEmbedder
from tests.conftest import FakeEmbedder

pytestmark = pytest.mark.embedder


def test_bench_produces_numbers(tmp_path, capsys):
    code = main(["bench", "--sizes", "150", "--queries", "20", "--out", str(tmp_path)])
    assert code == 0
    rows = json.loads((tmp_path / "bench.json").read_text())
    row = rows[0]
    assert 75 <= row["chunks"] <= 300
    for key in ("build_chunks_per_s", "p50_ms", "p95_ms", "rss_mb", "index_mb", "ready_s"):
        assert row[key] > 0, key
    assert "p50_ms" in capsys.readouterr().out


class CountingEmbedder(FakeEmbedder):
    def __init__(self):
        self.seen: list[str] = []

    def embed_passages(self, texts):
        self.seen.extend(texts)
        return super().embed_passages(texts)


def test_sentence_mean_vectors_are_the_mean_of_real_sentence_vectors():
    base = CountingEmbedder()
    approx = SentenceMeanEmbedder(base)
    a, b = "Klyngen fikk gullsertifisering i desember.", "Bilet er 47 år gammel."
    vectors = approx.embed_passages([f"{a} {b}", b, f"{b} {a}"])
    assert base.seen == [a, b]  # each distinct sentence embedded once
    expected = base.embed_passages([a])[0] + base.embed_passages([b])[0]
    expected /= np.linalg.norm(expected)
    assert np.allclose(vectors[0], expected, atol=1e-6) and np.allclose(vectors[2], expected, atol=1e-6)
    assert np.allclose(vectors[1], base.embed_passages([b])[0], atol=1e-6)
    assert approx.id.endswith("+sentence-mean") and approx.dim == base.dim


def test_bench_with_sentence_mean_chunk_vectors(tmp_path):
    code = main(["bench", "--sizes", "300", "--queries", "10", "--sentence-mean", "--out", str(tmp_path)])
    assert code == 0
    row = json.loads((tmp_path / "bench.json").read_text())[0]
    assert row["chunk_vectors"] == "sentence-mean" and row["p50_ms"] > 0
    manifest = json.loads(
        next((tmp_path / "300-sentence-mean" / "index" / "current").glob("manifest.json")).read_text()
    )
    assert manifest["embedder"]["id"].endswith("+sentence-mean")  # never mistaken for a real index
