"""Balance queries for many accounts: run on a `ThreadPoolExecutor`, each within its deadline,
one in-flight query per account shared by overlapping scrapes, results younger than
`min_interval` served from memory, in-flight limits per credential, host and (where the config
sets one) provider, and the per-account state the metrics report."""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sms_balance_exporter.config import Account
from sms_balance_exporter.politeness import MAX_IN_FLIGHT, LimitKey, Slots, limit_keys
from sms_balance_exporter.providers import Balance, Provider, ProviderError, Reason

log = logging.getLogger(__name__)


class Upstream(Protocol):
    """What the service needs of the upstream client."""

    def fetch_balance(
        self, provider: Provider, base_url: str, deadline: float, account: str = ""
    ) -> Balance: ...

    def close(self) -> None: ...


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
    limits: tuple[LimitKey, ...]  # the in-flight limits its queries count against
    last_result: QueryResult | None = None
    last_success_time: float | None = None  # unix time
    errors: Counter[Reason] = field(default_factory=Counter)
    # The query under way (or waiting for a slot), shared by every scrape that asks meanwhile.
    in_flight: concurrent.futures.Future[QueryResult] | None = None
    not_before: float = 0.0  # time.monotonic() before which the provider asked not to call
    # A scrape reported the query in flight as a timeout and counted it then; its own end
    # with a timeout is not counted again.
    timeout_counted: bool = False


@dataclass(frozen=True)
class AccountSnapshot:
    """A consistent copy of one account's state for one scrape."""

    account: Account
    result: QueryResult
    last_success_time: float | None
    errors: dict[Reason, int]


