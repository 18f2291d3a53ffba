"""HTTP basic auth for the exporter's endpoints, checked against bcrypt hashes.

Unknown users are checked against a dummy hash, so the time an answer takes does not tell
whether a user exists. Verified credentials are cached (bcrypt is slow on purpose, and
Prometheus sends the same credentials on every scrape); the cache keys are digests, never
plain passwords.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from collections import OrderedDict

import bcrypt

# A bcrypt hash (of "no such user", cost 10, the usual cost): the work an unknown user
# costs. A constant, because hashing one at import would add 50 ms to every start.
_DUMMY_HASH = b"$2b$10$GKKgRmWNYtRjNk9r7OQRxOcqYhSEj5nZ.AiGXYpBkVd1gZsHEeJre"
_CACHE_SIZE = 1024


class BasicAuth:
    """Checks `Authorization` headers against `users` (user name -> bcrypt hash)."""

    def __init__(self, users: dict[str, bytes]) -> None:
        self._users = users
        self._verified: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def allows(self, authorization: str | None) -> bool:
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
        if hashed is None:
            bcrypt.checkpw(password, _DUMMY_HASH)
            return False
        try:
            ok = bcrypt.checkpw(password, hashed)
        except ValueError:
            return False
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
