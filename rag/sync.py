"""`rag sync`: bring new and changed articles from feeds and sitemaps into the article folder.

Each article page becomes one Markdown file with front matter (`id` stable from the
URL, `title`, `date`, `author` where given, `url`). What sync wrote, and the validators
(ETag / Last-Modified) it got, are kept in `<articles>/.rag-sync.json`, so the next run
sends conditional requests and rewrites only what changed. Files sync did not write are
never touched; a failed fetch never empties or deletes a file; an article that left its
feed is removed only with `prune=True`, and only when that feed was read this run.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import os
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from rag.corpus import BadArticle, extract_html
from rag.errors import SyncLocked, unwritable
from rag.fetch import FetchError, FetchPolicy, PoliteClient

STATE_FILE = ".rag-sync.json"
LOCK_FILE = ".rag-sync.lock"
HTML_TYPES = {"text/html", "application/xhtml+xml", ""}
MAX_SITEMAPS = 50  # nested sitemaps read per configured sitemap


@dataclass
class Link:
    url: str
    source: str
    title: str | None = None
    date: str | None = None
    author: str | None = None


@dataclass
class SyncReport:
    started: str
    seconds: float = 0.0
    sources_read: int = 0
    sources_failed: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    removed: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Something could be read: a source, and (when there were pages) a page."""
        pages = self.new + self.changed + self.unchanged + self.failed
        return self.sources_read > 0 and (pages == 0 or self.failed < pages)

    def summary(self) -> str:
        return (
            f"sync: {self.sources_read} kilder lest, {self.sources_failed} feilet; artikler: {self.new} nye, "
            f"{self.changed} endret, {self.unchanged} uendret, {self.failed} feilet, {self.removed} fjernet "
            f"({self.seconds:.1f} s)"
        )

    def to_dict(self) -> dict:
        return asdict(self)


def sync(
    articles_dir: Path,
    feeds: list[str],
    sitemaps: list[str],
    policy: FetchPolicy = FetchPolicy(),
    prune: bool = False,
    progress: Callable[[int, int], None] | None = None,
    transport=None,
) -> SyncReport:
    """Read `feeds` and `sitemaps`, fetch new or changed article pages into `articles_dir`."""
    try:
        return _sync(articles_dir, feeds, sitemaps, policy, prune, progress, transport)
    except OSError as exc:  # the article folder cannot be written (read-only, not a folder, disk full)
        raise unwritable(exc, articles_dir, "--articles (RAG_ARTICLES_DIR)") from exc


