"""Octopush, a definition: GET /v1/public/wallet/check-balance with headers `api-key` and
`api-login`; the money wallet's `amount` in "euros"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sms_balance_exporter.providers import Balance, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.octopush import OctopushTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.wire import assert_fails, parse

LOGIN = "ops@example.fr"
KEY = "octo-0123456789abcdefKEY"
PROVIDER = defined("octopush", api_login=LOGIN, api_key=KEY)


def test_request_sends_both_headers() -> None:
    request = request_of("octopush", api_login=LOGIN, api_key=KEY)
    assert request.method == "GET"
    assert request.url == "https://api.octopush.com/v1/public/wallet/check-balance"
    assert dict(request.headers) == {
        "Accept": "application/json",
        "api-login": LOGIN,
        "api-key": KEY,
    }
    assert not request.params and request.basic_auth is None
    assert KEY not in repr(request) and LOGIN not in repr(PROVIDER)


def test_both_fields_are_required() -> None:
    problems = config_problems("octopush", api_key=KEY)
    assert any("field 'api_login': is required (or api_login_file)" in p for p in problems)
    problems = config_problems("octopush", api_login=LOGIN)
    assert any("field 'api_key': is required (or api_key_file)" in p for p in problems)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"amount": 12.54, "unit": "euros"}, 12.54),  # docs
        ({"amount": "12.54", "unit": "euros"}, 12.54),
        ({"amount": 0, "unit": "euros"}, 0.0),
    ],
)
def test_documented_success_in_euros(body: object, expected: float) -> None:
    assert parse(PROVIDER, 200, body) == Balance(amount=expected, currency="EUR")


def test_a_wallet_in_another_unit_is_not_read_as_euros() -> None:
    # With product filters the API answers a message count (docs, "Success : 201 OK").
    body = {
        "amount": 204,
        "unit": "sms_premium",
        "wallet_packs": [
            {
                "wallet_pack_id": "bacf3d83-1524-13eb-a5e2-0242af120002",
                "credit": 12.54,
                "expiration_date": "2030-10-23T13:41:46+02:00",
            }
        ],
    }
    assert_fails(PROVIDER, 201, body, Reason.PROVIDER)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (401, {"message": "Unauthorized."}, Reason.AUTH),
        (200, {"message": "Unauthorized."}, Reason.AUTH),
        (401, "Unauthorized.", Reason.AUTH),
        (403, {"message": "Forbidden to view."}, Reason.AUTH),
        (500, {"message": "Server Error"}, Reason.HTTP),
        (429, {"message": "Too Many Attempts."}, Reason.RATE_LIMITED),
    ],
)
def test_documented_errors(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, {"unit": "euros"}, Reason.PARSE),
        (200, {"amount": 12.54}, Reason.PARSE),
        (200, {"amount": None, "unit": "euros"}, Reason.PARSE),
        (200, {"amount": "douze", "unit": "euros"}, Reason.PARSE),
        (200, {"amount": {"value": 1}, "unit": "euros"}, Reason.PARSE),
        (200, {"message": "Server Error"}, Reason.PARSE),
        (200, "<html><body>maintenance</body></html>", Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def twin() -> Iterator[Simulator]:
    with Simulator([OctopushTwin()], [OctopushTwin().sample_account("fr")]) as sim:
        yield sim


URL = "/v1/public/wallet/check-balance"


def test_twin_answers_the_wallet(twin: Simulator) -> None:
    headers = {"api-login": "fr@example.com", "api-key": "fr-octo-key"}
    answer = requests.get(twin.base_url("octopush") + URL, headers=headers, timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    assert body["unit"] == "euros"
    assert body["amount"] == pytest.approx(twin.accounts["fr"].current_balance(), abs=0.01)


def test_twin_needs_both_headers(twin: Simulator) -> None:
    answer = requests.get(
        twin.base_url("octopush") + URL, headers={"api-key": "fr-octo-key"}, timeout=5
    )
    assert (answer.status_code, answer.json()) == (401, {"message": "Unauthorized."})
