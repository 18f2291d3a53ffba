"""Semaphore (a definition): the API key in the query, `credit_balance` as messages, errors
told by HTTP status."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.semaphore import SemaphoreTwin
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.loopback import fetch
from tests.providers.wire import HTML_502, assert_fails, parse, response

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
        (401, "Unauthorized", Reason.AUTH),
        (401, {"message": "Unauthenticated."}, Reason.AUTH),
        (403, {"apikey": ["The selected apikey is invalid."]}, Reason.AUTH),
        (422, {"apikey": ["The apikey field is required."]}, Reason.HTTP),
        (500, "", Reason.HTTP),
        (429, "", Reason.RATE_LIMITED),
        (502, HTML_502, Reason.HTTP),
        (200, HTML_502, Reason.PARSE),
        (200, "", Reason.PARSE),
        (200, {"apikey": ["The selected apikey is invalid."]}, Reason.PARSE),
        (200, {"account_id": 1, "status": "Active"}, Reason.PARSE),
        (200, ok(None), Reason.PARSE),
        (200, ok("plenty"), Reason.PARSE),
        (200, ok({"credits": 1}), Reason.PARSE),
    ],
)
def test_error_shapes(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


def test_a_text_answer_under_http_200_is_the_providers_message() -> None:
    with pytest.raises(ProviderError) as caught:
        PROVIDER.parse_response(response(200, "Unauthorized", "text/plain; charset=utf-8"))
    assert caught.value.reason is Reason.PROVIDER


def test_transport_errors_never_show_the_key_from_the_query_string() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ProviderError) as caught:
        UpstreamClient().fetch_balance(PROVIDER, f"http://127.0.0.1:{port}", time.monotonic() + 5)
    assert caught.value.reason is Reason.CONNECTION
    assert KEY not in str(caught.value)


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
