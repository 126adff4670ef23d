"""One settings object: defaults < environment (RAG_*) < command-line flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from rag.chunking import ChunkerSettings
from rag.embedders import DEFAULT_EMBEDDER

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    home: Path = PROJECT_ROOT / "var"  # feedback, logs
    articles_dir: Path = PROJECT_ROOT / "data" / "articles"
    index_dir: Path = PROJECT_ROOT / "var" / "index"  # builds/ and the `current` pointer
    models_dir: Path = PROJECT_ROOT / "var" / "models"  # converted models (made once, on first use)
    embedder: str = DEFAULT_EMBEDDER
    embedder_chosen: bool = False  # False: serve an index with the embedder it was built with
    reader: bool = True  # build with the trained reader (rag/reader_model); False: the hand rules
    reader_chosen: bool = False  # False: serve an index with or without the reader, as it was built
    max_tokens: int = 160
    overlap_tokens: int = 40
    dense_index: str = "flat16"
    keep_builds: int = 3
    feeds: tuple[str, ...] = ()  # RSS/Atom feeds `rag sync` reads (RAG_FEEDS: URLs separated by spaces or commas)
    sitemaps: tuple[str, ...] = ()  # sitemaps `rag sync` reads (RAG_SITEMAPS)

    @property
    def chunker(self) -> ChunkerSettings:
        return ChunkerSettings(max_tokens=self.max_tokens, overlap_tokens=self.overlap_tokens)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> Settings:
        """Read RAG_HOME, RAG_ARTICLES_DIR, RAG_INDEX_DIR, RAG_EMBEDDER, RAG_MAX_TOKENS, ...
        then apply `overrides` (values that are None are ignored). RAG_HOME alone moves
        the index and the converted models too (to RAG_HOME/index, RAG_HOME/models)."""
        env = os.environ if env is None else env
        values: dict = {}
        for f in fields(cls):
            raw = env.get(f"RAG_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            kind = type(getattr(cls(), f.name))
            try:
                if kind is tuple:
                    values[f.name] = tuple(raw.replace(",", " ").split())
                    continue
                values[f.name] = raw if issubclass(kind, Path) else _bool(raw) if kind is bool else kind(raw)
            except ValueError as exc:
                raise ValueError(f"RAG_{f.name.upper()}={raw!r} is not a valid {kind.__name__}") from exc
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name in ("embedder", "reader"):
            if name in values:
                values[f"{name}_chosen"] = True
        for name in ("home", "articles_dir", "index_dir", "models_dir"):
            if name in values:
                values[name] = Path(values[name]).expanduser()
        if "home" in values and "index_dir" not in values:
            values["index_dir"] = values["home"] / "index"
        if "home" in values and "models_dir" not in values:
            values["models_dir"] = values["home"] / "models"
        return replace(cls(), **values)


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on", "ja"):
        return True
    if value in ("0", "false", "no", "off", "nei"):
        return False
    raise ValueError(raw)
