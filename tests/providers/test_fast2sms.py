"""Fast2SMS (a definition): the key as the `authorization` query parameter, the wallet in
rupees and the SMS count, `status_code` 412 `auth`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.fast2sms import Fast2SmsTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.loopback import fetch
from tests.providers.wire import assert_fails, parse

KEY = "Fast2SmsKeyAbCdEf0123456789"
PROVIDER = defined("fast2sms", api_key=KEY)


def ok(wallet: object = "75.0000", sms_count: object = 300) -> dict[str, Any]:
    return {"return": True, "wallet": wallet, "sms_count": sms_count}


def failure(code: object, message: str) -> dict[str, Any]:
    return {"return": False, "status_code": code, "message": message}


def test_request_carries_the_key_as_the_authorization_parameter() -> None:
    request = request_of("fast2sms", api_key=KEY)
    assert (request.method, request.url) == ("GET", "https://www.fast2sms.com/dev/wallet")
    assert dict(request.params) == {"authorization": KEY}
    assert KEY not in repr(request)


def test_the_key_is_required() -> None:
    assert config_problems("fast2sms") == [
        "c.yml: accounts[0] (name 'acct'), field 'api_key': is required (or api_key_file)"
    ]


def test_documented_success() -> None:  # observed, 3rd-party
    assert parse(PROVIDER, 200, ok()) == Balance(amount=75.0, currency="INR", messages=300.0)


@pytest.mark.parametrize(
    ("wallet", "count", "amount", "messages"),
    [(75.5, "302", 75.5, 302.0), ("0.0000", 0, 0.0, 0.0), ("-2.5000", 0, -2.5, 0.0)],
)
def test_numbers_as_strings_or_numbers(
    wallet: object, count: object, amount: float, messages: float
) -> None:
    balance = parse(PROVIDER, 200, ok(wallet, count))
    assert (balance.amount, balance.messages) == (amount, messages)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (401, failure(412, "Invalid Authentication, Check Authorization Key"), Reason.AUTH),
        (200, failure(412, "Invalid Authentication, Check Authorization Key"), Reason.AUTH),
        (200, failure("412", "Invalid Authentication"), Reason.AUTH),
        (401, failure(413, "Authorization Key Disabled"), Reason.AUTH),
        (200, failure(413, "Authorization Key Disabled"), Reason.PROVIDER),
        (200, failure(414, "IP is blacklisted from Dev API section"), Reason.PROVIDER),
        (400, failure(415, "Account Disabled"), Reason.HTTP),
        (200, {**ok(), "return": "true"}, Reason.PROVIDER),  # a string is not the boolean
        (200, {"wallet": "1", "sms_count": 1}, Reason.PARSE),  # no return
        (200, {"return": True, "sms_count": 1}, Reason.PARSE),
        (200, {"return": True, "wallet": "1"}, Reason.PARSE),
        (200, ok(wallet=None), Reason.PARSE),
        (200, ok(sms_count="many"), Reason.PARSE),
    ],
)
def test_error_shapes(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator([Fast2SmsTwin()], [Fast2SmsTwin().sample_account("in")]) as running:
        yield running


def test_against_the_twin_over_loopback(sim: Simulator) -> None:
    account = sim.accounts["in"]
    balance = fetch(sim, "in")
    assert balance.currency == "INR"
    assert balance.amount == pytest.approx(account.current_balance(), abs=1e-3)
    assert balance.messages == pytest.approx(account.current_messages(), abs=1)


def test_a_wrong_key_is_auth_over_loopback(sim: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, "in", api_key="wrong")
    assert caught.value.reason is Reason.AUTH
