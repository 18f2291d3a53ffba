from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import ValidationError

from sms_balance_exporter.config import config_from_data
from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.providers.smsapi import Smsapi
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.smsapi import SmsapiTwin
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.wire import assert_fails, parse, parse_error

TOKEN = "Zm9vYmFyYmF6c21zYXBpdG9rZW4xMjM0"
PROVIDER = Smsapi(token=TOKEN)


def profile(points: object) -> dict[str, object]:
    return {
        "name": "Jan Kowalski",
        "username": "jan@example.com",
        "email": "jan@example.com",
        "phone_number": "48500100200",
        "payment_type": "prepaid",
        "user_type": "native",
        "points": points,
    }


def error(code: object, message: str = "Authorization failed") -> dict[str, object]:
    return {"error": code, "message": message}


def test_request_sends_the_token_as_a_bearer_token() -> None:
    request = PROVIDER.build_request("https://api.smsapi.com")
    assert request.method == "GET"
    assert request.url == "https://api.smsapi.com/profile"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/json"
    assert not request.params
    assert request.json_body is None
    assert request.basic_auth is None
    assert TOKEN not in repr(request)
    assert TOKEN not in repr(PROVIDER)


def test_polish_accounts_use_their_own_host() -> None:
    assert Smsapi.default_base_url == "https://api.smsapi.com"
    request = PROVIDER.build_request("https://api.smsapi.pl")
    assert request.url == "https://api.smsapi.pl/profile"


def test_the_token_is_the_only_secret() -> None:
    assert Smsapi.secret_fields() == ["token"]
    assert PROVIDER.secret_values() == [TOKEN]


@pytest.mark.parametrize(
    "fields",
    [{}, {"token": ""}, {"token": "   "}, {"token": 12345}, {"token": TOKEN, "password": "x"}],
)
def test_invalid_config_is_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Smsapi(**fields)


def test_token_from_a_file_and_the_default_host(tmp_path: Path) -> None:
    (tmp_path / "token").write_text(f"{TOKEN}\n")
    entry = {"name": "pl", "provider": "smsapi", "token_file": str(tmp_path / "token")}
    account = config_from_data({"accounts": [entry]}, "test.yml", {}).accounts[0]
    assert account.provider.secret_values() == [TOKEN]
    assert account.base_url == "https://api.smsapi.com"


def test_documented_success() -> None:
    assert parse(PROVIDER, 200, profile(1500.25)) == Balance(amount=1500.25, currency="POINTS")


def test_legacy_balance_shape() -> None:
    # user.do?credits=1&details=1 answers the same `points` next to message counts.
    body = {"points": 100.00, "proCount": 606, "ecoCount": 1428, "mmsCount": 333}
    assert parse(PROVIDER, 200, body) == Balance(amount=100.0, currency="POINTS")


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        (0, 0.0),
        (42, 42.0),
        (100.5, 100.5),
        ("1500.25", 1500.25),
        ("7,50", 7.5),
        (" 3 ", 3.0),
        (-2.5, -2.5),
    ],
)
def test_points_as_number_or_string(points: object, expected: float) -> None:
    balance = parse(PROVIDER, 200, profile(points))
    assert balance.amount == expected
    assert balance.currency == "POINTS"
    assert balance.messages is None and balance.gift_amount is None


@pytest.mark.parametrize("status", [201, 203])
def test_any_2xx_is_success(status: int) -> None:
    assert parse(PROVIDER, status, profile(5)).amount == 5.0


def test_null_error_field_is_no_error() -> None:
    assert parse(PROVIDER, 200, {**profile(9), "error": None}).amount == 9.0


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (401, 101, Reason.AUTH),
        (200, 101, Reason.AUTH),  # an error body under HTTP 200 is still an error
        (200, "101", Reason.AUTH),
        (200, 102, Reason.AUTH),
        (403, 105, Reason.AUTH),
        (200, 110, Reason.AUTH),
        (200, 103, Reason.PROVIDER),  # insufficient credits: not about credentials
        (402, 103, Reason.PROVIDER),
        (200, 202, Reason.RATE_LIMITED),
        (500, 201, Reason.PROVIDER),
        (200, 999, Reason.PROVIDER),
        (500, 8, Reason.PROVIDER),  # unknown codes go by the HTTP status
        (401, 4242, Reason.AUTH),
        (429, 4242, Reason.RATE_LIMITED),
        (401, 103, Reason.AUTH),  # a documented provider code: the status still says auth
        (429, 103, Reason.RATE_LIMITED),
    ],
)
def test_numeric_error_codes(status: int, code: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, error(code), reason)
    assert str(code) in parse_error(PROVIDER, status, error(code)).message


