from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import ValidationError

from sms_balance_exporter.config import ConfigError, config_from_data
from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.providers.bulksms import BulkSMS
from sms_balance_exporter.simulator.bulksms import BulkSMSTwin
from sms_balance_exporter.simulator.core import SimAccount, Simulator
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.wire import assert_fails, parse, parse_error

USER = "bulk-user-name"
PASSWORD = "bulk-pa55word"
PROVIDER = BulkSMS(username=USER, password=PASSWORD)
ERRORS = "https://developer.bulksms.com/json/v1/errors#"


def profile(balance: object = 2101.15) -> dict[str, Any]:
    return {
        "id": "7845329",
        "username": USER,
        "created": "2019-03-01T09:30:00.000+00:00",
        "company": {"name": None, "taxReference": None},
        "quota": {"size": 100000, "remaining": 99850},
        "credits": {"balance": balance, "limit": 0, "isTransferAllowed": False},
    }


def problem(kind: object, status: object = 401, title: str = "Authentication Failed") -> Any:
    return {"type": kind, "title": title, "status": status, "detail": "Bad credentials"}


# ---- request and config ---------------------------------------------------------------------


def test_request_uses_basic_auth() -> None:
    request = PROVIDER.build_request("https://api.bulksms.com")
    assert request.method == "GET"
    assert request.url == "https://api.bulksms.com/v1/profile"
    assert request.basic_auth == (USER, PASSWORD)
    assert request.headers["Accept"] == "application/json"
    assert "Authorization" not in request.headers
    assert not request.params
    assert request.json_body is None
    assert USER not in repr(request)
    assert PASSWORD not in repr(request)
    assert PASSWORD not in repr(PROVIDER)


def test_both_credentials_are_secrets() -> None:
    assert BulkSMS.secret_fields() == ["username", "password"]
    assert PROVIDER.secret_values() == [USER, PASSWORD]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"username": USER},
        {"password": PASSWORD},
        {"username": "", "password": PASSWORD},
        {"username": USER, "password": " "},
        {"username": 7, "password": PASSWORD},
        {"username": USER, "password": PASSWORD, "token": "t"},  # unknown field
    ],
)
def test_invalid_config_is_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        BulkSMS(**fields)


def test_credential_files(tmp_path: Path) -> None:
    (tmp_path / "user").write_text("token-id\n")
    (tmp_path / "password").write_text("token-secret\n")
    entry = {
        "name": "uk",
        "provider": "bulksms",
        "username_file": str(tmp_path / "user"),
        "password_file": str(tmp_path / "password"),
    }
    account = config_from_data({"accounts": [entry]}, "test.yml", {}).accounts[0]
    assert account.base_url == "https://api.bulksms.com"
    request = account.provider.build_request(account.base_url)
    assert request.basic_auth == ("token-id", "token-secret")


def test_missing_password_names_the_field() -> None:
    entry = {"name": "uk", "provider": "bulksms", "username": USER}
    with pytest.raises(ConfigError) as caught:
        config_from_data({"accounts": [entry]}, "t.yml", {})
    assert "'password': is required (or password_file)" in str(caught.value)
    assert "'username'" not in str(caught.value)


# ---- success --------------------------------------------------------------------------------


def test_documented_success() -> None:
    assert parse(PROVIDER, 200, profile()) == Balance(amount=2101.15, currency="CREDITS")


@pytest.mark.parametrize(
    ("balance", "expected"),
    [(2101.15, 2101.15), (0, 0.0), (150, 150.0), ("2101.15", 2101.15), ("12,5", 12.5)],
)
def test_balance_as_number_or_string(balance: object, expected: float) -> None:
    assert parse(PROVIDER, 200, profile(balance)).amount == expected


def test_only_the_credits_balance_is_needed() -> None:
    body = {"credits": {"balance": 9.5}}
    assert parse(PROVIDER, 200, body) == Balance(amount=9.5, currency="CREDITS")


# ---- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind", "reason"),
    [
        (401, "authentication-failed", Reason.AUTH),  # the documented one
        (200, "authentication-failed", Reason.AUTH),  # an error body under 200 is still one
        (401, "authentication-required", Reason.AUTH),
        (403, "authorisation-failed", Reason.AUTH),
        (403, "authorization-failed", Reason.AUTH),
        (429, "unavailable", Reason.RATE_LIMITED),
        (503, "unavailable", Reason.PROVIDER),
        (404, "not-found", Reason.PROVIDER),
        (500, "internal-server-error", Reason.PROVIDER),
        (400, "bad-request", Reason.PROVIDER),
        (403, "insufficient-credits", Reason.PROVIDER),  # documented under 403: no auth issue
        (403, "insufficient-quota", Reason.PROVIDER),
        (400, "something-new", Reason.PROVIDER),  # unknown type: by status
        (401, "something-new", Reason.AUTH),
        (429, "something-new", Reason.RATE_LIMITED),
    ],
)
def test_documented_errors(status: int, kind: str, reason: Reason) -> None:
    assert_fails(PROVIDER, status, problem(ERRORS + kind, status), reason)


