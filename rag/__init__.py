"""Extractive question answering over Norwegian news articles.

The public API, importable from `rag` (loaded on first use, so `import rag` stays light):

    from rag import Engine, Settings, run_build
    settings = Settings.from_env()
    run_build(settings)
    answer = Engine(settings).ask("Hvem er ny leder i NCE Smart Energy Markets?")
    answer.citations[0].quote, answer.citations[0].start, answer.citations[0].end
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_API = {
    # the engine
    "Engine": "rag.index",
    "run_build": "rag.index",
    "BuildReport": "rag.index",
    "IndexRoot": "rag.index",
    "SyncReport": "rag.sync",
    "Settings": "rag.settings",
    # the records
    "Answer": "rag.types",
    "Article": "rag.types",
    "Citation": "rag.types",
    "Passage": "rag.types",
    "DenseIndex": "rag.types",
    # the errors
    "RagError": "rag.errors",
    "UsageError": "rag.errors",
    "LockedError": "rag.errors",
    "SettingsError": "rag.errors",
    "EmptyQuestion": "rag.errors",
    "BadArticle": "rag.errors",
    "IndexLoadError": "rag.errors",
    "NoIndexError": "rag.errors",
    "BuildError": "rag.errors",
    "BuildLocked": "rag.errors",
    "EmbedderError": "rag.errors",
    "ModelError": "rag.errors",
    "ReaderError": "rag.errors",
    "FetchError": "rag.errors",
    "SyncLocked": "rag.errors",
    "DataError": "rag.errors",
}
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
