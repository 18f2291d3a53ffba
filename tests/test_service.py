"""The balance service: its memory (a failing account must not pile up results over time),
and, against a fake transport, timeouts counted once by the scrape that reports them."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable

from sms_balance_exporter.config import Account, LowBalance, config_from_data
from sms_balance_exporter.providers import Balance, Provider, ProviderError, Reason
from sms_balance_exporter.providers.iletimerkezi import Iletimerkezi
from sms_balance_exporter.service import BalanceService
from sms_balance_exporter.simulator import TWINS, Fault, simulator
from sms_balance_exporter.upstream import UpstreamClient


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


class HangingClient:
    """A fake transport: every call waits for `release`, then fails with a timeout."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0
        self.ended = threading.Event()

    def fetch_balance(
        self, provider: Provider, base_url: str, deadline: float, account: str = ""
    ) -> Balance:
        self.calls += 1
        self.release.wait(10)
        self.ended.set()
        raise ProviderError(Reason.TIMEOUT, "no answer before the deadline")


def test_a_timeout_is_counted_by_the_scrape_reporting_it_and_only_once() -> None:
    account = Account("a", Iletimerkezi(key="k", hash="h"), "https://x", 10.0, 0.0, LowBalance())
    client = HangingClient()
    service = BalanceService(client)  # type: ignore[arg-type]
    try:
        for _ in range(20):  # short scrapes, as clients looping a 0.02 s header send
            [snapshot] = service.query([account], time.monotonic() + 0.02)
            assert snapshot.result.error is not None
            assert snapshot.result.error.reason is Reason.TIMEOUT
            assert snapshot.errors[Reason.TIMEOUT] == 1
        assert client.calls == 1  # one query in flight, joined by every later scrape
        client.release.set()
        assert client.ended.wait(5)
        assert wait_until(lambda: service.last_snapshots([account])[0] is not None)
        [last] = service.last_snapshots([account])
        assert last is not None and last.errors[Reason.TIMEOUT] == 1
    finally:
        client.release.set()
        service.shutdown()


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True
