"""seven.io (a definition): GET /api/balance with `X-Api-Key` and `Accept: application/json`,
`{"amount", "currency"}`; errors are a bare integer code as the whole body, read under any
HTTP status (which the sources leave open)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.seven import SevenTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.loopback import fetch
from tests.providers.wire import assert_fails, parse, parse_error, response

KEY = "sevenKeyAbCdEf0123456789XyZ"
PROVIDER = defined("seven", api_key=KEY)


def test_request_sends_the_key_in_a_header_and_asks_for_json() -> None:
    request = request_of("seven", api_key=KEY)
    assert (request.method, request.url) == ("GET", "https://gateway.seven.io/api/balance")
    assert request.headers == {"Accept": "application/json", "X-Api-Key": KEY}
    assert not request.params and request.basic_auth is None and request.json_body is None
    assert KEY not in repr(request) and KEY not in repr(PROVIDER)


def test_the_key_is_required() -> None:
    assert config_problems("seven") == [
        "c.yml: accounts[0] (name 'acct'), field 'api_key': is required (or api_key_file)"
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"amount": 12.34, "currency": "EUR"}, Balance(amount=12.34, currency="EUR")),
        ({"amount": 0, "currency": "EUR"}, Balance(amount=0.0, currency="EUR")),
        ({"amount": "12.34", "currency": "CHF"}, Balance(amount=12.34, currency="CHF")),
        ({"amount": -1.5, "currency": "EUR"}, Balance(amount=-1.5, currency="EUR")),
    ],
)
def test_documented_success(body: object, expected: Balance) -> None:
    assert parse(PROVIDER, 200, body) == expected


@pytest.mark.parametrize("code", [300, 900, 902, 903])
@pytest.mark.parametrize("status", [200, 401, 403])
def test_the_auth_codes_are_auth_under_any_status(code: int, status: int) -> None:
    assert_fails(PROVIDER, status, str(code), Reason.AUTH)
    assert_fails(PROVIDER, status, code, Reason.AUTH)  # the same, served as JSON


@pytest.mark.parametrize("code", [500, 600, 700, 901, 201, 402])
def test_other_documented_codes_are_provider_errors(code: int) -> None:
    assert_fails(PROVIDER, 200, str(code), Reason.PROVIDER)
    error = parse_error(PROVIDER, 200, str(code))
    assert error.message == f"provider error condition met (the body is {code})"


def test_a_code_as_text_plain_is_read_as_a_code() -> None:
    with pytest.raises(ProviderError) as caught:
        PROVIDER.parse_response(response(200, "900\n", "text/plain; charset=utf-8"))
    assert caught.value.reason is Reason.AUTH


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, "12.34", Reason.PARSE),  # the bare balance sent without the Accept header
        (200, "123", Reason.PARSE),  # a bare number that is no documented code
        (200, {"amount": 12.34}, Reason.PARSE),  # no currency
        (200, {"currency": "EUR"}, Reason.PARSE),  # no amount
        (200, {"amount": None, "currency": "EUR"}, Reason.PARSE),
        (200, {"amount": "viel", "currency": "EUR"}, Reason.PARSE),
        (200, {"amount": {"value": 1}, "currency": "EUR"}, Reason.PARSE),
        (200, {"amount": 1, "currency": ""}, Reason.PARSE),
        (200, {"error": 900}, Reason.PARSE),  # a code inside an object is not the bare code
        (200, [900], Reason.PARSE),
        (500, "700", Reason.PROVIDER),  # the code says more than the status
    ],
)
def test_malformed_and_other_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator([SevenTwin()], [SevenTwin().sample_account("de")]) as running:
        yield running


def test_against_the_twin_over_loopback(sim: Simulator) -> None:
    balance = fetch(sim, "de")
    assert balance.currency == "EUR"
    assert balance.amount == pytest.approx(sim.accounts["de"].current_balance(), abs=0.01)


def test_a_wrong_key_is_auth_over_loopback(sim: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, "de", api_key="wrong")
    assert caught.value.reason is Reason.AUTH


def test_twin_answers_a_bare_code_under_http_200(sim: Simulator) -> None:
    url = sim.base_url("seven") + "/api/balance"
    answer = requests.get(url, headers={"X-Api-Key": "wrong"}, timeout=5)
    assert (answer.status_code, answer.text) == (200, "900")
