"""GatewayAPI, a definition: GET /rest/me?token=…; `credit` in the account's `currency`,
errors as `{"code": "0x…", "incident_uuid", "message"}`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sms_balance_exporter.providers import Balance, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.gatewayapi import GatewayApiTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.wire import assert_fails, parse

TOKEN = "GoGwApi-Token_0123456789+abc/def"
PROVIDER = defined("gatewayapi", token=TOKEN)
INCIDENT = "d8127429-fa0c-4316-b1f2-e610c3958f43"


def error(code: str, message: str) -> dict[str, object]:
    return {"code": code, "incident_uuid": INCIDENT, "message": message}


def test_request_carries_the_token_in_the_query_string() -> None:
    request = request_of("gatewayapi", token=TOKEN)
    assert request.method == "GET"
    assert request.url == "https://gatewayapi.com/rest/me"
    assert dict(request.params) == {"token": TOKEN}
    assert dict(request.headers) == {"Accept": "application/json"}
    assert request.basic_auth is None
    assert TOKEN not in repr(request) and TOKEN not in repr(PROVIDER)


def test_the_token_is_required_and_a_secret_in_both_forms() -> None:
    problems = config_problems("gatewayapi")
    assert any("field 'token': is required (or token_file)" in p for p in problems)
    assert set(PROVIDER.secret_values()) >= {TOKEN, "GoGwApi-Token_0123456789%2Babc%2Fdef"}


def test_the_eu_host_can_be_chosen() -> None:
    request = request_of("gatewayapi", token=TOKEN, base_url="https://gatewayapi.eu")
    assert request.url == "https://gatewayapi.eu/rest/me"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"credit": 1234.56, "currency": "DKK", "id": 1}, Balance(1234.56, "DKK")),  # docs
        ({"credit": "2.00000", "currency": "EUR", "id": 7}, Balance(2.0, "EUR")),  # 3rd-party
        ({"credit": 0, "currency": "SEK"}, Balance(0.0, "SEK")),
        ({"credit": -3.5, "currency": "DKK"}, Balance(-3.5, "DKK")),
    ],
)
def test_documented_success(body: object, expected: Balance) -> None:
    assert parse(PROVIDER, 200, body) == expected


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (401, error("0x0210", "Invalid username: %1"), Reason.AUTH),
        (401, error("0x0229", "Invalid token"), Reason.AUTH),
        (200, error("0x0229", "Invalid token"), Reason.AUTH),
        (
            403,
            error("0x0213", "Unauthorized IP-address: %1") | {"variables": ["1.2.3.4"]},
            Reason.AUTH,
        ),
        (403, error("0x022A", "Account frozen"), Reason.AUTH),
        (500, error("0x0201", "Unknown error"), Reason.HTTP),
        (429, error("0x0209", "Resource temporarily unavailable"), Reason.RATE_LIMITED),
    ],
)
def test_documented_errors(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, {"currency": "DKK", "id": 1}, Reason.PARSE),
        (200, {"credit": 12.5, "id": 1}, Reason.PARSE),
        (200, {"credit": 12.5, "currency": ""}, Reason.PARSE),
        (200, {"credit": None, "currency": "DKK"}, Reason.PARSE),
        (200, {"credit": "lots", "currency": "DKK"}, Reason.PARSE),
        (200, {"credit": [1], "currency": "DKK"}, Reason.PARSE),
        (200, error("0x0201", "Unknown error"), Reason.PARSE),
        (200, "<html><body>captive portal</body></html>", Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def twin() -> Iterator[Simulator]:
    with Simulator([GatewayApiTwin()], [GatewayApiTwin().sample_account("dk")]) as sim:
        yield sim


@pytest.mark.parametrize(
    "send",
    [
        {"params": {"token": "dk-gwapi-token"}},
        {"auth": ("dk-gwapi-token", "")},
        {"headers": {"Authorization": "Token dk-gwapi-token"}},
    ],
)
def test_twin_takes_every_token_form(twin: Simulator, send: dict[str, object]) -> None:
    answer = requests.get(twin.base_url("gatewayapi") + "/rest/me", timeout=5, **send)  # type: ignore[arg-type]
    assert answer.status_code == 200
    body = answer.json()
    assert body["currency"] == "DKK"
    assert body["credit"] == pytest.approx(twin.accounts["dk"].current_balance(), abs=0.01)


def test_twin_refuses_a_wrong_token(twin: Simulator) -> None:
    answer = requests.get(
        twin.base_url("gatewayapi") + "/rest/me", params={"token": "x"}, timeout=5
    )
    assert answer.status_code == 401
    assert answer.json()["code"] == "0x0229"
