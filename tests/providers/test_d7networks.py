"""D7 Networks (a definition): a bearer token, `balance` with no currency (USD assumed),
errors by HTTP status or a `detail` body."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.d7networks import D7NetworksTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.loopback import fetch
from tests.providers.wire import assert_fails, parse

TOKEN = "eyJhbGciOiJIUzI1NiJ9.d7.signature"
PROVIDER = defined("d7networks", token=TOKEN)


def detail(code: str, message: str = "…") -> dict[str, Any]:
    return {"detail": {"code": code, "message": message}}


def test_request_is_a_get_with_a_bearer_token() -> None:
    request = request_of("d7networks", token=TOKEN)
    assert request.method == "GET"
    assert request.url == "https://api.d7networks.com/messages/v1/balance"
    assert request.headers == {"Accept": "application/json", "Authorization": f"Bearer {TOKEN}"}
    assert TOKEN not in repr(request)


def test_the_token_is_required() -> None:
    assert config_problems("d7networks") == [
        "c.yml: accounts[0] (name 'acct'), field 'token': is required (or token_file)"
    ]


def test_documented_success() -> None:  # quoted from the docs by a 3rd party
    assert parse(PROVIDER, 200, {"balance": 99.9999999}) == Balance(
        amount=99.9999999, currency="USD"
    )


@pytest.mark.parametrize(("raw", "amount"), [("12.5", 12.5), (0, 0.0), (-3, -3.0)])
def test_balance_as_string_or_number(raw: object, amount: float) -> None:
    assert parse(PROVIDER, 200, {"balance": raw, "sms_count": 10}).amount == amount


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (401, detail("ACCESS_TOKEN_SIGNATURE_VERIFICATION_FAILED"), Reason.AUTH),
        (200, detail("ACCESS_TOKEN_SIGNATURE_VERIFICATION_FAILED"), Reason.AUTH),
        (401, detail("ACCESS_TOKEN_EXPIRED"), Reason.AUTH),
        (402, detail("INSUFFICIENT_CREDIT"), Reason.HTTP),
        (400, detail("BAD_REQUEST"), Reason.HTTP),
        (404, detail("NOT_FOUND"), Reason.HTTP),
        (422, {"detail": [{"loc": ["query"], "msg": "invalid"}]}, Reason.HTTP),
        (500, detail("INTERNAL_SERVER_ERROR"), Reason.HTTP),
        (200, {}, Reason.PARSE),
        (200, detail("SOMETHING_ELSE"), Reason.PARSE),  # no balance
        (200, {"balance": None}, Reason.PARSE),
        (200, {"balance": "ninety"}, Reason.PARSE),
        (200, {"balance": {"amount": 1}}, Reason.PARSE),
    ],
)
def test_error_shapes(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator([D7NetworksTwin()], [D7NetworksTwin().sample_account("ae")]) as running:
        yield running


def test_against_the_twin_over_loopback(sim: Simulator) -> None:
    balance = fetch(sim, "ae")
    assert balance.currency == "USD"
    assert balance.amount == pytest.approx(sim.accounts["ae"].current_balance(), abs=1e-6)


def test_a_wrong_token_is_auth_over_loopback(sim: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, "ae", token="wrong")
    assert caught.value.reason is Reason.AUTH
