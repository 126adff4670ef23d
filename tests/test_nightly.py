"""Nightly rebuilds: incremental, atomic, killed builds, hot reload under load."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from rag.embedders import register_embedder
from rag.index import BuildLocked, Engine, IndexRoot, run_build
from rag.settings import Settings
from tests.conftest import FakeEmbedder


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, counting the texts it is asked to embed."""

    id = FakeEmbedder.id  # the same vectors, so an index built with "fake" is reused
    embedded = 0

    def _embed(self, texts):
        CountingEmbedder.embedded += len(texts)
        return super()._embed(texts)


register_embedder("counting", CountingEmbedder())


def test_one_changed_article_re_embeds_only_its_new_text(fake_settings):
    from dataclasses import replace

    run_build(fake_settings)
    counting = replace(fake_settings, embedder="counting")
    CountingEmbedder.embedded = 0
    target = next(fake_settings.articles_dir.glob("05-*.md"))
    target.write_text(
        target.read_text(encoding="utf-8") + "\nSolceller på taket av rådhuset i Halden.\n", encoding="utf-8"
    )
    report = run_build(counting)
    assert (report.changed, report.unchanged, report.added, report.removed) == (1, 4, 0, 0)
    # the new sentence, plus the last chunk of that article (its text changed); the smoke
    # query after the build embeds one question, which is not an index embedding
    assert 2 <= report.embeddings_computed <= 3
    assert CountingEmbedder.embedded == report.embeddings_computed + 1


def test_deleted_article_disappears_from_every_result(fake_settings):
    engine = Engine(fake_settings)
    run_build(fake_settings)
    assert any(p.article_id == "artikkel-5" for p in engine.ask("Hvem er CEO i eSmart Systems?", passages=10).passages)
    next(fake_settings.articles_dir.glob("05-*.md")).unlink()
    report = run_build(fake_settings)
    assert report.removed == 1
    for question in ("Hvem er CEO i eSmart Systems?", "Viken-politikere NHO", "Charlotte Aschim TotalCtrl matsvinn"):
        answer = engine.ask(question, passages=10)
        assert all(p.article_id != "artikkel-5" for p in answer.passages)
        assert all(c.article_id != "artikkel-5" for c in answer.citations)


def test_second_build_is_refused_while_one_runs(fake_settings):
    root = IndexRoot(fake_settings.index_dir)
    with root.lock(), pytest.raises(BuildLocked, match="et annet bygg kjører"):
        run_build(fake_settings)


def test_a_build_with_nothing_changed_loads_no_model_and_keeps_the_index(fake_settings, monkeypatch):
    from dataclasses import replace

    import rag.index.build as build_module

    first = run_build(fake_settings)

    def no_model(*args, **kwargs):
        raise AssertionError("a model was loaded")

    monkeypatch.setattr(build_module, "load_embedder", no_model)
    again = run_build(fake_settings)
    assert (again.rebuilt, again.build, again.unchanged, again.chunks) == (False, first.build, 5, first.chunks)
    assert [p.name for p in IndexRoot(fake_settings.index_dir).builds.iterdir()] == [first.build]
    # another setting, or a changed article, builds anew
    with pytest.raises(AssertionError, match="a model was loaded"):
        run_build(replace(fake_settings, dense_index="hnsw"))
    target = next(fake_settings.articles_dir.glob("02-*.md"))
    target.write_text(target.read_text(encoding="utf-8") + "\nEn ny setning.\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="a model was loaded"):
        run_build(fake_settings)


def test_a_damaged_index_or_an_article_with_other_metadata_is_built_anew(fake_settings):
    from dataclasses import replace

    from rag.corpus import load_articles
    from rag.index.build import build_key

    first = run_build(fake_settings)
    current = IndexRoot(fake_settings.index_dir).current()
    (current / "chunks.jsonl").write_text("skadet\n", encoding="utf-8")
    again = run_build(fake_settings)
    assert again.rebuilt and again.build != first.build
    articles = load_articles(fake_settings.articles_dir).articles
    other_author = [replace(articles[0], author="Kari Nordmann"), *articles[1:]]
    assert build_key(fake_settings, other_author, None) != build_key(fake_settings, articles, None)


def test_rollback_serves_the_previous_build(fake_settings):
    first = run_build(fake_settings).build
    run_build(fake_settings, force=True)
    root = IndexRoot(fake_settings.index_dir)
    assert root.rollback().name == first and root.current().name == first


@pytest.mark.embedder
def test_build_killed_midway_leaves_the_served_index_and_the_next_build_works(tmp_path, articles_dir):
    env = dict(os.environ, RAG_HOME=str(tmp_path / "home"), RAG_ARTICLES_DIR=str(articles_dir))
    settings = Settings.from_env(env=env)
    subprocess.run([sys.executable, "-m", "rag.cli", "build"], env=env, check=True, capture_output=True)
    served = IndexRoot(settings.index_dir).current()
    for n in range(8):  # enough new text that the next build takes several seconds
        body = "\n\n".join(
            f"Nytt avsnitt {n}-{i} om havvind, batterier og strømnettet i region {i}." for i in range(40)
        )
        (articles_dir / f"extra-{n}.md").write_text(f"---\ntitle: Ekstra {n}\n---\n{body}\n", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "build"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    lock = settings.index_dir / "build.lock"
    deadline = time.time() + 60
    while time.time() < deadline and f"pid {proc.pid}" not in (lock.read_text() if lock.exists() else ""):
        time.sleep(0.05)
    time.sleep(1.5)  # inside the embedding of ~700 new texts
    assert proc.poll() is None, "the build finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert IndexRoot(settings.index_dir).current() == served
    assert Engine(settings).ask("Hvem er ny leder i NCE Smart Energy Markets?").passages
    done = subprocess.run([sys.executable, "-m", "rag.cli", "build", "--json"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert IndexRoot(settings.index_dir).current() != served
    assert not list((settings.index_dir / "builds").glob("*.partial"))


def test_queries_during_publish_never_fail_nor_mix_indexes(fake_settings):
    articles = fake_settings.articles_dir
    for old in articles.glob("*.md"):
        old.unlink()

    def write(version: str) -> None:
        body = "\n\n".join(f"Klyngen {version} leder prosjekt {i} om energi og batterier {version}." for i in range(30))
        (articles / "a.md").write_text(f"---\nid: a\ntitle: Versjon {version}\n---\n{body}\n", encoding="utf-8")

    write("alfa")
    run_build(fake_settings)
    engine = Engine(fake_settings)
    errors, seen, stop = [], set(), threading.Event()

    def ask_loop():
        while not stop.is_set():
            try:
                answer = engine.ask("Hvilket prosjekt leder klyngen om energi?", passages=5)
                versions = {v for p in answer.passages for v in ("alfa", "beta") if v in p.text}
                if len(versions) != 1:
                    errors.append(f"mixed or empty: {versions}")
                seen.update(versions)
            except Exception as exc:  # any failure is what this test looks for
                errors.append(repr(exc))

    threads = [threading.Thread(target=ask_loop) for _ in range(4)]
    for t in threads:
        t.start()
    for version in ("beta", "alfa", "beta"):
        write(version)
        run_build(fake_settings)
        time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join()
    assert not errors and seen == {"alfa", "beta"}
