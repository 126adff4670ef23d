"""Optional login: users and PBKDF2 password hashes in a JSON file, never clear text."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from pathlib import Path

from rag.errors import DataError

ITERATIONS = 200_000


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, ITERATIONS)
    return f"pbkdf2_sha256${ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        got = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), base64.b64decode(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(base64.b64encode(got).decode(), digest)


def load_users(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        users = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(
            f"brukerfilen {path} er ikke gyldig JSON; rett den, eller lag en ny med `rag user add`"
        ) from exc
    if not isinstance(users, dict) or not all(isinstance(v, str) for v in users.values()):
        raise DataError(f"brukerfilen {path} må knytte brukernavn til passord-hasher; lag den med `rag user add`")
    return users


def add_user(path: Path, name: str, password: str) -> None:
    users = load_users(path)
    users[name] = hash_password(password)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(users, indent=2), encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def checker(users: dict[str, str]):
    """The callable Gradio's `auth=` takes."""

    def check(name: str, password: str) -> bool:
        stored = users.get(name)
        return stored is not None and verify(password, stored)

    return check
