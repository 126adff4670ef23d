"""The index in service, as a long-lived object that follows `current`.

`Engine.ask()` checks the `current` pointer (one readlink) and, when a new build was
published, loads it and swaps in a new Answerer. A request holds its own reference
to the answerer it started with, so it is answered from one whole index even if a
swap happens meanwhile.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from rag.index.publish import IndexRoot

from rag.answering import Answerer
from rag.embedders import load_embedder
from rag.reader import load_reader
from rag.settings import Settings
from rag.store import IndexLoadError, check_embedder, load
from rag.types import Answer


class NoIndexError(IndexLoadError):
    """Nothing has been published yet."""


@dataclass(frozen=True)
class Served:
    path: Path
    answerer: Answerer

    @property
    def manifest(self) -> dict:
        return self.answerer.data.manifest


class Engine:
    def __init__(self, settings: Settings):
        self.settings = settings
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
            raise NoIndexError(f"there is no index in {self.settings.index_dir} yet. Run `rag build` to create it.")
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
        name = self.settings.embedder
        if not self.settings.embedder_chosen:  # no --embedder / RAG_EMBEDDER: the one the index was built with
            name = data.manifest.get("embedder_setting", name)
        embedder = load_embedder(name, self.settings.models_dir)
        check_embedder(data.manifest, embedder.id, embedder.dim, path)
        use_reader = self.settings.reader if self.settings.reader_chosen else data.reader_id is not None
        reader = load_reader(self.settings.models_dir) if use_reader else None
        if reader is not None and data.reader_id != reader.id:
            raise IndexLoadError(
                f"the index at {path} was built {'with the reader ' + repr(data.reader_id) if data.reader_id else 'without the reader'}, "
                f"but this rag uses {reader.id!r}. Run `rag build` (or set RAG_READER=0 to answer with the hand rules)."
            )
        answerer = Answerer(data, embedder, reader=reader)
        answerer.ask("Hvem leder klyngen?")  # warm the lexicon, stemmer and engine before the first user
        return Served(path, answerer)

    def ask(self, question: str, history: list[str] | tuple[str, ...] = (), passages: int | None = None) -> Answer:
        return self.served().answerer.ask(question, history, passages)
