"""Taqnyat (a definition): a bearer token, the body's `statusCode` 200 for success and 401
for `auth`, the balance as a string in SAR."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.taqnyat import TaqnyatTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.loopback import fetch
from tests.providers.wire import assert_fails, parse

TOKEN = "0123456789abcdef0123456789abcdef"
PROVIDER = defined("taqnyat", token=TOKEN)


def ok(balance: object = "2044.000", currency: object = "SAR") -> dict[str, Any]:
    return {
        "statusCode": 200,
        "accountStatus": "active",
        "accountExpiryDate": "23-08-2021",
        "balance": balance,
        "currency": currency,
    }


def test_request_is_a_get_with_a_bearer_token() -> None:
    request = request_of("taqnyat", token=TOKEN)
    assert (request.method, request.url) == ("GET", "https://api.taqnyat.sa/account/balance")
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert not request.params and request.json_body is None
    assert TOKEN not in repr(request)


def test_the_token_is_required() -> None:
    assert config_problems("taqnyat") == [
        "c.yml: accounts[0] (name 'acct'), field 'token': is required (or token_file)"
    ]


def test_documented_success() -> None:  # a 3rd-party fixture
    assert parse(PROVIDER, 200, ok()) == Balance(amount=2044.0, currency="SAR")


@pytest.mark.parametrize(("raw", "amount"), [(2044, 2044.0), ("0.000", 0.0), ("-5.500", -5.5)])
def test_balance_as_string_or_number(raw: object, amount: float) -> None:
    assert parse(PROVIDER, 200, ok(raw)).amount == amount


def test_status_code_as_a_string() -> None:
    assert parse(PROVIDER, 200, {**ok(), "statusCode": "200"}).amount == 2044.0


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (401, {"statusCode": 401, "message": "invalid credentials information"}, Reason.AUTH),
        (200, {"statusCode": 401, "message": "invalid credentials information"}, Reason.AUTH),
        (200, {"statusCode": 2, "message": "zero balance"}, Reason.PROVIDER),
        (200, {"statusCode": 101, "message": "API is disabled"}, Reason.PROVIDER),
        (200, {"statusCode": 102, "message": "IP not authorized"}, Reason.PROVIDER),
        (403, {"statusCode": 104, "message": "invalid bearer token"}, Reason.AUTH),
        (429, {"message": "Too many requests."}, Reason.RATE_LIMITED),
        (200, {"balance": "1", "currency": "SAR"}, Reason.PARSE),  # no statusCode
        (200, {"statusCode": 200, "currency": "SAR"}, Reason.PARSE),
        (200, {"statusCode": 200, "balance": "1.000"}, Reason.PARSE),
        (200, ok(currency=""), Reason.PARSE),
        (200, ok(balance="n/a"), Reason.PARSE),
        (200, ok(balance={"value": 1}), Reason.PARSE),
    ],
)
def test_error_shapes(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator([TaqnyatTwin()], [TaqnyatTwin().sample_account("sa")]) as running:
        yield running


def test_against_the_twin_over_loopback(sim: Simulator) -> None:
    balance = fetch(sim, "sa")
    assert balance.currency == "SAR"
    assert balance.amount == pytest.approx(sim.accounts["sa"].current_balance(), abs=1e-3)


def test_a_wrong_token_is_auth_over_loopback(sim: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, "sa", token="wrong")
    assert caught.value.reason is Reason.AUTH
