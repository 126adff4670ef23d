"""The command-line contract: exit codes, JSON and JSONL shapes, messages."""

import io
import json

from rag.cli import main

JSON_KEYS = {"question", "answer", "abstained", "score", "citations", "passages", "timings_ms"}


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _seed_args(seed_index):
    return ["--index", str(seed_index.index_dir)]


def test_ask_json_contract(capsys, seed_index):
    code, out, _ = _run(
        capsys, "ask", *_seed_args(seed_index), "--json", "Hvem er ny leder i NCE Smart Energy Markets?"
    )
    assert code == 0
    obj = json.loads(out)
    assert JSON_KEYS <= obj.keys()
    assert set(obj["citations"][0]) == {"article_id", "title", "url", "date", "quote", "start", "end"}
    assert {"article_id", "title", "text", "score"} <= set(obj["passages"][0])


def test_ask_jsonl_contract(capsys, monkeypatch, seed_index):
    lines = [
        {"id": "a", "question": "Hvem er ny leder i NCE Smart Energy Markets?"},
        {"id": "b", "question": "Hvor gammel er han?", "history": ["Hvem er ny leder i NCE Smart Energy Markets?"]},
        {"id": "c", "question": "   "},
    ]
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nnot json\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code, out, _ = _run(capsys, "ask", *_seed_args(seed_index), "--jsonl", "-")
    rows = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and [r["id"] for r in rows] == ["a", "b", "c", 4]
    assert JSON_KEYS <= rows[0].keys() and "47" in rows[1]["answer"]
    assert "tomt" in rows[2]["error"] and "error" in rows[3]


def test_empty_question_exits_2(capsys, seed_index):
    code, _, err = _run(capsys, "ask", *_seed_args(seed_index), "  ")
    assert code == 2 and "tomt" in err


def test_very_long_question_is_cut_with_a_notice(capsys, seed_index):
    question = "Hvem er ny leder i NCE Smart Energy Markets? " + "x" * 10_000
    code, out, _ = _run(capsys, "ask", *_seed_args(seed_index), "--json", question)
    obj = json.loads(out)
    assert code == 0 and "kuttet" in obj["notice"]


def test_no_index_and_no_articles_says_what_to_run(capsys, tmp_path):
    code, _, err = _run(capsys, "ask", "--index", str(tmp_path / "idx"), "--articles", str(tmp_path / "none"), "Hei?")
    assert code == 1 and "rag build" in err and "finnes ikke" in err


def test_build_and_status_human_output(capsys, tmp_path, articles_dir):
    args = ["--index", str(tmp_path / "idx"), "--articles", str(articles_dir), "--embedder", "fake"]
    code, out, _ = _run(capsys, "build", *args)
    assert code == 0 and "5 artikler" in out
    code, out, _ = _run(capsys, "build", *args)
    assert code == 0 and "Ingenting å bygge" in out and "5 artiklene" in out
    code, out, _ = _run(capsys, "build", "--force", *args)
    assert code == 0 and "0 beregnet, " in out
    code, out, _ = _run(capsys, "index", "status", *args)
    assert code == 0 and "5 artikler" in out


def test_output_piped_into_a_reader_that_leaves_early_is_no_traceback(tmp_path, articles_dir):
    import os
    import subprocess
    import sys

    env = dict(os.environ) | {"RAG_EMBEDDER": "fake", "RAG_INDEX_DIR": str(tmp_path / "idx")}
    args = [sys.executable, "-c", "import sys, tests.conftest; from rag.cli import main; sys.exit(main(sys.argv[1:]))"]
    ask = [
        *args,
        "ask",
        "--articles",
        str(articles_dir),
        "--passages",
        "3",
        "Hvem er ny leder i NCE Smart Energy Markets?",
    ]
    subprocess.run(ask, env=env, capture_output=True, timeout=300, check=True)  # builds the index
    first = subprocess.Popen(ask, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first.stdout.close()  # the reader leaves before the answer is written, as `| head` can
    err = first.stderr.read().decode()
    assert first.wait(timeout=300) == 0 and "Traceback" not in err
