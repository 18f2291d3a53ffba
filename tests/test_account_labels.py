"""The `labels` and `auto_recharge` account options: validated in the config, exported on
sms_balance_account_info (what the alert rules join and select on) and carried by /targets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from sms_balance_exporter.collector import account_info
from sms_balance_exporter.config import Config, ConfigError, config_from_data
from sms_balance_exporter.web import ExporterApp


def config(accounts: list[dict[str, Any]], **defaults: Any) -> Config:
    base = {"provider": "smsdev", "key": "k"}
    data: dict[str, Any] = {"accounts": [{**base, **a} for a in accounts]}
    if defaults:
        data["defaults"] = defaults
    return config_from_data(data, "config.yml")


def test_labels_merge_with_the_defaults_and_the_account_wins() -> None:
    loaded = config(
        [{"name": "a", "labels": {"team": "ops"}}, {"name": "b", "auto_recharge": False}],
        labels={"team": "growth", "env": "prod"},
        auto_recharge=True,
    )
    a, b = loaded.accounts
    assert (dict(a.labels), a.auto_recharge) == ({"team": "ops", "env": "prod"}, True)
    assert (dict(b.labels), b.auto_recharge) == ({"team": "growth", "env": "prod"}, False)
    assert config([{"name": "c"}]).accounts[0].auto_recharge is False


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"__meta": "x"}, "'__meta' is not a Prometheus label name"),
        ({"1team": "x"}, "'1team' is not a Prometheus label name"),
        ({"te-am": "x"}, "'te-am' is not a Prometheus label name"),
        ({"provider": "x"}, "'provider' is set by the exporter and cannot be overridden"),
        ({"account": "x"}, "'account' is set by the exporter"),
        ({"currency": "x"}, "'currency' is set by the exporter"),
    ],
)
def test_invalid_labels_are_config_errors(labels: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        config([{"name": "a", "labels": labels}])
    assert message in str(error.value)
    assert "accounts[0] (name 'a'), field 'labels'" in str(error.value)
    with pytest.raises(ConfigError) as error:
        config([{"name": "a"}], labels=labels)
    assert "defaults, field 'labels'" in str(error.value)


def test_account_info_carries_the_labels_and_auto_recharge() -> None:
    loaded = config(
        [{"name": "a", "labels": {"team": "ops"}, "auto_recharge": True}, {"name": "b"}]
    )
    registry = CollectorRegistry()

    class Info:
        def collect(self) -> Any:
            yield account_info(loaded.accounts)

    registry.register(Info())  # type: ignore[arg-type]
    text = generate_latest(registry).decode()
    labels = 'account="a",auto_recharge="true",provider="smsdev",team="ops"'
    assert f"sms_balance_account_info{{{labels}}} 1.0" in text
    assert (
        'sms_balance_account_info{account="b",auto_recharge="false",provider="smsdev"} 1.0' in text
    )


def test_targets_carry_the_labels_as_target_labels() -> None:
    loaded = config([{"name": "a", "labels": {"team": "ops", "env": "prod"}}, {"name": "b"}])
    service: Any = None  # /targets reads only the config
    response = ExporterApp(lambda: loaded, service).targets({})
    assert response.status == 200
    assert json.loads(response.body) == [
        {
            "targets": ["a"],
            "labels": {"team": "ops", "env": "prod", "provider": "smsdev", "account": "a"},
        },
        {"targets": ["b"], "labels": {"provider": "smsdev", "account": "b"}},
    ]


def test_accounts_with_labels_stay_hashable_and_compare_by_them() -> None:
    """A reload keeps an account's state when it is unchanged: accounts are set members."""
    first, same, other = (
        config([{"name": "a", "labels": {"team": team}}]).accounts[0]
        for team in ("ops", "ops", "growth")
    )
    assert first == same and hash(first) == hash(same)
    assert first != other
    assert len({first, same, other}) == 2
