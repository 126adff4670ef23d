"""Shared fixtures: a deterministic fake embedder, temp data dirs, a real seed index."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.embedders import register_embedder
from rag.norwegian import terms
from rag.settings import PROJECT_ROOT, Settings

SEED_ARTICLES = PROJECT_ROOT / "data" / "articles"


class FakeEmbedder:
    """Bag of hashed stems: texts sharing words get similar vectors. Deterministic."""

    id = "fake:hashed-stems"
    dim = 64

    def embed_queries(self, texts):
        return self._embed(texts)

    def embed_passages(self, texts):
        return self._embed(texts)

    def _embed(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in terms(text) or ["\x00"]:
                out[row, int(hashlib.md5(term.encode()).hexdigest(), 16) % self.dim] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


register_embedder("fake", FakeEmbedder())


# What a test needs, from the fixtures it uses (tests that need more say so with a mark).
NEEDS = {"seed_index": "embedder", "seed_engine": "embedder", "tiny_model": "embedder", "app": "server"}
SLOW_TIERS = ("embedder", "server", "browser", "fuzz")


def pytest_collection_modifyitems(items):
    """Mark tests by the fixtures they use, then run the quick tier first (a plain `pytest`
    fails fast on a broken unit before minutes of model and server tests)."""
    for item in items:
        for fixture, mark in NEEDS.items():
            if fixture in item.fixturenames:
                item.add_marker(mark)
    items.sort(key=lambda item: any(item.get_closest_marker(mark) for mark in SLOW_TIERS))


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    """One folder of converted models for the whole run (the conversion writes ~490 MB)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch, models_dir):
    """Every test gets its own data folder; nothing touches var/ in the checkout. Tests
    answer with the hand rules unless they ask for the trained reader."""
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RAG_MODELS_DIR", str(models_dir))
    monkeypatch.setenv("RAG_READER", "0")
    monkeypatch.delenv("RAG_INDEX_DIR", raising=False)
    monkeypatch.delenv("RAG_ARTICLES_DIR", raising=False)
    monkeypatch.delenv("RAG_EMBEDDER", raising=False)
    return tmp_path


@pytest.fixture
def articles_dir(tmp_path) -> Path:
    target = tmp_path / "articles"
    shutil.copytree(SEED_ARTICLES, target)
    return target


@pytest.fixture
def fake_settings(tmp_path, articles_dir) -> Settings:
    return Settings.from_env(home=tmp_path / "home", articles_dir=articles_dir, embedder="fake")


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, models_dir) -> Settings:
    """The shipped corpus indexed once with the real default embedder and the trained reader."""
    from rag.index import run_build

    home = tmp_path_factory.mktemp("seed-home")
    settings = Settings.from_env(env={}, home=home, articles_dir=SEED_ARTICLES, models_dir=models_dir)
    run_build(settings)
    return settings


@pytest.fixture(scope="session")
def seed_engine(seed_index):
    from rag.index import Engine

    return Engine(seed_index)


def _postgres_bin() -> Path | None:
    import glob

    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server on loopback for the session (Debian's package; `.ci/run`
    installs it): its URL without a database name. Skipped where PostgreSQL is missing."""
    import os
    import socket
    import subprocess
    import tempfile

    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql; .ci/run installs it)")
    folder = Path(tempfile.mkdtemp(prefix="rag-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(folder, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = folder / "data"
    subprocess.run(
        [*run_as, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.server)])
def chat_db(request, tmp_path):
    """A new, empty chat database: an SQLite file, or a database of its own on the test
    PostgreSQL server (the same tests run on both)."""
    if request.param == "sqlite":
        return str(tmp_path / "chat.db")
    import uuid

    psycopg = pytest.importorskip("psycopg")
    server = request.getfixturevalue("postgres_server")
    name = f"rag_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"
