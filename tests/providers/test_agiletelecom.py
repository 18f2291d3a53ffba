from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.providers.agiletelecom import AgileTelecom
from sms_balance_exporter.simulator.agiletelecom import AgileTelecomTwin
from sms_balance_exporter.simulator.core import SimAccount, Simulator
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.wire import assert_fails, parse, parse_error

BY_KEY = AgileTelecom(api_key="ap1-key-value")
BY_PASSWORD = AgileTelecom(username="agile-user", password="pa55-value")


def jsend(code: object, message: str = "Number check service unavailable") -> dict[str, Any]:
    return {"status": "error", "message": message, "code": code}


def test_api_key_request() -> None:
    request = BY_KEY.build_request("https://secure.agiletelecom.com")
    assert request.method == "GET"
    assert request.url == "https://secure.agiletelecom.com/services/sms/credit"
    assert request.headers["X-Api-Key"] == "ap1-key-value"
    assert request.basic_auth is None
    assert request.json_body is None
    assert not request.params
    assert "ap1-key-value" not in repr(request)


def test_basic_auth_request() -> None:
    request = BY_PASSWORD.build_request("https://http-api.agiletelecom.com")
    assert request.method == "GET"
    assert request.url == "https://http-api.agiletelecom.com/services/sms/credit"
    assert request.basic_auth == ("agile-user", "pa55-value")
    assert "X-Api-Key" not in request.headers
    assert "pa55-value" not in repr(request)
    assert "agile-user" not in repr(request)


def test_credential_fields_each_accept_a_file() -> None:
    assert AgileTelecom.secret_fields() == ["api_key", "username", "password"]
    assert BY_KEY.secret_values() == ["ap1-key-value"]
    assert BY_PASSWORD.secret_values() == ["agile-user", "pa55-value"]
    assert "pa55-value" not in repr(BY_PASSWORD)


@pytest.mark.parametrize(
    "fields",
    [
        {},  # neither mode
        {"username": "u"},  # half the Basic mode
        {"password": "p"},
        {"api_key": "k", "username": "u", "password": "p"},  # both modes
        {"api_key": "k", "username": "u"},
        {"api_key": "k", "password": "p"},
        {"api_key": ""},
        {"username": " ", "password": "p"},
        {"username": "u", "password": ""},
        {"api_key": "k", "oauth_token": "t"},  # unknown field
    ],
)
def test_exactly_one_auth_mode(fields: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        AgileTelecom(**fields)


def test_auth_mode_error_says_what_to_set() -> None:
    with pytest.raises(ValidationError) as caught:
        AgileTelecom()
    assert "set either api_key, or username and password" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        AgileTelecom(api_key="k", username="u", password="p")
    assert "not both" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        AgileTelecom(username="u")
    assert "password is missing" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        AgileTelecom(password="p")
    assert "username is missing" in str(caught.value)


@pytest.mark.parametrize("provider", [BY_KEY, BY_PASSWORD])
def test_documented_success(provider: AgileTelecom) -> None:
    assert parse(provider, 200, {"credit": 10.324}) == Balance(amount=10.324, currency="EUR")


@pytest.mark.parametrize(
    ("credit", "expected"),
    [(0, 0.0), (12, 12.0), ("10.324", 10.324), ("7,5", 7.5), (" 3 ", 3.0), (-1.5, -1.5)],
)
def test_numbers_as_strings_and_numbers(credit: object, expected: float) -> None:
    assert parse(BY_KEY, 200, {"credit": credit}).amount == expected


@pytest.mark.parametrize("status", [201, 204])
def test_any_2xx_is_success(status: int) -> None:
    assert parse(BY_KEY, status, {"credit": 1.5}).amount == 1.5


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (500, 1, Reason.AUTH),  # wrong credentials, under the documented 5xx
        (500, 11, Reason.AUTH),  # user not found (wrong credentials)
        (500, 100, Reason.AUTH),  # source IP not allowed
        (401, 1, Reason.AUTH),
        (403, 100, Reason.AUTH),
        (500, 2, Reason.PROVIDER),  # insufficient credit
        (500, 8, Reason.PROVIDER),  # server error
        (503, 9, Reason.PROVIDER),  # timeout
        (500, 42, Reason.PROVIDER),  # unknown code
        (200, 1, Reason.AUTH),  # an error body under HTTP 200 is still an error
        (200, "1", Reason.AUTH),
        (200, 8, Reason.PROVIDER),
        (401, 42, Reason.AUTH),  # unknown code: the status says auth
        (429, 42, Reason.RATE_LIMITED),
        (401, 2, Reason.AUTH),  # a documented provider code: the status still says auth
        (429, 8, Reason.RATE_LIMITED),
        (500, None, Reason.PROVIDER),
        (500, "x", Reason.PROVIDER),
        (401, None, Reason.AUTH),
        (429, None, Reason.RATE_LIMITED),
    ],
)
def test_documented_errors(status: int, code: object, reason: Reason) -> None:
    assert_fails(BY_KEY, status, jsend(code), reason)


