"""`rag load`: N concurrent clients for a bounded time, against `rag serve` or the library.

Loopback only. Every answer is compared with the single-threaded answer to the same
question, so shared-state corruption under concurrency shows up as a mismatch.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from urllib.parse import urlparse

import numpy as np

from rag.errors import RagError, UsageError

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
MAX_CLIENTS = 64
MAX_SECONDS = 600


def check_target(url: str) -> None:
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK_HOSTS and not host.startswith("127."):
        raise UsageError(f"lasttester går bare mot denne maskinen (loopback), ikke {host!r}")


def server_asker(url: str) -> Callable[[], Callable[[str], str]]:
    """A factory of per-client ask functions, one keep-alive HTTP connection per client.

    It speaks Gradio's REST protocol for the chat's `/ask` endpoint (POST the inputs, read
    the server-sent result) with plain httpx, not gradio_client: the generator shares the
    machine with the server, and gradio_client spent a whole core of it.
    """
    check_target(url)
    base = url.rstrip("/") + "/gradio_api/call/ask"

    def make():
        import httpx

        client = httpx.Client(timeout=60)

        def ask(question: str) -> str:
            posted = client.post(base, json={"data": [question, []]})
            posted.raise_for_status()
            result = client.get(f"{base}/{posted.json()['event_id']}")
            result.raise_for_status()
            event, data = None, None
            for line in result.text.splitlines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data = line[5:].strip()
            if event != "complete":
                raise RagError(f"serveren svarte {event}: {data}")
            content = json.loads(data)[1][-1]["content"]
            return content[0]["text"] if isinstance(content, list) else content

        return ask

    return make


def library_asker(engine) -> Callable[[], Callable[[str], str]]:
    def make():
        def ask(question: str) -> str:
            answer = engine.ask(question)
            return repr((answer.answer, [(c.article_id, c.start, c.end) for c in answer.citations]))

        return ask

    return make


def run_load(make_asker, questions: list[str], clients: int, seconds: float, max_requests: int = 100_000) -> dict:
    """Run `clients` threads for `seconds` (and at most `max_requests` in all)."""
    clients, seconds = min(clients, MAX_CLIENTS), min(seconds, MAX_SECONDS)
    try:
        reference_ask = make_asker()
        reference = {q: reference_ask(q) for q in questions}
    except Exception as exc:  # an unreachable or broken target is a message, not a traceback
        raise RagError(f"fikk ikke referansesvar fra målet ({exc}); kjører `rag serve` der?") from exc
    latencies: list[float] = []
    errors: list[str] = []
    mismatches: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    counter = iter(range(max_requests))

    def client(n: int) -> None:
        try:
            ask = make_asker()
        except Exception as exc:  # counted, not raised: the report shows it
            with lock:
                errors.append(f"client {n} could not connect: {exc!r}")
            return
        i = n
        while time.perf_counter() < deadline and next(counter, None) is not None:
            question = questions[i % len(questions)]
            i += 1
            t0 = time.perf_counter()
            try:
                got = ask(question)
            except Exception as exc:
                with lock:
                    errors.append(repr(exc))
                continue
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)
                if got != reference[question]:
                    mismatches.append(question)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "throughput_rps": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(float(np.percentile(latencies, 50)), 1) if latencies else None,
        "p95_ms": round(float(np.percentile(latencies, 95)), 1) if latencies else None,
        "errors": len(errors),
        "mismatches": len(mismatches),
        "first_errors": errors[:3],
    }
