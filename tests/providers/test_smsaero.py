"""SMS Aero, a definition: POST /v2/balance (JSON `{}`) with HTTP Basic e-mail:API key; the
`{"success", "data", "message"}` envelope with `data.balance` in roubles."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sms_balance_exporter.providers import Balance, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.smsaero import SmsAeroTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.wire import assert_fails, parse

EMAIL = "ops@example.ru"
KEY = "aero-0123456789abcdefKEY"
PROVIDER = defined("smsaero", email=EMAIL, api_key=KEY)


def ok(balance: object) -> dict[str, object]:
    return {"success": True, "data": {"balance": balance}, "message": None}


def failure(message: str) -> dict[str, object]:
    return {"success": False, "data": None, "message": message}


def test_request_is_a_json_post_with_basic_auth() -> None:
    request = request_of("smsaero", email=EMAIL, api_key=KEY)
    assert request.method == "POST"
    assert request.url == "https://gate.smsaero.ru/v2/balance"
    assert request.json_body == {}
    assert request.basic_auth == (EMAIL, KEY)
    assert not request.params
    assert KEY not in repr(request) and EMAIL not in repr(PROVIDER)


def test_both_fields_are_required() -> None:
    problems = config_problems("smsaero", email=EMAIL)
    assert any("field 'api_key': is required (or api_key_file)" in p for p in problems)


def test_a_fallback_gate_can_be_chosen() -> None:
    request = request_of("smsaero", email=EMAIL, api_key=KEY, base_url="https://gate.smsaero.org")
    assert request.url == "https://gate.smsaero.org/v2/balance"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (ok(337.03), 337.03),  # the SDK's example data
        (
            {"result": "success", "success": True, "data": {"balance": 337.03}, "message": "x"},
            337.03,
        ),
        (ok("337.03"), 337.03),
        (ok(0), 0.0),
    ],
)
def test_documented_success_in_roubles(body: object, expected: float) -> None:
    assert parse(PROVIDER, 200, body) == Balance(amount=expected, currency="RUB")


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, failure("Service temporarily unavailable"), Reason.PROVIDER),
        (200, {"result": "no credits", "success": False, "data": None}, Reason.PROVIDER),
        (200, {"result": "reject", "success": False, "reason": "x"}, Reason.PROVIDER),
        (401, failure("Your request was made with invalid credentials."), Reason.AUTH),
        (403, failure("Forbidden"), Reason.AUTH),
        (500, failure("Internal error"), Reason.HTTP),
        (429, failure("Too many requests"), Reason.RATE_LIMITED),
    ],
)
def test_envelope_errors(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, {"success": True, "data": {}}, Reason.PARSE),
        (200, {"success": True, "data": None}, Reason.PARSE),
        (200, {"success": True}, Reason.PARSE),
        (200, {"data": {"balance": 10}}, Reason.PARSE),  # no success flag
        (200, {"success": "true", "data": {"balance": 10}}, Reason.PROVIDER),  # not a boolean
        (200, ok(None), Reason.PARSE),
        (200, ok("сто"), Reason.PARSE),
        (200, ok([1]), Reason.PARSE),
        (200, "<html><body>maintenance</body></html>", Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def twin() -> Iterator[Simulator]:
    with Simulator([SmsAeroTwin()], [SmsAeroTwin().sample_account("ru")]) as sim:
        yield sim


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_twin_answers_post_and_get(twin: Simulator, method: str) -> None:
    auth = ("ru@example.ru", "ru-aero-key")
    url = twin.base_url("smsaero") + "/v2/balance"
    answer = requests.request(method, url, auth=auth, json={}, timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    assert body["success"] is True
    assert body["data"]["balance"] == pytest.approx(twin.accounts["ru"].current_balance(), abs=0.01)


def test_twin_refuses_wrong_credentials(twin: Simulator) -> None:
    url = twin.base_url("smsaero") + "/v2/balance"
    answer = requests.post(url, auth=("ru@example.ru", "wrong"), json={}, timeout=5)
    assert answer.status_code == 401
    assert answer.json()["success"] is False