def _sync(articles_dir, feeds, sitemaps, policy, prune, progress, transport) -> SyncReport:
    from filelock import FileLock, Timeout

    t0 = time.perf_counter()
    report = SyncReport(started=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    articles_dir.mkdir(parents=True, exist_ok=True)
    hosts = {urlsplit(u).hostname or "" for u in [*feeds, *sitemaps]}
    try:
        lock = FileLock(articles_dir / LOCK_FILE, timeout=0)
        lock.acquire()
    except Timeout as exc:
        raise SyncLocked(f"en annen `rag sync` skriver i {articles_dir}; prøv igjen når den er ferdig") from exc
    try:
        state = _read_state(articles_dir, report)
        with PoliteClient(hosts, policy, transport=transport) as client:
            links, read = _read_sources(client, feeds, sitemaps, state, report)
            for n, link in enumerate(links, 1):
                _sync_page(client, link, articles_dir, state, report)
                if progress:
                    progress(n, len(links))
        if prune:
            _prune(articles_dir, state, {link.url for link in links}, read, report)
        report.seconds = round(time.perf_counter() - t0, 2)
        state["last"] = report.to_dict()
        _write_atomic(articles_dir / STATE_FILE, json.dumps(state, ensure_ascii=False, indent=1))
    finally:
        lock.release()
    return report


def last_sync(articles_dir: Path) -> dict | None:
    """The report of the last sync into `articles_dir`, or None."""
    try:
        return json.loads((articles_dir / STATE_FILE).read_text(encoding="utf-8")).get("last")
    except (OSError, ValueError, AttributeError):
        return None


def _read_state(articles_dir: Path, report: SyncReport) -> dict:
    path = articles_dir / STATE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(state, dict):
            return {"sources": state.get("sources") or {}, "articles": state.get("articles") or {}}
        raise ValueError("not a JSON object")
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        report.warnings.append(f"{path.name} was unreadable ({exc}); every page is fetched again")
    return {"sources": {}, "articles": {}}


# --- feeds and sitemaps -------------------------------------------------------------------------


def _read_sources(client, feeds, sitemaps, state, report) -> tuple[list[Link], set[str]]:
    """All article links, first source first, without repeats; and the sources that could be
    read this run (a 304 counts: the server says the list we have is current)."""
    links: dict[str, Link] = {}
    read: set[str] = set()
    for url, kind in [(u, "feed") for u in feeds] + [(u, "sitemap") for u in sitemaps]:
        known = state["sources"].get(url, {})
        try:
            response = client.get(url, known.get("etag"), known.get("last_modified"))
            if response.status == 304:
                found = [Link(**row) for row in known.get("links", [])]
            else:
                found = _parse_feed(response) if kind == "feed" else _read_sitemap(client, response)
                state["sources"][url] = {
                    "etag": response.etag,
                    "last_modified": response.last_modified,
                    "links": [asdict(link) for link in found],
                }
        except (FetchError, BadArticle) as exc:
            report.sources_failed += 1
            report.warnings.append(f"{kind} {exc}")
            continue
        report.sources_read += 1
        read.add(url)
        for link in found:
            link.url = urldefrag(urljoin(url, link.url)).url
            link.source = url
            reason = client.allowed(link.url)
            if reason:
                report.warnings.append(f"{link.url}: not followed, {reason}")
            elif link.url not in links:
                links[link.url] = link
    return list(links.values()), read


def _xml(response) -> object:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False, huge_tree=False)
    try:
        root = etree.fromstring(response.content, parser)
    except etree.XMLSyntaxError as exc:
        raise BadArticle(f"{response.url}: not well-formed XML ({exc.msg}, line {exc.lineno})") from exc
    if root is None:
        raise BadArticle(f"{response.url}: empty XML")
    return root


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(node, *names: str) -> str | None:
    for child in node:
        if _local(child.tag) in names and (child.text or "").strip():
            return " ".join(child.text.split())
    return None


def _parse_feed(response) -> list[Link]:
    """Links of an RSS 2.0, RSS 1.0 (RDF) or Atom feed."""
    root = _xml(response)
    if _local(root.tag) not in ("rss", "feed", "rdf"):
        raise BadArticle(f"{response.url}: not an RSS or Atom feed (root element <{_local(root.tag)}>)")
    links = []
    for node in root.iter():
        name = _local(node.tag)
        if name == "item":
            url = _child_text(node, "link") or _child_text(node, "guid")
            author = _child_text(node, "creator", "author")
            date = _feed_date(_child_text(node, "pubdate", "date"))
        elif name == "entry":
            url = next(
                (c.get("href") for c in node if _local(c.tag) == "link" and c.get("rel", "alternate") == "alternate"),
                None,
            )
            author = next((_child_text(c, "name") for c in node if _local(c.tag) == "author"), None)
            date = _feed_date(_child_text(node, "published", "updated"))
        else:
            continue
        if url:
            links.append(Link(url.strip(), response.url, _child_text(node, "title"), date, author))
    return links


def _read_sitemap(client, response) -> list[Link]:
    """Page links of a sitemap; a sitemap index is followed (its sitemaps, not pages, on the same hosts)."""
    links, queue, seen = [], [response], {response.url}
    while queue:
        root = _xml(queue.pop(0))
        kind = _local(root.tag)
        if kind not in ("urlset", "sitemapindex"):
            raise BadArticle(f"{response.url}: not a sitemap (root element <{kind}>)")
        for node in root:
            loc = _child_text(node, "loc")
            if not loc:
                continue
            if kind == "urlset":
                lastmod = _child_text(node, "lastmod")
                links.append(Link(loc, response.url, date=lastmod[:10] if lastmod else None))
            elif loc not in seen and len(seen) < MAX_SITEMAPS:
                seen.add(loc)
                queue.append(client.get(loc))
    return links


