"""Semaphore (a definition): the API key in the query, `credit_balance` as messages, errors
told by HTTP status."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.semaphore import SemaphoreTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.loopback import fetch
from tests.providers.wire import assert_fails, parse

KEY = "semaphoreKeyAbCdEf0123456789"
PROVIDER = defined("semaphore", api_key=KEY)


def ok(credits: object = 1500) -> dict[str, Any]:
    return {
        "account_id": 1234,
        "account_name": "Acme PH",
        "status": "Active",
        "credit_balance": credits,
    }


def test_request_carries_the_key_in_the_query() -> None:
    request = request_of("semaphore", api_key=KEY)
    assert (request.method, request.url) == ("GET", "https://api.semaphore.co/api/v4/account")
    assert dict(request.params) == {"apikey": KEY}
    assert KEY not in repr(request)


def test_the_key_is_required() -> None:
    assert config_problems("semaphore") == [
        "c.yml: accounts[0] (name 'acct'), field 'api_key': is required (or api_key_file)"
    ]


@pytest.mark.parametrize(
    ("raw", "messages"), [(1500, 1500.0), ("1500", 1500.0), ("12.50", 12.5), (0, 0.0)]
)
def test_credits_as_number_or_string(raw: object, messages: float) -> None:
    assert parse(PROVIDER, 200, ok(raw)) == Balance(messages=messages)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (401, {"message": "Unauthenticated."}, Reason.AUTH),
        (403, {"apikey": ["The selected apikey is invalid."]}, Reason.AUTH),
        (422, {"apikey": ["The apikey field is required."]}, Reason.HTTP),
        (200, {"apikey": ["The selected apikey is invalid."]}, Reason.PARSE),
        (200, {"account_id": 1, "status": "Active"}, Reason.PARSE),
        (200, ok(None), Reason.PARSE),
        (200, ok("plenty"), Reason.PARSE),
        (200, ok({"credits": 1}), Reason.PARSE),
    ],
)
def test_error_shapes(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator([SemaphoreTwin()], [SemaphoreTwin().sample_account("ph")]) as running:
        yield running


def test_against_the_twin_over_loopback(sim: Simulator) -> None:
    assert fetch(sim, "ph").messages == pytest.approx(sim.accounts["ph"].current_messages(), abs=1)


def test_a_wrong_key_is_auth_over_loopback(sim: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, "ph", api_key="wrong")
    assert caught.value.reason is Reason.AUTH
