"""The on-disk index format: one folder, a manifest, arrays and two search indexes.

Layout of an index folder:
    manifest.json            how it was built (the contract checked on load)
    articles.jsonl           article metadata and verbatim text
    chunks.jsonl             chunk ids and offsets
    sentences.npy            int64 (n, 3): article number, start, end
    chunk_vectors.npy        float32 (n_chunks, dim), reused by incremental builds
    sentence_vectors.npy     float16 (n_sentences, dim), for answer-sentence scoring
    reader_vectors.npy       float16 (n_sentences, dim) from the trained reader (when used)
    dense.faiss              FAISS index over the chunk vectors
    bm25/                    bm25s index over chunk terms
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag import __version__
from rag.chunking import ChunkerSettings
from rag.errors import IndexLoadError
from rag.models import file_hash
from rag.norwegian import ANALYZER_VERSION
from rag.types import Article, Chunk, DenseIndex

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"


@dataclass
class IndexData:
    """Everything the retriever and answerer need, in memory."""

    articles: list[Article]
    article_hashes: list[str]
    chunks: list[Chunk]
    sentences: np.ndarray  # (n, 3) int64: article number, start, end
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    embedder_id: str
    dim: int
    chunker: ChunkerSettings
    dense_kind: DenseIndex = DenseIndex.FLAT
    dense: object = None  # faiss.Index
    bm25: object = None  # bm25s.BM25
    manifest: dict = field(default_factory=dict)
    path: Path | None = None
    reader_vectors: object = None  # (n_sentences, dim) from the trained reader, or None
    reader_id: str | None = None

    def __post_init__(self) -> None:
        self.article_index = {a.id: i for i, a in enumerate(self.articles)}

    def sentence_text(self, i: int) -> str:
        art, start, end = self.sentences[i]
        return self.articles[art].text[start:end]


class RowFile:
    """Rows of a 2-D .npy file, read on demand with pread.

    The answerer reads a few dozen sentence vectors per question. Through an mmap every
    touched page stayed resident, with the kernel mapping its neighbours too, so a
    long-running server came to hold the whole file (about 200 MB at 100k chunks);
    reading rows keeps the process's memory flat. Safe to share between threads.
    """

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            read_header = (
                np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            )
            shape, fortran_order, dtype = read_header(fh)
            self._offset = fh.tell()
        if fortran_order or len(shape) != 2:
            raise ValueError(f"{path.name} is not a C-ordered 2-D array")
        self.shape, self.dtype = shape, dtype
        self._row_bytes = dtype.itemsize * shape[1]
        if path.stat().st_size < self._offset + self._row_bytes * shape[0]:
            raise ValueError(f"{path.name} is shorter than its header says")
        self._fd = os.open(path, os.O_RDONLY)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows) -> np.ndarray:
        if isinstance(rows, (int, np.integer)):
            return self._read([int(rows)])[0]
        return self._read(np.asarray(rows, dtype=np.int64).reshape(-1).tolist())

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        buf = os.pread(self._fd, self._row_bytes * len(self), self._offset)
        out = np.frombuffer(buf, dtype=self.dtype).reshape(self.shape)
        return out.astype(dtype) if dtype is not None else out

    def _read(self, rows: list[int]) -> np.ndarray:
        n, size = len(self), self._row_bytes
        for r in rows:
            if not 0 <= r < n:
                raise IndexError(f"row {r} out of range for {n} rows")
        buf = b"".join(os.pread(self._fd, size, self._offset + r * size) for r in rows)
        return np.frombuffer(buf, dtype=self.dtype).reshape(len(rows), self.shape[1])

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)


def save(data: IndexData, folder: Path, extra_manifest: dict | None = None) -> dict:
    """Write `data` into `folder` (which must be new or empty); return the manifest."""
    import faiss

    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "articles.jsonl", "w", encoding="utf-8") as fh:
        for article, digest in zip(data.articles, data.article_hashes):
            fh.write(json.dumps(article.meta() | {"text": article.text, "hash": digest}, ensure_ascii=False) + "\n")
    with open(folder / "chunks.jsonl", "w", encoding="utf-8") as fh:
        for c in data.chunks:
            row = [c.id, data.article_index[c.article_id], c.start, c.end, c.first_sentence, c.last_sentence]
            fh.write(json.dumps(row) + "\n")
    np.save(folder / "sentences.npy", data.sentences.astype(np.int64))
    np.save(folder / "chunk_vectors.npy", data.chunk_vectors.astype(np.float32))
    np.save(folder / "sentence_vectors.npy", data.sentence_vectors.astype(np.float16))
    if data.reader_vectors is not None:
        np.save(folder / "reader_vectors.npy", np.asarray(data.reader_vectors).astype(np.float16))
    faiss.write_index(data.dense, str(folder / "dense.faiss"))
    data.bm25.save(str(folder / "bm25"), show_progress=False)
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "package_version": __version__,
        "embedder": {"id": data.embedder_id, "dim": data.dim},
        "reader": {"id": data.reader_id} if data.reader_vectors is not None else None,
        "chunker": {
            "max_tokens": data.chunker.max_tokens,
            "overlap_tokens": data.chunker.overlap_tokens,
            "encoding": data.chunker.encoding,
        },
        "dense_index": DenseIndex(data.dense_kind).value,
        "analyzer_version": ANALYZER_VERSION,
        "counts": {"articles": len(data.articles), "chunks": len(data.chunks), "sentences": len(data.sentences)},
        "files": {name: file_hash(folder / name) for name in _data_files(folder)},
    } | (extra_manifest or {})
    _write_json_atomic(folder / MANIFEST, manifest)
    data.manifest, data.path = manifest, folder
    return manifest


def older_analyzer(manifest: dict) -> bool:
    """Was this index's BM25 side built with another Norwegian analyzer than this version's?"""
    return manifest.get("analyzer_version") != ANALYZER_VERSION


def read_manifest(folder: Path, check_analyzer: bool = True) -> dict:
    path = folder / MANIFEST
    if not path.exists():
        raise IndexLoadError(
            f"det finnes ingen indeks i {folder} (manifest.json mangler). Kjør `rag build` for å lage den."
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexLoadError(
            f"indeksen i {folder} er skadet (manifest.json er ikke gyldig JSON). Kjør `rag build`."
        ) from exc
    if not isinstance(manifest, dict) or "schema_version" not in manifest:
        raise IndexLoadError(f"indeksen i {folder} er skadet (manifest.json er ufullstendig). Kjør `rag build`.")
    if manifest["schema_version"] != SCHEMA_VERSION:
        raise IndexLoadError(
            f"indeksen i {folder} har format {manifest['schema_version']}, "
            f"men denne versjonen av rag leser format {SCHEMA_VERSION}. Kjør `rag build` for å bygge den på nytt."
        )
    if check_analyzer and older_analyzer(manifest):
        raise IndexLoadError(
            f"indeksen i {folder} ble bygget med en eldre norsk tekstanalyse "
            f"(versjon {manifest.get('analyzer_version')}, nå {ANALYZER_VERSION}). Kjør `rag build` for å bygge den på nytt."
        )
    return manifest


def check_embedder(manifest: dict, embedder_id: str, dim: int, folder: Path) -> None:
    built = manifest.get("embedder", {})
    if built.get("id") != embedder_id or built.get("dim") != dim:
        raise IndexLoadError(
            f"indeksen i {folder} ble bygget med embedderen {built.get('id')!r} ({built.get('dim')} dimensjoner), "
            f"men innstillingen nå bruker {embedder_id!r} ({dim} dimensjoner). Bygg på nytt med `rag build`, "
            f"eller sett RAG_EMBEDDER tilbake til modellen indeksen ble bygget med."
        )


def verify_files(folder: Path, manifest: dict) -> None:
    """Every file the manifest lists is there with its hash; else IndexLoadError."""
    for name, digest in manifest.get("files", {}).items():
        path = folder / name
        if not path.exists():
            raise IndexLoadError(f"indeksen i {folder} er skadet ({name} mangler). Kjør `rag build`.")
        if file_hash(path) != digest:
            raise IndexLoadError(
                f"indeksen i {folder} er skadet ({name} stemmer ikke med sjekksummen). Kjør `rag build`."
            )


def load(folder: Path, verify: bool = True, check_analyzer: bool = True) -> IndexData:
    """Load an index folder, checking the manifest and (by default) every file's hash.

    `check_analyzer=False` is for reusing vectors in a rebuild, where the BM25 side is
    rebuilt anyway."""
    import bm25s
    import faiss

    manifest = read_manifest(folder, check_analyzer)
    if verify:
        verify_files(folder, manifest)
    try:
        articles, hashes = [], []
        with open(folder / "articles.jsonl", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                hashes.append(row.pop("hash"))
                articles.append(Article(**row))
        chunks = []
        with open(folder / "chunks.jsonl", encoding="utf-8") as fh:
            for line in fh:
                cid, art, start, end, first, last = json.loads(line)
                article = articles[art]
                chunks.append(Chunk(cid, article.id, start, end, article.text, first, last))
        chunker = ChunkerSettings(**manifest["chunker"])
        data = IndexData(
            articles=articles,
            article_hashes=hashes,
            chunks=chunks,
            sentences=np.load(folder / "sentences.npy"),
            chunk_vectors=np.load(folder / "chunk_vectors.npy", mmap_mode="r"),
            sentence_vectors=RowFile(folder / "sentence_vectors.npy"),
            embedder_id=manifest["embedder"]["id"],
            dim=manifest["embedder"]["dim"],
            chunker=chunker,
            dense_kind=DenseIndex(manifest.get("dense_index", "flat")),
            dense=faiss.read_index(str(folder / "dense.faiss")),
            bm25=bm25s.BM25.load(str(folder / "bm25"), show_progress=False),
            manifest=manifest,
            path=folder,
            reader_vectors=RowFile(folder / "reader_vectors.npy") if (manifest.get("reader") or {}).get("id") else None,
            reader_id=(manifest.get("reader") or {}).get("id"),
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError, RuntimeError) as exc:
        raise IndexLoadError(
            f"indeksen i {folder} kunne ikke leses ({exc}). Kjør `rag build` for å bygge den på nytt."
        ) from exc
    if (
        data.dense.ntotal != len(chunks)
        or len(data.sentence_vectors) != len(data.sentences)
        or (data.reader_vectors is not None and len(data.reader_vectors) != len(data.sentences))
    ):
        raise IndexLoadError(
            f"indeksen i {folder} henger ikke sammen (antall vektorer og tekstbiter er ulikt). Kjør `rag build`."
        )
    return data


def _data_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def _write_json_atomic(path: Path, obj: dict) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
