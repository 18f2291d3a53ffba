"""Balance queries for many accounts: concurrent, each within its deadline, one in-flight
upstream request per account shared by overlapping scrapes, results younger than
`min_interval` served from memory, and the per-account state the metrics report."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from sms_balance_exporter.config import DEFAULT_PROVIDER_CONCURRENCY, Account
from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.upstream import UpstreamClient

log = logging.getLogger(__name__)

DEFAULT_MAX_CONCURRENCY = 128


@dataclass(frozen=True)
class QueryResult:
    """The outcome of one balance query (or of waiting for one)."""

    balance: Balance | None
    error: ProviderError | None
    duration: float
    finished: float  # time.monotonic()

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class AccountState:
    """What the exporter remembers of one account between scrapes."""

    account: Account
    last_result: QueryResult | None = None
    last_success_time: float | None = None  # unix time
    errors: Counter[Reason] = field(default_factory=Counter)
    flight: Future[QueryResult] | None = None
    not_before: float = 0.0  # time.monotonic() before which the provider asked not to call


@dataclass(frozen=True)
class AccountSnapshot:
    """A consistent copy of one account's state for one scrape."""

    account: Account
    result: QueryResult
    last_success_time: float | None
    errors: dict[Reason, int]


class BalanceService:
    """Runs balance queries on a bounded pool of worker threads."""

    def __init__(
        self,
        client: UpstreamClient,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        provider_limit: Callable[[str], int] = lambda provider: DEFAULT_PROVIDER_CONCURRENCY,
    ) -> None:
        """`max_concurrency` bounds the queries in flight in all; `provider_limit(id)` those
        at one provider's API (read on every query, so a reloaded config applies at once)."""
        self._client = client
        self._pool = ThreadPoolExecutor(max_concurrency, thread_name_prefix="balance-query")
        self._provider_limit = provider_limit
        self._lock = threading.Lock()
        self._states: dict[str, AccountState] = {}
        # Per provider: queries running, and flights waiting for one of them to end. Waiting
        # flights hold no thread, so one crowded provider never delays another's queries.
        self._running: Counter[str] = Counter()
        self._waiting: dict[str, deque[tuple[AccountState, float]]] = defaultdict(deque)

    def query(
        self, accounts: Sequence[Account], scrape_deadline: float | None = None
    ) -> list[AccountSnapshot]:
        """Query `accounts` and return once all are done or the deadline has passed.

        Each account's deadline is min(now + its timeout, `scrape_deadline`); an account not
        done by then is reported as a timeout while its request runs on (it is shared with
        the next scrape rather than started again).
        """
        started = time.monotonic()
        deadlines = [min(started + a.timeout, scrape_deadline or float("inf")) for a in accounts]
        futures = [self._result_future(a, d) for a, d in zip(accounts, deadlines, strict=True)]
        if futures:
            wait(futures, timeout=max(0.0, max(deadlines) - time.monotonic()))
        snapshots = []
        for account, deadline, future in zip(accounts, deadlines, futures, strict=True):
            if future.done():
                result = future.result()
            else:
                waited = time.monotonic() - started
                error = ProviderError(Reason.TIMEOUT, f"no answer within {deadline - started:.2f}s")
                result = QueryResult(None, error, waited, time.monotonic())
            snapshots.append(self._snapshot(account, result))
        return snapshots

    def forget_except(self, accounts: Sequence[Account]) -> None:
        """Drop the state of accounts no longer configured (after a reload)."""
        names = {a.name for a in accounts}
        with self._lock:
            for name in set(self._states) - names:
                del self._states[name]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _result_future(self, account: Account, deadline: float) -> Future[QueryResult]:
        with self._lock:
            state = self._states.get(account.name)
            if state is None or state.account != account:  # new, or changed by a reload
                state = self._states[account.name] = AccountState(account)
            if state.flight is not None:
                return state.flight  # overlapping scrapes share one upstream request
            now = time.monotonic()
            cached = state.last_result
            if cached is not None and now - cached.finished < account.min_interval:
                return _done(cached)
            if now < state.not_before:
                # The provider said when to come back (429 Retry-After); calling earlier
                # would only prolong the ban. No query, so nothing is counted.
                wait = state.not_before - now
                error = ProviderError(
                    Reason.RATE_LIMITED, f"rate limited; not calling for another {wait:.0f}s"
                )
                return _done(QueryResult(None, error, 0.0, now))
            flight: Future[QueryResult] = Future()
            state.flight = flight
            provider = account.provider_id
            if self._running[provider] < self._provider_limit(provider):
                self._start(state, deadline)
            else:
                self._waiting[provider].append((state, deadline))
            return flight

    def _start(self, state: AccountState, deadline: float) -> None:
        """Run `state`'s flight on the pool. Called with the lock held."""
        self._running[state.account.provider_id] += 1
        self._pool.submit(self._fly, state, deadline)

    def _fly(self, state: AccountState, deadline: float) -> None:
        flight = state.flight
        try:
            result = self._run(state, deadline)
        finally:
            provider = state.account.provider_id
            with self._lock:
                self._running[provider] -= 1
                waiting = self._waiting[provider]
                while waiting and self._running[provider] < self._provider_limit(provider):
                    self._start(*waiting.popleft())
        if flight is not None:
            flight.set_result(result)

    def _run(self, state: AccountState, deadline: float) -> QueryResult:
        account = state.account
        started = time.monotonic()
        balance: Balance | None = None
        error: ProviderError | None = None
        try:
            balance = self._client.fetch_balance(account.provider, account.base_url, deadline)
        except ProviderError as failure:
            # Kept in the result: without its traceback, or it would keep this frame (and,
            # through `previous`, every earlier result of a failing account) alive for good.
            error = failure.with_traceback(None)
            error.__context__ = None
        except Exception:  # a bug must cost one account one scrape, not the exporter
            log.exception("unexpected error querying account %s", account.name)
            error = ProviderError(Reason.PARSE, "internal error while reading the answer")
        finished = time.monotonic()
        result = QueryResult(balance, error, finished - started, finished)
        with self._lock:
            previous = state.last_result
            state.last_result = result
            state.flight = None
            if error is None:
                state.last_success_time = time.time()
            else:
                state.errors[error.reason] += 1
                if error.retry_after:
                    state.not_before = finished + error.retry_after
        _log_transition(account, previous, result)
        return result

    def _snapshot(self, account: Account, result: QueryResult) -> AccountSnapshot:
        with self._lock:
            state = self._states.get(account.name)
            last_success = state.last_success_time if state else None
            errors = dict(state.errors) if state else {}
        return AccountSnapshot(account, result, last_success, errors)

    def last_snapshots(self, accounts: Sequence[Account]) -> list[AccountSnapshot | None]:
        """What is known of each account without querying (for the landing page)."""
        out: list[AccountSnapshot | None] = []
        with self._lock:
            for account in accounts:
                state = self._states.get(account.name)
                if state is None or state.last_result is None or state.account != account:
                    out.append(None)
                else:
                    out.append(
                        AccountSnapshot(
                            account, state.last_result, state.last_success_time, dict(state.errors)
                        )
                    )
        return out


def _done(result: QueryResult) -> Future[QueryResult]:
    future: Future[QueryResult] = Future()
    future.set_result(result)
    return future


def _log_transition(account: Account, before: QueryResult | None, after: QueryResult) -> None:
    """Log when an account starts failing or recovers, not on every scrape."""
    labels = {"account": account.name, "provider": account.provider_id}
    if after.error is not None and (before is None or before.ok):
        log.warning(
            "balance query failing",
            extra={**labels, "reason": after.error.reason.value, "error": after.error.message},
        )
    elif after.ok and before is not None and not before.ok:
        log.warning("balance query recovered", extra=labels)
    elif after.error is not None:
        log.debug(
            "balance query still failing",
            extra={**labels, "reason": after.error.reason.value, "error": after.error.message},
        )
