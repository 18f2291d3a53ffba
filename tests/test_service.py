"""The balance service: its memory (a failing account must not pile up results over time),
and, against a fake transport whose calls answer when the test says so: shared in-flight
queries, `min_interval`, Retry-After, the in-flight limits per credential, host and provider,
reloads, timeouts counted once, and a bug in a provider module."""

from __future__ import annotations

import concurrent.futures
import gc
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest

from sms_balance_exporter.config import Account, LowBalance, config_from_data
from sms_balance_exporter.logs import LogfmtFormatter, set_known_secrets
from sms_balance_exporter.politeness import CREDENTIAL_CONCURRENCY, HOST_CONCURRENCY
from sms_balance_exporter.providers import (
    Balance,
    HttpRequest,
    HttpResponse,
    Provider,
    ProviderError,
    Reason,
)
from sms_balance_exporter.providers.gateway360 import Gateway360
from sms_balance_exporter.providers.iletimerkezi import Iletimerkezi
from sms_balance_exporter.secret import Secret
from sms_balance_exporter.service import AccountSnapshot, BalanceService
from sms_balance_exporter.simulator import TWINS, Fault, simulator
from sms_balance_exporter.upstream import UpstreamClient

WAIT = 5.0  # seconds a test waits for a condition before it fails


def test_failing_accounts_do_not_accumulate_objects() -> None:
    accounts = [TWINS["vonage"]().sample_account(f"v{i}") for i in range(5)]
    for account in accounts:
        account.fault = Fault.REVOKED
    with simulator(accounts) as sim:
        entries = [sim.exporter_account(a.name) for a in accounts]
        config = config_from_data({"accounts": entries}, "<test>")
        service = BalanceService(UpstreamClient())
        try:
            for _ in range(10):  # warm up: sessions, connections, caches
                service.query(config.accounts)
            gc.collect()
            before = len(gc.get_objects())
            for _ in range(100):
                snapshots = service.query(config.accounts)
            gc.collect()
            growth = len(gc.get_objects()) - before
        finally:
            service.shutdown()
    # A kept traceback chains every earlier result: thousands of objects by now.
    assert growth < 300, growth
    error = snapshots[0].result.error
    assert error is not None and error.__traceback__ is None and error.__context__ is None


