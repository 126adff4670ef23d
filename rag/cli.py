"""The `rag` command. Each subcommand is a thin function over the library.

This module is the one place that wires the layers together: it imports `index`
for building and loading, and `ui` and `eval` lazily inside their subcommands.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from rag import arguments
from rag.answering import ABSTAIN_TEXT
from rag.cli_chat import cmd_feedback, cmd_report, cmd_user, purge_chat_log
from rag.errors import EXIT_USAGE, BuildError, RagError, UsageError, require, unwritable
from rag.fetch import FetchPolicy
from rag.settings import Settings
from rag.types import Answer


def main(argv: list[str] | None = None) -> int:
    parser = arguments.parser(COMMANDS)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = Settings.from_env(
            articles_dir=getattr(args, "articles", None),
            index_dir=getattr(args, "index", None),
            embedder=getattr(args, "embedder", None),
            users_file=getattr(args, "users", None),
        )
        return args.func(args, settings) or 0
    except RagError as exc:
        print(f"rag: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("rag: avbrutt", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output left (`rag ask … | head -1`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0


def cmd_reader(args, settings: Settings) -> int:
    from rag.eval.norquad import load_norquad
    from rag.eval.runner import GOLD, WRITTEN, read_gold
    from rag.reader import READER_DIR
    from rag.training.pipeline import train_reader

    if not args.norquad.is_file():
        raise UsageError(f"fant ikke NorQuAD-valideringen i {args.norquad} (oppgi --norquad FIL)")
    if not args.train.is_file():
        raise UsageError(f"fant ikke NorQuADs treningsspørsmål i {args.train} (oppgi --train FIL)")
    if args.action == "train-span":
        from rag.span import SPAN_DIR
        from rag.training.span import train_span_reader

        report = train_span_reader(
            args.train,
            settings.models_dir,
            out=args.out or SPAN_DIR,
            held_out=args.norquad,
            log=lambda msg: print(msg, file=sys.stderr, flush=True),
            progress=_progress_bar("Trener span-leseren", unit="steg"),
        )
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    report = train_reader(
        load_norquad(args.train),
        load_norquad(args.norquad),
        read_gold(args.gold or GOLD),
        settings,
        args.work,
        out=args.out or READER_DIR,
        adapters=args.adapters,
        log=lambda msg: print(msg, file=sys.stderr, flush=True),
        progress=lambda label: _progress_bar(label, unit="steg"),
        written_rows=read_gold(WRITTEN),
        span_train=args.train,
    )
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def cmd_models(args, settings: Settings) -> int:
    from rag.models import ensure_converted, list_models

    if args.action == "convert":
        path = ensure_converted(settings.models_dir, progress=lambda msg: print(msg, file=sys.stderr))
        print(f"Klar: {path}")
    rows = list_models(settings.models_dir)
    if not rows:
        print(f"Ingen konverterte modeller i {settings.models_dir} ennå (`rag models convert` lager en).")
    for row in rows:
        print(f"{row['name']}  {row['mb']} MB  {row['path']}")
    return 0


def cmd_build(args, settings: Settings) -> int:
    from rag.index import run_build

    _first_use_articles(settings)
    try:
        report = run_build(settings, progress=_progress_bar("Bygger indeks"), force=args.force)
    except BuildError as exc:
        raise BuildError(f"bygget feilet: {exc}. Indeksen i bruk er uendret.") from exc
    for warning in report.warnings:
        print(f"advarsel: {warning}", file=sys.stderr)
    purge_chat_log(settings)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    elif not report.rebuilt:
        print(
            f"Ingenting å bygge: de {report.articles} artiklene og innstillingene er som da indeks {report.build} "
            f"ble bygget, og den er fortsatt i bruk ({report.seconds:.1f} s; --force bygger likevel på nytt)"
        )
    else:
        print(
            f"Indeks {report.build}: {report.articles} artikler, {report.chunks} biter, {report.sentences} setninger "
            f"på {report.seconds:.1f} s\n"
            f"  artikler: {report.added} nye, {report.changed} endret, {report.removed} fjernet, {report.unchanged} uendret\n"
            f"  embeddinger: {report.embeddings_computed} beregnet, {report.embeddings_reused} gjenbrukt\n"
            f"  i bruk: {settings.index_dir / 'current'}"
        )
    return 0


def cmd_ask(args, settings: Settings) -> int:
    from rag.answering import clean_question

    if args.question is None and not args.jsonl:
        raise UsageError('skriv et spørsmål, for eksempel: rag ask "Hvem er ny leder i NCE Smart Energy Markets?"')
    if args.question is not None:
        clean_question(args.question)  # an empty question is a usage error before any index is built
    if args.jsonl not in (None, "-") and (not Path(args.jsonl).exists() or Path(args.jsonl).is_dir()):
        raise UsageError(
            f"fant ikke filen {args.jsonl!r}: --jsonl leser spørsmål som JSON Lines fra en fil (eller - for stdin); "
            'ett spørsmål stilles slik: rag ask "…"'
        )
    engine = _engine(settings, warm=bool(args.jsonl))  # one question: no warm-up question first
    if args.jsonl:
        return _ask_jsonl(engine, args.jsonl, args.passages)
    answer = engine.ask(args.question, args.history, passages=args.passages)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_answer(answer))
    return 0


def _ask_jsonl(engine, source: str, passages: int | None) -> int:
    from rag.batch import answer_line

    stream = sys.stdin if source == "-" else open(source, encoding="utf-8")
    with stream:
        for lineno, line in enumerate(stream, 1):
            if line.strip():
                print(json.dumps(answer_line(engine.ask, line, lineno, passages), ensure_ascii=False), flush=True)
    return 0


def cmd_eval(args, settings: Settings) -> int:
    from rag.eval.cli import run_eval

    return run_eval(args, settings, _engine, _progress_bar)


def cmd_bench(args, settings: Settings) -> int:
    require("psutil", "eval", "`rag bench`")
    from rag.eval.bench import EMBEDDED_CHUNKS_PER_S, format_table, run_size

    try:
        sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    except ValueError as exc:
        raise UsageError("--sizes tar hele tall, for eksempel 1000,10000") from exc
    total = sum(sizes)
    if not args.sentence_mean and total >= 20_000:
        hours = total / EMBEDDED_CHUNKS_PER_S / 3600
        print(
            f"Merk: å embedde {total} tekstbiter tar omtrent {hours:.1f} timer på to kjerner; "
            "--sentence-mean gjør det på minutter.",
            file=sys.stderr,
            flush=True,
        )
    rows = []
    for size in sizes:
        rows.append(
            run_size(settings, size, args.out, args.queries, _progress_bar(f"Bygger {size}"), args.sentence_mean)
        )
        print(format_table(rows[-1:]) if len(rows) == 1 else format_table(rows[-1:]).splitlines()[-1], flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    print(f"Resultater: {args.out / 'bench.json'}")
    return 0


def cmd_load(args, settings: Settings) -> int:
    from rag.eval.load import library_asker, run_load, server_asker
    from rag.eval.runner import GOLD, read_gold

    questions = [g["question"] for g in read_gold(GOLD) if not g.get("history")]
    make = server_asker(args.url) if args.url else library_asker(_engine(settings))
    report = run_load(make, questions, args.clients, args.seconds)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        target = args.url or "biblioteket"
        print(
            f"{target}: {report['clients']} klienter i {report['seconds']} s, {report['requests']} svar, "
            f"{report['throughput_rps']} svar/s, p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms, "
            f"{report['errors']} feil, {report['mismatches']} avvik fra enkelttrådet svar"
        )
    return 1 if report["errors"] or report["mismatches"] else 0


def cmd_serve(args, settings: Settings) -> int:
    require("gradio", "serve", "`rag serve`")
    from rag.ui.app import serve

    _engine(settings)  # build on first use, so the page never starts empty
    demo = serve(settings, host=args.host, port=args.port, block=False, login=args.login)
    print(f"Chatten kjører på http://{args.host}:{args.port}/  (Ctrl+C for å stoppe)", file=sys.stderr)
    demo.block_thread()
    return 0


def cmd_sync(args, settings: Settings) -> int:
    from dataclasses import replace

    from rag.sync import sync

    feeds, sitemaps = (args.feed, args.sitemap) if args.feed or args.sitemap else (settings.feeds, settings.sitemaps)
    if not feeds and not sitemaps:
        print(
            "rag sync: ingen kilder (gi --feed/--sitemap, eller RAG_FEEDS/RAG_SITEMAPS); ingenting å hente.",
            file=sys.stderr,
        )
        return 0
    if args.delay < 0 or args.max_bytes < 1:
        raise UsageError("--delay må være 0 eller mer og --max-bytes minst 1")
    policy = replace(FetchPolicy(), delay_s=args.delay, max_bytes=args.max_bytes)
    report = sync(
        settings.articles_dir,
        list(feeds),
        list(sitemaps),
        policy,
        prune=args.prune,
        progress=_progress_bar("Henter artikler", unit="side"),
    )
    for warning in report.warnings:
        print(f"advarsel: {warning}", file=sys.stderr)
    print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if args.json else report.summary())
    if not report.ok:
        print("rag: ingenting kunne leses; artikkelmappen er uendret", file=sys.stderr)
        return 1
    return 0


def cmd_index(args, settings: Settings) -> int:
    from rag.index import IndexRoot
    from rag.store import read_manifest
    from rag.sync import last_sync

    root = IndexRoot(settings.index_dir)
    if args.action == "rollback":
        with root.lock():
            build = root.rollback()
        print(f"I bruk nå: {build.name}")
        return 0
    current = root.current()
    builds = [b.name for b in root.complete_builds()]
    status = {"index_dir": str(settings.index_dir), "current": current.name if current else None, "builds": builds}
    if current:
        manifest = read_manifest(current)
        status |= {k: manifest.get(k) for k in ("created_at", "counts", "embedder", "package_version")}
    status["last_sync"] = last_sync(settings.articles_dir)
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
    elif not current:
        print(f"Ingen indeks i bruk i {settings.index_dir}. Kjør `rag build`.")
    else:
        counts = status["counts"]
        print(
            f"I bruk: {current.name} (bygget {status['created_at']})\n"
            f"  {counts['articles']} artikler, {counts['chunks']} biter, embedder {status['embedder']['id']}\n"
            f"  bygg på disk: {', '.join(builds)}"
        )
    if not args.json and status["last_sync"]:
        done = status["last_sync"]
        print(
            f"  siste sync: {done['started']}: {done['new']} nye, {done['changed']} endret, "
            f"{done['failed']} feilet, {done['removed']} fjernet"
        )
    return 0


def _first_use_articles(settings: Settings) -> None:
    from rag.settings import first_use_articles

    try:
        if first_use_articles(settings):
            print(f"La de fem eksempelartiklene i {settings.articles_dir}.", file=sys.stderr)
    except OSError as exc:
        raise unwritable(exc, settings.articles_dir, "RAG_HOME (eller RAG_ARTICLES_DIR)", BuildError) from exc


def _engine(settings: Settings, warm: bool = True):
    """The engine for the index in service; builds it first when there is none yet.
    `warm`: see `Engine`."""
    from rag.index import Engine, IndexRoot, run_build

    current = IndexRoot(settings.index_dir).current()
    if current is None:
        _first_use_articles(settings)
        why = f"Fant ingen indeks i {settings.index_dir}; bygger den fra {settings.articles_dir} …"
    elif _older_analyzer(current):  # after an upgrade: the vectors are reused, so this takes seconds
        why = (
            f"Indeksen i {settings.index_dir} ble bygget med en eldre norsk tekstanalyse; "
            f"bygger den på nytt fra {settings.articles_dir} (embeddingene gjenbrukes) …"
        )
    else:
        return Engine(settings, warm)
    print(why, file=sys.stderr)
    run_build(settings, progress=_progress_bar("Bygger indeks"))
    return Engine(settings, warm)


def _older_analyzer(folder) -> bool:
    """Was the index in `folder` built with another Norwegian analyzer than this version's?
    (A damaged index is left for the engine to report.)"""
    from rag.store import IndexLoadError, older_analyzer, read_manifest

    try:
        return older_analyzer(read_manifest(folder, check_analyzer=False))
    except IndexLoadError:
        return False


def format_answer(answer: Answer) -> str:
    lines = []
    if answer.notice:
        lines += [f"({answer.notice})", ""]
    if answer.abstained:
        lines += [ABSTAIN_TEXT, "", "Nærmeste avsnitt:"]
        for n, p in enumerate(answer.passages, 1):
            text = " ".join(p.text.split())
            lines.append(f"  {n}. {p.title}\n     {text[:300]}{'…' if len(text) > 300 else ''}")
        return "\n".join(lines)
    if answer.kind == "smalltalk":
        return "\n".join([*lines, answer.answer or ""])
    marks = "".join(f"[{n}]" for n in range(1, len(answer.citations) + 1))
    lines += [f"«{answer.answer}» {marks}", "", "Kilder:"]
    for n, c in enumerate(answer.citations, 1):
        where = ", ".join(x for x in (c.date, c.url) if x)
        lines.append(f"  [{n}] {c.title} ({c.article_id}{', ' + where if where else ''}), tegn {c.start}–{c.end}")
    return "\n".join(lines)


def _progress_bar(label: str, unit: str = "emb"):
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=label, unit=unit, file=sys.stderr, disable=None, leave=False)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


COMMANDS = {
    "build": cmd_build,
    "ask": cmd_ask,
    "eval": cmd_eval,
    "bench": cmd_bench,
    "load": cmd_load,
    "serve": cmd_serve,
    "feedback": cmd_feedback,
    "report": cmd_report,
    "user": cmd_user,
    "models": cmd_models,
    "reader": cmd_reader,
    "sync": cmd_sync,
    "index": cmd_index,
}


if __name__ == "__main__":
    sys.exit(main())
