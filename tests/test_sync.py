"""`rag sync` against a small news site this test serves on 127.0.0.1 (no outside traffic)."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rag.cli import main
from rag.fetch import FetchPolicy
from rag.sync import STATE_FILE, article_id, last_sync, sync

FAST = FetchPolicy(timeout_s=5, delay_s=0, retries=1, backoff_s=0.01)
CAP = 200_000


def page(title: str, date: str, paragraphs: list[str], extra: str = "", canonical: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    link = f"<link rel='canonical' href='{canonical}'>" if canonical else ""
    return (
        f"<!doctype html><html lang='no'><head><meta charset='utf-8'><title>{title}</title>{link}"
        f"<meta property='article:published_time' content='{date}'></head><body>"
        f"<nav><a href='/'>Forsiden</a></nav><article><h1>{title}</h1>{extra}{body}</article>"
        f"<footer>Kontakt oss</footer></body></html>"
    ).encode()


HAVVIND = [
    "Havvindprosjektet Nordlys Flyt har fått en ny prosjektleder.",
    "Kari Nordmann leder arbeidet med de flytende turbinene utenfor Halden fra januar.",
    "Hun kommer fra en stilling som forsker ved Institutt for energiteknikk, der hun arbeidet med "
    "fortøyning av flytende vindturbiner i ti år.",
    "Prosjektet skal levere strøm til tre tusen husstander når det står ferdig i 2029.",
]
BATTERI = [
    "Batterifabrikken i Sarpsborg åpner et nytt laboratorium for resirkulering av litium.",
    "Laboratoriet får tolv ansatte og skal teste gjenvinning av gamle elbilbatterier.",
    "Arbeidet er støttet av Forskningsrådet med fire millioner kroner over to år.",
]


class Site:
    """A news site: pages with ETags (304 on a match), a feed, a sitemap; it logs every request."""

    def __init__(self):
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[tuple[str, dict]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.requests.append((self.path, dict(self.headers)))
                status, ctype, body = site.routes.get(self.path, (404, "text/plain", b"not found"))
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if status == 200:
                    self.send_header("ETag", etag)
                elif status in (301, 302):
                    self.send_header("Location", body.decode())
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return self.base + path

    def html(self, path: str, content: bytes) -> None:
        self.routes[path] = (200, "text/html; charset=utf-8", content)

    def feed(self, items: list[tuple[str, str]], path: str = "/feed.xml") -> None:
        entries = "".join(
            f"<item><title>{title}</title><link>{self.url(p)}</link>"
            f"<pubDate>Fri, 20 Nov 2026 08:00:00 +0100</pubDate></item>"
            for p, title in items
        )
        xml = f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Nyheter</title>{entries}</channel></rss>"
        self.routes[path] = (200, "application/rss+xml", xml.encode())

    def paths(self) -> list[str]:
        return [p for p, _ in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    s = Site()
    yield s
    s.close()


def _news(site: Site) -> None:
    """Four new articles: a plain one, one with script and iframe, one over the size cap, a PDF."""
    site.html("/nyheter/ny-leder-for-nordlys-flyt", page("Ny leder for Nordlys Flyt", "2026-11-20", HAVVIND))
    site.html(
        "/nyheter/batterilab",
        page(
            "Nytt batterilaboratorium",
            "2026-11-18",
            BATTERI,
            extra="<script>alert('stjel')</script><iframe src='https://annonse.example/'>annonse</iframe>",
        ),
    )
    site.html("/nyheter/stor", page("Stor side", "2026-11-17", ["Dette er en veldig lang tekst. " * 10_000]))
    site.routes["/nyheter/rapport.pdf"] = (200, "application/pdf", b"%PDF-1.7\n" + b"0" * 2000)
    site.feed(
        [
            ("/nyheter/ny-leder-for-nordlys-flyt", "Ny leder for Nordlys Flyt"),
            ("/nyheter/batterilab", "Nytt batterilaboratorium"),
            ("/nyheter/stor", "Stor side"),
            ("/nyheter/rapport.pdf", "Årsrapport"),
        ]
    )


def _front(path: Path) -> dict:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def _sync_cli(site: Site, articles: Path, *extra: str) -> int:
    return main(["sync", "--feed", site.url("/feed.xml"), "--articles", str(articles), "--delay", "0", *extra])


def test_new_articles_become_markdown_with_front_matter_and_are_cited_by_url(tmp_path, site, capsys):
    _news(site)
    articles = tmp_path / "articles"
    assert _sync_cli(site, articles, "--max-bytes", str(CAP)) == 0
    err = capsys.readouterr().err
    files = sorted(articles.glob("*.md"))
    assert len(files) == 2
    assert (
        err.count("advarsel:") == 2 and "over the 0.2 MB limit" in err and "not an HTML page (application/pdf)" in err
    )

    leader = _front(articles / f"{article_id(site.url('/nyheter/ny-leder-for-nordlys-flyt'))}.md")
    assert leader == {
        "id": article_id(site.url("/nyheter/ny-leder-for-nordlys-flyt")),
        "title": "Ny leder for Nordlys Flyt",
        "date": "2026-11-20",
        "url": site.url("/nyheter/ny-leder-for-nordlys-flyt"),
    }
    lab_text = (articles / f"{article_id(site.url('/nyheter/batterilab'))}.md").read_text(encoding="utf-8")
    assert "Laboratoriet får tolv ansatte" in lab_text
    assert "alert" not in lab_text and "annonse" not in lab_text and "Kontakt oss" not in lab_text

    index = tmp_path / "index"
    assert main(["build", "--articles", str(articles), "--index", str(index), "--embedder", "fake"]) == 0
    capsys.readouterr()
    assert main(["ask", "Hvem leder Nordlys Flyt?", "--index", str(index), "--articles", str(articles), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert not answer["abstained"]
    cited = answer["citations"][0]
    assert cited["url"] == site.url("/nyheter/ny-leder-for-nordlys-flyt") and cited["date"] == "2026-11-20"
    text = (articles / f"{cited['article_id']}.md").read_text(encoding="utf-8")
    assert cited["quote"] in text and "Nordlys Flyt" in text
    assert main(["index", "status", "--index", str(index), "--articles", str(articles), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)["last_sync"]
    assert (status["new"], status["failed"], status["removed"]) == (2, 2, 0)


def test_second_sync_with_nothing_changed_sends_conditional_requests_and_writes_nothing(tmp_path, site, capsys):
    _news(site)
    articles = tmp_path / "articles"
    assert _sync_cli(site, articles, "--max-bytes", str(CAP)) == 0
    before = {p.name: p.stat().st_mtime_ns for p in articles.glob("*.md")}
    site.requests.clear()
    capsys.readouterr()
    assert _sync_cli(site, articles, "--max-bytes", str(CAP), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["new"], report["changed"], report["unchanged"]) == (0, 0, 2)
    conditional = {p for p, headers in site.requests if headers.get("If-None-Match")}
    assert {"/feed.xml", "/nyheter/ny-leder-for-nordlys-flyt", "/nyheter/batterilab"} <= conditional
    assert {p.name: p.stat().st_mtime_ns for p in articles.glob("*.md")} == before
    assert last_sync(articles)["unchanged"] == 2


@pytest.mark.parametrize("fault", ["down", "truncated", "server-error", "not-a-feed"])
def test_faults_exit_non_zero_and_leave_the_folder_as_it_was(tmp_path, site, capsys, fault):
    _news(site)
    articles = tmp_path / "articles"
    assert _sync_cli(site, articles, "--max-bytes", str(CAP)) == 0
    (articles / "hand-made.md").write_text("---\nid: hand\ntitle: Håndskrevet\n---\n\nSkrevet for hånd.\n")
    before = {p.name: p.read_bytes() for p in articles.iterdir()}
    capsys.readouterr()

    feed = site.routes["/feed.xml"][2]
    if fault == "truncated":
        site.routes["/feed.xml"] = (200, "application/rss+xml", feed[: len(feed) // 2])
    elif fault == "server-error":
        site.routes["/feed.xml"] = (500, "text/plain", b"oops")
        site.routes["/nyheter/batterilab"] = (500, "text/plain", b"oops")
    elif fault == "not-a-feed":
        site.html("/feed.xml", b"<html><body>Vedlikehold</body></html>")
    elif fault == "down":
        site.close()
    if fault == "server-error":  # the CLI's backoff waits seconds between retries; the library's is set here
        report = sync(articles, [site.url("/feed.xml")], [], FAST, prune=True)
        assert not report.ok and report.sources_failed == 1 and "HTTP 500" in report.warnings[0]
    else:
        assert _sync_cli(site, articles, "--prune") == 1
        err = capsys.readouterr().err
        assert "ingenting kunne leses" in err and "Traceback" not in err
        assert {"down": "could not connect", "truncated": "not well-formed XML", "not-a-feed": "root element"}[
            fault
        ] in err
    after = {p.name: p.read_bytes() for p in articles.iterdir()}
    assert {k: v for k, v in after.items() if k != STATE_FILE} == {k: v for k, v in before.items() if k != STATE_FILE}


def test_changed_page_is_rewritten_and_only_its_article_is_embedded_again(tmp_path, site, capsys):
    _news(site)
    articles, index = tmp_path / "articles", tmp_path / "index"
    assert _sync_cli(site, articles, "--max-bytes", str(CAP)) == 0
    build = ["build", "--articles", str(articles), "--index", str(index), "--embedder", "fake", "--json"]
    assert main(build) == 0
    capsys.readouterr()
    site.html(
        "/nyheter/batterilab",
        page("Nytt batterilaboratorium", "2026-11-18", [*BATTERI, "Laboratoriet åpner dørene for skoleklasser i mai."]),
    )
    capsys.readouterr()
    assert _sync_cli(site, articles, "--max-bytes", str(CAP), "--json") == 0
    assert json.loads(capsys.readouterr().out)["changed"] == 1
    assert "skoleklasser i mai" in (articles / f"{article_id(site.url('/nyheter/batterilab'))}.md").read_text()
    assert main(build) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["changed"], report["unchanged"], report["added"]) == (1, 1, 0)
    assert 0 < report["embeddings_computed"] <= 3


def test_prune_only_when_asked_and_only_what_sync_wrote(tmp_path, site, capsys):
    _news(site)
    articles = tmp_path / "articles"
    assert _sync_cli(site, articles, "--max-bytes", str(CAP)) == 0
    hand = articles / "hand-made.md"
    hand.write_text("---\nid: hand\ntitle: Håndskrevet\n---\n\nSkrevet for hånd.\n")
    lab = articles / f"{article_id(site.url('/nyheter/batterilab'))}.md"
    site.feed([("/nyheter/ny-leder-for-nordlys-flyt", "Ny leder for Nordlys Flyt")])
    assert _sync_cli(site, articles) == 0
    assert lab.exists()
    capsys.readouterr()
    assert _sync_cli(site, articles, "--prune", "--json") == 0
    assert json.loads(capsys.readouterr().out)["removed"] == 1
    assert not lab.exists() and hand.exists() and len(list(articles.glob("*.md"))) == 2


def test_links_and_redirects_stay_on_the_configured_hosts_and_robots_txt_is_obeyed(tmp_path, site, capsys):
    site.html("/nyheter/ny-leder-for-nordlys-flyt", page("Ny leder for Nordlys Flyt", "2026-11-20", HAVVIND))
    site.html("/privat/intern", page("Intern", "2026-11-20", BATTERI))
    site.routes["/robots.txt"] = (200, "text/plain", b"User-agent: *\nDisallow: /privat/\n")
    site.routes["/flyttet"] = (302, "text/plain", b"file:///etc/passwd")
    site.routes["/ut"] = (302, "text/plain", b"http://example.com/nyhet")
    site.feed(
        [
            ("/nyheter/ny-leder-for-nordlys-flyt", "Ny leder"),
            ("/privat/intern", "Intern"),
            ("/flyttet", "Flyttet"),
            ("/ut", "Ut"),
        ]
    )
    feed = site.routes["/feed.xml"][2].replace(
        b"</channel>", b"<item><link>http://example.org/x</link></item></channel>"
    )
    site.routes["/feed.xml"] = (200, "application/rss+xml", feed)
    articles = tmp_path / "articles"
    assert _sync_cli(site, articles) == 0
    err = capsys.readouterr().err
    assert len(list(articles.glob("*.md"))) == 1
    assert "/privat/intern: not followed, robots.txt disallows it" in err
    assert "example.org is not one of the configured hosts" in err
    assert "only http(s) URLs are fetched, not file" in err and "example.com is not one of the configured hosts" in err
    assert "/privat/intern" not in site.paths()
    assert all("rag-artikler" in headers.get("User-Agent", "") for _, headers in site.requests)


def test_sitemap_index_leads_to_the_pages(tmp_path, site):
    site.html("/nyheter/ny-leder-for-nordlys-flyt", page("Ny leder for Nordlys Flyt", "2026-11-20", HAVVIND))
    ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
    site.routes["/sitemap.xml"] = (
        200,
        "application/xml",
        f"<sitemapindex xmlns='{ns}'><sitemap><loc>{site.url('/sitemap-news.xml')}</loc></sitemap></sitemapindex>".encode(),
    )
    site.routes["/sitemap-news.xml"] = (
        200,
        "application/xml",
        f"<urlset xmlns='{ns}'><url><loc>{site.url('/nyheter/ny-leder-for-nordlys-flyt')}</loc>"
        f"<lastmod>2026-11-21T10:00:00+01:00</lastmod></url></urlset>".encode(),
    )
    report = sync(tmp_path / "a", [], [site.url("/sitemap.xml")], FAST)
    assert report.ok and report.new == 1


def test_sync_without_sources_says_so_and_the_nightly_chain_goes_on(tmp_path, capsys):
    assert main(["sync", "--articles", str(tmp_path / "a")]) == 0
    assert "ingen kilder" in capsys.readouterr().err


def test_settings_read_feed_lists_from_the_environment():
    from rag.settings import Settings

    settings = Settings.from_env(env={"RAG_FEEDS": "http://a/feed.xml, http://b/rss", "RAG_SITEMAPS": ""})
    assert settings.feeds == ("http://a/feed.xml", "http://b/rss") and settings.sitemaps == ()
    assert replace(settings, feeds=()).feeds == ()
