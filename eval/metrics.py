"""Scoring one answer row against one gold question. Plain functions, no I/O."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

KS = (1, 3, 5, 10)
_QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "’": "'", "‘": "'", "–": "-", "—": "-"})


def normalise(text: str) -> str:
    """Case, whitespace, dashes and «» quotes folded so that formatting never decides a hit."""
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES).lower()
    return " ".join(text.split())


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", normalise(text))


def contains_any(text: str, needles: list[str]) -> bool:
    hay = normalise(text)
    return any(normalise(n) and normalise(n) in hay for n in needles)


def token_f1(prediction: str, golds: list[str]) -> float:
    pred = _tokens(prediction)
    best = 0.0
    for gold in golds:
        ref = _tokens(gold)
        common = sum((Counter(pred) & Counter(ref)).values())
        if common:
            p, r = common / len(pred), common / len(ref)
            best = max(best, 2 * p * r / (p + r))
    return best


def score_row(gold: dict, row: dict, article_texts: dict[str, str]) -> dict:
    """Metrics for one question. `row` is a `rag ask --jsonl` output line."""
    if "error" in row:
        return {"error": True}
    needles = [n for n in [gold.get("evidence", ""), *gold.get("answers", [])] if n]
    out: dict = {"latency_ms": row["timings_ms"]["total"], "abstained": row["abstained"]}
    if gold.get("unanswerable"):
        return out
    answer = row["answer"] or ""
    out["hit"] = float(contains_any(answer, gold["answers"]))
    out["f1"] = token_f1(answer, gold["answers"]) if answer else 0.0
    # The short answer marked in the quote, scored as SQuAD scores a reader (exact match and
    # token F1 against the gold answers; none, or an abstention, scores 0).
    short = (row.get("short_answer") or {}).get("text") or ""
    out["short_em"] = float(any(_tokens(short) == _tokens(g) for g in gold["answers"])) if short else 0.0
    out["short_f1"] = token_f1(short, gold["answers"]) if short else 0.0
    ranks = [i for i, p in enumerate(row["passages"]) if contains_any(p["text"], needles)]
    first = ranks[0] if ranks else None
    for k in KS:
        out[f"recall@{k}"] = float(first is not None and first < k)
    out["mrr@10"] = 1.0 / (first + 1) if first is not None and first < 10 else 0.0
    if row["citations"]:
        at_offsets = [
            article_texts.get(c["article_id"], "")[c["start"] : c["end"]] == c["quote"] for c in row["citations"]
        ]
        good = [ok and contains_any(c["quote"], needles) for c, ok in zip(row["citations"], at_offsets)]
        out["citation_precision"] = sum(good) / len(good)
        out["citation_offsets_ok"] = float(all(at_offsets))
    return out


def summarise(scored: list[dict], golds: list[dict]) -> dict:
    """Means over answerable questions, abstention rates, latency percentiles."""
    import numpy as np

    answerable = [s for s, g in zip(scored, golds) if not g.get("unanswerable") and "error" not in s]
    unanswerable = [s for s, g in zip(scored, golds) if g.get("unanswerable") and "error" not in s]
    latencies = [s["latency_ms"] for s in scored if "latency_ms" in s]
    out: dict = {
        "questions": len(golds),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "errors": sum("error" in s for s in scored),
    }
    for key in ["hit", "f1", "short_em", "short_f1", *[f"recall@{k}" for k in KS], "mrr@10"]:
        vals = [s[key] for s in answerable if key in s]
        out[key] = round(float(np.mean(vals)), 4) if vals else None
    cites = [s["citation_precision"] for s in answerable if "citation_precision" in s]
    out["citation_precision"] = round(float(np.mean(cites)), 4) if cites else None
    out["wrongly_abstained"] = round(float(np.mean([s["abstained"] for s in answerable])), 4) if answerable else None
    out["abstained_unanswerable"] = (
        round(float(np.mean([s["abstained"] for s in unanswerable])), 4) if unanswerable else None
    )
    if latencies:
        out["latency_p50_ms"] = round(float(np.percentile(latencies, 50)), 2)
        out["latency_p95_ms"] = round(float(np.percentile(latencies, 95)), 2)
    return out


# Metrics where lower is better; everything else is better higher.
LOWER_IS_BETTER = {"wrongly_abstained", "latency_p50_ms", "latency_p95_ms", "errors"}
