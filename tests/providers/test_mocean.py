"""Mocean (a definition): key and secret in the query, `status` 0 and `value`, "Authorization
failed" `auth`, no currency in the body (EUR assumed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.mocean import MoceanTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.loopback import fetch
from tests.providers.wire import assert_fails, parse

KEY = "moceanKey0123"
SECRET = "moceanSecret4567"
PROVIDER = defined("mocean", api_key=KEY, api_secret=SECRET)
AUTH_FAILED = {"status": 1, "err_msg": "Authorization failed"}


def test_request_carries_key_secret_and_format_in_the_query() -> None:
    request = request_of("mocean", api_key=KEY, api_secret=SECRET)
    assert request.method == "GET"
    assert request.url == "https://rest.moceanapi.com/rest/2/account/balance"
    assert dict(request.params) == {
        "mocean-api-key": KEY,
        "mocean-api-secret": SECRET,
        "mocean-resp-format": "json",
    }
    assert KEY not in repr(request) and SECRET not in repr(request)


def test_key_and_secret_are_required() -> None:
    assert config_problems("mocean", api_key=KEY) == [
        "c.yml: accounts[0] (name 'acct'), field 'api_secret': is required (or api_secret_file)"
    ]
    assert len(config_problems("mocean")) == 2


def test_documented_success() -> None:  # the official SDK's test resource
    assert parse(PROVIDER, 200, {"status": 0, "value": 100.0000}) == Balance(
        amount=100.0, currency="EUR"
    )


@pytest.mark.parametrize(
    ("status_value", "raw", "amount"), [("0", "12.5", 12.5), (0, 0, 0.0), (0, "-1.2500", -1.25)]
)
def test_numbers_as_strings_or_numbers(status_value: object, raw: object, amount: float) -> None:
    assert parse(PROVIDER, 200, {"status": status_value, "value": raw}).amount == amount


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, AUTH_FAILED, Reason.AUTH),
        (401, AUTH_FAILED, Reason.AUTH),
        (400, AUTH_FAILED, Reason.AUTH),
        (200, {"status": 2, "err_msg": "Insufficient balance"}, Reason.PROVIDER),
        (200, {"status": "1", "err_msg": "Something else"}, Reason.PROVIDER),
        (401, {"status": 1, "err_msg": "Invalid token"}, Reason.AUTH),
        (500, {"status": 99, "err_msg": "Internal error"}, Reason.HTTP),
        (200, "<result><status>0</status><value>1</value></result>", Reason.PARSE),  # XML
        (200, {"value": 100}, Reason.PARSE),  # no status
        (200, {"status": 0}, Reason.PARSE),
        (200, {"status": 0, "value": None}, Reason.PARSE),
        (200, {"status": 0, "value": "a lot"}, Reason.PARSE),
    ],
)
def test_error_shapes(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator([MoceanTwin()], [MoceanTwin().sample_account("my")]) as running:
        yield running


def test_against_the_twin_over_loopback(sim: Simulator) -> None:
    balance = fetch(sim, "my")
    assert balance.currency == "EUR"
    assert balance.amount == pytest.approx(sim.accounts["my"].current_balance(), abs=1e-3)


def test_a_wrong_secret_is_auth_over_loopback(sim: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, "my", api_secret="wrong")
    assert caught.value.reason is Reason.AUTH
