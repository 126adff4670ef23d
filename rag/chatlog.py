"""What the chat remembers, in one database: the questions asked, 👍/👎 feedback tied to its
question, and the users who may log in.

SQLite in `$RAG_HOME/chat.db` by default (WAL, one connection per thread, short
transactions); `RAG_DATABASE_URL=postgresql://…` puts the same tables in PostgreSQL, so that
several `rag serve` replicas share them. The schema carries its version and is migrated when
a log is opened. The `feedback.jsonl` and `users.json` of earlier versions are imported once
(the files are kept) and never twice.

Privacy: a user name is stored only when login is on; questions and feedback older than
`RAG_LOG_DAYS` are deleted by `purge` (the nightly `rag build`); with `RAG_LOG_QUESTIONS=0`
no question is stored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from rag.errors import DataError

SCHEMA_VERSION = 1
CONNECT_TIMEOUT_S = 5  # a PostgreSQL server that does not answer costs a question this long at most
# Each version's statements, {serial} the auto-numbered key of the backend.
MIGRATIONS = {
    1: [
        "CREATE TABLE questions (id {serial} PRIMARY KEY, asked_at TEXT NOT NULL, user_name TEXT, "
        "question TEXT NOT NULL, kind TEXT NOT NULL, answered INTEGER NOT NULL, score REAL, "
        "article_ids TEXT NOT NULL, closest_article TEXT, answer TEXT, latency_ms REAL, build_id TEXT)",
        "CREATE INDEX questions_asked_at ON questions (asked_at)",
        "CREATE TABLE feedback (id {serial} PRIMARY KEY, given_at TEXT NOT NULL, question_id INTEGER, "
        "liked INTEGER NOT NULL, comment TEXT, question TEXT, answer TEXT, citations TEXT, user_name TEXT)",
        "CREATE INDEX feedback_given_at ON feedback (given_at)",
        "CREATE TABLE users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL)",
    ],
}
ROLES = ("user", "editor")


@dataclass(frozen=True)
class Asked:
    """One question as the log keeps it."""

    question: str
    kind: str  # "answer" or "smalltalk"
    answered: bool
    score: float | None = None
    article_ids: tuple[str, ...] = ()  # the cited articles
    closest_article: str | None = None  # the first passage's article (what an unanswered question came nearest)
    answer: str | None = None
    latency_ms: float | None = None
    build_id: str | None = None
    user_name: str | None = None


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class ChatLog:
    """The chat's database. Safe to share between threads."""

    def __init__(self, target: str | Path):
        self.target = str(target)
        self.postgres = self.target.startswith(("postgresql://", "postgres://"))
        self._local = threading.local()
        try:
            if not self.postgres:
                Path(self.target).parent.mkdir(parents=True, exist_ok=True)
            with self._transaction() as cur:
                self._migrate(cur)
        except OSError as exc:
            raise DataError(f"kan ikke skrive databasen {self.where()} ({exc.strerror or exc})") from exc

    @classmethod
    def open(cls, settings) -> ChatLog:
        """The log `settings` point at, with the files of earlier versions imported once."""
        log = cls(settings.database_url or settings.home / "chat.db")
        log.import_files(settings.home / "feedback.jsonl", settings.users_file or settings.home / "users.json")
        return log

    # ------------------------------------------------------------ connections

    def _connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.postgres:
                try:
                    import psycopg
                except ImportError as exc:
                    raise DataError(
                        "RAG_DATABASE_URL peker på PostgreSQL, men psycopg mangler: pip install 'rag-artikler[postgres]'"
                    ) from exc
                try:
                    conn = psycopg.connect(self.target, connect_timeout=CONNECT_TIMEOUT_S)
                except psycopg.Error as exc:
                    raise DataError(f"kan ikke koble til databasen {self.where()} ({self._redact(exc)})") from exc
            else:
                # The database holds password hashes and what people asked: made readable by
                # its owner alone, and SQLite gives its WAL and shared-memory files the same mode.
                os.close(os.open(self.target, os.O_CREAT | os.O_WRONLY, 0o600))
                try:
                    conn = sqlite3.connect(self.target, timeout=30, isolation_level=None, check_same_thread=False)
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute("PRAGMA synchronous=NORMAL")
                except sqlite3.Error as exc:
                    raise DataError(f"kan ikke åpne databasen {self.target} ({exc})") from exc
            self._local.conn = conn
        return conn

    def _transaction(self, write: bool = True):
        return _Transaction(self, self._connection(), write)

    def _forget_connection(self) -> None:
        """Drop this thread's connection (after an error that may have broken it); the next
        transaction opens a new one, so a database restart costs one failed question."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with contextlib.suppress(Exception):  # it is being thrown away
                conn.close()

    def _redact(self, exc: BaseException) -> str:
        """An error's text without the database password."""
        text = str(exc).strip()
        secret = urlsplit(self.target).password if self.postgres else None
        return text.replace(secret, "***") if secret else text

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.postgres else statement

    def _migrate(self, cur) -> None:
        cur.execute(self._sql("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"))
        cur.execute(self._sql("SELECT value FROM meta WHERE key = 'schema_version'"))
        row = cur.fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise DataError(
                f"databasen {self.where()} er fra en nyere rag (skjema {version}, denne kan {SCHEMA_VERSION})"
            )
        serial = "BIGSERIAL" if self.postgres else "INTEGER"
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[step]:
                cur.execute(statement.format(serial=serial))
        if version < SCHEMA_VERSION:
            self._set_meta(cur, "schema_version", str(SCHEMA_VERSION))

    def _set_meta(self, cur, key: str, value: str) -> None:
        cur.execute(self._sql("DELETE FROM meta WHERE key = ?"), (key,))
        cur.execute(self._sql("INSERT INTO meta (key, value) VALUES (?, ?)"), (key, value))

    def where(self) -> str:
        """Where the log is, for messages (a PostgreSQL URL without its user and password)."""
        return redacted(self.target) if self.postgres else self.target

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # ------------------------------------------------------------ writing

    def log_question(self, asked: Asked) -> int:
        """Store one question; its id (what feedback on its answer refers to)."""
        with self._transaction() as cur:
            cur.execute(
                self._sql(
                    "INSERT INTO questions (asked_at, user_name, question, kind, answered, score, article_ids, "
                    "closest_article, answer, latency_ms, build_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    + self._returning
                ),
                (
                    now(),
                    asked.user_name,
                    asked.question,
                    asked.kind,
                    int(asked.answered),
                    asked.score,
                    ",".join(asked.article_ids),
                    asked.closest_article,
                    asked.answer,
                    asked.latency_ms,
                    asked.build_id,
                ),
            )
            return self._new_id(cur)

    @property
    def _returning(self) -> str:
        return " RETURNING id" if self.postgres else ""

    def _new_id(self, cur) -> int:
        return int(cur.fetchone()[0]) if self.postgres else int(cur.lastrowid)

    def add_feedback(
        self,
        liked: bool,
        question: str,
        answer: str | None,
        citations: list | None = None,
        question_id: int | None = None,
        comment: str | None = None,
        user_name: str | None = None,
        given_at: str | None = None,
    ) -> int:
        with self._transaction() as cur:
            return self._insert_feedback(
                cur, given_at or now(), question_id, liked, comment, question, answer, citations, user_name
            )

    def _insert_feedback(self, cur, given_at, question_id, liked, comment, question, answer, citations, user_name):
        cur.execute(
            self._sql(
                "INSERT INTO feedback (given_at, question_id, liked, comment, question, answer, citations, "
                "user_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)" + self._returning
            ),
            (
                given_at,
                question_id,
                int(liked),
                (comment or "").strip() or None,
                question,
                answer,
                json.dumps(citations or [], ensure_ascii=False),
                user_name,
            ),
        )
        return self._new_id(cur)

    def add_user(self, name: str, password_hash: str, role: str = "user") -> None:
        if role not in ROLES:
            raise DataError(f"ukjent rolle {role!r}; velg en av {', '.join(ROLES)}")
        with self._transaction() as cur:
            cur.execute(self._sql("DELETE FROM users WHERE name = ?"), (name,))
            cur.execute(
                self._sql("INSERT INTO users (name, password_hash, role) VALUES (?, ?, ?)"), (name, password_hash, role)
            )

    def purge(self, days: int) -> int:
        """Delete the questions and feedback older than `days`; how many rows went."""
        cutoff = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)).isoformat(timespec="seconds")
        with self._transaction() as cur:
            cur.execute(self._sql("DELETE FROM questions WHERE asked_at < ?"), (cutoff,))
            gone = cur.rowcount
            cur.execute(self._sql("DELETE FROM feedback WHERE given_at < ?"), (cutoff,))
            return gone + cur.rowcount

    def import_files(self, feedback_file: Path, users_file: Path) -> dict[str, int]:
        """The feedback and users files of earlier versions, imported once each (`import_older_files`)."""
        return import_older_files(self, feedback_file, users_file)

    # ------------------------------------------------------------ reading

    def users(self) -> dict[str, tuple[str, str]]:
        """Every user: name -> (password hash, role)."""
        return {name: (h, role) for name, h, role in self._rows("SELECT name, password_hash, role FROM users")}

    def questions(self, since: str | None = None) -> list[dict]:
        """The questions asked since `since` (ISO time; all without), oldest first."""
        columns = (
            "id, asked_at, user_name, question, kind, answered, score, article_ids, closest_article, answer, "
            "latency_ms, build_id"
        )
        out = self._records(columns, "FROM questions WHERE asked_at >= ? ORDER BY asked_at, id", (since or "",))
        for row in out:
            row["answered"] = bool(row["answered"])
            row["article_ids"] = [a for a in (row["article_ids"] or "").split(",") if a]
        return out

    def feedback(self, since: str | None = None, limit: int | None = None) -> list[dict]:
        """Feedback given since `since` (all without), oldest first; with `limit`, the latest that many."""
        columns = "id, given_at, question_id, liked, comment, question, answer, citations, user_name"
        latest = "FROM feedback WHERE given_at >= ? ORDER BY given_at DESC, id DESC" + (
            f" LIMIT {int(limit)}" if limit else ""
        )
        out = self._records(columns, latest, (since or "",))[::-1]
        for row in out:
            row["liked"] = bool(row["liked"])
            row["citations"] = json.loads(row["citations"] or "[]")
        return out

    def _records(self, columns: str, rest: str, params: tuple) -> list[dict]:
        """`SELECT columns rest` as one dict a row, keyed by the column names."""
        names = [c.strip() for c in columns.split(",")]
        return [dict(zip(names, row)) for row in self._rows(f"SELECT {columns} {rest}", params)]

    def _rows(self, statement: str, params: tuple = ()) -> list[tuple]:
        with self._transaction(write=False) as cur:
            cur.execute(self._sql(statement), params)
            return list(cur.fetchall())


