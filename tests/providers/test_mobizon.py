"""Mobizon (a definition): the API key in the query on the account's own API domain, a
{code, data, message} envelope with code 8 `auth` and code 30 `rate_limited`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.mobizon import MobizonTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.loopback import fetch
from tests.providers.wire import assert_fails, parse, parse_error

KEY = "kz0123456789abcdef0123456789abcdef012345"
HOST = "https://api.mobizon.kz"
PROVIDER = defined("mobizon", api_key=KEY, base_url=HOST)


def answer(code: object, data: object = "", message: str = "") -> dict[str, Any]:
    return {"code": code, "data": data, "message": message}


def ok(balance: object = "4043.0656", currency: object = "KZT") -> dict[str, Any]:
    return answer(0, {"balance": balance, "currency": currency})


def test_request_carries_the_key_in_the_query_on_the_accounts_domain() -> None:
    request = request_of("mobizon", api_key=KEY, base_url=HOST)
    assert (request.method, request.url) == ("GET", f"{HOST}/service/user/getownbalance")
    assert dict(request.params) == {"output": "json", "api": "v1", "apiKey": KEY}
    assert KEY not in repr(request)


def test_the_api_domain_is_required() -> None:
    problems = config_problems("mobizon", api_key=KEY)
    assert len(problems) == 1 and "field 'base_url'" in problems[0]


def test_the_key_is_required() -> None:
    assert config_problems("mobizon", base_url=HOST) == [
        "c.yml: accounts[0] (name 'acct'), field 'api_key': is required (or api_key_file)"
    ]


def test_documented_success() -> None:  # a 3rd-party test mock
    assert parse(PROVIDER, 200, ok()) == Balance(amount=4043.0656, currency="KZT")


@pytest.mark.parametrize(("raw", "amount"), [(12.5, 12.5), ("0.0000", 0.0), ("-3.2500", -3.25)])
def test_balance_as_string_or_number(raw: object, amount: float) -> None:
    assert parse(PROVIDER, 200, ok(raw)).amount == amount


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, answer(8, "", "Login error"), Reason.AUTH),
        (200, answer("8"), Reason.AUTH),
        (401, answer(8), Reason.AUTH),
        (200, answer(30, "", "Too many requests"), Reason.RATE_LIMITED),
        (200, answer(13, "api.mobizon.ua"), Reason.PROVIDER),  # the wrong API domain
        (200, answer(14, "", "Account blocked"), Reason.PROVIDER),
        (200, answer(999, "", "General error"), Reason.PROVIDER),
        (200, {"data": {"balance": "1", "currency": "KZT"}}, Reason.PARSE),  # no code
        (200, answer(0, {"currency": "KZT"}), Reason.PARSE),
        (200, answer(0, {"balance": "1.0000"}), Reason.PARSE),
        (200, ok(currency=""), Reason.PARSE),
        (200, ok(balance="n/a"), Reason.PARSE),
        (200, ok(balance={"value": 1}), Reason.PARSE),
        (200, answer(0, []), Reason.PARSE),
    ],
)
def test_error_shapes(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


def test_the_providers_message_is_not_repeated() -> None:
    message = parse_error(PROVIDER, 200, answer(999, "", f"key {KEY} failed")).message
    assert "failed" not in message and KEY not in message


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator([MobizonTwin()], [MobizonTwin().sample_account("kz")]) as running:
        yield running


def test_against_the_twin_over_loopback(sim: Simulator) -> None:
    balance = fetch(sim, "kz")
    assert balance.currency == "KZT"
    assert balance.amount == pytest.approx(sim.accounts["kz"].current_balance(), abs=1e-3)


def test_a_wrong_key_is_auth_over_loopback(sim: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, "kz", api_key="not-a-key")
    assert caught.value.reason is Reason.AUTH
