"""The balance service's memory: a failing account must not pile up results over time."""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

from sms_balance_exporter.config import config_from_data
from sms_balance_exporter.providers import Balance, ProviderError, Reason
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


class _HeldClient:
    """A fake query step: every call waits for `release`, then fails with a timeout."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.ended = threading.Event()

    def fetch_balance(self, provider: Any, base_url: str, deadline: float) -> Balance:
        self.release.wait(10)
        self.ended.set()
        raise ProviderError(Reason.TIMEOUT, "no answer")


def test_a_timeout_is_counted_in_the_scrape_that_reports_it_and_only_once() -> None:
    account = TWINS["vonage"]().sample_account("v")
    config = config_from_data(
        {"accounts": [{"name": "v", "provider": "vonage", **account.credentials}]}, "<test>"
    )
    client = _HeldClient()
    service = BalanceService(client)  # type: ignore[arg-type]
    try:
        [snapshot] = service.query(config.accounts, time.monotonic() + 0.2)
        assert snapshot.result.error is not None
        assert snapshot.result.error.reason is Reason.TIMEOUT
        assert snapshot.errors.get(Reason.TIMEOUT) == 1
        client.release.set()
        assert client.ended.wait(5)
        deadline = time.monotonic() + 5
        while service.last_snapshots(config.accounts)[0] is snapshot or (
            (last := service.last_snapshots(config.accounts)[0]) is None
            or last.result.error is None
            or last.result.error.message != "no answer"
        ):
            assert time.monotonic() < deadline, "the query never ended"
            threading.Event().wait(0.01)
        assert last.errors.get(Reason.TIMEOUT) == 1  # the query's own timeout: not again
    finally:
        service.shutdown()
