"""Login: PBKDF2 password hashes (never clear text), checked against the users of the chat database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

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


def checker(users):
    """The callable Gradio's `auth=` takes; `users` maps a name to its stored hash (a dict,
    or a function that looks one up, None for an unknown name)."""
    lookup = users if callable(users) else users.get

    def check(name: str, password: str) -> bool:
        stored = lookup(name)
        return stored is not None and verify(password, stored)

    return check
