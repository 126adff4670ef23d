import json

import numpy as np
import pytest

from rag.embedders import register_embedder
from rag.index import Engine, run_build
from rag.settings import Settings
from rag.store import IndexLoadError, load
from rag.types import DenseIndex
from tests.conftest import FakeEmbedder


def test_build_then_load_round_trip(fake_settings):
    report = run_build(fake_settings)
    assert report.articles == 5 and report.added == 5 and report.embeddings_reused == 0
    data = load(fake_settings.index_dir / "current")
    assert data.manifest["counts"]["chunks"] == len(data.chunks) == report.chunks
    assert data.manifest["embedder"] == {"id": FakeEmbedder.id, "dim": FakeEmbedder.dim}
    for chunk in data.chunks:
        article = data.articles[data.article_index[chunk.article_id]]
        assert article.text[chunk.start : chunk.end] == chunk.text


def test_other_embedder_is_refused_with_a_sentence(fake_settings):
    run_build(fake_settings)

    class Other(FakeEmbedder):
        id = "fake:other"
        dim = 32

    register_embedder("other", Other())
    engine = Engine(Settings.from_env(index_dir=fake_settings.index_dir, embedder="other"))
    with pytest.raises(IndexLoadError, match="bygget med embedderen 'fake:hashed-stems'.*Bygg på nytt med `rag build`"):
        engine.ask("Hvem leder klyngen?")


def test_other_schema_and_damage_are_refused(fake_settings):
    run_build(fake_settings)
    current = fake_settings.index_dir / "current"
    manifest = json.loads((current / "manifest.json").read_text())
    (current / "sentences.npy").write_bytes(b"garbage")
    with pytest.raises(IndexLoadError, match="sentences.npy stemmer ikke med sjekksummen"):
        load(current)
    manifest["schema_version"] = 999
    (current / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexLoadError, match="format 999"):
        load(current)
    (current / "manifest.json").write_text('{"schema_vers')
    with pytest.raises(IndexLoadError, match="ikke gyldig JSON"):
        load(current)


def test_rebuild_reuses_unchanged_embeddings(fake_settings):
    run_build(fake_settings)
    again = run_build(fake_settings)
    assert again.embeddings_computed == 0 and again.unchanged == 5
    target = next(fake_settings.articles_dir.glob("03-*.md"))
    target.write_text(target.read_text(encoding="utf-8") + "\nEn helt ny setning om havvind.\n", encoding="utf-8")
    changed = run_build(fake_settings)
    assert changed.changed == 1 and changed.unchanged == 4
    assert 0 < changed.embeddings_computed < 10


def test_approximate_hnsw_index_is_selectable(fake_settings):
    from dataclasses import replace

    settings = replace(fake_settings, dense_index="hnsw")
    run_build(settings)
    data = load(settings.index_dir / "current")
    assert data.manifest["dense_index"] == "hnsw" and "HNSW" in type(data.dense).__name__
    answer = Engine(settings).ask("Hvem er CEO i eSmart Systems?", passages=5)
    assert any(p.article_id == "artikkel-5" for p in answer.passages)


def test_default_float16_index_ranks_like_exact_search(fake_settings):
    from dataclasses import replace

    run_build(fake_settings)
    exact = replace(fake_settings, dense_index="flat", index_dir=fake_settings.index_dir.parent / "exact")
    run_build(exact)
    half, full = load(fake_settings.index_dir / "current"), load(exact.index_dir / "current")
    assert half.manifest["dense_index"] == "flat16" and "ScalarQuantizer" in type(half.dense).__name__
    queries = np.asarray(full.chunk_vectors[:10], dtype=np.float32)
    _, got = half.dense.search(queries, 5)
    _, expected = full.dense.search(queries, 5)
    assert (got[:, 0] == expected[:, 0]).all()  # each chunk finds itself first
    assert np.mean([len(set(a) & set(b)) / 5 for a, b in zip(got, expected)]) >= 0.9


def test_unknown_dense_index_is_refused_when_settings_are_made(fake_settings):
    from dataclasses import replace

    from rag.errors import SettingsError

    with pytest.raises(SettingsError, match="RAG_DENSE_INDEX='ivf-magic' finnes ikke; velg en av flat16, flat, hnsw"):
        Settings.from_env(env={"RAG_DENSE_INDEX": "ivf-magic"})
    with pytest.raises(SettingsError):
        replace(fake_settings, dense_index="ivf-magic")
    assert Settings.from_env(env={"RAG_DENSE_INDEX": "hnsw"}).dense_index is DenseIndex.HNSW


def test_row_file_reads_rows_like_the_array(tmp_path):
    from rag.store import RowFile

    array = np.arange(60, dtype=np.float16).reshape(20, 3)
    np.save(tmp_path / "v.npy", array)
    rows = RowFile(tmp_path / "v.npy")
    assert len(rows) == 20 and np.array_equal(np.asarray(rows), array)
    assert np.array_equal(rows[[7, 0, 19, 7]], array[[7, 0, 19, 7]]) and np.array_equal(rows[np.int64(4)], array[4])
    with pytest.raises(IndexError):
        rows[[20]]
    (tmp_path / "short.npy").write_bytes((tmp_path / "v.npy").read_bytes()[:-6])
    with pytest.raises(ValueError, match="shorter"):
        RowFile(tmp_path / "short.npy")
