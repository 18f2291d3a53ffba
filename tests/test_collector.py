"""The balance collector: `collect()` queries the accounts, and its exposition is checked
against one exact golden text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest

from sms_balance_exporter.collector import BalanceCollector
from sms_balance_exporter.config import Account, LowBalance, config_from_data
from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.providers.iletimerkezi import Iletimerkezi
from sms_balance_exporter.service import AccountSnapshot, BalanceService, QueryResult
from sms_balance_exporter.simulator import TWINS, simulator
from sms_balance_exporter.upstream import UpstreamClient
from tests.metrics_text import samples

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
    service = FixedService(snapshots)
    registry = CollectorRegistry()
    registry.register(BalanceCollector(service, [ok, bad], 123.0))
    assert generate_latest(registry).decode() == GOLDEN.read_text()
    assert service.calls == [(["ok", "bad"], 123.0)]


class FixedService:
    """A balance service that answers every query with the same snapshots."""

    def __init__(self, snapshots: list[AccountSnapshot]) -> None:
        self.snapshots = snapshots
        self.calls: list[tuple[list[str], float | None]] = []

    def query(
        self, accounts: Sequence[Account], scrape_deadline: float | None = None
    ) -> list[AccountSnapshot]:
        self.calls.append(([a.name for a in accounts], scrape_deadline))
        return self.snapshots


def test_generate_latest_queries_the_simulator_on_each_collect() -> None:
    accounts = [TWINS["vonage"]().sample_account(f"v{i}") for i in range(3)]
    with simulator(accounts) as sim:
        entries = [sim.exporter_account(a.name) for a in accounts]
        config = config_from_data({"accounts": entries}, "<test>")
        service = BalanceService(UpstreamClient())
        try:
            registry = CollectorRegistry()
            registry.register(BalanceCollector(service, config.accounts, None))
            first = samples(generate_latest(registry).decode())
            calls = sim.requests("v0")
            second = samples(generate_latest(registry).decode())
            assert sim.requests("v0") == calls + 1  # min_interval 0: every collect asks again
        finally:
            service.shutdown()
    for text in (first, second):
        for account in accounts:
            labels = {"provider": "vonage", "account": account.name}
            assert text[("sms_balance_up", frozenset(labels.items()))] == 1.0
