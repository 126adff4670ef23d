"""Turning articles into an `IndexData`: chunk, embed (reusing what is unchanged), index."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rag.chunking import ChunkerSettings, chunk_id, chunk_spans, sentence_spans
from rag.corpus import content_hash
from rag.embedders import Embedder
from rag.norwegian import terms
from rag.store import IndexData
from rag.types import Article, Chunk, DenseIndex

BATCH = 32

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BuildStats:
    embeddings_computed: int
    embeddings_reused: int


def chunk_embedding_text(title: str, text: str) -> str:
    return f"{title}\n{text}"


def build_index_data(
    articles: list[Article],
    embedder: Embedder,
    chunker: ChunkerSettings,
    dense_kind: DenseIndex = DenseIndex.FLAT16,
    previous: IndexData | None = None,
    progress: Progress | None = None,
    reader: Embedder | None = None,
) -> tuple[IndexData, BuildStats]:
    """Chunk and embed `articles` (and embed their sentences with `reader`, when given);
    vectors of chunks and sentences found unchanged in `previous` (same embedder, same
    reader) are reused instead of recomputed."""
    dense_kind = DenseIndex(dense_kind)
    chunks: list[Chunk] = []
    sentence_rows: list[tuple[int, int, int]] = []
    for number, article in enumerate(articles):
        sentences = sentence_spans(article.text, chunker)
        offset = len(sentence_rows)
        sentence_rows.extend((number, s.start, s.end) for s in sentences)
        for span in chunk_spans(article.text, sentences, chunker):
            text = article.text[span.start : span.end]
            cid = chunk_id(article.id, chunk_embedding_text(article.title, text), chunker)
            chunks.append(
                Chunk(
                    cid,
                    article.id,
                    span.start,
                    span.end,
                    article.text,
                    offset + span.first_sentence,
                    offset + span.last_sentence,
                )
            )
    sentence_texts = [articles[a].text[s:e] for a, s, e in sentence_rows]

    cached_chunks: dict[str, np.ndarray] = {}
    cached_sentences: dict[str, np.ndarray] = {}
    if previous is not None and previous.embedder_id == embedder.id:
        cached_chunks = {c.id: previous.chunk_vectors[i] for i, c in enumerate(previous.chunks)}
        cached_sentences = _by_sentence_text(previous, previous.sentence_vectors)
    cached_reader: dict[str, np.ndarray] = {}
    if reader is not None and previous is not None and previous.reader_id == reader.id:
        cached_reader = _by_sentence_text(previous, previous.reader_vectors)
    titles = {a.id: a.title for a in articles}
    chunk_inputs = [chunk_embedding_text(titles[c.article_id], c.text) for c in chunks]
    sentence_keys = [_text_key(t) for t in sentence_texts]
    todo_total = (
        sum(c.id not in cached_chunks for c in chunks)
        + sum(k not in cached_sentences for k in sentence_keys)
        + (sum(k not in cached_reader for k in sentence_keys) if reader is not None else 0)
    )
    counter = _Counter(todo_total, progress)
    chunk_vectors = _embed_missing([c.id for c in chunks], chunk_inputs, cached_chunks, embedder, counter)
    sentence_vectors = _embed_missing(sentence_keys, sentence_texts, cached_sentences, embedder, counter)
    reader_vectors = None
    if reader is not None:
        reader_vectors = _embed_missing(sentence_keys, sentence_texts, cached_reader, reader, counter)

    data = IndexData(
        articles=list(articles),
        article_hashes=[content_hash(a) for a in articles],
        chunks=chunks,
        sentences=np.asarray(sentence_rows, dtype=np.int64).reshape(-1, 3),
        chunk_vectors=chunk_vectors,
        sentence_vectors=sentence_vectors.astype(np.float16),
        embedder_id=embedder.id,
        dim=embedder.dim,
        chunker=chunker,
        dense_kind=dense_kind,
        reader_vectors=None if reader_vectors is None else reader_vectors.astype(np.float16),
        reader_id=None if reader is None else reader.id,
    )
    data.dense = build_dense(chunk_vectors, embedder.dim, dense_kind)
    data.bm25 = build_bm25(chunk_inputs)
    reused = len(chunks) + len(sentence_texts) * (2 if reader is not None else 1) - counter.done
    return data, BuildStats(embeddings_computed=counter.done, embeddings_reused=reused)


def _by_sentence_text(previous: IndexData, vectors) -> dict[str, np.ndarray]:
    """`previous`'s sentence vectors keyed by the hash of each sentence's text."""
    rows = np.asarray(vectors)
    return {_text_key(previous.sentence_text(i)): rows[i] for i in range(len(previous.sentences))}


def _text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class _Counter:
    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self.progress = total, 0, progress
        if progress:
            progress(0, total)

    def add(self, n: int) -> None:
        self.done += n
        if self.progress:
            self.progress(self.done, self.total)


def _embed_missing(keys: list[str], texts: list[str], cache: dict, embedder: Embedder, counter: _Counter) -> np.ndarray:
    out = np.zeros((len(keys), embedder.dim), dtype=np.float32)
    missing: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        if key in cache:
            out[i] = cache[key]
        else:
            missing.setdefault(key, []).append(i)
    order = list(missing)
    for b in range(0, len(order), BATCH):
        batch = order[b : b + BATCH]
        vectors = embedder.embed_passages([texts[missing[k][0]] for k in batch])
        for key, vector in zip(batch, vectors):
            out[missing[key]] = vector
        counter.add(sum(len(missing[k]) for k in batch))
    return out


def build_dense(vectors: np.ndarray, dim: int, kind: DenseIndex):
    import faiss

    if kind == DenseIndex.HNSW:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
    elif kind == DenseIndex.FLAT16:  # exact search over float16 vectors: half the memory, 4x faster at 100k
        index = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def build_bm25(texts: list[str]):
    import bm25s

    model = bm25s.BM25(k1=1.2, b=0.75)
    model.index([terms(t) or ["\x00"] for t in texts], show_progress=False)
    return model
