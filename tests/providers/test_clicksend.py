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
from sms_balance_exporter.providers.clicksend import ClickSend
from sms_balance_exporter.simulator import SimAccount, Simulator
from sms_balance_exporter.simulator.clicksend import ClickSendTwin
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.wire import assert_fails, parse, parse_error

USERNAME = "ops@example.com"
API_KEY = "8C5E4F0A-1B2C-3D4E-5F60-718293A4B5C6"
PROVIDER = ClickSend(username=USERNAME, api_key=API_KEY)
USD = {
    "currency_name_short": "USD",
    "currency_prefix_d": "$",
    "currency_prefix_c": "¢",
    "currency_name_long": "US Dollars",
}


def account(balance: object = "4.998000", **data: object) -> dict[str, object]:
    fields: dict[str, object] = {"user_id": 1, "balance": balance, "_currency": USD}
    fields.update(data)
    return {
        "http_code": 200,
        "response_code": "SUCCESS",
        "response_msg": "Here's your account.",
        "data": {k: v for k, v in fields.items() if v is not None},
    }


def failure(http_code: int, code: object, message: str = "debug text") -> dict[str, object]:
    return {"http_code": http_code, "response_code": code, "response_msg": message, "data": None}


def test_request_uses_basic_auth() -> None:
    request = PROVIDER.build_request("https://rest.clicksend.com")
    assert request.method == "GET"
    assert request.url == "https://rest.clicksend.com/v3/account"
    assert request.basic_auth == (USERNAME, API_KEY)
    assert request.headers["Accept"] == "application/json"
    assert "Authorization" not in request.headers
    assert not request.params
    assert request.json_body is None
    assert API_KEY not in repr(request)
    assert USERNAME not in repr(request)
    assert API_KEY not in repr(PROVIDER)


def test_both_credentials_are_secrets() -> None:
    assert ClickSend.secret_fields() == ["username", "api_key"]
    assert PROVIDER.secret_values() == [USERNAME, API_KEY]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"username": USERNAME},
        {"api_key": API_KEY},
        {"username": "", "api_key": API_KEY},
        {"username": USERNAME, "api_key": "  "},
        {"username": USERNAME, "api_key": 42},
        {"username": USERNAME, "api_key": API_KEY, "password": "x"},
    ],
)
def test_invalid_config_is_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ClickSend(**fields)


def test_credentials_from_files_and_the_default_host(tmp_path: Path) -> None:
    (tmp_path / "user").write_text(USERNAME)
    (tmp_path / "key").write_text(f"{API_KEY}\n")
    entry = {
        "name": "au",
        "provider": "clicksend",
        "username_file": str(tmp_path / "user"),
        "api_key_file": str(tmp_path / "key"),
    }
    config = config_from_data({"accounts": [entry]}, "test.yml", {}).accounts[0]
    assert config.provider.secret_values() == [USERNAME, API_KEY]
    assert config.base_url == "https://rest.clicksend.com"


def test_documented_success() -> None:
    assert parse(PROVIDER, 200, account()) == Balance(amount=4.998, currency="USD")


@pytest.mark.parametrize(
    ("balance", "expected"),
    [
        ("0.000000", 0.0),
        ("86.500000", 86.5),
        ("12,5", 12.5),
        (7, 7.0),
        (3.25, 3.25),
        ("-1.5", -1.5),
    ],
)
def test_balance_as_string_or_number(balance: object, expected: float) -> None:
    assert parse(PROVIDER, 200, account(balance)).amount == expected


@pytest.mark.parametrize(
    ("currency", "expected"),
    [
        ({"currency_name_short": "AUD", "currency_prefix_d": "$"}, "AUD"),
        ({"currency_name_short": "gbp"}, "GBP"),
        ({"code": "EUR", "symbol": "€"}, "EUR"),
        ({"iso": "NZD"}, "NZD"),
        ({"currency": "USD"}, "USD"),
        # A long name is no code: the next field that holds one is read.
        ({"currency": "US Dollars", "iso": "USD"}, "USD"),
        ({"currency_name_short": "", "code": "CAD"}, "CAD"),
        ("AUD", "AUD"),  # the whole object as a bare code
    ],
)
def test_currency_field_variants(currency: object, expected: str) -> None:
    assert parse(PROVIDER, 200, account(_currency=currency)).currency == expected


def test_currency_falls_back_to_data_currency() -> None:
    body = account(_currency=None, currency="EUR")
    assert parse(PROVIDER, 200, body) == Balance(amount=4.998, currency="EUR")


def test_nested_currency_wins_over_data_currency() -> None:
    assert parse(PROVIDER, 200, account(currency="EUR")).currency == "USD"


