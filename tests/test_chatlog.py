"""What the chat remembers: the same tests on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from rag.chatlog import SCHEMA_VERSION, Asked, ChatLog
from rag.errors import DataError


def test_questions_and_feedback_round_trip(chat_db):
    log = ChatLog(chat_db)
    answered = log.log_question(
        Asked("Hvem leder klyngen?", "answer", True, 0.83, ("artikkel-2",), "artikkel-2", "Kari leder.", 41.5, "b1")
    )
    missing = log.log_question(Asked("Hvem leder DECOM?", "answer", False, 0.12, (), "artikkel-3", None, 38.0, "b1"))
    log.log_question(Asked("Takk!", "smalltalk", True))
    assert answered != missing
    rows = log.questions()
    assert [r["question"] for r in rows] == ["Hvem leder klyngen?", "Hvem leder DECOM?", "Takk!"]
    assert rows[0]["answered"] and rows[0]["article_ids"] == ["artikkel-2"] and rows[0]["build_id"] == "b1"
    assert not rows[1]["answered"] and rows[1]["closest_article"] == "artikkel-3" and rows[1]["user_name"] is None
    log.add_feedback(False, "Hvem leder DECOM?", None, [], question_id=missing, comment="  Vi trenger en artikkel  ")
    (fb,) = log.feedback()
    assert fb["question_id"] == missing and fb["comment"] == "Vi trenger en artikkel" and not fb["liked"]


def test_reopening_migrates_nothing_twice_and_a_newer_schema_is_refused(chat_db):
    ChatLog(chat_db).log_question(Asked("Hvem?", "answer", False))
    again = ChatLog(chat_db)
    assert len(again.questions()) == 1
    with again._transaction() as cur:
        cur.execute(again._sql("UPDATE meta SET value = ? WHERE key = 'schema_version'"), (str(SCHEMA_VERSION + 1),))
    with pytest.raises(DataError, match="nyere rag"):
        ChatLog(chat_db)


def test_old_files_are_imported_once_and_kept(chat_db, tmp_path):
    feedback = tmp_path / "feedback.jsonl"
    rows = [{"time": "2026-11-30T10:00:00+00:00", "liked": False, "question": "Q?", "answer": "A.", "citations": []}]
    feedback.write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"torn', encoding="utf-8")
    users = tmp_path / "users.json"
    users.write_text(json.dumps({"kari": "pbkdf2_sha256$1$c2FsdA==$aGFzaA=="}), encoding="utf-8")
    log = ChatLog(chat_db)
    assert log.import_files(feedback, users) == {"feedback": 1, "users": 1}
    assert log.import_files(feedback, users) == {}  # a second start imports nothing twice
    assert ChatLog(chat_db).import_files(feedback, users) == {}
    assert feedback.exists() and users.exists()
    assert [f["question"] for f in log.feedback()] == ["Q?"] and log.users()["kari"][1] == "user"


def test_old_questions_are_purged(chat_db):
    log = ChatLog(chat_db)
    log.log_question(Asked("Ny?", "answer", True))
    log.add_feedback(True, "Gammel?", "Svar.", given_at="2020-01-01T00:00:00+00:00")
    with log._transaction() as cur:
        cur.execute(
            log._sql("INSERT INTO questions (asked_at, question, kind, answered, article_ids) VALUES (?, ?, ?, ?, ?)"),
            ("2020-01-01T00:00:00+00:00", "Gammel?", "answer", 1, ""),
        )
    assert log.purge(90) == 2
    assert [q["question"] for q in log.questions()] == ["Ny?"] and log.feedback() == []


def test_users_and_roles(chat_db):
    log = ChatLog(chat_db)
    log.add_user("kari", "hash-1", "editor")
    log.add_user("kari", "hash-2", "user")  # again: replaced, not doubled
    assert log.users() == {"kari": ("hash-2", "user")}
    with pytest.raises(DataError, match="ukjent rolle"):
        log.add_user("ola", "hash", "admin")


def test_threads_write_without_losing_a_question(chat_db):
    from concurrent.futures import ThreadPoolExecutor

    log = ChatLog(chat_db)
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda n: log.log_question(Asked(f"Spørsmål {n}?", "answer", n % 2 == 0)), range(200)))
    assert len(set(ids)) == 200 and len(log.questions()) == 200


WRITER = """
import sys
from rag.chatlog import Asked, ChatLog
log = ChatLog(sys.argv[1])
n = 0
while True:
    log.log_question(Asked(f"Spørsmål {n}?", "answer", True))
    n += 1
    if n == 50:
        print("ready", flush=True)
"""


def test_a_killed_writer_leaves_a_database_that_opens(tmp_path):
    path = tmp_path / "chat.db"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(0.2)
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    kept = ChatLog(path).questions()
    assert len(kept) >= 50 and [q["question"] for q in kept] == [f"Spørsmål {n}?" for n in range(len(kept))]


def test_a_moved_or_torn_feedback_file_is_imported_once_and_users_keep_their_role(chat_db, tmp_path):
    row = {"time": "2026-11-30T10:00:00+00:00", "liked": True, "question": "Ås?", "answer": "Ja.", "citations": []}
    torn = (json.dumps(row, ensure_ascii=False) + "\n" + '{"question": "Å').encode("utf-8")[:-1]  # half an «Å»
    first = tmp_path / "a" / "feedback.jsonl"
    first.parent.mkdir()
    first.write_bytes(torn)
    users = tmp_path / "a" / "users.json"
    users.write_text(json.dumps({"kari": "old-hash", "ola": "ola-hash"}), encoding="utf-8")
    log = ChatLog(chat_db)
    log.add_user("kari", "new-hash", "editor")
    assert log.import_files(first, users) == {"feedback": 1, "users": 1}  # ola only
    assert log.users() == {"kari": ("new-hash", "editor"), "ola": ("ola-hash", "user")}
    moved = tmp_path / "b"
    first.parent.rename(moved)  # a home moved elsewhere: the same content is not imported again
    assert log.import_files(moved / "feedback.jsonl", moved / "users.json") == {}
    assert [f["question"] for f in log.feedback()] == ["Ås?"]


def test_a_broken_connection_costs_one_call_and_is_opened_anew(chat_db):
    log = ChatLog(chat_db)
    log._connection().close()  # as a database restart or a failover leaves it
    with pytest.raises(DataError):
        log.log_question(Asked("Hvem?", "answer", True))
    log.log_question(Asked("Hvem nå?", "answer", True))
    assert [q["question"] for q in log.questions()] == ["Hvem nå?"]


def test_the_sqlite_files_are_the_owners_alone(tmp_path):
    old = os.umask(0o022)
    try:
        log = ChatLog(tmp_path / "chat.db")
        log.add_user("kari", "hash", "editor")
    finally:
        os.umask(old)
    for name in ("chat.db", "chat.db-wal", "chat.db-shm"):
        path = tmp_path / name
        assert not path.exists() or path.stat().st_mode & 0o077 == 0, name


def test_a_database_url_in_a_message_has_no_password():
    from rag.chatlog import redacted
    from rag.errors import SettingsError
    from rag.settings import Settings

    assert redacted("postgresql://kari:hemmelig@db.example:5432/rag") == "postgresql://db.example:5432/rag"
    assert "hemmelig" not in redacted("postgresql://db/rag?user=kari&password=hemmelig&sslmode=require")
    with pytest.raises(SettingsError) as caught:
        Settings(database_url="postgresql+psycopg://kari:hemmelig@db/rag")
    assert "hemmelig" not in str(caught.value)