def _feed_date(text: str | None) -> str | None:
    if not text:
        return None
    if re.match(r"\d{4}-\d{2}-\d{2}", text):
        return text[:10]
    try:
        return email.utils.parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


# --- article pages ------------------------------------------------------------------------------


def article_id(url: str) -> str:
    """A readable id that stays the same for the same URL: the last path segment as a slug, and a hash."""
    parts = urlsplit(url)
    segment = next((s for s in reversed(parts.path.split("/")) if s), parts.hostname or "side")
    segment = re.sub(r"\.(html?|php|aspx?)$", "", segment, flags=re.I)
    folded = unicodedata.normalize("NFKD", segment.replace("ø", "o").replace("Ø", "O").replace("æ", "ae"))
    slug = re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode().lower()).strip("-")[:60]
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]
    return f"{slug or 'side'}-{digest}"


def _sync_page(client, link: Link, articles_dir: Path, state: dict, report: SyncReport) -> None:
    known = state["articles"].get(link.url, {})
    target = articles_dir / (known.get("file") or f"{article_id(link.url)}.md")
    if not known and target.exists():
        report.failed += 1
        report.warnings.append(f"{link.url}: not written, {target.name} exists and was not made by rag sync")
        return
    have_file = target.is_file()
    try:
        response = client.get(
            link.url, known.get("etag") if have_file else None, known.get("last_modified") if have_file else None
        )
        if response.status == 304:
            report.unchanged += 1
            return
        if response.content_type not in HTML_TYPES:
            raise BadArticle(f"{link.url}: not an HTML page ({response.content_type}), skipped")
        meta, body = extract_html(response.content, url=response.url)
        text = render_markdown(link, response.url, meta, body)
    except FetchError as exc:
        report.failed += 1
        report.warnings.append(str(exc))
        return
    except BadArticle as exc:
        report.failed += 1
        report.warnings.append(str(exc) if str(exc).startswith(link.url) else f"{link.url}: {exc}")
        return
    old = target.read_text(encoding="utf-8") if have_file else None
    if old != text:
        _write_atomic(target, text)
    if old is None:
        report.new += 1
    elif old != text:
        report.changed += 1
    else:
        report.unchanged += 1
    state["articles"][link.url] = {
        "file": target.name,
        "source": link.source,
        "etag": response.etag,
        "last_modified": response.last_modified,
    }


def render_markdown(link: Link, fetched_url: str, meta: dict, body: str) -> str:
    import yaml

    canonical = meta.get("url") or ""
    same_site = (
        urlsplit(canonical).scheme in ("http", "https")
        and urlsplit(canonical).hostname == urlsplit(fetched_url).hostname
    )
    aid = article_id(link.url)
    front = {
        "id": aid,
        "title": " ".join(str(meta.get("title") or link.title or aid).split()),
        "date": _feed_date(str(meta.get("date") or "")) or link.date,
        "author": meta.get("author") or link.author,
        "url": canonical if same_site else fetched_url,
    }
    front = {k: v for k, v in front.items() if v}
    paragraphs = [p for p in (" ".join(line.split()) for line in body.splitlines()) if p]
    if paragraphs and paragraphs[0] == front["title"]:  # the page's own heading, already the title
        paragraphs = paragraphs[1:]
    if not paragraphs:
        raise BadArticle("the page has a heading but no article text")
    text = "\n\n".join(paragraphs)
    header = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=10_000)
    return f"---\n{header}---\n\n{text}\n"


def _prune(articles_dir: Path, state: dict, listed: set[str], read: set[str], report: SyncReport) -> None:
    for url, row in list(state["articles"].items()):
        if url in listed or row.get("source") not in read:
            continue
        (articles_dir / row["file"]).unlink(missing_ok=True)
        del state["articles"][url]
        report.removed += 1


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
