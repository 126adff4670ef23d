"""One settings object: defaults < environment (RAG_*) < command-line flags.

Every knob lives here, frozen and checked when the object is made, so a bad value is
one clear message before any work starts. Each field `name` is read from `RAG_NAME`.
Paths default under `home`: the checkout's `var/` when rag runs from a checkout, and a
per-user data folder (e.g. ~/.local/share/rag-artikler) when it was installed, so
nothing is ever written inside site-packages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from rag.chunking import ChunkerSettings
from rag.embedders import DEFAULT_EMBEDDER
from rag.errors import SettingsError
from rag.retrieval import DENSE_WEIGHT, DEPTH, RRF_K
from rag.types import DenseIndex

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent  # the checkout, when running from one
APP_NAME = "rag-artikler"
_PATHS = ("home", "articles_dir", "index_dir", "models_dir", "users_file")


def in_checkout() -> bool:
    """True when this code runs from the project's own folder (editable install or source)."""
    return (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "index").is_dir()


def default_home() -> Path:
    if in_checkout():
        return PROJECT_ROOT / "var"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def shipped_articles() -> Path:
    """The five seed articles: data/articles in a checkout, rag/seed_articles when installed."""
    return PROJECT_ROOT / "data" / "articles" if in_checkout() else PACKAGE_DIR / "seed_articles"


