"""HTML and Markdown for the chat, built from escaped text only.

Article text and user input are escaped before any markup of ours is put around
them, so no HTML, script or Markdown link from an article or a question is ever
interpreted.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from rag.answering import ABSTAIN_TEXT
from rag.types import Answer, Citation, Passage

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def md_text(text: str) -> str:
    """Text safe inside Markdown: HTML-escaped, Markdown punctuation backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(" ".join(text.split()), quote=True))


def chat_message(answer: Answer) -> str:
    """The bot's chat bubble: the quote with numbered citations, or the abstention."""
    notice = f"_{md_text(answer.notice)}_\n\n" if answer.notice else ""
    if answer.abstained:
        return notice + ABSTAIN_TEXT + " De nærmeste avsnittene står under **Kilder**."
    if answer.kind == "smalltalk":
        return md_text(answer.answer or "")
    marks = " ".join(f"[{n}]" for n in range(1, len(answer.citations) + 1))
    return f"{notice}«{_quote_with_short_answer(answer)}» {marks}"


def _quote_with_short_answer(answer: Answer) -> str:
    """The quote, escaped, with the short answer (name, date, number) marked (`**`: highlighted by CSS)."""
    text, span = answer.answer or "", answer.short_answer_span()
    if span is None:
        return md_text(text)
    start, end = span
    before, after = text[:start], text[end:]
    gap_before = " " if before[-1:].isspace() else ""
    gap_after = " " if after[:1].isspace() else ""
    return f"{md_text(before)}{gap_before}**{md_text(text[start:end])}**{gap_after}{md_text(after)}".strip()


def sources_panel(answer: Answer | None) -> str:
    if answer is None or answer.kind == "smalltalk":
        return "<div class='rag-sources'><p>Kildene til svaret vises her.</p></div>"
    parts = ["<div class='rag-sources'>"]
    if answer.abstained:
        parts.append("<h3>Nærmeste avsnitt</h3>")
        for n, p in enumerate(answer.passages, 1):
            parts.append(_passage_block(n, p))
    else:
        parts.append("<h3>Kilder</h3>")
        for n, citation in enumerate(answer.citations, 1):
            passage = next(
                (
                    p
                    for p in answer.passages
                    if p.article_id == citation.article_id and p.start <= citation.start and citation.end <= p.end
                ),
                None,
            )
            parts.append(_citation_block(n, citation, passage))
    parts.append("</div>")
    return "".join(parts)


def _header(n: int, title: str, date: str | None, url: str | None) -> str:
    """Number, title (a link to the original article when its URL is http(s)) and date."""
    name = html.escape(title)
    if url and urlsplit(url).scheme in ("http", "https"):
        name = f"<a href='{html.escape(url, quote=True)}' target='_blank' rel='noopener noreferrer'>{name}</a>"
    line = f"<div class='rag-source-head'><span class='rag-num'>[{n}]</span> <strong>{name}</strong>"
    if date:
        line += f" <span class='rag-date'>{html.escape(date)}</span>"
    return line + "</div>"


def _citation_block(n: int, c: Citation, passage: Passage | None) -> str:
    if passage is None:
        body = f"<mark>{html.escape(c.quote)}</mark>"
    else:
        a, b = c.start - passage.start, c.end - passage.start
        text = passage.text
        body = f"{html.escape(text[:a])}<mark>{html.escape(text[a:b])}</mark>{html.escape(text[b:])}"
    where = f"<div class='rag-where'>{html.escape(c.article_id)}, tegn {c.start}–{c.end}</div>"
    return f"<div class='rag-source' data-n='{n}'>{_header(n, c.title, c.date, c.url)}<p>{body}</p>{where}</div>"


def _passage_block(n: int, p: Passage) -> str:
    return f"<div class='rag-source' data-n='{n}'>{_header(n, p.title, None, None)}<p>{html.escape(p.text)}</p></div>"


def editors_page(data: dict) -> str:
    """The editors' page: what staff could not get answered, grouped by topic; the answers
    that got a 👎 and their comments; the questions asked most. Everything a user typed is
    escaped."""
    e = html.escape
    unanswered = [
        [str(g["count"]), "<br>".join(e(q) for q in dict.fromkeys(g["questions"])), e(g["closest_title"] or "–")]
        for g in data["unanswered_groups"]
    ]
    disliked = [
        [e(f["question"] or ""), e(f["answer"] or "(ikke besvart)"), e(f["comment"] or "")] for f in data["disliked"]
    ]
    most = [[str(m["count"]), e(m["question"])] for m in data["most_asked"]]
    return "\n".join(
        [
            f"<p>Siste {data['days']} dager: <b>{data['asked']}</b> spørsmål, <b>{data['unanswered']}</b> uten svar.</p>",
            "<h3>Uten svar, etter tema</h3>",
            _table("rag-unanswered", ["Antall", "Spørsmål", "Nærmeste artikkel"], unanswered),
            "<h3>Svar som fikk tommel ned</h3>",
            _table("rag-disliked", ["Spørsmål", "Svar", "Kommentar"], disliked),
            "<h3>Mest spurt</h3>",
            _table("rag-most-asked", ["Antall", "Spørsmål"], most),
        ]
    )


def _table(element_id: str, headers: list[str], rows: list[list[str]]) -> str:
    """An HTML table of cells already escaped; «Ingen.» for none."""
    if not rows:
        return "<p>Ingen.</p>"
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="rag-report" id="{element_id}"><tr>{head}</tr>{body}</table>'


CSS = """
.rag-sources { font-size: 0.92em; }
.rag-source { border-left: 3px solid #888; padding: 4px 10px; margin: 8px 0; white-space: pre-wrap; }
.rag-source mark { background: #ffe58a; color: #000; padding: 0 2px; }
.rag-num { font-weight: bold; }
.rag-date, .rag-where { color: #666; font-size: 0.85em; }
#rag-chat strong { font: inherit; background: #fff1a8; padding: 0 2px; border-radius: 2px; }  /* the short answer, in the quote's own typeface: Gradio ships no bold face that renders here */
.rag-report { border-collapse: collapse; margin: 6px 0 14px; }
.rag-report td, .rag-report th { border: 1px solid #999; padding: 4px 8px; vertical-align: top; text-align: left; }
"""
