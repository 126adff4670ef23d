"""`rag bench`: build and query synthetic corpora of growing size, in a clean process.

Corpora are made of the shipped articles' sentences recombined at random (seeded), so
the language is real while the text of every chunk is new.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from eval.runner import GOLD, read_gold
from rag.chunking import sentence_spans
from rag.corpus import load_articles
from rag.settings import Settings

SENTENCES_PER_ARTICLE = 24
CHUNKS_PER_ARTICLE = 8.8  # measured: 24 recombined sentences make about 8.8 chunks of 160 tokens


def make_corpus(source: Path, n_chunks: int, folder: Path, seed: int = 0) -> int:
    """Write about `n_chunks` chunks' worth of recombined articles as JSON Lines."""
    articles = load_articles(source).articles
    settings = Settings().chunker
    pool = [a.text[s.start : s.end] for a in articles for s in sentence_spans(a.text, settings)]
    pool = [s for s in pool if len(s.split()) >= 6]
    rng = random.Random(seed)
    n_articles = max(1, round(n_chunks / CHUNKS_PER_ARTICLE))
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "synthetic.jsonl", "w", encoding="utf-8") as fh:
        for i in range(n_articles):
            paragraphs = [" ".join(rng.sample(pool, 3)) for _ in range(SENTENCES_PER_ARTICLE // 3)]
            fh.write(
                json.dumps(
                    {"id": f"syn-{i:06d}", "title": f"Syntetisk artikkel {i}", "text": "\n\n".join(paragraphs)},
                    ensure_ascii=False,
                )
                + "\n"
            )
    return n_articles


def run_size(settings: Settings, n_chunks: int, out: Path, queries: int, progress=None) -> dict:
    from index import run_build

    work = out / f"{n_chunks}"
    make_corpus(settings.articles_dir, n_chunks, work / "articles")
    bench_settings = replace(settings, articles_dir=work / "articles", index_dir=work / "index")
    t0 = time.perf_counter()
    report = run_build(bench_settings, progress=progress)
    build_s = time.perf_counter() - t0
    probe = subprocess.run(
        [sys.executable, "-m", "eval.bench", str(bench_settings.index_dir), bench_settings.embedder, str(queries)],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        raise RuntimeError(f"the query probe failed: {probe.stderr.strip()[-500:]}")
    measured = json.loads(probe.stdout.strip().splitlines()[-1])
    size = sum(p.stat().st_size for p in (bench_settings.index_dir / "current").resolve().rglob("*") if p.is_file())
    return {
        "target_chunks": n_chunks,
        "chunks": report.chunks,
        "sentences": report.sentences,
        "build_s": round(build_s, 2),
        "build_chunks_per_s": round(report.chunks / build_s, 1),
        "embeddings_computed": report.embeddings_computed,
        "index_mb": round(size / 1e6, 1),
    } | measured


def probe(index_dir: str, embedder: str, queries: int) -> dict:
    """Runs in a fresh process: time to ready, warm latency, resident memory."""
    import numpy as np
    import psutil

    t0 = time.perf_counter()
    from index import Engine

    engine = Engine(Settings(index_dir=Path(index_dir), embedder=embedder))
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


COLUMNS = ["chunks", "build_s", "build_chunks_per_s", "p50_ms", "p95_ms", "rss_mb", "index_mb", "ready_s"]


def format_table(rows: list[dict]) -> str:
    lines = [" ".join(f"{c:>18}" for c in COLUMNS)]
    lines += [" ".join(f"{row[c]!s:>18}" for c in COLUMNS) for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
