"""The balance service's memory: a failing account must not pile up results over time."""

from __future__ import annotations

import gc

from sms_balance_exporter.config import config_from_data
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
