"""NorQuAD (SQuAD-format Norwegian QA) as an open-domain test: every unique context is
one article in a separate index, and every question is asked against all of them."""

from __future__ import annotations

import json
from pathlib import Path

from rag.errors import DataError


def _read(path: Path) -> list[dict]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))["data"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DataError(f"{path} er ikke en SQuAD-fil (JSON med en 'data'-liste): {exc}") from exc


def passage_ids(path: Path) -> dict[str, str]:
    """Each distinct context of a SQuAD-format file and its article id, as `load_norquad` gives them."""
    contexts: dict[str, str] = {}
    for doc in _read(path):
        for para in doc["paragraphs"]:
            contexts.setdefault(para["context"], f"nq-{len(contexts) + 1:04d}")
    return contexts


def load_norquad(path: Path) -> tuple[list[dict], list[dict]]:
    """Return (articles, golds): articles as `.jsonl` rows, golds in the seed_qa shape."""
    contexts = passage_ids(path)
    golds = []
    for doc in _read(path):
        for para in doc["paragraphs"]:
            article_id = contexts[para["context"]]
            for qa in para["qas"]:
                answers = sorted({a["text"] for a in qa.get("answers", []) if a.get("text")})
                if qa.get("is_impossible") or not answers:
                    continue
                golds.append(
                    {
                        "id": f"nq-{qa['id']}",
                        "question": qa["question"],
                        "answers": answers,
                        "evidence": "",
                        "history": [],
                        "unanswerable": False,
                        "kind": "norquad",
                        "article_id": article_id,
                    }
                )
    articles = []
    for context, article_id in contexts.items():
        title, _, body = context.partition("\n")
        articles.append(
            {"id": article_id, "title": title.strip() or article_id, "text": body if body.strip() else context}
        )
    return articles, golds


def write_articles(articles: list[dict], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "norquad.jsonl"
    text = "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles)
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
