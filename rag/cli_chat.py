"""The chat's commands: `rag user`, `rag feedback`, `rag report`, and the nightly purge of
old questions. Thin functions over `rag.chatlog` and `rag.editors`, wired into `rag.cli`
(with it, the only modules that print)."""

from __future__ import annotations

import json
import sys

from rag.errors import RagError, UsageError
from rag.settings import Settings


def purge_chat_log(settings: Settings) -> None:
    """The nightly build also forgets questions older than RAG_LOG_DAYS (a failure here is a warning)."""
    from rag.chatlog import ChatLog

    if not settings.database_url and not (settings.home / "chat.db").exists():
        return  # a build host that never served: no log to purge, and none is made
    try:
        gone = ChatLog.open(settings).purge(settings.log_days)
    except (RagError, OSError) as exc:
        print(f"advarsel: kunne ikke slette gamle spørsmål: {exc}", file=sys.stderr)
        return
    if gone:
        print(f"Slettet {gone} spørsmål og tilbakemeldinger eldre enn {settings.log_days} dager.", file=sys.stderr)


def cmd_feedback(args, settings: Settings) -> int:
    from rag.chatlog import ChatLog

    rows = ChatLog.open(settings).feedback(limit=max(1, args.n))
    if not rows:
        print("Ingen tilbakemeldinger ennå.")
    for row in rows:
        mark = "👍" if row["liked"] else "👎"
        comment = f"\n    «{row['comment']}»" if row["comment"] else ""
        print(f"{row['given_at']} {mark} {row['question']}\n    {row['answer'] or '(ikke besvart)'}{comment}")
    return 0


def cmd_report(args, settings: Settings) -> int:
    from rag.chatlog import ChatLog
    from rag.editors import index_context, report, to_csv

    if args.days < 1:
        raise UsageError("--days må være minst 1")
    from rag.index import IndexRoot
    from rag.index.engine import served_embedder
    from rag.store import load

    embed, titles = None, {}
    try:  # group by topic with the served index's embedder, and name the articles: no reader, no build
        current = IndexRoot(settings.index_dir).current()
        if current is None:
            raise UsageError(f"ingen indeks i {settings.index_dir}")
        data = load(current)
        embed, titles = index_context(data, served_embedder(settings, data, current))
    except RagError as exc:
        print(f"advarsel: ingen indeks å gruppere med ({exc}); bare like formuleringer grupperes", file=sys.stderr)
    data = report(ChatLog.open(settings), args.days, embed, titles)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif args.csv:
        sys.stdout.write(to_csv(data))
    else:
        print(format_report(data))
    return 0


def format_report(data: dict) -> str:
    """The report as text for a terminal or a weekly mail."""
    lines = [f"Siste {data['days']} dager: {data['asked']} spørsmål, {data['unanswered']} uten svar."]
    lines.append("\nUten svar, etter tema:")
    for g in data["unanswered_groups"] or []:
        near = f" (nærmeste artikkel: {g['closest_title']})" if g["closest_title"] else ""
        lines.append(f"  {g['count']} × {g['questions'][0]}{near}")
        lines += [f"        {q}" for q in dict.fromkeys(g["questions"][1:])]
    if not data["unanswered_groups"]:
        lines.append("  (ingen)")
    lines.append("\nSvar med 👎:")
    for f in data["disliked"]:
        comment = f" – «{f['comment']}»" if f["comment"] else ""
        lines.append(f"  {f['question']}{comment}")
    if not data["disliked"]:
        lines.append("  (ingen)")
    lines.append("\nMest spurt:")
    lines += [f"  {m['count']} × {m['question']}" for m in data["most_asked"]] or ["  (ingen)"]
    return "\n".join(lines)


def cmd_user(args, settings: Settings) -> int:
    import getpass

    from rag.chatlog import ChatLog
    from rag.ui.auth import hash_password

    password = getpass.getpass(f"Passord for {args.name}: ")
    if len(password) < 8 or password != getpass.getpass("Gjenta passordet: "):
        raise UsageError("passordene må være like og minst 8 tegn lange")
    log = ChatLog.open(settings)
    log.add_user(args.name, hash_password(password), args.role)
    print(f"La til {args.name} ({args.role}) i {log.where()}")
    return 0
