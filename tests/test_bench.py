"""`rag bench` smoke test at a small size: it must produce numbers, not meet targets."""

import json

import pytest

from rag.cli import main

pytestmark = pytest.mark.slow


def test_bench_produces_numbers(tmp_path, capsys):
    code = main(["bench", "--sizes", "150", "--queries", "20", "--out", str(tmp_path)])
    assert code == 0
    rows = json.loads((tmp_path / "bench.json").read_text())
    row = rows[0]
    assert 75 <= row["chunks"] <= 300
    for key in ("build_chunks_per_s", "p50_ms", "p95_ms", "rss_mb", "index_mb", "ready_s"):
        assert row[key] > 0, key
    assert "p50_ms" in capsys.readouterr().out
