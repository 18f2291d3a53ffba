"""46elks (a definition): HTTP Basic, `balance` in 1/10000 of `currency`, text/plain errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sms_balance_exporter.providers import ProviderError, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.elks46 import Elks46Twin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.loopback import fetch
from tests.providers.wire import assert_fails, parse, response

USER = "u2c7b8f3e0a1d"
PASSWORD = "C0FFEE-46elks-secret"
PROVIDER = defined("46elks", username=USER, password=PASSWORD)


def me(balance: object, currency: object = "SEK") -> dict[str, object]:
    # The documented example's fields (its missing commas aside).
    return {
        "mobilenumber": "+46766861647",
        "displayname": "Your name or company",
        "id": "u5a9566c072160b318445d163949bf505",
        "currency": currency,
        "trialactivated": "2013-06-20T18:44:27.434000",
        "balance": balance,
        "email": "help@46elks.com",
    }


def test_request_is_a_basic_auth_get_of_me() -> None:
    request = request_of("46elks", username=USER, password=PASSWORD)
    assert (request.method, request.url) == ("GET", "https://api.46elks.com/a1/me")
    assert request.basic_auth == (USER, PASSWORD)
    assert PASSWORD not in repr(request)


def test_balance_is_ten_thousandths_of_the_currency() -> None:
    balance = parse(PROVIDER, 200, me(9670500))
    assert balance.amount == pytest.approx(967.05)
    assert balance.currency == "SEK"
    assert balance.messages is None


@pytest.mark.parametrize(("raw", "amount"), [("9670500", 967.05), (0, 0.0), (-50000, -5.0)])
def test_balance_as_a_string_zero_or_negative(raw: object, amount: float) -> None:
    assert parse(PROVIDER, 200, me(raw, "EUR")).amount == pytest.approx(amount)


@pytest.mark.parametrize(
    ("status", "body", "content_type", "reason"),
    [
        # The documented error: a text/plain message, whatever the status.
        (401, "Unable to get account.", "text/plain; charset=utf-8", Reason.AUTH),
        (500, "Unable to get account.", "text/plain; charset=utf-8", Reason.HTTP),
        (200, "Unable to get account.", "text/plain; charset=utf-8", Reason.PROVIDER),
        # A 3rd-party compilation's JSON error (UNCONFIRMED), 401 for bad credentials.
        (401, '{"error": "Invalid credentials"}', "application/json", Reason.AUTH),
        (200, '{"id": "u1", "currency": "SEK"}', "application/json", Reason.PARSE),
        (200, '{"balance": 100, "currency": ""}', "application/json", Reason.PARSE),
        (200, '{"balance": {"sek": 1}, "currency": "SEK"}', "application/json", Reason.PARSE),
        (429, "", "text/plain", Reason.RATE_LIMITED),
    ],
)
def test_error_shapes(status: int, body: str, content_type: str, reason: Reason) -> None:
    error_response = response(status, body, content_type)
    with pytest.raises(ProviderError) as caught:
        PROVIDER.parse_response(error_response)
    assert caught.value.reason is reason, caught.value.message
    assert PASSWORD not in caught.value.message


def test_an_overflowing_balance_is_refused() -> None:
    assert_fails(PROVIDER, 200, me(10**400), Reason.PARSE)


def test_credentials_are_required() -> None:
    problems = config_problems("46elks", username=USER)
    assert problems == [
        "c.yml: accounts[0] (name 'acct'), field 'password': is required (or password_file)"
    ]


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    account = Elks46Twin().sample_account("elks")
    with Simulator([Elks46Twin()], [account]) as running:
        yield running


def test_against_the_twin_over_loopback(sim: Simulator) -> None:
    balance = fetch(sim, "elks")
    assert balance.currency == "SEK"
    assert balance.amount == pytest.approx(sim.accounts["elks"].current_balance(), abs=0.01)
