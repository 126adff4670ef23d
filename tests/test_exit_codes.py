"""Every documented exit code, reached through the real `rag` command in a subprocess:
one line on stderr, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.index import IndexRoot


def rag(tmp_path: Path, *args: str, env: dict | None = None) -> tuple[int, str, str]:
    environment = dict(os.environ, RAG_HOME=str(tmp_path / "home"), HF_HUB_OFFLINE="1") | (env or {})
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], env=environment, capture_output=True, text=True, timeout=300
    )
    return done.returncode, done.stdout, done.stderr


def one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("rag:")]
    assert len(lines) == 1, err
    return lines[0]


def empty_norquad(tmp_path: Path) -> Path:
    path = tmp_path / "nq.json"
    qa = {"id": "1", "question": "Hvem?", "answers": [{"text": "x"}]}
    path.write_text(json.dumps({"data": [{"paragraphs": [{"context": "  ", "qas": [qa]}]}]}), encoding="utf-8")
    return path


def test_status_of_nothing_is_ok(tmp_path):
    code, out, _ = rag(tmp_path, "index", "status")
    assert code == 0 and "Ingen indeks" in out


@pytest.mark.parametrize(
    "args, says",
    [
        (["ask", "--articles", "{tmp}/finnes-ikke", "Hei?"], "artikkelmappen"),
        (["ask", "--embedder", "finnes-ikke-modell", "Hei?"], "kan ikke laste sentence-transformers-modellen"),
        (["eval", "--no-gold", "--norquad", "{tmp}/nq.json", "--out", "{tmp}/out"], "ingen lesbare artikler"),
        (["eval", "--gold", "{tmp}/finnes-ikke.jsonl"], "finnes-ikke.jsonl"),
    ],
)
def test_errors_exit_1_with_one_line(tmp_path, args, says):
    empty_norquad(tmp_path)
    code, _, err = rag(tmp_path, *[a.format(tmp=tmp_path) for a in args])
    assert code == 1 and says in one_line(err)


@pytest.mark.parametrize(
    "args, env, says",
    [
        (["ask", "   "], {}, "Spørsmålet er tomt"),
        (["ask"], {}, "skriv et spørsmål"),
        (["ask", "--jsonl", "Hvem leder klyngen?"], {}, "fant ikke filen 'Hvem leder klyngen?'"),
        (["index", "status"], {"RAG_MAX_TOKENS": "mange"}, "RAG_MAX_TOKENS='mange' er ikke et helt tall"),
        (["index", "status"], {"RAG_DENSE_INDEX": "ivf"}, "RAG_DENSE_INDEX='ivf' finnes ikke"),
        (["index", "status"], {"RAG_OVERLAP_TOKENS": "500"}, "overlap_tokens"),
        (["sync", "--feed", "http://127.0.0.1:9/f.xml", "--delay", "-1"], {}, "--delay"),
    ],
)
def test_bad_usage_exits_2_with_one_line(tmp_path, args, env, says):
    code, _, err = rag(tmp_path, *args, env=env)
    assert code == 2 and says in one_line(err)


def test_argparse_usage_errors_exit_2(tmp_path):
    code, _, err = rag(tmp_path, "ask", "--passages", "tre", "Hei?")
    assert code == 2 and "invalid int value" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["index", "rollback"],
        ["build"],
        ["ask", "Hvem er ny leder i NCE Smart Energy Markets?"],  # first use: must build, and cannot
        ["eval", "--no-gold", "--norquad", "{tmp}/nq.json", "--out", "{tmp}/out"],
    ],
)
def test_a_held_build_lock_exits_75(tmp_path, args):
    empty_norquad(tmp_path)
    root = "out/norquad/index" if args[0] == "eval" else "home/index"
    with IndexRoot(tmp_path / root).lock():
        code, _, err = rag(tmp_path, *[a.format(tmp=tmp_path) for a in args])
    assert code == 75 and "et annet bygg kjører" in one_line(err)


def test_a_held_sync_lock_exits_75(tmp_path):
    from filelock import FileLock

    from rag.sync import LOCK_FILE

    articles = tmp_path / "articles"
    articles.mkdir()
    with FileLock(articles / LOCK_FILE):
        code, _, err = rag(tmp_path, "sync", "--feed", "http://127.0.0.1:9/f.xml", "--articles", str(articles))
    assert code == 75 and "en annen `rag sync`" in one_line(err)


def test_a_home_that_cannot_be_written_is_one_line_not_a_traceback(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = {"RAG_HOME": str(blocker / "home")}
    code, _, err = rag(tmp_path, "ask", "Hvem er ny leder i NCE Smart Energy Markets?", env=env)
    assert code == 1 and "kan ikke skrive" in one_line(err) and "RAG_HOME" in err
    code, _, err = rag(
        tmp_path, "sync", "--feed", "http://127.0.0.1:9/f.xml", env=env | {"RAG_ARTICLES_DIR": str(blocker / "a")}
    )
    assert code == 1 and "kan ikke skrive" in one_line(err)


def _read_only_home(tmp_path: Path) -> Path:
    """A folder nobody can write into: a 0555 folder, or for root (whom permissions do not
    stop) a path under /sys, where even root cannot make folders."""
    if os.geteuid() != 0:
        home = tmp_path / "ro"
        home.mkdir(mode=0o555)
        return home
    probe = Path("/sys/rag-home-probe")
    try:
        probe.mkdir()
    except OSError:
        return Path("/sys/rag-home")
    probe.rmdir()
    pytest.skip("no read-only folder to try here")


def test_a_read_only_home_is_one_line(tmp_path):
    home = _read_only_home(tmp_path)
    for args in (["ask", "Hei?"], ["build"], ["index", "rollback"]):
        code, _, err = rag(tmp_path, *args, env={"RAG_HOME": str(home)})
        assert code == 1 and "kan ikke" in one_line(err), (args, err)
    code, out, err = rag(tmp_path, "index", "status", env={"RAG_HOME": str(home)})
    assert code == 0 and "Ingen indeks" in out