def first_use_articles(settings: Settings) -> bool:
    """An installed rag's default article folder ($RAG_HOME/articles) starts as a copy of
    the five shipped articles, so `rag ask` works at once; True when it was just made."""
    import shutil

    if in_checkout() or settings.articles_dir != settings.home / "articles" or settings.articles_dir.exists():
        return False
    tmp = settings.articles_dir.with_name(".articles.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(shipped_articles(), tmp, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    os.replace(tmp, settings.articles_dir)
    return True


@dataclass(frozen=True)
class Settings:
    # where things live (None: derived from `home` when the object is made)
    home: Path | None = None  # feedback, sync log, and the folders below
    articles_dir: Path | None = None  # checkout: data/articles; installed: $RAG_HOME/articles
    index_dir: Path | None = None  # $RAG_HOME/index: builds/ and the `current` pointer
    models_dir: Path | None = None  # $RAG_HOME/models: converted models (made once, on first use)
    users_file: Path | None = None  # an older users.json for `rag serve`: imported once, turns login on
    # models
    embedder: str = DEFAULT_EMBEDDER
    embedder_chosen: bool = False  # False: serve an index with the embedder it was built with
    reader: bool = True  # build with the trained reader (rag/reader_model); False: the hand rules
    reader_chosen: bool = False  # False: serve an index with or without the reader, as it was built
    span: bool = True  # mark the short answer with the span reader (rag/span_model); False: by rule
    # (the reader's choice reads the span reader's scores either way)
    # index
    max_tokens: int = ChunkerSettings.max_tokens
    overlap_tokens: int = ChunkerSettings.overlap_tokens
    dense_index: DenseIndex = DenseIndex.FLAT16
    keep_builds: int = 3
    # retrieval and answering
    retrieval_depth: int = DEPTH  # candidates from each of FAISS and BM25
    rrf_k: int = RRF_K
    dense_weight: float = DENSE_WEIGHT  # FAISS's weight in the fusion; BM25's is 1
    answer_chunks: int = 6  # top chunks whose sentences are read for the answer
    passages: int = 3  # passages returned with an answer
    # chat server
    queue_size: int = 64  # requests waiting; more are turned away
    concurrency: int = 2  # answered at once (measured with `rag load`: 2 beats 1, 4 and 8 on two cores)
    # what the chat remembers (rag.chatlog)
    database_url: str = ""  # "": SQLite in $RAG_HOME/chat.db; postgresql://… for several `rag serve` replicas
    log_questions: bool = True  # keep the questions asked (RAG_LOG_QUESTIONS=0: keep none)
    log_days: int = 90  # questions and feedback older than this are deleted by the nightly `rag build`
    # sync
    feeds: tuple[str, ...] = ()  # RSS/Atom feeds `rag sync` reads (RAG_FEEDS: URLs separated by spaces or commas)
    sitemaps: tuple[str, ...] = ()  # sitemaps `rag sync` reads (RAG_SITEMAPS)

    def __post_init__(self) -> None:
        home = Path(self.home).expanduser() if self.home else default_home()
        derived = {
            "home": home,
            "articles_dir": shipped_articles() if in_checkout() else home / "articles",
            "index_dir": home / "index",
            "models_dir": home / "models",
        }
        for name in _PATHS:
            value = getattr(self, name)
            value = Path(value).expanduser() if value else derived.get(name)
            object.__setattr__(self, name, value)
        try:
            object.__setattr__(self, "dense_index", DenseIndex(self.dense_index))
        except ValueError:
            choices = ", ".join(d.value for d in DenseIndex)
            raise SettingsError(f"RAG_DENSE_INDEX={self.dense_index!r} finnes ikke; velg en av {choices}") from None
        for name in ("keep_builds", "retrieval_depth", "rrf_k", "answer_chunks", "passages", "queue_size", "log_days"):
            if getattr(self, name) < 1:
                raise SettingsError(f"RAG_{name.upper()} må være minst 1 (er {getattr(self, name)})")
        if not 1 <= self.concurrency <= 64:
            raise SettingsError(f"RAG_CONCURRENCY må være mellom 1 og 64 (er {self.concurrency})")
        if not 0 <= self.dense_weight <= 10:
            raise SettingsError(f"RAG_DENSE_WEIGHT må være mellom 0 og 10 (er {self.dense_weight})")
        if self.database_url and not self.database_url.startswith(("postgresql://", "postgres://")):
            raise SettingsError(
                f"RAG_DATABASE_URL begynner med {self.database_url.split(':', 1)[0]!r}: bare postgresql://… "
                "støttes (tom: SQLite i $RAG_HOME)"
            )
        try:
            self.chunker  # noqa: B018 - checks the sizes
        except ValueError as exc:
            raise SettingsError(f"RAG_MAX_TOKENS / RAG_OVERLAP_TOKENS: {exc}") from None

    @property
    def chunker(self) -> ChunkerSettings:
        return ChunkerSettings(max_tokens=self.max_tokens, overlap_tokens=self.overlap_tokens)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> Settings:
        """Read every field `name` from RAG_NAME, then apply `overrides` (None values are
        ignored). RAG_HOME alone moves the index and the converted models too."""
        env = os.environ if env is None else env
        values: dict = {}
        for f in fields(cls):
            raw = env.get(f"RAG_{f.name.upper()}")
            if raw is None or raw.strip() == "" or f.name.endswith("_chosen"):
                continue
            values[f.name] = _parse(f.name, getattr(cls, f.name), raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name in ("embedder", "reader"):
            if name in values:
                values[f"{name}_chosen"] = True
        return cls(**values)

    def with_paths(self, **paths) -> Settings:
        """A copy with some folders changed; folders derived from `home` follow a new home."""
        if "home" in paths:
            for name in ("index_dir", "models_dir"):
                paths.setdefault(name, None)
        return replace(self, **paths)


def _parse(name: str, default, raw: str):
    raw = raw.strip()
    try:
        if name in _PATHS:
            return Path(raw)
        if isinstance(default, bool):
            return _bool(raw)
        if isinstance(default, tuple):
            return tuple(raw.replace(",", " ").split())
        if isinstance(default, DenseIndex):
            return raw
        return type(default)(raw)
    except ValueError:
        kind = {bool: "ja/nei (1/0)", int: "et helt tall", float: "et tall"}.get(type(default), type(default).__name__)
        raise SettingsError(f"RAG_{name.upper()}={raw!r} er ikke {kind}") from None


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on", "ja"):
        return True
    if value in ("0", "false", "no", "off", "nei"):
        return False
    raise ValueError(raw)