def test_the_message_text_is_not_trusted() -> None:
    # The docs' example message belongs to another service; the code decides.
    error = parse_error(BY_KEY, 500, jsend(1, "Number check service unavailable"))
    assert error.reason is Reason.AUTH
    assert "wrong credentials" in error.message
    assert "Number check" not in error.message


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, {"status": "error", "message": "boom"}, Reason.PROVIDER),  # no code
        (200, {"status": "error"}, Reason.PROVIDER),
        (200, {"status": "fail", "data": {"credit": "required"}}, Reason.PROVIDER),
        (200, {"status": "ERROR", "code": 100}, Reason.AUTH),
        (500, {"code": 8, "message": "Server error"}, Reason.PROVIDER),  # no status
        (200, {"code": 1}, Reason.AUTH),
        (500, {"status": "error", "code": 1, "credit": 5}, Reason.AUTH),
    ],
)
def test_error_body_variants(status: int, body: object, reason: Reason) -> None:
    assert_fails(BY_PASSWORD, status, body, reason)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, "<html><body>Internal Server Error</body></html>", Reason.HTTP),
        (200, [], Reason.PARSE),
        (200, "10.324", Reason.PARSE),
        (200, {}, Reason.PARSE),
        (200, {"balance": 10.324}, Reason.PARSE),
        (200, {"credit": None}, Reason.PARSE),
        (200, {"credit": "abc"}, Reason.PARSE),
        (200, {"credit": True}, Reason.PARSE),
        (200, {"credit": [10.3]}, Reason.PARSE),
        (200, {"credit": {"eur": 1}}, Reason.PARSE),
        (200, {"credit": "NaN"}, Reason.PARSE),
        (200, {"status": "success"}, Reason.PARSE),
        (500, {"credit": 10.324}, Reason.HTTP),  # a balance under a failed status
        (401, {"credit": 10.324}, Reason.AUTH),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(BY_KEY, status, body, reason)


# ---- against the simulator, over loopback ---------------------------------------------------

BASIC_ACCOUNT = SimAccount(
    name="agile-basic",
    provider="agiletelecom",
    credentials={"username": "agile-user", "password": "agile-password"},
    balance=42.0,
    currency="EUR",
)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    twin = AgileTelecomTwin()
    with Simulator([twin], [BASIC_ACCOUNT, twin.sample_account("agile-key")]) as s:
        yield s


def fetch(sim: Simulator, provider: AgileTelecom) -> Balance:
    return UpstreamClient().fetch_balance(
        provider, sim.base_url("agiletelecom"), time.monotonic() + 5
    )


def test_loopback_basic_auth(sim: Simulator) -> None:
    before = sim.requests(BASIC_ACCOUNT.name)
    balance = fetch(sim, AgileTelecom(**BASIC_ACCOUNT.credentials))
    assert balance.currency == "EUR"
    assert balance.amount == pytest.approx(BASIC_ACCOUNT.current_balance(), abs=0.01)
    assert sim.requests(BASIC_ACCOUNT.name) == before + 1


def test_loopback_api_key(sim: Simulator) -> None:
    account = sim.accounts["agile-key"]
    balance = fetch(sim, AgileTelecom(**account.credentials))
    assert balance.amount == pytest.approx(account.current_balance(), abs=0.01)


@pytest.mark.parametrize(
    "provider",
    [
        AgileTelecom(username="agile-user", password="wrong-password"),
        AgileTelecom(api_key="wrong-api-key"),
    ],
)
def test_loopback_wrong_credentials(sim: Simulator, provider: AgileTelecom) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, provider)
    assert caught.value.reason is Reason.AUTH
    for secret in provider.secret_values():
        assert secret not in caught.value.message
