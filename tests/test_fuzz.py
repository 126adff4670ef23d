"""A short burst of the atheris fuzzer (tests/fuzz_articles.py), seeded with one file of each type."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.mark.fuzz
def test_article_reader_and_chunker_survive_fuzzing(tmp_path):
    pytest.importorskip("atheris")
    corpus = tmp_path / "corpus"
    shutil.copytree(HERE / "fuzz_seeds", corpus)
    run = subprocess.run(
        [sys.executable, str(HERE / "fuzz_articles.py"), str(corpus), "-max_total_time=20", "-max_len=2048"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Done" in run.stderr
