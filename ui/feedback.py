"""👍/👎 feedback, one JSON line per vote in the data folder (append-only)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

_lock = threading.Lock()


def feedback_path(home: Path) -> Path:
    return home / "feedback.jsonl"


def record(home: Path, liked: bool, question: str, answer: dict) -> dict:
    row = {
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "liked": liked,
        "question": question,
        "answer": answer.get("answer"),
        "abstained": answer.get("abstained"),
        "citations": answer.get("citations", []),
    }
    path = feedback_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return row


def latest(home: Path, n: int = 20) -> list[dict]:
    path = feedback_path(home)
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a torn last line from a crash is skipped, the rest is kept
    return rows[-n:]
