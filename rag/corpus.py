"""Reading a directory of articles: Markdown, plain text, HTML and JSON Lines.

Each bad file (empty, binary, undecodable, broken front matter, duplicate id, too big)
is skipped with one warning line; it never stops the others from loading.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import BadArticle
from rag.types import Article

SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".jsonl")
MAX_FILE_BYTES = 20_000_000
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_META_KEYS = ("title", "url", "date", "author")


@dataclass
class LoadResult:
    articles: list[Article] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load_articles(directory: Path, max_bytes: int = MAX_FILE_BYTES) -> LoadResult:
    """Load every article file under `directory` (recursively), sorted by path."""
    result = LoadResult()
    seen: dict[str, Path] = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        rel = path.relative_to(directory)
        if path.suffix.lower() not in SUFFIXES or any(part.startswith(".") for part in rel.parts):
            continue
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise BadArticle(f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
            text, note = _decode(path.read_bytes())
            articles = list(_parse(path, rel, text))
        except (BadArticle, OSError) as exc:
            result.warnings.append(f"skipped {rel}: {exc}")
            continue
        if note:
            result.warnings.append(f"{rel}: {note}")
        for article in articles:
            if article.id in seen:
                result.warnings.append(
                    f"skipped {rel}: duplicate article id {article.id!r} (already in {seen[article.id]})"
                )
                continue
            seen[article.id] = rel
            result.articles.append(article)
    return result


def _decode(data: bytes) -> tuple[str, str | None]:
    if not data.strip():
        raise BadArticle("file is empty")
    if b"\x00" in data[:8192]:
        raise BadArticle("file looks binary (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise BadArticle("text is neither UTF-8 nor Windows-1252") from exc
    return text, "not UTF-8; read as Windows-1252"


def _parse(path: Path, rel: Path, text: str):
    suffix = path.suffix.lower()
    default_id = rel.with_suffix("").as_posix()
    if suffix == ".jsonl":
        yield from _parse_jsonl(text, default_id)
    elif suffix in (".html", ".htm"):
        yield _parse_html(text, default_id, str(rel))
    else:
        yield _parse_text(text, default_id, str(rel), markdown=suffix != ".txt")


def _parse_text(text: str, default_id: str, source: str, markdown: bool) -> Article:
    text = text.replace("\r\n", "\n")
    meta: dict = {}
    match = _FRONT_MATTER_RE.match(text)
    if match:
        meta = _front_matter(match.group(1))
        text = text[match.end() :]
    body = text.strip("\n")
    title = meta.get("title")
    if not title:
        first, _, rest = body.partition("\n")
        title = first.lstrip("#").strip() if markdown or not meta else first.strip()
        body = rest.strip("\n")
    return _article(meta, default_id, title, body, source)


def _front_matter(block: str) -> dict:
    import yaml

    try:
        meta = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        raise BadArticle(f"front matter is not valid YAML{where}") from exc
    except ValueError as exc:  # YAML that parses but names an impossible value, e.g. date: 2024-13-01
        raise BadArticle(f"front matter has an impossible value ({exc})") from exc
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise BadArticle("front matter must be a set of 'key: value' lines")
    return meta


def _parse_jsonl(text: str, default_id: str):
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadArticle(f"line {lineno} is not valid JSON ({exc.msg})") from exc
        if not isinstance(obj, dict):
            raise BadArticle(f"line {lineno} is not a JSON object")
        body = obj.get("text", obj.get("body"))
        if not isinstance(body, str) or not body.strip():
            raise BadArticle(f"line {lineno} has no 'text'")
        yield _article(obj, f"{default_id}-{lineno}", obj.get("title"), body, f"{default_id}.jsonl:{lineno}")


def _parse_html(html: str, default_id: str, source: str) -> Article:
    meta, body = extract_html(html)
    return _article(meta, default_id, meta.get("title"), body, source)


def extract_html(html: str | bytes, url: str | None = None) -> tuple[dict, str]:
    """The article in a web page, by trafilatura: its metadata (title, url, date, author,
    where found) and its body text, paragraphs one per line. Raises BadArticle."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, include_comments=False, include_tables=True, with_metadata=True)
    if doc is None:
        raise BadArticle("no article text found in the HTML")
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    body = data.get("text") or ""
    if not body.strip():
        raise BadArticle("no article text found in the HTML")
    return {k: data.get(k) for k in _META_KEYS if data.get(k)}, body


def _article(meta: dict, default_id: str, title, body: str, source: str) -> Article:
    body = body.strip("\n")
    if not body.strip():
        raise BadArticle("article has no body text")
    article_id = _scalar(meta.get("id")) or default_id
    title_text = _scalar(title) or body.strip().split("\n", 1)[0][:120]
    return Article(
        id=article_id,
        title=title_text,
        text=body,
        url=_scalar(meta.get("url")),
        date=_scalar(meta.get("date")),
        author=_scalar(meta.get("author")),
        source=source,
    )


def _scalar(value) -> str | None:
    """Front matter values as text: dates in ISO form, lists joined, None kept."""
    if value is None or value == "":
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value if v is not None) or None
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)  # a nested date too
    return " ".join(str(value).split())


def content_hash(article: Article) -> str:
    key = json.dumps([article.id, article.title, article.text, article.url, article.date], ensure_ascii=False)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
