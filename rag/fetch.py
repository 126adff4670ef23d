"""A polite, bounded HTTP client for `rag sync`.

It only speaks http(s), only to the hosts it was given, follows redirects itself (so a
redirect to another scheme or host is refused), sends conditional requests, waits
between requests to one host, retries transient failures with backoff, caps the size of
what it reads and obeys robots.txt.
"""

from __future__ import annotations

import time
import urllib.robotparser
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from rag import __version__
from rag.errors import FetchError

USER_AGENT = f"rag-artikler/{__version__} (+nightly article sync; extractive Q&A over our own news)"
RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int  # 200, or 304 when the copy we had is still current
    content: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class FetchPolicy:
    timeout_s: float = 20.0
    delay_s: float = 1.0  # between two requests to the same host (robots.txt Crawl-delay wins when longer)
    retries: int = 3  # extra tries after a timeout, a dropped connection, 429 or 5xx
    backoff_s: float = 1.0  # first wait before a retry; doubled each time
    max_bytes: int = 5_000_000


class PoliteClient:
    def __init__(self, hosts: set[str], policy: FetchPolicy = FetchPolicy(), transport=None):
        self.hosts = {h.lower() for h in hosts}
        self.policy = policy
        self._client = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=policy.timeout_s,
            follow_redirects=False,
            transport=transport,
        )
        self._last: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc) -> None:
        self._client.close()

    def allowed(self, url: str) -> str | None:
        """None when `url` may be fetched, else the reason it may not."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"only http(s) URLs are fetched, not {parts.scheme or 'a relative link'}"
        if (parts.hostname or "").lower() not in self.hosts:
            return f"{parts.hostname} is not one of the configured hosts"
        robots = self._robots_for(url)
        if robots is not None and not robots.can_fetch(USER_AGENT, url):
            return (
                "robots.txt is not readable (server error), so the host is not crawled now"
                if robots.disallow_all
                else "robots.txt disallows it"
            )
        return None

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Response:
        """GET `url` (conditionally when `etag`/`last_modified` are given), following
        redirects within the configured hosts. Raises FetchError."""
        for _ in range(MAX_REDIRECTS + 1):
            reason = self.allowed(url)
            if reason:
                raise FetchError(f"{url}: not fetched, {reason}")
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            status, response_headers, content = self._request(url, headers)
            if status in (301, 302, 303, 307, 308):
                location = response_headers.get("location")
                if not location:
                    raise FetchError(f"{url}: redirect without a Location")
                url = urljoin(url, location)
                continue
            if status == 304:
                return Response(url, 304, b"", "", etag, last_modified)
            if status != 200:
                raise FetchError(f"{url}: HTTP {status}")
            return Response(
                url,
                200,
                content,
                response_headers.get("content-type", "").split(";")[0].strip().lower(),
                response_headers.get("etag"),
                response_headers.get("last-modified"),
            )
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _request(self, url: str, headers: dict, retries: int | None = None) -> tuple[int, httpx.Headers, bytes]:
        policy = self.policy
        retries = policy.retries if retries is None else retries
        wait = policy.backoff_s
        for attempt in range(retries + 1):
            self._pause(url)
            try:
                with self._client.stream("GET", url, headers=headers) as response:
                    if response.status_code in RETRY_STATUS and attempt < retries:
                        problem = f"HTTP {response.status_code}"
                    else:
                        return response.status_code, response.headers, self._read(url, response)
            except httpx.TimeoutException:
                problem = f"no answer within {policy.timeout_s:g} s"
            except httpx.TransportError as exc:
                problem = f"could not connect ({type(exc).__name__})"
            if attempt == retries:
                raise FetchError(f"{url}: {problem}" + (f" after {retries + 1} tries" if retries else ""))
            time.sleep(wait)
            wait *= 2
        raise AssertionError("unreachable")

    def _read(self, url: str, response: httpx.Response) -> bytes:
        if response.status_code != 200:
            return b""
        cap = self.policy.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(f"{url}: {int(declared) / 1e6:.1f} MB, over the {cap / 1e6:g} MB limit")
        data = bytearray()
        for block in response.iter_bytes():
            data += block
            if len(data) > cap:
                raise FetchError(f"{url}: over the {cap / 1e6:g} MB limit")
        return bytes(data)

    def _pause(self, url: str) -> None:
        host = urlsplit(url).netloc.lower()
        robots = self._robots.get(host)
        delay = max(self.policy.delay_s, float((robots and robots.crawl_delay(USER_AGENT)) or 0))
        since = time.monotonic() - self._last.get(host, -1e9)
        if since < delay:
            time.sleep(delay - since)
        self._last[host] = time.monotonic()

    def _robots_for(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        parts = urlsplit(url)
        host = parts.netloc.lower()
        if host not in self._robots:
            self._robots[host] = None  # while fetching robots.txt itself
            robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
            parser = urllib.robotparser.RobotFileParser(robots_url)
            try:
                status, _, content = self._request(robots_url, {}, retries=0)
            except FetchError:
                return None  # an unreachable site fails on its own request, with a clearer message
            if status == 200:
                parser.parse(content.decode("utf-8", "replace").splitlines())
            elif status < 500:  # no robots.txt (or one behind a redirect we do not chase): no rules
                parser.allow_all = True
            else:
                parser.disallow_all = True
            self._robots[host] = parser
        return self._robots[host]