@pytest.mark.parametrize(
    "currency",
    [None, {}, {"currency_prefix_d": "$", "currency_name_long": "US Dollars"}, {"code": 840}, "$"],
)
def test_no_currency_code_is_a_parse_error_naming_the_field(currency: object) -> None:
    error = parse_error(PROVIDER, 200, account(_currency=currency))
    assert error.reason is Reason.PARSE
    assert "data._currency" in error.message


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (401, "UNAUTHORIZED", Reason.AUTH),
        (200, "UNAUTHORIZED", Reason.AUTH),  # an error body under HTTP 200 is still an error
        (403, "FORBIDDEN", Reason.AUTH),
        (200, "forbidden", Reason.AUTH),
        (429, "TOO_MANY_REQUESTS", Reason.RATE_LIMITED),
        (200, "TOO_MANY_REQUESTS", Reason.RATE_LIMITED),
        (400, "BAD_REQUEST", Reason.PROVIDER),
        (404, "NOT_FOUND", Reason.PROVIDER),
        (500, "INTERNAL_SERVER_ERROR", Reason.PROVIDER),
        (200, "INTERNAL_SERVER_ERROR", Reason.PROVIDER),
        (401, "INVALID_CREDENTIALS", Reason.AUTH),  # an unknown code: the status decides
        (429, "SLOW_DOWN", Reason.RATE_LIMITED),
    ],
)
def test_documented_response_codes(status: int, code: str, reason: Reason) -> None:
    assert_fails(PROVIDER, status, failure(status, code), reason)
    assert code.upper() in parse_error(PROVIDER, status, failure(status, code)).message


def test_a_failure_code_wins_over_a_balance() -> None:
    body = {**account(), "response_code": "FORBIDDEN"}
    assert_fails(PROVIDER, 200, body, Reason.AUTH)


def test_response_msg_is_not_echoed() -> None:
    body = failure(400, "BAD_REQUEST", f"user {USERNAME} key {API_KEY} is odd")
    message = parse_error(PROVIDER, 400, body).message
    assert "odd" not in message
    assert USERNAME not in message
    assert API_KEY not in message


def test_an_unreadable_response_code_is_still_a_failure() -> None:
    error = parse_error(PROVIDER, 200, failure(200, "X" * 500))
    assert error.reason is Reason.PROVIDER
    assert len(error.message) < 100


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, account(), Reason.HTTP),  # SUCCESS under a failed status is not trusted
        (200, [], Reason.PARSE),
        (200, "null", Reason.PARSE),
        (200, {}, Reason.PARSE),
        (200, {"data": {"balance": "1.0", "_currency": USD}}, Reason.PARSE),  # no response_code
        (200, {**account(), "response_code": None}, Reason.PARSE),
        (200, {**account(), "response_code": 200}, Reason.PARSE),
        (200, {**account(), "response_code": ""}, Reason.PARSE),
        (200, {**account(), "data": None}, Reason.PARSE),
        (200, {**account(), "data": "4.998"}, Reason.PARSE),
        (200, {key: v for key, v in account().items() if key != "data"}, Reason.PARSE),
        (200, account(balance=None), Reason.PARSE),
        (200, account(""), Reason.PARSE),
        (200, account("abc"), Reason.PARSE),
        (200, account(True), Reason.PARSE),
        (200, account([1]), Reason.PARSE),
        (200, account("NaN"), Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


def test_missing_balance_is_named() -> None:
    assert "data.balance" in parse_error(PROVIDER, 200, account(balance=None)).message


# ---- against the simulator twin, over loopback --------------------------------------------

USD_ACCOUNT = SimAccount(
    name="us",
    provider="clicksend",
    credentials={"username": "us-user", "api_key": "us-API-KEY"},
    balance=19.75,
    currency="USD",
)


@pytest.fixture(scope="module")
def twin() -> Iterator[Simulator]:
    with Simulator([ClickSendTwin()], [ClickSendTwin().sample_account("au"), USD_ACCOUNT]) as sim:
        yield sim


def fetch(sim: Simulator, provider: ClickSend) -> Balance:
    return UpstreamClient().fetch_balance(provider, sim.base_url("clicksend"), time.monotonic() + 5)


def test_twin_answers_the_documented_envelope(twin: Simulator) -> None:
    url = twin.base_url("clicksend") + "/v3/account"
    answer = requests.get(url, auth=("au-user", "au-API-KEY"), timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    assert body["response_code"] == "SUCCESS"
    assert body["http_code"] == 200
    assert isinstance(body["data"]["balance"], str)
    assert body["data"]["_currency"]["currency_name_short"] == "AUD"


@pytest.mark.parametrize("name", ["au", "us"])
def test_loopback_balance(twin: Simulator, name: str) -> None:
    sim_account = twin.accounts[name]
    balance = fetch(twin, ClickSend(**sim_account.credentials))
    assert balance.currency == sim_account.currency
    assert balance.amount == pytest.approx(sim_account.current_balance(), abs=0.01)


def test_twin_rejects_wrong_credentials_with_unauthorized(twin: Simulator) -> None:
    url = twin.base_url("clicksend") + "/v3/account"
    answer = requests.get(url, auth=("au-user", "wrong"), timeout=5)
    assert answer.status_code == 401
    assert answer.json()["response_code"] == "UNAUTHORIZED"
    with pytest.raises(ProviderError) as caught:
        fetch(twin, ClickSend(username="au-user", api_key="wrong-key"))
    assert caught.value.reason is Reason.AUTH