def import_older_files(log: ChatLog, feedback_file: Path, users_file: Path) -> dict[str, int]:
    """The feedback and users files of earlier versions, imported once each (the files
    stay): a file is known by its content, so a moved home imports nothing again. A user
    the database already has keeps its password and role."""
    counts = {}
    for key, path in (("feedback", feedback_file), ("users", users_file)):
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise DataError(f"kan ikke lese {path} for å importere den ({exc.strerror or exc})") from exc
        # decoded with replacement: a crash mid-write may have torn the last character
        text = data.decode("utf-8", errors="replace")
        with log._transaction() as cur:
            marker = f"imported:{key}:{hashlib.sha256(data).hexdigest()}"
            cur.execute(log._sql("SELECT value FROM meta WHERE key = ?"), (marker,))
            if cur.fetchone():
                continue
            counts[key] = _import_feedback(log, cur, text) if key == "feedback" else _import_users(log, cur, text, path)
            log._set_meta(cur, marker, f"{now()} {path}")
    return counts


def _import_feedback(log: ChatLog, cur, text: str) -> int:
    n = 0
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue  # a torn last line from a crash
        if not isinstance(row, dict) or "liked" not in row:
            continue
        log._insert_feedback(
            cur,
            row.get("time") or now(),
            None,
            bool(row["liked"]),
            None,
            row.get("question"),
            row.get("answer"),
            row.get("citations"),
            None,
        )
        n += 1
    return n


