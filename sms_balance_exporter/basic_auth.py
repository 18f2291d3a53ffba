"""HTTP basic auth for the exporter's endpoints, checked against bcrypt hashes.

An answer tells nothing about whether a user exists: an unknown user is checked against a
dummy hash of the highest cost configured, and a password bcrypt cannot take (over 72 bytes)
is refused after the same work for every user. Verified credentials are cached (bcrypt is
slow on purpose, and Prometheus sends the same credentials on every scrape); the cache keys
are digests, never plain passwords. At most `MAX_CONCURRENT_CHECKS` bcrypt checks run at
once; past that a new credential is refused at once, so a guessing flood costs bounded CPU
and leaves the worker threads to `/-/healthy` and to scrapes with cached credentials.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from collections import OrderedDict
from typing import Protocol

import bcrypt

_CACHE_SIZE = 1024
MAX_CONCURRENT_CHECKS = 2
MAX_PASSWORD_BYTES = 72  # bcrypt's limit


class Authenticator(Protocol):
    """What the web app asks: may a request with this `Authorization` header in?"""

    def allows(self, authorization: str | None) -> bool: ...


def _cost(hashed: bytes) -> int:
    return int(hashed.split(b"$")[2])


class BasicAuth:
    """Checks `Authorization` headers against `users` (user name -> bcrypt hash); with no
    users, every request is allowed."""

    def __init__(self, users: dict[str, bytes]) -> None:
        self._users = users
        self._verified: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()
        self._checks = threading.BoundedSemaphore(MAX_CONCURRENT_CHECKS)
        cost = max((_cost(h) for h in users.values()), default=4)
        # Hashed once here, at the cost an existing user costs at most.
        self._dummy = bcrypt.hashpw(b"no such user", bcrypt.gensalt(rounds=cost)) if users else b""

    @property
    def enabled(self) -> bool:
        return bool(self._users)

    def allows(self, authorization: str | None) -> bool:
        if not self._users:
            return True
        credentials = _parse(authorization)
        if credentials is None:
            return False
        user, password = credentials
        hashed = self._users.get(user)
        key = hashlib.sha256(b"\0".join([user.encode(), password, hashed or b""])).digest()
        with self._lock:
            if hashed is not None and key in self._verified:
                self._verified.move_to_end(key)
                return True
        if not self._checks.acquire(blocking=False):
            return False
        try:
            if hashed is None or len(password) > MAX_PASSWORD_BYTES:
                bcrypt.checkpw(password[:MAX_PASSWORD_BYTES], self._dummy)
                return False
            ok = bcrypt.checkpw(password, hashed)
        finally:
            self._checks.release()
        if ok:
            with self._lock:
                self._verified[key] = None
                while len(self._verified) > _CACHE_SIZE:
                    self._verified.popitem(last=False)
        return ok


def _parse(authorization: str | None) -> tuple[str, bytes] | None:
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    user, sep, password = decoded.partition(b":")
    if not sep:
        return None
    try:
        return user.decode("utf-8"), password
    except UnicodeDecodeError:
        return None
