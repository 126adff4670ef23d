"""The JSON Lines question/answer contract shared by `rag ask --jsonl` and `rag eval`.

In:  {"id": ..., "question": "...", "history": ["earlier question", ...]}
Out: {"id": ..., "question", "answer", "abstained", "score", "citations", "passages",
      "timings_ms"} or {"id": ..., "error": "..."} for a line that cannot be answered.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from rag.errors import EmptyQuestion
from rag.types import Answer

Ask = Callable[..., Answer]


def answer_item(ask: Ask, item: object, fallback_id: object, passages: int | None = None) -> dict:
    """Answer one parsed JSON question; bad input becomes an `error` row, never an exception."""
    if not isinstance(item, dict):
        return {"id": fallback_id, "error": "each line must be a JSON object"}
    qid = item.get("id", fallback_id)
    question, history = item.get("question"), item.get("history") or []
    if not isinstance(question, str) or not isinstance(history, list):
        return {"id": qid, "error": "'question' must be a string and 'history' a list of strings"}
    try:
        answer = ask(question, [str(h) for h in history], passages=passages)
    except EmptyQuestion as exc:
        return {"id": qid, "error": str(exc)}
    return {"id": qid} | answer.to_dict()


def answer_line(ask: Ask, line: str, lineno: int, passages: int | None = None) -> dict:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"id": lineno, "error": f"line {lineno} is not valid JSON ({exc.msg})"}
    return answer_item(ask, item, lineno, passages)
