"""The index in service, as a long-lived object that follows `current`.

`Engine.ask()` checks the `current` pointer (one readlink) and, when a new build was
published, loads it and swaps in a new Answerer. A request holds its own reference
to the answerer it started with, so it is answered from one whole index even if a
swap happens meanwhile.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from rag.answering import Answerer
from rag.embedders import load_embedder, queries_on_graph
from rag.errors import NoIndexError
from rag.index.publish import IndexRoot
from rag.reader import load_reader
from rag.settings import Settings
from rag.span import load_span_reader
from rag.store import IndexLoadError, check_embedder, load
from rag.types import Answer

log = logging.getLogger("rag")


def served_embedder(settings: Settings, data, path: Path):
    """The embedder that reads questions for the index `data` (in `path`): --embedder /
    RAG_EMBEDDER where given, else the one the index was built with; checked against it."""
    name = settings.embedder
    if not settings.embedder_chosen:
        name = data.manifest.get("embedder_setting", name)
    embedder = load_embedder(name, settings.models_dir)
    check_embedder(data.manifest, embedder.id, embedder.dim, path)
    return embedder


@dataclass(frozen=True)
class Served:
    path: Path
    answerer: Answerer

    @property
    def manifest(self) -> dict:
        return self.answerer.data.manifest


class Engine:
    def __init__(self, settings: Settings, warm: bool = True):
        """`warm`: ask one question of each index it loads before its first user (a server
        does; a one-shot `rag ask` needs not)."""
        self.settings = settings
        self.warm = warm
        self.root = IndexRoot(settings.index_dir)
        self._served: Served | None = None
        self._lock = threading.Lock()

    def served(self) -> Served:
        """The answerer for the build in service, reloading if `current` moved.

        If the new build cannot be loaded the previous one keeps serving.
        """
        current = self.root.current()
        served = self._served
        if current is None:
            if served is not None:
                return served
            raise NoIndexError(
                f"det finnes ingen indeks i {self.settings.index_dir} ennå. Kjør `rag build` for å lage den."
            )
        if served is not None and served.path == current:
            return served
        with self._lock:
            if self._served is not None and self._served.path == current:
                return self._served
            try:
                self._served = self._load(current)
            except IndexLoadError:
                if self._served is None:
                    raise
        return self._served

    def _load(self, path: Path) -> Served:
        data = load(path)
        embedder = served_embedder(self.settings, data, path)
        use_reader = self.settings.reader if self.settings.reader_chosen else data.reader_id is not None
        reader = load_reader(self.settings.models_dir) if use_reader else None
        if reader is not None and data.reader_id != reader.id:
            message = (
                f"indeksen i {path} ble bygget {'med leseren ' + repr(data.reader_id) if data.reader_id else 'uten leseren'}, "
                f"men denne rag bruker {reader.id!r}. Kjør `rag build`"
            )
            if self.settings.reader_chosen:
                raise IndexLoadError(message + " (eller sett RAG_READER=0 for å svare med håndreglene).")
            # e.g. just after an upgrade that ships a new reader: keep answering, with the
            # hand rules, until the next build (the nightly one) brings the reader's vectors
            log.warning("%s; svarer med håndreglene til da.", message)
            reader = None
        if reader is not None:
            embedder = queries_on_graph(embedder, self.settings.models_dir)  # on ONNX Runtime beside the readers
        span_reader = load_span_reader(self.settings.models_dir) if reader is not None else None
        learned_with = reader.config.get("span_adapter_sha256_12") if reader is not None else None
        if learned_with and span_reader.id != f"span:{learned_with}":
            log.warning(
                "leserens span-trinn lærte med span-leseren %s, men denne er %s; kjør `rag reader train`",
                learned_with,
                span_reader.id,
            )
        answerer = Answerer.configured(data, embedder, self.settings, reader=reader, span_reader=span_reader)
        if self.warm:
            answerer.ask("Hvem leder klyngen?")  # warm the lexicon, stemmer and engine before the first user
        return Served(path, answerer)

    def ask(self, question: str, history: list[str] | tuple[str, ...] = (), passages: int | None = None) -> Answer:
        return self.served().answerer.ask(question, history, passages)

    def manifest(self) -> dict:
        """The served build's manifest (counts, embedder, reader, creation time)."""
        return self.served().manifest

    def uses_reader(self) -> bool:
        """Whether answers come from the trained reader (else the hand rules)."""
        return self.served().answerer.reader is not None

    def article_texts(self) -> dict[str, str]:
        """Each served article's text by id (what citation offsets index into)."""
        return {a.id: a.text for a in self.served().answerer.data.articles}
