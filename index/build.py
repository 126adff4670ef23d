"""`rag build`: read the articles, reuse what is unchanged, validate, publish atomically."""

from __future__ import annotations

import shutil
import time
from dataclasses import asdict, dataclass, field

from rag.corpus import content_hash, load_articles
from rag.embedders import load_embedder
from rag.errors import BuildError, unwritable
from rag.index.publish import IndexRoot
from rag.indexing import Progress, build_index_data
from rag.reader import load_reader
from rag.settings import Settings
from rag.store import IndexData, IndexLoadError, load, save


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

    def to_dict(self) -> dict:
        return asdict(self)


def run_build(settings: Settings, progress: Progress | None = None) -> BuildReport:
    """Build a new index from `settings.articles_dir` and put it in service.

    Holds the build lock; writes into a new `.partial` folder; loads it back and runs a
    smoke query before switching `current`. Anything that fails leaves `current` as it was.
    """
    try:
        return _build(settings, progress)
    except OSError as exc:  # a folder that cannot be written (read-only RAG_HOME, full disk)
        raise unwritable(exc, settings.index_dir, "RAG_HOME (eller --index)", BuildError) from exc


def _build(settings: Settings, progress: Progress | None) -> BuildReport:
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
        embedder = load_embedder(settings.embedder, settings.models_dir)
        reader = load_reader(settings.models_dir) if settings.reader else None
        previous = _previous(root, embedder.id)
        old = dict(zip((a.id for a in previous.articles), previous.article_hashes)) if previous else {}
        new = {a.id: content_hash(a) for a in loaded.articles}
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
            save(data, partial, {"embedder_setting": settings.embedder})
            _validate(partial, data, embedder, reader)
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


def _validate(folder, data: IndexData, embedder, reader=None) -> None:
    from rag.answering import Answerer

    reloaded = load(folder)
    if len(reloaded.chunks) != len(data.chunks) or reloaded.dense.ntotal != len(data.chunks):
        raise BuildError(
            "den nye indeksen besto ikke kontrollen (antall tekstbiter endret seg da den ble lest inn igjen)"
        )
    if reloaded.chunk_vectors.shape[1:] != (embedder.dim,):
        raise BuildError("den nye indeksen besto ikke kontrollen (vektordimensjonen er ikke embedderens)")
    probe = next((a.title for a in reloaded.articles if any(ch.isalnum() for ch in a.title)), "artikkel")
    answer = Answerer(reloaded, embedder, reader=reader).ask(probe)
    if not answer.passages:
        raise BuildError("den nye indeksen besto ikke kontrollen (et prøvespørsmål fant ingen avsnitt)")
