"""The records that flow through the engine, as frozen dataclasses.

Offsets are the truth: `start`/`end` always index into `Article.text`, so for every
chunk, sentence and citation `article.text[start:end]` is exactly its text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum


class DenseIndex(str, Enum):
    """How chunk vectors are searched: exact over float16 copies, exact float32, or HNSW."""

    FLAT16 = "flat16"
    FLAT = "flat"
    HNSW = "hnsw"


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    text: str
    url: str | None = None
    date: str | None = None
    author: str | None = None
    source: str = ""

    def meta(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "date": self.date,
            "author": self.author,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Chunk:
    id: str
    article_id: str
    start: int
    end: int
    article_text: str = field(repr=False, compare=False)  # shared with the Article, not a copy
    first_sentence: int
    last_sentence: int  # exclusive; indexes into the index's sentence table

    @property
    def text(self) -> str:
        """The chunk's text, cut from the article on demand (a 100k-chunk index would
        otherwise hold every chunk's text a second time)."""
        return self.article_text[self.start : self.end]


@dataclass(frozen=True)
class Citation:
    article_id: str
    title: str
    url: str | None
    date: str | None
    quote: str
    start: int
    end: int


@dataclass(frozen=True)
class Passage:
    article_id: str
    title: str
    text: str
    score: float
    start: int
    end: int


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str | None
    abstained: bool
    score: float
    citations: tuple[Citation, ...] = ()
    passages: tuple[Passage, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    notice: str | None = None
    kind: str = "answer"  # "smalltalk": a greeting or a question about the bot, answered without search
    short_answer: dict | None = None  # {"article_id", "start", "end", "text"}: the name/date/number in the quote

    def short_answer_span(self) -> tuple[int, int] | None:
        """Where the short answer stands in `answer` (the quote), as (start, end); None
        when there is none. The quote holds each citation's text in order (neighbours
        joined, others separated by " […] "), so the citation that holds it places it."""
        short, text, at = self.short_answer, self.answer or "", 0
        if not short:
            return None
        for citation in self.citations:
            found = text.find(citation.quote, at)
            if found < 0:
                return None
            if citation.article_id == short["article_id"] and citation.start <= short["start"] < citation.end:
                start = found + short["start"] - citation.start
                end = start + len(short["text"])
                return (start, end) if text[start:end] == short["text"] else None
            at = found + len(citation.quote)
        return None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["citations"] = [asdict(c) for c in self.citations]
        data["passages"] = [
            {k: v for k, v in asdict(p).items() if k in ("article_id", "title", "text", "score")}
            | {"start": p.start, "end": p.end}
            for p in self.passages
        ]
        if data["notice"] is None:
            del data["notice"]
        if data["short_answer"] is None:
            del data["short_answer"]
        return data
