"""Every answer of a `rag eval` run, kept so that a refactor can prove it changed none.

`rag eval` writes `answers.jsonl` beside `report.json`: one line per question and section
(the product, without abstention, the ablations), holding what the user sees — the answer,
whether it abstained, the score, the citations with their offsets, the short answer, the
notice and the passages — and not the timings. `rag eval --same-answers-as OLD.jsonl`
compares the new run with an older one line by line and lists every difference.
"""

from __future__ import annotations

import json
from pathlib import Path

from rag.errors import DataError

# What an answer row holds that may differ between two runs of the same code.
VOLATILE = ("timings_ms",)
SCORE_TOLERANCE = 1e-6


def answer_lines(report: dict) -> list[dict]:
    """One record per asked question of every section of `report` (its `answers`)."""
    lines = []
    for section, result in report.items():
        for row in result.get("answers", []) if isinstance(result, dict) else []:
            lines.append({"section": section} | {k: v for k, v in row.items() if k not in VOLATILE})
    return lines


def write_answers(lines: list[dict], path: Path) -> None:
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")


def read_answers(path: Path) -> list[dict]:
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"kan ikke lese svarene i {path} ({exc})") from exc


def differences(old: list[dict], new: list[dict], limit: int = 20) -> list[str]:
    """What differs between two runs' answer lines, one line of text each (at most
    `limit`, then a count); empty when every answer is the same. Lines are matched by
    section and question id; scores may differ by SCORE_TOLERANCE."""
    old_by = {(line["section"], str(line["id"])): line for line in old}
    new_by = {(line["section"], str(line["id"])): line for line in new}
    found = [f"{key}: missing in the new run" for key in old_by.keys() - new_by.keys()]
    found += [f"{key}: not in the old run" for key in new_by.keys() - old_by.keys()]
    for key in sorted(old_by.keys() & new_by.keys()):
        a, b = old_by[key], new_by[key]
        for field in sorted(a.keys() | b.keys()):
            x, y = a.get(field), b.get(field)
            if field == "score" and isinstance(x, (int, float)) and isinstance(y, (int, float)):
                same = abs(x - y) <= SCORE_TOLERANCE
            else:
                same = x == y
            if not same:
                found.append(
                    f"{key} {field}: {json.dumps(x, ensure_ascii=False)[:200]} -> "
                    f"{json.dumps(y, ensure_ascii=False)[:200]}"
                )
    if len(found) > limit:
        found = found[:limit] + [f"… and {len(found) - limit} more"]
    return found