class FakeUpstream:
    """A fake transport. Each call is counted (per account: its `base_url`) and held until the
    test lets calls answer (`answer`, `answer_all`), ends them (`time_out_all`), or the call's
    deadline passes; then it fails with a timeout, as the real transport does."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.calls: Counter[str] = Counter()
        self.starts: list[tuple[str, float]] = []  # (base_url, time.monotonic())
        self.in_flight: Counter[str] = Counter()  # per host
        self.peak: Counter[str] = Counter()  # per host
        self.failures: dict[str, Callable[[], ProviderError]] = {}
        self._permits: Counter[str] = Counter()  # per host: calls allowed to answer
        self._open = False
        self._expired = False

    def fetch_balance(
        self, provider: Provider, base_url: str, deadline: float, account: str = ""
    ) -> Balance:
        host = urlsplit(base_url).netloc
        with self.changed:
            self.calls[base_url] += 1
            self.starts.append((base_url, time.monotonic()))
            self.in_flight[host] += 1
            self.peak[host] = max(self.peak[host], self.in_flight[host])
            self.changed.notify_all()
            try:
                self._hold(host, deadline)
            finally:
                self.in_flight[host] -= 1
                self.changed.notify_all()
        failure = self.failures.get(base_url)
        if failure is not None:
            raise failure()
        return Balance(amount=10.0, currency="EUR")

    def _hold(self, host: str, deadline: float) -> None:
        """With the lock held: return when the call may answer, or raise a timeout once the
        deadline has passed (not a moment before) or the test ends every call."""
        while not (self._open or self._permits[host] > 0):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._expired:
                raise ProviderError(Reason.TIMEOUT, "no answer before the deadline")
            self.changed.wait(remaining)
        if not self._open:
            self._permits[host] -= 1

    def answer(self, count: int = 1, host: str = "api.example") -> None:
        """Let `count` calls to `host` (those in flight or the next ones) answer."""
        with self.changed:
            self._permits[host] += count
            self.changed.notify_all()

    def answer_all(self) -> None:
        with self.changed:
            self._open = True
            self.changed.notify_all()

    def close(self) -> None:
        self.time_out_all()

    def time_out_all(self) -> None:
        with self.changed:
            self._expired = True
            self.changed.notify_all()

    def wait_for(self, condition: Callable[[], bool]) -> bool:
        """Wait (up to WAIT seconds) until `condition`, checked whenever a call starts or ends."""
        with self.changed:
            return self.changed.wait_for(condition, timeout=WAIT)

    def total_calls(self) -> int:
        return sum(self.calls.values())

    def total_in_flight(self) -> int:
        return sum(self.in_flight.values())


@pytest.fixture
def fake() -> Iterator[FakeUpstream]:
    upstream = FakeUpstream()
    yield upstream
    upstream.time_out_all()  # no call left waiting after the test


@pytest.fixture
def service(fake: FakeUpstream) -> Iterator[BalanceService]:
    balance_service = BalanceService(fake)  # type: ignore[arg-type]
    yield balance_service
    balance_service.shutdown()


def account(
    name: str,
    provider: Provider | None = None,
    host: str = "api.example",
    timeout: float = 10.0,
    min_interval: float = 0.0,
) -> Account:
    """An account whose `base_url` (its identity in FakeUpstream) ends with its name."""
    provider = provider or Iletimerkezi(key=f"key-{name}", hash=f"hash-{name}")
    return Account(name, provider, f"https://{host}/{name}", timeout, min_interval, LowBalance())


class Scrape:
    """A scrape running on its own thread, as a concurrent Prometheus request does."""

    def __init__(self, service: BalanceService, accounts: Sequence[Account]) -> None:
        self.snapshots: list[AccountSnapshot] = []
        self._thread = threading.Thread(
            target=lambda: self.snapshots.extend(service.query(accounts))
        )
        self._thread.start()

    def result(self) -> list[AccountSnapshot]:
        self._thread.join(WAIT)
        assert not self._thread.is_alive()
        return self.snapshots


def test_overlapping_scrapes_share_one_call(
    fake: FakeUpstream, service: BalanceService, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting: list[set[concurrent.futures.Future[Any]]] = []
    wait = concurrent.futures.wait

    def recording_wait(futures: Any, timeout: float | None = None) -> Any:
        waiting.append(set(futures))
        return wait(futures, timeout)

    monkeypatch.setattr(concurrent.futures, "wait", recording_wait)
    a = account("a")
    first = Scrape(service, [a])
    assert fake.wait_for(lambda: fake.total_calls() == 1)
    second = Scrape(service, [a])
    # Both scrapes wait on the one query in flight.
    assert wait_until(lambda: len(waiting) == 2)
    assert waiting[0] == waiting[1]
    fake.answer_all()
    [one], [other] = first.result(), second.result()
    assert fake.total_calls() == 1
    assert one.result.ok and other.result is one.result


def test_min_interval_serves_the_cached_result_without_a_call(
    fake: FakeUpstream, service: BalanceService
) -> None:
    fake.answer_all()
    a = account("a", min_interval=60.0)
    [first] = service.query([a])
    [second] = service.query([a])
    assert fake.total_calls() == 1
    assert first.result.ok and second.result is first.result


def test_no_call_before_retry_after_passes(fake: FakeUpstream, service: BalanceService) -> None:
    fake.answer_all()
    a = account("a")
    url = a.base_url
    fake.failures[url] = lambda: ProviderError(Reason.RATE_LIMITED, "HTTP 429", retry_after=2.0)
    [limited] = service.query([a])
    assert limited.result.error is not None
    assert limited.result.error.reason is Reason.RATE_LIMITED
    [waiting] = service.query([a])
    assert waiting.result.error is not None
    assert waiting.result.error.reason is Reason.RATE_LIMITED
    assert "not calling" in waiting.result.error.message
    assert waiting.errors[Reason.RATE_LIMITED] == 1  # no call, so nothing counted
    assert fake.total_calls() == 1
    del fake.failures[url]
    assert wait_until(lambda: service.query([a])[0].result.ok)
    assert fake.total_calls() == 2
    (_, called_again) = fake.starts[1]
    assert called_again - limited.result.finished >= 2.0


def test_one_credential_has_a_small_in_flight_limit(
    fake: FakeUpstream, service: BalanceService
) -> None:
    # Gateway360 sub-accounts behind one parent key, and the parent itself.
    subaccounts = [
        account(f"sub{i}", Gateway360(api_key="parent-key", subaccount=f"sub{i}"))
        for i in range(CREDENTIAL_CONCURRENCY + 3)
    ]
    parent = account("parent", Gateway360(api_key="parent-key"))
    accounts = [*subaccounts, parent]
    scrape = Scrape(service, accounts)
    assert fake.wait_for(lambda: fake.total_in_flight() == CREDENTIAL_CONCURRENCY)
    for started in range(CREDENTIAL_CONCURRENCY + 1, len(accounts) + 1):
        fake.answer()  # one call ends: the next one waiting starts
        assert fake.wait_for(lambda: fake.total_calls() == started)  # noqa: B023
    fake.answer_all()
    snapshots = scrape.result()
    assert fake.peak["api.example"] == CREDENTIAL_CONCURRENCY
    assert all(fake.calls[a.base_url] == 1 for a in accounts)
    assert all(s.result.ok for s in snapshots)


def test_distinct_credentials_at_one_host_are_not_queued_up_to_the_host_cap(
    fake: FakeUpstream, service: BalanceService
) -> None:
    accounts = [account(f"a{i}") for i in range(HOST_CONCURRENCY + 1)]
    scrape = Scrape(service, accounts)
    # All at once, none answered yet: no key waits for another's answer.
    assert fake.wait_for(lambda: fake.total_in_flight() == HOST_CONCURRENCY)
    fake.answer()
    assert fake.wait_for(lambda: fake.total_calls() == HOST_CONCURRENCY + 1)
    fake.answer_all()
    assert all(s.result.ok for s in scrape.result())
    assert fake.peak["api.example"] == HOST_CONCURRENCY


def generic_config(hosts: Sequence[str], per_host: int, concurrency: dict[str, int]) -> Any:
    """`per_host` generic accounts (distinct tokens) on each of `hosts`."""
    entries = [
        {
            "name": f"{host}-{i}",
            "provider": "generic",
            "base_url": f"https://{host}/{host}-{i}",
            "token": f"token-{host}-{i}",
            "auth": {"type": "bearer"},
            "balance": {"amount": "balance", "fixed_currency": "EUR"},
        }
        for host in hosts
        for i in range(per_host)
    ]
    data = {"accounts": entries, "provider_concurrency": concurrency}
    return config_from_data(data, "<test>", {})


def test_generic_accounts_on_two_hosts_never_share_a_limit(fake: FakeUpstream) -> None:
    # Even with a user cap on `generic`: it applies per host, where every account names one.
    config = generic_config(["a.example", "b.example"], 3, {"generic": 2})
    service = BalanceService(fake, provider_limit=config.concurrency_for)  # type: ignore[arg-type]
    try:
        hanging = [a for a in config.accounts if "a.example" in a.base_url]
        healthy = [a for a in config.accounts if "b.example" in a.base_url]
        Scrape(service, hanging)
        assert fake.wait_for(lambda: fake.in_flight["a.example"] == 2)
        scrape = Scrape(service, healthy)
        assert fake.wait_for(lambda: fake.in_flight["b.example"] == 2)
        fake.answer_all()
        assert all(s.result.ok for s in scrape.result())
        assert fake.peak == Counter({"a.example": 2, "b.example": 2})
    finally:
        service.shutdown()


def test_a_user_set_provider_concurrency_still_caps(fake: FakeUpstream) -> None:
    capped = [account(f"ileti{i}") for i in range(5)]
    other = account("other", Gateway360(api_key="other-key"), host="other.example")
    limits = {"iletimerkezi": 2}
    service = BalanceService(fake, provider_limit=limits.get)  # type: ignore[arg-type]
    try:
        scrape = Scrape(service, [*capped, other])
        assert fake.wait_for(
            lambda: fake.in_flight == Counter({"api.example": 2, "other.example": 1})
        )
        for started in range(3, 6):
            fake.answer()
            assert fake.wait_for(lambda: sum(fake.calls[a.base_url] for a in capped) == started)  # noqa: B023
        fake.answer_all()
        assert all(s.result.ok for s in scrape.result())
        assert fake.peak["api.example"] == 2
    finally:
        service.shutdown()


def test_a_hanging_account_holds_its_slot_until_its_deadline_only(
    fake: FakeUpstream, service: BalanceService
) -> None:
    # Never answered: each call ends at its deadline, as the transport's watchdog ensures.
    accounts = [
        account(f"sub{i}", Gateway360(api_key="k", subaccount=f"sub{i}"), timeout=0.5)
        for i in range(CREDENTIAL_CONCURRENCY + 1)
    ]
    began = time.monotonic()
    snapshots = service.query(accounts)
    assert all(s.result.error and s.result.error.reason is Reason.TIMEOUT for s in snapshots)
    assert fake.wait_for(lambda: fake.total_calls() == len(accounts))  # the last one got a slot
    (_, last_started) = fake.starts[-1]
    assert last_started >= began + 0.5
    assert fake.peak["api.example"] == CREDENTIAL_CONCURRENCY


def test_a_reload_that_changes_an_account_starts_afresh(
    fake: FakeUpstream, service: BalanceService
) -> None:
    fake.answer_all()
    before = account("a", Iletimerkezi(key="old", hash="h"), min_interval=60.0)
    fake.failures[before.base_url] = lambda: ProviderError(Reason.AUTH, "HTTP 401")
    [failed] = service.query([before])
    assert failed.errors == {Reason.AUTH: 1}
    assert service.query([before])[0].result is failed.result  # within min_interval
    del fake.failures[before.base_url]
    after = account("a", Iletimerkezi(key="new", hash="h"), min_interval=60.0)
    [fresh] = service.query([after])
    assert fake.total_calls() == 2  # not served from the old account's memory
    assert fresh.result.ok and fresh.errors == {}
    assert service.last_snapshots([before]) == [None]
    service.forget_except([])
    assert service.last_snapshots([after]) == [None]


def test_a_timeout_is_counted_by_the_scrape_reporting_it_and_only_once(
    fake: FakeUpstream, service: BalanceService
) -> None:
    a = account("a")
    for _ in range(20):  # short scrapes, as clients looping a 0.02 s header send
        [snapshot] = service.query([a], time.monotonic() + 0.02)
        assert snapshot.result.error is not None
        assert snapshot.result.error.reason is Reason.TIMEOUT
        assert snapshot.errors[Reason.TIMEOUT] == 1
    assert fake.total_calls() == 1  # one query in flight, joined by every later scrape
    fake.time_out_all()
    assert fake.wait_for(lambda: fake.total_in_flight() == 0)
    assert wait_until(lambda: service.last_snapshots([a])[0] is not None)
    [last] = service.last_snapshots([a])
    assert last is not None and last.errors[Reason.TIMEOUT] == 1


class _Buggy(Provider):
    """A provider module with a bug: it reads a header that is not there."""

    id: ClassVar[str] = "buggy"
    default_base_url: ClassVar[str] = "https://buggy.example"
    api_key: Secret

    def build_request(self, base_url: str) -> HttpRequest:
        return HttpRequest("GET", base_url)

    def read_balance(self, response: HttpResponse) -> Balance:
        # The bug's message even quotes the key: the log must not.
        return Balance(amount=float(response.headers[f"x-{self.api_key.reveal()}"]))


class _Steady(_Buggy):
    id: ClassVar[str] = "steady"

    def read_balance(self, response: HttpResponse) -> Balance:
        return Balance(amount=float(response.body))


class AnsweringUpstream:
    """A fake transport that hands every provider the same answer to read."""

    def __init__(self) -> None:
        self.accounts: list[str] = []

    def fetch_balance(
        self, provider: Provider, base_url: str, deadline: float, account: str = ""
    ) -> Balance:
        self.accounts.append(account)  # named in the debug log of a failed call
        return provider.fetch_balance(base_url, lambda request: HttpResponse(200, {}, b"12"))

    def close(self) -> None:
        """No call outlives `fetch_balance` here."""


def test_a_bug_in_a_provider_module_is_logged_and_blamed_on_the_exporter(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "buggy-secret-key"
    buggy = account("buggy", _Buggy(api_key=secret))
    steady = account("steady", _Steady(api_key="steady-key"))
    upstream = AnsweringUpstream()
    service = BalanceService(upstream)  # type: ignore[arg-type]
    set_known_secrets([secret])
    try:
        with caplog.at_level(logging.ERROR, logger="sms_balance_exporter.service"):
            failed, answered = service.query([buggy, steady])
        assert answered.result.ok and answered.result.balance == Balance(amount=12.0)
        assert sorted(upstream.accounts) == ["buggy", "steady"]
        assert failed.result.error is not None
        assert failed.result.error.reason is Reason.PARSE
        assert "exporter bug" in failed.result.error.message
        assert "not the provider's fault" in failed.result.error.message
        assert failed.errors == {Reason.PARSE: 1}
        [record] = [r for r in caplog.records if r.exc_info]
        assert record.levelno == logging.ERROR and record.account == "buggy"  # type: ignore[attr-defined]
        line = LogfmtFormatter().format(record)
        assert "Traceback" in line and "KeyError" in line and "read_balance" in line
        assert secret not in line
    finally:
        set_known_secrets([])
        service.shutdown()


def wait_until(condition: Callable[[], bool], timeout: float = WAIT) -> bool:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True
