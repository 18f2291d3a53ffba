"""The exposition the collector produces, checked against one exact golden text."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest

from sms_balance_exporter.collector import BalanceCollector
from sms_balance_exporter.config import Account, LowBalance
from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.providers.iletimerkezi import Iletimerkezi
from sms_balance_exporter.service import AccountSnapshot, QueryResult

GOLDEN = Path(__file__).parent / "fixtures" / "golden.prom"


def account(name: str, low: LowBalance) -> Account:
    provider = Iletimerkezi(key="k", hash="h")
    return Account(name, provider, "https://x", 10.0, 0.0, low)


def test_golden_exposition() -> None:
    ok = account("ok", LowBalance(amount=100))
    bad = account("bad", LowBalance(messages=500))
    snapshots = [
        AccountSnapshot(
            ok,
            QueryResult(Balance(10.5, "TRY", 65, 2.0), None, 0.25, 0.0),
            1.7e9,
            {},
        ),
        AccountSnapshot(
            bad,
            # A failed account keeps no stale amount, even if a balance was attached.
            QueryResult(Balance(1.0, "TRY"), ProviderError(Reason.AUTH, "no"), 1.5, 0.0),
            1.6e9,
            {Reason.AUTH: 3, Reason.TIMEOUT: 1},
        ),
    ]
    registry = CollectorRegistry()
    registry.register(BalanceCollector(snapshots))
    assert generate_latest(registry).decode() == GOLDEN.read_text()
