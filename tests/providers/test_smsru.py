"""SMS.ru, a definition: GET /my/balance?api_id=…&json=1; every answer is HTTP 200 with
`status` OK or ERROR and a body `status_code` (200: wrong api_id)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sms_balance_exporter.providers import Balance, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.smsru import SmsRuTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.wire import assert_fails, parse, parse_error

API_ID = "0A1B2C3D-4E5F-6789-ABCD-0123456789EF"
PROVIDER = defined("smsru", api_id=API_ID)


def error(code: object, text: str = "Wrong api_id") -> dict[str, object]:
    return {"status": "ERROR", "status_code": code, "status_text": text}


def test_request_carries_the_api_id_in_the_query_string() -> None:
    request = request_of("smsru", api_id=API_ID)
    assert request.method == "GET"
    assert request.url == "https://sms.ru/my/balance"
    assert dict(request.params) == {"api_id": API_ID, "json": "1"}
    assert not request.headers and request.basic_auth is None and request.json_body is None
    assert API_ID not in request.url
    assert API_ID not in repr(request) and API_ID not in repr(PROVIDER)


def test_the_api_id_is_required() -> None:
    problems = config_problems("smsru")
    assert any("field 'api_id': is required (or api_id_file)" in p for p in problems)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"status": "OK", "status_code": 100, "balance": 1000.0}, 1000.0),  # recorded answer
        ({"status": "OK", "status_code": 100, "balance": 4762.58}, 4762.58),
        ({"status": "OK", "status_code": "100", "balance": "4762.58"}, 4762.58),
        ({"status": "OK", "balance": 0}, 0.0),
    ],
)
def test_documented_success_in_roubles(body: object, expected: float) -> None:
    assert parse(PROVIDER, 200, body) == Balance(amount=expected, currency="RUB")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (error(200), Reason.AUTH),  # status_code 200 is "wrong api_id", under HTTP 200
        (error("200"), Reason.AUTH),
        (error(220, "Service temporarily unavailable"), Reason.PROVIDER),
        (error(210, "GET used where POST is required"), Reason.PROVIDER),
        (error(211, "Method not found"), Reason.PROVIDER),
        (error(300, "Wrong token"), Reason.PROVIDER),
        (error(301, "Wrong password"), Reason.PROVIDER),
        (error(302, "Account not confirmed"), Reason.PROVIDER),
        ({"status": "ERROR"}, Reason.PROVIDER),
    ],
)
def test_documented_errors_under_http_200(body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, 200, body, reason)


def test_a_provider_error_does_not_repeat_the_provider_text() -> None:
    message = parse_error(PROVIDER, 200, error(301, f"api_id {API_ID} blocked")).message
    assert "blocked" not in message and API_ID not in message


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, {"status": "OK", "status_code": 100}, Reason.PARSE),  # no balance
        (200, {"status": "OK", "balance": None}, Reason.PARSE),
        (200, {"status": "OK", "balance": "много"}, Reason.PARSE),
        (200, {"status": "OK", "balance": {"rub": 1}}, Reason.PARSE),
        (200, {"balance": 10}, Reason.PARSE),  # no status
        (200, "100\n1000.00", Reason.PARSE),  # the text mode, not asked for
        (200, "<html>Технические работы</html>", Reason.PARSE),
        (503, {"status": "OK", "balance": 1}, Reason.HTTP),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def twin() -> Iterator[Simulator]:
    with Simulator([SmsRuTwin()], [SmsRuTwin().sample_account("ru")]) as sim:
        yield sim


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_twin_takes_the_api_id_in_the_query_or_the_form(twin: Simulator, method: str) -> None:
    url = twin.base_url("smsru") + "/my/balance"
    send = {"params": {"json": "1"}}
    where = "params" if method == "GET" else "data"
    send.setdefault(where, {}).update({"api_id": "ru-0000-api-id"})
    answer = requests.request(method, url, timeout=5, **send)  # type: ignore[arg-type]
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["status_code"]) == ("OK", 100)
    assert body["balance"] == pytest.approx(twin.accounts["ru"].current_balance(), abs=0.01)


def test_twin_refuses_a_wrong_api_id_under_http_200(twin: Simulator) -> None:
    url = twin.base_url("smsru") + "/my/balance"
    answer = requests.get(url, params={"api_id": "wrong", "json": "1"}, timeout=5)
    assert answer.status_code == 200
    assert answer.json() == error(200)