@pytest.mark.parametrize(
    ("kind", "body_status", "reason"),
    [
        ("unavailable", 429, Reason.RATE_LIMITED),  # under HTTP 200 the body's status speaks
        ("unavailable", "429", Reason.RATE_LIMITED),
        ("unavailable", 503, Reason.PROVIDER),
        ("unavailable", None, Reason.PROVIDER),
        ("something-new", 401, Reason.AUTH),
        ("something-new", 200, Reason.PROVIDER),
        ("something-new", "x", Reason.PROVIDER),
    ],
)
def test_problem_under_http_200(kind: str, body_status: object, reason: Reason) -> None:
    assert_fails(PROVIDER, 200, problem(ERRORS + kind, body_status), reason)


@pytest.mark.parametrize(
    "kind",
    [
        "https://developer.bulksms.com/json/v1/errors#authentication-failed",
        "https://www.bulksms.com/developer/json/v1/errors/#authentication-failed",
        "https://developer.bulksms.com/json/v1/errors/authentication-failed",
        "authentication-failed",
        "https://developer.bulksms.com/json/v1/errors#Authentication-Failed",
    ],
)
def test_type_url_variants(kind: str) -> None:
    error = parse_error(PROVIDER, 401, problem(kind))
    assert error.reason is Reason.AUTH
    assert "authentication-failed" in error.message


def test_error_message_names_the_type_not_the_text() -> None:
    body = problem(ERRORS + "bad-request", 400, title=f"Your password {PASSWORD} is wrong")
    body["detail"] = f"user {USER}"
    error = parse_error(PROVIDER, 400, body)
    assert "bad-request" in error.message
    assert PASSWORD not in error.message
    assert USER not in error.message
    assert "wrong" not in error.message


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (401, {"title": "Authentication Failed", "status": 401}, Reason.AUTH),  # no type
        (500, {"title": "Server Error", "detail": "x"}, Reason.PROVIDER),
        (200, {"title": "Unauthorized", "status": 401}, Reason.AUTH),
        (200, {"detail": "something broke"}, Reason.PROVIDER),
        (200, problem(ERRORS + "x" * 200), Reason.AUTH),  # unreadable type: body status 401
        (200, problem("https://example.com/errors#no spaces allowed", None), Reason.PROVIDER),
        (200, problem(123, None), Reason.PROVIDER),
        (200, {**profile(), "type": ERRORS + "authentication-failed"}, Reason.AUTH),
    ],
)
def test_problem_body_variants(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


def test_an_unreadable_type_is_not_echoed() -> None:
    message = parse_error(PROVIDER, 400, problem("https://x/errors#<script>", 400)).message
    assert "<script>" not in message


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, b"\r\n", Reason.PARSE),
        (500, profile(), Reason.HTTP),  # a balance under a failed status is not trusted
        (200, "0|2101.15", Reason.PARSE),  # the legacy EAPI's text answer
        (200, [], Reason.PARSE),
        (200, {}, Reason.PARSE),
        (200, {"id": "1", "username": USER}, Reason.PARSE),  # no credits
        (200, {"credits": None}, Reason.PARSE),
        (200, {"credits": 2101.15}, Reason.PARSE),
        (200, {"credits": {"limit": 0}}, Reason.PARSE),
        (200, profile(None), Reason.PARSE),
        (200, profile("abc"), Reason.PARSE),
        (200, profile(""), Reason.PARSE),
        (200, profile(True), Reason.PARSE),
        (200, profile([1]), Reason.PARSE),
        (200, profile("NaN"), Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


# ---- against the simulator twin, over loopback ----------------------------------------------

TOKEN_ACCOUNT = SimAccount(
    name="bulk-token",
    provider="bulksms",
    credentials={"username": "5A7F1C2B3D4E-00", "password": "token-secret-value"},
    balance=320.5,
    currency="CREDITS",
    price_per_message=1.0,
)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    twin = BulkSMSTwin()
    with Simulator([twin], [twin.sample_account("bulk-user"), TOKEN_ACCOUNT]) as s:
        yield s


def fetch(sim: Simulator, provider: BulkSMS) -> Balance:
    return UpstreamClient().fetch_balance(provider, sim.base_url("bulksms"), time.monotonic() + 5)


def test_loopback_with_an_api_token(sim: Simulator) -> None:
    balance = fetch(sim, BulkSMS(**TOKEN_ACCOUNT.credentials))
    assert balance.currency == "CREDITS"
    assert balance.amount == pytest.approx(TOKEN_ACCOUNT.current_balance(), abs=0.01)
    assert sim.requests("bulk-user") == 0


def test_loopback_wrong_password(sim: Simulator) -> None:
    provider = BulkSMS(username="5A7F1C2B3D4E-00", password="wrong-secret")
    with pytest.raises(ProviderError) as caught:
        fetch(sim, provider)
    assert caught.value.reason is Reason.AUTH
    assert "authentication-failed" in caught.value.message
    assert "wrong-secret" not in caught.value.message


def test_twin_without_credentials_wants_authentication(sim: Simulator) -> None:
    answer = requests.get(sim.base_url("bulksms") + "/v1/profile", timeout=5)
    assert answer.status_code == 401
    assert answer.json()["type"].endswith("#authentication-required")
    assert answer.json()["status"] == 401
