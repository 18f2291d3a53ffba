"""How many balance queries may be in flight at once, and against whom.

Provider rate limits are per credential far more often than per provider, so the limits are:

- per credential (same provider, same host, same secret values: Gateway360 sub-accounts behind
  one parent key, or one key configured twice): `CREDENTIAL_CONCURRENCY`;
- per provider and host actually called (the account's `base_url`): `HOST_CONCURRENCY`, a cap
  a normal fleet never meets, so distinct keys at one provider are not queued behind each
  other, and `generic` accounts on different hosts never share a limit;
- per provider, only where the config's `provider_concurrency` sets one (per provider and host
  for providers where every account names its own host).

A waiting query sits in the queue of one full limit and holds no thread.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from sms_balance_exporter.config import Account

# Balance queries in flight at once in all, unless `--query.max-concurrency` says otherwise: the
# service's worker threads, and so the connections the transport keeps to one host.
MAX_IN_FLIGHT = 128
# Four calls at a time on one key: a key configured twice never doubles its load and a
# reseller's sub-accounts trickle in rather than burst, while a parent key's 100 sub-accounts
# at 300 ms latency still answer within the default 10 s timeout (two would need 15 s).
CREDENTIAL_CONCURRENCY = 4
# Half the default bound: one provider's host never takes every worker, and a fleet of tens of
# keys per provider never waits for it.
HOST_CONCURRENCY = MAX_IN_FLIGHT // 2

# ("credential", digest) | ("host", provider id, origin) | ("provider", provider id, origin or "")
LimitKey = tuple[str, ...]
Item = TypeVar("Item")


def limit_keys(account: Account) -> tuple[LimitKey, ...]:
    """The limits a query of `account` counts against."""
    origin = _origin(account.base_url)
    provider = account.provider_id
    per_host = origin if account.provider.base_url_required else ""
    return (
        ("credential", _credential_digest(provider, origin, account.provider.secret_values())),
        ("host", provider, origin),
        ("provider", provider, per_host),
    )


def _origin(base_url: str) -> str:
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def _credential_digest(provider: str, origin: str, secrets: Sequence[str]) -> str:
    """A hash naming the credential: the secret itself is never kept as a key, nor logged."""
    digest = hashlib.sha256()
    for part in (provider, origin, *secrets):
        data = part.encode()
        digest.update(len(data).to_bytes(8, "big") + data)  # length-prefixed: unambiguous
    return digest.hexdigest()


class Slots(Generic[Item]):
    """Queries in flight per limit, and those waiting for a slot. Not thread-safe: the caller
    holds its own lock around every call."""

    def __init__(self, provider_limit: Callable[[str], int | None]) -> None:
        """`provider_limit(id)` is the config's cap for a provider, None where it sets none
        (read on every query, so a reloaded config applies at once)."""
        self._provider_limit = provider_limit
        self._running: Counter[LimitKey] = Counter()
        self._waiting: dict[LimitKey, deque[tuple[tuple[LimitKey, ...], Item]]] = defaultdict(deque)

    def take_or_queue(self, keys: tuple[LimitKey, ...], item: Item) -> bool:
        """Take a slot of every limit in `keys` and return True, or queue `item` behind the
        first full one and return False."""
        full = self._first_full(keys)
        if full is None:
            self._running.update(keys)
            return True
        self._waiting[full].append((keys, item))
        return False

    def release(self, keys: tuple[LimitKey, ...]) -> list[Item]:
        """Free the slots of a query that took `keys`; return the waiting items that now hold
        theirs, to be started."""
        self._running.subtract(keys)
        for key in keys:
            if self._running[key] <= 0:
                del self._running[key]  # keys of reloaded-away accounts do not pile up
        started: list[Item] = []
        for key in keys:
            queue = self._waiting.get(key)
            while queue and not self._is_full(key):
                waiting_keys, item = queue.popleft()
                full = self._first_full(waiting_keys)
                if full is None:
                    self._running.update(waiting_keys)
                    started.append(item)
                else:  # now held up by another limit: wait for that one to free a slot
                    self._waiting[full].append((waiting_keys, item))
            if queue is not None and not queue:
                del self._waiting[key]
        return started

    def _first_full(self, keys: tuple[LimitKey, ...]) -> LimitKey | None:
        return next((key for key in keys if self._is_full(key)), None)

    def _is_full(self, key: LimitKey) -> bool:
        cap = self._cap(key)
        return cap is not None and self._running[key] >= cap

    def _cap(self, key: LimitKey) -> int | None:
        if key[0] == "credential":
            return CREDENTIAL_CONCURRENCY
        if key[0] == "host":
            return HOST_CONCURRENCY
        return self._provider_limit(key[1])
