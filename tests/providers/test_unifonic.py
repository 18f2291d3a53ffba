"""Unifonic (a definition): the AppSid in a form-encoded POST, `success` as a string."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sms_balance_exporter.providers import Balance, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.unifonic import UnifonicTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.loopback import fetch
from tests.providers.wire import assert_fails, parse

APP_SID = "Xy7AppSid+/=0123"
PROVIDER = defined("unifonic", app_sid=APP_SID)


def ok(balance: object = "48.03200", currency: object = "USD") -> dict[str, Any]:
    return {
        "success": "true",
        "message": "",
        "errorCode": "ER-00",
        "data": {"Balance": balance, "CurrencyCode": currency, "SharedBalance": "0.00000"},
    }


def test_request_is_a_form_post() -> None:
    request = request_of("unifonic", app_sid=APP_SID)
    assert request.method == "POST"
    assert request.url == "https://api.unifonic.com/rest/Account/GetBalance"
    assert request.form_body == {"AppSid": APP_SID}
    assert request.json_body is None and not request.params
    assert APP_SID not in repr(request)


def test_the_form_encoded_app_sid_is_redacted_too() -> None:
    assert {APP_SID, "Xy7AppSid%2B%2F%3D0123"} <= set(PROVIDER.secret_values())


def test_documented_success() -> None:
    assert parse(PROVIDER, 200, ok()) == Balance(amount=48.032, currency="USD")


@pytest.mark.parametrize(("raw", "amount"), [(48.032, 48.032), ("0.00000", 0.0), ("-1.5", -1.5)])
def test_balance_as_string_or_number(raw: object, amount: float) -> None:
    assert parse(PROVIDER, 200, ok(raw)).amount == amount


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, {"success": "false", "message": "Wrong AppSid", "errorCode": "ER-01"}, Reason.AUTH),
        (200, {"success": "false", "message": "x", "errorCode": "ER-99"}, Reason.PROVIDER),
        (200, {"success": True, "data": {"Balance": "1", "CurrencyCode": "USD"}}, Reason.PROVIDER),
        (401, {"success": "false", "errorCode": "ER-99"}, Reason.AUTH),
        (200, {"success": "true", "data": {"CurrencyCode": "USD"}}, Reason.PARSE),
        (200, ok(currency=""), Reason.PARSE),
        (200, ok(balance={"v": 1}), Reason.PARSE),
        (200, {"success": "true"}, Reason.PARSE),
    ],
)
def test_error_shapes(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


def test_the_app_sid_is_required() -> None:
    assert config_problems("unifonic") == [
        "c.yml: accounts[0] (name 'acct'), field 'app_sid': is required (or app_sid_file)"
    ]


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    account = UnifonicTwin().sample_account("uni")
    with Simulator([UnifonicTwin()], [account]) as running:
        yield running


def test_against_the_twin_over_loopback(sim: Simulator) -> None:
    balance = fetch(sim, "uni")
    assert balance.currency == "USD"
    assert balance.amount == pytest.approx(sim.accounts["uni"].current_balance(), abs=1e-4)
