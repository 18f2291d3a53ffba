"""The exposition the collector produces, checked against one exact golden text."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from sms_balance_exporter.collector import BalanceCollector
from sms_balance_exporter.config import Account, LowBalance
from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.providers.iletimerkezi import Iletimerkezi
from sms_balance_exporter.service import AccountSnapshot, QueryResult

GOLDEN = """\
# HELP sms_balance_amount Money or credit balance of the account, in the units of the currency label. Served from memory when younger than the account's min_interval.
# TYPE sms_balance_amount gauge
sms_balance_amount{account="ok",currency="TRY",provider="iletimerkezi"} 10.5
# HELP sms_balance_gift_amount Gift or bonus balance of the account, where the provider reports one. Served from memory when younger than the account's min_interval.
# TYPE sms_balance_gift_amount gauge
sms_balance_gift_amount{account="ok",currency="TRY",provider="iletimerkezi"} 2.0
# HELP sms_balance_messages SMS messages the balance can still send, where the provider reports it. Served from memory when younger than the account's min_interval.
# TYPE sms_balance_messages gauge
sms_balance_messages{account="ok",provider="iletimerkezi"} 65.0
# HELP sms_balance_up 1 if the last balance query of the account succeeded, else 0.
# TYPE sms_balance_up gauge
sms_balance_up{account="ok",provider="iletimerkezi"} 1.0
sms_balance_up{account="bad",provider="iletimerkezi"} 0.0
# HELP sms_balance_scrape_errors_total Failed balance queries since the exporter started, by reason.
# TYPE sms_balance_scrape_errors_total counter
sms_balance_scrape_errors_total{account="ok",provider="iletimerkezi",reason="auth"} 0.0
sms_balance_scrape_errors_total{account="ok",provider="iletimerkezi",reason="timeout"} 0.0
sms_balance_scrape_errors_total{account="ok",provider="iletimerkezi",reason="connection"} 0.0
sms_balance_scrape_errors_total{account="ok",provider="iletimerkezi",reason="rate_limited"} 0.0
sms_balance_scrape_errors_total{account="ok",provider="iletimerkezi",reason="http"} 0.0
sms_balance_scrape_errors_total{account="ok",provider="iletimerkezi",reason="parse"} 0.0
sms_balance_scrape_errors_total{account="ok",provider="iletimerkezi",reason="provider"} 0.0
sms_balance_scrape_errors_total{account="bad",provider="iletimerkezi",reason="auth"} 3.0
sms_balance_scrape_errors_total{account="bad",provider="iletimerkezi",reason="timeout"} 1.0
sms_balance_scrape_errors_total{account="bad",provider="iletimerkezi",reason="connection"} 0.0
sms_balance_scrape_errors_total{account="bad",provider="iletimerkezi",reason="rate_limited"} 0.0
sms_balance_scrape_errors_total{account="bad",provider="iletimerkezi",reason="http"} 0.0
sms_balance_scrape_errors_total{account="bad",provider="iletimerkezi",reason="parse"} 0.0
sms_balance_scrape_errors_total{account="bad",provider="iletimerkezi",reason="provider"} 0.0
# HELP sms_balance_scrape_duration_seconds Time the account's last balance query took.
# TYPE sms_balance_scrape_duration_seconds gauge
sms_balance_scrape_duration_seconds{account="ok",provider="iletimerkezi"} 0.25
sms_balance_scrape_duration_seconds{account="bad",provider="iletimerkezi"} 1.5
# HELP sms_balance_last_success_timestamp_seconds Unix time of the account's last successful balance query.
# TYPE sms_balance_last_success_timestamp_seconds gauge
sms_balance_last_success_timestamp_seconds{account="ok",provider="iletimerkezi"} 1.7e+09
sms_balance_last_success_timestamp_seconds{account="bad",provider="iletimerkezi"} 1.6e+09
# HELP sms_balance_low_threshold_amount low_balance.amount from the config, in the account's own currency.
# TYPE sms_balance_low_threshold_amount gauge
sms_balance_low_threshold_amount{account="ok",provider="iletimerkezi"} 100.0
# HELP sms_balance_low_threshold_messages low_balance.messages from the config.
# TYPE sms_balance_low_threshold_messages gauge
sms_balance_low_threshold_messages{account="bad",provider="iletimerkezi"} 500.0
"""


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
    registry.register(BalanceCollector(lambda accounts, deadline: snapshots, [ok, bad], None))
    assert generate_latest(registry).decode() == GOLDEN
