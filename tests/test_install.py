"""A non-editable install: one import name, runs from anywhere, writes nothing into its
own install folder, and `rag ask` needs neither the [serve] nor the [eval] extra."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag.settings import PROJECT_ROOT

ASK = """
import sys
sys.modules.update(gradio=None, matplotlib=None, psutil=None)  # the extras are not needed to ask
import rag, rag.index
print(rag.__file__, rag.index.__file__, file=sys.stderr)
from rag.cli import main
sys.exit(main(["ask", "--json", "Hvem er ny leder i NCE Smart Energy Markets?"]))
"""


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    # Python's own bytecode cache aside (pip compiles it at install time; it is not ours)
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if "__pycache__" not in p.parts
    }


@pytest.mark.embedder
def test_pip_install_then_ask_from_elsewhere(tmp_path, models_dir):
    source = tmp_path / "source"
    shutil.copytree(
        PROJECT_ROOT,
        source,
        ignore=shutil.ignore_patterns(".git", ".venv", "var", "out", "build", "*.egg-info", "__pycache__", ".*cache"),
    )
    site = tmp_path / "site-packages"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(site)]
    subprocess.run([*pip, str(source)], check=True, capture_output=True, timeout=600)
    assert (site / "rag" / "index" / "engine.py").is_file() and (
        site / "rag" / "reader_model" / "reader.json"
    ).is_file()
    assert not any((site / name).exists() for name in ("index", "ui", "eval", "data")), "generic top-level names"
    before = _snapshot(site)

    user = tmp_path / "user"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "XDG_"))}
    env |= {"PYTHONPATH": str(site), "HOME": str(user), "RAG_MODELS_DIR": str(models_dir), "HF_HUB_OFFLINE": "1"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", ASK], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert str(site / "rag" / "__init__.py") in done.stderr and str(site / "rag" / "index") in done.stderr
    answer = json.loads(done.stdout)
    assert not answer["abstained"] and "Bilet" in answer["answer"]

    assert _snapshot(site) == before, "rag wrote into its install folder"
    home = user / ".local" / "share" / "rag-artikler"
    assert (home / "index" / "current").is_symlink() and len(list((home / "articles").glob("*.md"))) == 5
    assert list(elsewhere.iterdir()) == []

    check = subprocess.run([sys.executable, "-c", "import index"], cwd=elsewhere, env=env, capture_output=True)
    assert check.returncode != 0 and b"No module named 'index'" in check.stderr
