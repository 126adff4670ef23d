"""`rag eval`: ask every gold question through the `rag ask --jsonl` code path and score."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from rag.batch import answer_item
from rag.errors import DataError
from rag.eval.metrics import KS, LOWER_IS_BETTER, score_row, summarise

GOLD = Path(__file__).parent / "data" / "seed_qa.jsonl"
# Questions written over the seed articles to train the reader (its adapters, the answerable
# ones; its confidence model, all); not gold.
WRITTEN = Path(__file__).parent / "data" / "seed_train_qa.jsonl"
PASSAGES = 10
LATENCY_TOLERANCE = 1.25  # latency counts as worse only beyond 25 % slower


def read_gold(path: Path) -> list[dict]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"kan ikke lese gullsettet {path} ({getattr(exc, 'strerror', None) or exc})") from exc
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{lineno} er ikke gyldig JSON ({exc.msg})") from exc
    return rows


def evaluate(ask: Callable, golds: list[dict], article_texts: dict[str, str], progress=None) -> dict:
    """Score every gold question; returns {"overall": ..., "by_kind": ..., "rows": ...,
    "answers": every answer row as `rag ask --jsonl` gives it}."""
    rows, scored = [], []
    for n, gold in enumerate(golds, 1):
        item = {"id": gold["id"], "question": gold["question"], "history": gold.get("history", [])}
        row = answer_item(ask, item, gold["id"], passages=PASSAGES)
        rows.append(row)
        scored.append(score_row(gold, row, article_texts))
        if progress:
            progress(n, len(golds))
    kinds = sorted({g.get("kind", "other") for g in golds})
    by_kind = {}
    for kind in kinds:
        idx = [i for i, g in enumerate(golds) if g.get("kind", "other") == kind]
        by_kind[kind] = summarise([scored[i] for i in idx], [golds[i] for i in idx])
    details = [
        {
            "id": g["id"],
            "kind": g.get("kind"),
            "question": g["question"],
            "answer": r.get("answer"),
            "abstained": r.get("abstained"),
            "score": r.get("score"),
        }
        | s
        for g, r, s in zip(golds, rows, scored)
    ]
    return {"overall": summarise(scored, golds), "by_kind": by_kind, "rows": details, "answers": rows}


def compare(report: dict, baseline: dict) -> dict[str, list[str]]:
    """Names of metrics that got worse than the baseline, per section."""
    worse: dict[str, list[str]] = {}
    for section, metrics in report.items():
        base = baseline.get(section, {})
        if not isinstance(metrics, dict) or "overall" not in metrics:
            continue
        names = []
        for key, value in metrics["overall"].items():
            old = base.get("overall", {}).get(key)
            if (
                not isinstance(value, (int, float))
                or not isinstance(old, (int, float))
                or key in ("questions", "answerable", "unanswerable")
            ):
                continue
            if key.startswith("latency"):
                if value > old * LATENCY_TOLERANCE:
                    names.append(key)
            elif (value > old) if key in LOWER_IS_BETTER else (value < old - 1e-9):
                names.append(key)
        worse[section] = names
    return worse


COLUMNS = [
    "hit",
    "f1",
    "short_em",
    "short_f1",
    "recall@1",
    "recall@3",
    "recall@5",
    "recall@10",
    "mrr@10",
    "citation_precision",
    "abstained_unanswerable",
    "wrongly_abstained",
    "latency_p50_ms",
    "latency_p95_ms",
]
SHORT = {
    "citation_precision": "cite_prec",
    "abstained_unanswerable": "abst_unans",
    "wrongly_abstained": "wrong_abst",
    "latency_p50_ms": "p50_ms",
    "latency_p95_ms": "p95_ms",
}


def format_table(title: str, result: dict, worse: list[str] | None = None) -> str:
    worse = worse or []
    head = ["set", "n"] + [SHORT.get(c, c) for c in COLUMNS]
    lines = [f"== {title} ==", " ".join(f"{h:>10}" for h in head)]
    sections = [("overall", result["overall"])] + sorted(result["by_kind"].items())
    for name, m in sections:
        cells = [f"{name[:10]:>10}", f"{m['questions']:>10}"]
        for c in COLUMNS:
            v = m.get(c)
            text = "-" if v is None else (f"{v:.1f}" if c.startswith("latency") else f"{v:.3f}")
            if name == "overall" and c in worse:
                text += "!"
            cells.append(f"{text:>10}")
        lines.append(" ".join(cells))
    if worse:
        lines.append(f"(! = worse than the baseline: {', '.join(worse)})")
    return "\n".join(lines)


def plot(report: dict, path: Path) -> bool:
    """Draw report.png; False (and no figure) when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return False

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sections = [(name, r) for name, r in report.items() if isinstance(r, dict) and "overall" in r]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for name, r in sections:
        axes[0].plot(KS, [r["overall"].get(f"recall@{k}") or 0 for k in KS], marker="o", label=name)
        axes[1].hist([row["latency_ms"] for row in r["rows"] if "latency_ms" in row], bins=30, alpha=0.6, label=name)
    axes[0].set(title="Retrieval recall@k", xlabel="k", ylabel="recall", ylim=(0, 1.02), xticks=list(KS))
    axes[1].set(title="Latency per question", xlabel="ms", ylabel="questions")
    for ax in axes:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True