def _import_users(log: ChatLog, cur, text: str, path: Path) -> int:
    try:
        users = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"brukerfilen {path} er ikke gyldig JSON; rett den før den importeres") from exc
    if not isinstance(users, dict) or not all(isinstance(v, str) for v in users.values()):
        raise DataError(f"brukerfilen {path} må knytte brukernavn til passord-hasher")
    cur.execute(log._sql("SELECT name FROM users"))
    known = {row[0] for row in cur.fetchall()}
    added = [(name, h) for name, h in users.items() if name not in known]
    for name, password_hash in added:
        cur.execute(
            log._sql("INSERT INTO users (name, password_hash, role) VALUES (?, ?, ?)"),
            (name, password_hash, "user"),
        )
    return len(added)


class _Transaction:
    """One short transaction: committed on success, rolled back on an error. A database
    error becomes a DataError, and a connection that may be broken is dropped."""

    def __init__(self, log: ChatLog, conn, write: bool):
        self.log, self.conn, self.write = log, conn, write
        self.postgres = log.postgres

    def __enter__(self):
        try:
            self.cur = self.conn.cursor()
            if not self.postgres:
                # one writer at a time, taking the lock at once (no deadlock on upgrade); readers go on (WAL)
                self.cur.execute("BEGIN IMMEDIATE" if self.write else "BEGIN")
        except Exception as exc:
            self.log._forget_connection()
            if _database_error(exc):
                raise DataError(f"databasen svarer ikke ({self.log._redact(exc)})") from exc
            raise
        return self.cur

    def __exit__(self, kind, value, tb):
        try:
            if kind is None:
                self.conn.commit() if self.postgres else self.cur.execute("COMMIT")
                return False
            self.conn.rollback() if self.postgres else self.cur.execute("ROLLBACK")
        except Exception as exc:  # the commit or the rollback failed: the connection is suspect
            self.log._forget_connection()
            value = value or exc
            if not _database_error(value):
                raise
        finally:
            with contextlib.suppress(Exception):  # a cursor of a dropped connection
                self.cur.close()
        if value is not None and _database_error(value):
            self.log._forget_connection()
            raise DataError(f"databasen svarte med en feil ({self.log._redact(value)})") from value
        return False


def redacted(url: str) -> str:
    """A database URL without its user, password or password parameter, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    query = "&".join(q for q in parts.query.split("&") if q and not q.lower().startswith(("password=", "user=")))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _database_error(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.Error):
        return True
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(exc, psycopg.Error)
