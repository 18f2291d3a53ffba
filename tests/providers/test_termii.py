"""Termii (a definition): the API key in the query, a per-region host, the balance and its
currency; errors told by HTTP status."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.termii import TermiiTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.loopback import fetch
from tests.providers.wire import assert_fails, parse

KEY = "TLtermiiKeyAbCdEf0123456789"
PROVIDER = defined("termii", api_key=KEY)


def ok(balance: object = 8748.63, currency: object = "NGN") -> dict[str, Any]:
    return {"user": "Tayo Joel", "balance": balance, "currency": currency}


def test_request_carries_the_key_in_the_query() -> None:
    request = request_of("termii", api_key=KEY)
    assert (request.method, request.url) == ("GET", "https://api.ng.termii.com/api/get-balance")
    assert dict(request.params) == {"api_key": KEY}
    assert KEY not in repr(request)


def test_another_region_is_a_base_url() -> None:
    request = request_of("termii", api_key=KEY, base_url="https://v3.api.termii.com")
    assert request.url == "https://v3.api.termii.com/api/get-balance"


def test_the_key_is_required() -> None:
    assert config_problems("termii") == [
        "c.yml: accounts[0] (name 'acct'), field 'api_key': is required (or api_key_file)"
    ]


def test_documented_success() -> None:
    assert parse(PROVIDER, 200, ok()) == Balance(amount=8748.63, currency="NGN")


def test_the_docs_body_without_a_user_and_a_zero_balance() -> None:
    assert parse(PROVIDER, 200, {"balance": 0, "currency": "NGN"}) == Balance(
        amount=0.0, currency="NGN"
    )


@pytest.mark.parametrize(("raw", "amount"), [("8748.63", 8748.63), ("-1", -1.0)])
def test_balance_as_a_string(raw: object, amount: float) -> None:
    assert parse(PROVIDER, 200, ok(raw)).amount == amount


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (400, {"message": "api_key is required"}, Reason.HTTP),
        (422, {"message": "invalid"}, Reason.HTTP),
        (200, {"message": "Unauthorized"}, Reason.PARSE),
        (200, {"user": "x", "currency": "NGN"}, Reason.PARSE),
        (200, {"user": "x", "balance": 1}, Reason.PARSE),
        (200, ok(currency=""), Reason.PARSE),
        (200, ok(balance=None), Reason.PARSE),
        (200, ok(balance=True), Reason.PARSE),
    ],
)
def test_error_shapes(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator([TermiiTwin()], [TermiiTwin().sample_account("ng")]) as running:
        yield running


def test_against_the_twin_over_loopback(sim: Simulator) -> None:
    balance = fetch(sim, "ng")
    assert balance.currency == "NGN"
    assert balance.amount == pytest.approx(sim.accounts["ng"].current_balance(), abs=0.01)


def test_a_wrong_key_is_auth_over_loopback(sim: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, "ng", api_key="wrong")
    assert caught.value.reason is Reason.AUTH
