"""Prometheus collectors: the balance collector, whose `collect()` queries a scrape's accounts
through the balance service, and the exporter's own metrics. Fresh metric families on every
`collect()`; no provider wire format here."""

from __future__ import annotations

import platform
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from sms_balance_exporter import __version__
from sms_balance_exporter.config import Account
from sms_balance_exporter.providers import Balance, Reason
from sms_balance_exporter.service import AccountSnapshot

LABELS = ["provider", "account"]
# Every reason's counter is exported from the start (0 until it happens), so `increase()`
# sees the first failure; listed once, not iterated from the enum per account.
_REASONS = tuple((reason, reason.value) for reason in Reason)

_CACHE_NOTE = " Served from memory when younger than the account's min_interval."


class AccountQuerier(Protocol):
    """What the collector needs of the balance service."""

    def query(
        self, accounts: Sequence[Account], scrape_deadline: float | None = None
    ) -> list[AccountSnapshot]: ...


class BalanceCollector(Collector):
    """One scrape's accounts: `collect()` queries them (within `deadline`, a
    `time.monotonic()` value, if given) and yields their metric families."""

    def __init__(
        self, service: AccountQuerier, accounts: Sequence[Account], deadline: float | None
    ) -> None:
        self._service = service
        self._accounts = accounts
        self._deadline = deadline

    def collect(self) -> Iterator[Metric]:
        snapshots = self._service.query(self._accounts, self._deadline) if self._accounts else []
        yield from balance_metrics(snapshots)


def balance_metrics(snapshots: Sequence[AccountSnapshot]) -> Iterator[Metric]:
    """The metric families of the SPEC for these account snapshots, built one at a time: at a
    thousand accounts a family is up to megabytes of samples, and the encoder is done with one
    before the next is built."""
    with_labels = [(s, _labels(s)) for s in snapshots]
    balances = [
        (labels, s.result.balance)
        for s, labels in with_labels
        if s.result.ok and s.result.balance is not None
    ]
    yield _family(
        GaugeMetricFamily,
        "sms_balance_amount",
        "Money or credit balance of the account, in the units of the currency label." + _CACHE_NOTE,
        [*LABELS, "currency"],
        (([*labels, _currency(b)], b.amount) for labels, b in balances if b.amount is not None),
    )
    yield _family(
        GaugeMetricFamily,
        "sms_balance_gift_amount",
        "Gift or bonus balance of the account, where the provider reports one." + _CACHE_NOTE,
        [*LABELS, "currency"],
        (
            ([*labels, _currency(b)], b.gift_amount)
            for labels, b in balances
            if b.gift_amount is not None
        ),
    )
    yield _family(
        GaugeMetricFamily,
        "sms_balance_messages",
        "SMS messages the balance can still send, where the provider reports it." + _CACHE_NOTE,
        LABELS,
        ((labels, b.messages) for labels, b in balances if b.messages is not None),
    )
    yield _family(
        GaugeMetricFamily,
        "sms_balance_up",
        "1 if the last balance query of the account succeeded, else 0.",
        LABELS,
        ((labels, 1.0 if s.result.ok else 0.0) for s, labels in with_labels),
    )
    yield _family(
        CounterMetricFamily,
        "sms_balance_scrape_errors",
        "Failed balance queries since the exporter started, by reason.",
        [*LABELS, "reason"],
        (
            ([*labels, name], float(s.errors.get(reason, 0)))
            for s, labels in with_labels
            for reason, name in _REASONS
        ),
    )
    yield _family(
        GaugeMetricFamily,
        "sms_balance_scrape_duration_seconds",
        "Time the account's last balance query took.",
        LABELS,
        ((labels, s.result.duration) for s, labels in with_labels),
    )
    yield _family(
        GaugeMetricFamily,
        "sms_balance_last_success_timestamp_seconds",
        "Unix time of the account's last successful balance query.",
        LABELS,
        (
            (labels, s.last_success_time)
            for s, labels in with_labels
            if s.last_success_time is not None
        ),
    )
    yield _family(
        GaugeMetricFamily,
        "sms_balance_low_threshold_amount",
        "low_balance.amount from the config, in the account's own currency.",
        LABELS,
        (
            (labels, s.account.low_balance.amount)
            for s, labels in with_labels
            if s.account.low_balance.amount is not None
        ),
    )
    yield _family(
        GaugeMetricFamily,
        "sms_balance_low_threshold_messages",
        "low_balance.messages from the config.",
        LABELS,
        (
            (labels, s.account.low_balance.messages)
            for s, labels in with_labels
            if s.account.low_balance.messages is not None
        ),
    )
    yield account_info([snapshot.account for snapshot in snapshots])


def _labels(snapshot: AccountSnapshot) -> list[str]:
    return [snapshot.account.provider_id, snapshot.account.name]


def _currency(balance: Balance) -> str:
    return balance.currency or "UNKNOWN"


def _family(
    kind: type[GaugeMetricFamily | CounterMetricFamily],
    name: str,
    documentation: str,
    labels: list[str],
    samples: Iterable[tuple[list[str], float]],
) -> Metric:
    family = kind(name, documentation, labels=labels)
    for label_values, value in samples:
        family.add_metric(label_values, value)
    return family


def account_info(accounts: Sequence[Account]) -> Metric:
    """`sms_balance_account_info`: 1 per account, labelled with its configured `labels` and
    `auto_recharge="true"|"false"`, so alert rules join the labels in and select on it."""
    info = Metric(
        "sms_balance_account_info",
        "Always 1: the account's configured labels, and auto_recharge (forecasts skip it).",
        "gauge",
    )
    for account in accounts:
        labels = {
            **account.labels,
            "provider": account.provider_id,
            "account": account.name,
            "auto_recharge": "true" if account.auto_recharge else "false",
        }
        info.add_sample("sms_balance_account_info", labels, 1.0)
    return info


class ReloadStatus(Protocol):
    last_reload_successful: bool
    last_reload_success_time: float


class ExporterCollector(Collector):
    """The exporter's own metrics."""

    def __init__(self, reload_status: ReloadStatus | None = None) -> None:
        self._reload_status = reload_status

    def collect(self) -> Iterator[Metric]:
        build_info = GaugeMetricFamily(
            "sms_balance_exporter_build_info",
            "Build information of the exporter; always 1.",
            labels=["version", "python_version"],
        )
        build_info.add_metric([__version__, platform.python_version()], 1.0)
        yield build_info
        if self._reload_status is not None:
            yield GaugeMetricFamily(
                "sms_balance_exporter_config_last_reload_successful",
                "1 if the last config load or reload succeeded, else 0.",
                value=1.0 if self._reload_status.last_reload_successful else 0.0,
            )
            yield GaugeMetricFamily(
                "sms_balance_exporter_config_last_reload_success_timestamp_seconds",
                "Unix time of the last successful config load or reload.",
                value=self._reload_status.last_reload_success_time,
            )