class BalanceService:
    """Runs balance queries on a fixed pool of worker threads."""

    def __init__(
        self,
        client: Upstream,
        max_concurrency: int = MAX_IN_FLIGHT,
        provider_limit: Callable[[str], int | None] = lambda provider: None,
    ) -> None:
        """`max_concurrency` bounds the queries in flight in all; `provider_limit(id)` those
        at one provider's API where the config caps it (see `politeness`)."""
        self._client = client
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_concurrency, thread_name_prefix="balance-query"
        )
        self._lock = threading.Lock()
        self._states: dict[str, AccountState] = {}
        # A query waiting for a slot is only a Future, not a task on the executor: it holds
        # no thread, so one crowded credential or host never delays another's queries.
        self._slots: Slots[tuple[AccountState, float]] = Slots(provider_limit)
        self._closed = False

    def query(
        self, accounts: Sequence[Account], scrape_deadline: float | None = None
    ) -> list[AccountSnapshot]:
        """Query `accounts` and return once all are done or the deadline has passed.

        A query started here runs to its account's own `timeout`, whatever the scrape's
        deadline: the scrape waits for each account until min(now + its timeout,
        `scrape_deadline`), and reports one not done by then as a timeout (counted once, here)
        while its query runs on, shared with the next scrape rather than started again.
        """
        started = time.monotonic()
        deadlines = [min(started + a.timeout, scrape_deadline or float("inf")) for a in accounts]
        with self._lock:
            outcomes = [self._join(a, started + a.timeout) for a in accounts]
        pending = [o for _, o in outcomes if isinstance(o, concurrent.futures.Future)]
        if pending:
            concurrent.futures.wait(pending, timeout=max(0.0, max(deadlines) - time.monotonic()))
        snapshots = []
        with self._lock:
            for account, deadline, (state, outcome) in zip(
                accounts, deadlines, outcomes, strict=True
            ):
                if isinstance(outcome, concurrent.futures.Future):
                    result = (
                        outcome.result()
                        if outcome.done()
                        else self._timed_out(state, deadline - started, started)
                    )
                else:
                    result = outcome
                snapshots.append(
                    AccountSnapshot(account, result, state.last_success_time, dict(state.errors))
                )
        return snapshots

    def forget_except(self, accounts: Sequence[Account]) -> None:
        """Drop the state of accounts no longer configured (after a reload)."""
        names = {a.name for a in accounts}
        with self._lock:
            for name in set(self._states) - names:
                del self._states[name]

    def shutdown(self) -> None:
        """Start no more queries and cut the calls in flight."""
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._client.close()

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

    # -- with the lock held -------------------------------------------------------------------

    def _join(
        self, account: Account, deadline: float
    ) -> tuple[AccountState, QueryResult | concurrent.futures.Future[QueryResult]]:
        """The account's state, and its result if one is ready without waiting; otherwise the
        account's query in flight, started here unless one is under way."""
        state = self._states.get(account.name)
        if state is None or state.account != account:  # new, or changed by a reload
            state = self._states[account.name] = AccountState(account, limit_keys(account))
        if state.in_flight is None:
            now = time.monotonic()
            cached = state.last_result
            if cached is not None and now - cached.finished < account.min_interval:
                return state, cached
            if now < state.not_before:
                # The provider said when to come back (429 Retry-After); calling earlier
                # would only prolong the ban. No query, so nothing is counted.
                wait = state.not_before - now
                error = ProviderError(
                    Reason.RATE_LIMITED, f"rate limited; not calling for another {wait:.0f}s"
                )
                return state, QueryResult(None, error, 0.0, now)
            # Made here rather than by `submit`: the query exists, and is shared, while it
            # waits for a slot.
            state.in_flight = concurrent.futures.Future()
            if self._slots.take_or_queue(state.limits, (state, deadline)):
                self._start(state, deadline)
        return state, state.in_flight

    def _timed_out(self, state: AccountState, waited_for: float, started: float) -> QueryResult:
        """The result of a scrape that stopped waiting for `state`'s query; the timeout is
        counted here, once, and not again when the query itself ends in a timeout."""
        if not state.timeout_counted:
            state.errors[Reason.TIMEOUT] += 1
            state.timeout_counted = True
        error = ProviderError(Reason.TIMEOUT, f"no answer within {waited_for:.2f}s")
        now = time.monotonic()
        return QueryResult(None, error, now - started, now)

    def _start(self, state: AccountState, deadline: float) -> None:
        if not self._closed:  # after shutdown, waiting scrapes end at their deadline
            self._executor.submit(self._fly, state, deadline)

    def _finish(self, state: AccountState, result: QueryResult) -> QueryResult | None:
        """Record `result`, hand it to the scrapes waiting for it, start the queries its slots
        were holding up; return the result before it."""
        previous = state.last_result
        state.last_result = result
        if result.error is None:
            state.last_success_time = time.time()
        else:
            if not (state.timeout_counted and result.error.reason is Reason.TIMEOUT):
                state.errors[result.error.reason] += 1
            if result.error.retry_after:
                state.not_before = result.finished + result.error.retry_after
        state.timeout_counted = False
        query, state.in_flight = state.in_flight, None
        if query is not None:
            query.set_result(result)  # under the lock: a scrape sees it done or still flying
        for waiting_state, deadline in self._slots.release(state.limits):
            self._start(waiting_state, deadline)
        return previous

    # -- on a worker thread -------------------------------------------------------------------

    def _fly(self, state: AccountState, deadline: float) -> None:
        result = self._run(state.account, deadline)
        with self._lock:
            previous = self._finish(state, result)
        _log_transition(state.account, previous, result)

    def _run(self, account: Account, deadline: float) -> QueryResult:
        started = time.monotonic()
        balance: Balance | None = None
        error: ProviderError | None = None
        try:
            balance = self._client.fetch_balance(
                account.provider, account.base_url, deadline, account=account.name
            )
        except ProviderError as failure:
            # Kept in the result: without its traceback, or it would keep this frame (and
            # everything it refers to) alive for as long as the result is kept.
            error = failure.with_traceback(None)
            error.__context__ = None
        except Exception:  # a bug must cost one account one scrape, not the exporter
            # SPEC has no reason for the exporter's own faults; `parse` is the nearest (the
            # answer could not be read), and the message says whose fault it is.
            log.exception(
                "exporter bug querying an account",
                extra={"account": account.name, "provider": account.provider_id},
            )
            error = ProviderError(
                Reason.PARSE, "exporter bug (not the provider's fault); see the exporter log"
            )
        finished = time.monotonic()
        return QueryResult(balance, error, finished - started, finished)


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