@pytest.mark.parametrize(
    ("status", "tag", "reason"),
    [
        (401, "authorization_failed", Reason.AUTH),
        (200, "authorization_failed", Reason.AUTH),
        (200, "invalid_token", Reason.AUTH),
        (200, "UNAUTHORIZED", Reason.AUTH),
        (400, "invalid_domain", Reason.PROVIDER),
        (200, "invalid_domain", Reason.PROVIDER),
        (403, "scope_not_granted", Reason.AUTH),
        (429, "too_many_requests", Reason.RATE_LIMITED),
    ],
)
def test_rest_error_tags(status: int, tag: str, reason: Reason) -> None:
    body = {"message": "x", "error": tag, "errors": None, "developer_description": None}
    assert_fails(PROVIDER, status, body, reason)
    assert tag in parse_error(PROVIDER, status, body).message


@pytest.mark.parametrize(
    "code",
    [True, {"code": 101}, [101], "X" * 500, "bad\ntag", 1.5],
)
def test_unreadable_error_values_are_still_errors(code: object) -> None:
    error_ = parse_error(PROVIDER, 200, {**error(code), "points": 10})
    assert error_.reason is Reason.PROVIDER
    assert len(error_.message) < 100


def test_error_message_is_not_echoed() -> None:
    message = parse_error(PROVIDER, 200, error(4242, f"token {TOKEN} is blocked")).message
    assert "4242" in message
    assert "blocked" not in message
    assert TOKEN not in message


def test_an_error_wins_over_points() -> None:
    assert_fails(PROVIDER, 200, {**profile(100), "error": 101}, Reason.AUTH)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, profile(100), Reason.HTTP),  # points under a failed status are not trusted
        (200, [], Reason.PARSE),
        (200, "1500.25", Reason.PARSE),
        (200, "null", Reason.PARSE),
        (200, {}, Reason.PARSE),
        (200, {"name": "Jan", "payment_type": "postpaid"}, Reason.PARSE),  # no points
        (200, profile(None), Reason.PARSE),
        (200, profile(""), Reason.PARSE),
        (200, profile("abc"), Reason.PARSE),
        (200, profile(True), Reason.PARSE),
        (200, profile([1]), Reason.PARSE),
        (200, profile({"value": 1}), Reason.PARSE),
        (200, profile("NaN"), Reason.PARSE),
        (200, profile("inf"), Reason.PARSE),
        (200, {"error": "", "message": "x"}, Reason.PARSE),  # empty error, no points
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


def test_missing_points_are_named() -> None:
    assert "points" in parse_error(PROVIDER, 200, {"name": "Jan"}).message


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def twin() -> Iterator[Simulator]:
    with Simulator([SmsapiTwin()], [SmsapiTwin().sample_account("pl")]) as sim:
        yield sim


def fetch(sim: Simulator, provider: Smsapi) -> Balance:
    return UpstreamClient().fetch_balance(provider, sim.base_url("smsapi"), time.monotonic() + 5)


def test_twin_answers_points_as_a_number(twin: Simulator) -> None:
    url = twin.base_url("smsapi") + "/profile"
    answer = requests.get(url, headers={"Authorization": "Bearer pl-oauth-token"}, timeout=5)
    assert answer.status_code == 200
    points = answer.json()["points"]
    assert isinstance(points, float)
    assert points == pytest.approx(twin.accounts["pl"].current_balance(), abs=0.01)


def test_loopback_balance(twin: Simulator) -> None:
    before = twin.requests("pl")
    balance = fetch(twin, Smsapi(token="pl-oauth-token"))
    assert balance.currency == "POINTS"
    assert balance.amount == pytest.approx(twin.accounts["pl"].current_balance(), abs=0.01)
    assert twin.requests("pl") == before + 1


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic cGw6cGw="}])
def test_twin_rejects_requests_without_a_bearer_token(
    twin: Simulator, headers: dict[str, str]
) -> None:
    answer = requests.get(twin.base_url("smsapi") + "/profile", headers=headers, timeout=5)
    assert answer.status_code == 401
    assert answer.json() == {"error": 101, "message": "Authorization failed"}


def test_loopback_wrong_token(twin: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(twin, Smsapi(token="wrong-oauth-token"))
    assert caught.value.reason is Reason.AUTH
    assert "wrong-oauth-token" not in caught.value.message
