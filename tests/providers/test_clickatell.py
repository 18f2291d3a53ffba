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
from sms_balance_exporter.providers.clickatell import Clickatell
from sms_balance_exporter.simulator.clickatell import ClickatellTwin
from sms_balance_exporter.simulator.core import SimAccount, Simulator
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.wire import assert_fails, parse, parse_error

KEY = "Ab3dEf6hIj9kLm2nOp5qRs=="
PROVIDER = Clickatell(api_key=KEY)


def ok(balance: object = 1267.92865, currency: object = "ZAR") -> dict[str, Any]:
    return {"balance": balance, "currency": currency}


def nested(code: object, description: str = "Invalid or missing Integration API Key") -> Any:
    return {"error": {"code": code, "description": description}}


def flat(code: object, error: str = "Invalid or missing Integration API Key") -> Any:
    return {"messages": [], "errorCode": code, "error": error, "errorDescription": error}


# ---- request and config ---------------------------------------------------------------------


def test_request_sends_the_raw_key_as_authorization() -> None:
    request = PROVIDER.build_request("https://platform.clickatell.com")
    assert request.method == "GET"
    assert request.url == "https://platform.clickatell.com/public-client/balance"
    assert request.headers["Authorization"] == KEY  # no scheme word
    assert request.headers["Accept"] == "application/json"
    assert not request.params
    assert request.basic_auth is None
    assert request.json_body is None
    assert KEY not in repr(request)
    assert KEY not in repr(PROVIDER)


def test_the_key_is_the_only_secret() -> None:
    assert Clickatell.secret_fields() == ["api_key"]
    assert PROVIDER.secret_values() == [KEY]


@pytest.mark.parametrize(
    "fields",
    [{}, {"api_key": ""}, {"api_key": " "}, {"api_key": 42}, {"api_key": KEY, "api_id": "1"}],
)
def test_invalid_config_is_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Clickatell(**fields)


def test_api_key_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("key-from-a-file\n")
    entry = {"name": "za", "provider": "clickatell", "api_key_file": str(key_file)}
    account = config_from_data({"accounts": [entry]}, "test.yml", {}).accounts[0]
    assert account.base_url == "https://platform.clickatell.com"
    assert account.provider.build_request(account.base_url).headers["Authorization"] == (
        "key-from-a-file"
    )


def test_missing_api_key_names_the_field() -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_data({"accounts": [{"name": "za", "provider": "clickatell"}]}, "t.yml", {})
    assert "'api_key': is required (or api_key_file)" in str(caught.value)


# ---- success --------------------------------------------------------------------------------


def test_documented_success() -> None:
    assert parse(PROVIDER, 200, ok()) == Balance(amount=1267.92865, currency="ZAR")


@pytest.mark.parametrize(
    ("balance", "expected"),
    [(1267.92865, 1267.92865), (12, 12.0), ("12.5", 12.5), ("12,5", 12.5), (0, 0.0), (-4.5, -4.5)],
)
def test_balance_as_number_or_string(balance: object, expected: float) -> None:
    assert parse(PROVIDER, 200, ok(balance)).amount == expected


@pytest.mark.parametrize("currency", ["ZAR", "USD", "EUR", "GBP"])
def test_the_billing_currency_is_kept(currency: str) -> None:
    assert parse(PROVIDER, 200, ok(3, currency)) == Balance(amount=3.0, currency=currency)


@pytest.mark.parametrize("extra", [{"error": None}, {"errorCode": None, "error": None}])
def test_null_error_fields_are_no_error(extra: dict[str, Any]) -> None:
    assert parse(PROVIDER, 200, {**ok(), **extra}).amount == 1267.92865


# ---- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [nested, flat])
@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (401, 1, Reason.AUTH),  # invalid or missing API key
        (200, 1, Reason.AUTH),  # an error body under HTTP 200 is still an error
        (401, "1", Reason.AUTH),
        (401, "001", Reason.AUTH),
        (400, 2, Reason.AUTH),  # account not active
        (400, 3, Reason.AUTH),  # integration not active
        (401, 7, Reason.AUTH),  # IP address not approved
        (400, 46, Reason.AUTH),  # demo access expired
        (400, 43, Reason.RATE_LIMITED),  # rate limit, documented under 400
        (500, 18, Reason.PROVIDER),
        (503, 19, Reason.PROVIDER),
        (200, 19, Reason.PROVIDER),
        (400, 41, Reason.PROVIDER),
        (405, 42, Reason.PROVIDER),
        (400, 777, Reason.PROVIDER),  # unknown code
        (401, 777, Reason.AUTH),  # unknown code: the status decides
        (403, 18, Reason.AUTH),  # 401/403 is auth whatever the code says
        (429, 18, Reason.RATE_LIMITED),
        (429, 777, Reason.RATE_LIMITED),
        (500, "x", Reason.PROVIDER),
        (500, 1.5, Reason.PROVIDER),
        (500, 10**30, Reason.PROVIDER),
    ],
)
def test_documented_errors(shape: Any, status: int, code: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, shape(code), reason)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (404, {"messages": [], "error": "Some error occured"}, Reason.PROVIDER),  # text only
        (401, {"messages": [], "error": "Some error occured"}, Reason.AUTH),
        (200, {"error": "Some error occured"}, Reason.PROVIDER),
        (429, {"error": "Too many requests"}, Reason.RATE_LIMITED),
        (200, {"error": {"description": "no code"}}, Reason.PROVIDER),
        (200, {"error": {}}, Reason.PROVIDER),
        (200, {"errorCode": 1}, Reason.AUTH),
        (200, {**ok(), "error": {"code": 1}}, Reason.AUTH),  # an error beats a balance
        (200, {**ok(), "errorCode": 19}, Reason.PROVIDER),
    ],
)
def test_error_body_variants(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


def test_error_message_names_the_code_not_the_text() -> None:
    error = parse_error(PROVIDER, 401, nested(1, f"Key {KEY} is not valid here"))
    assert error.reason is Reason.AUTH
    assert "error code 1" in error.message
    assert "not valid" not in error.message
    assert KEY not in error.message
    text_only = parse_error(PROVIDER, 404, {"error": "Something secret-looking"})
    assert "secret-looking" not in text_only.message
    assert "19" in parse_error(PROVIDER, 503, flat(19)).message


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, ok(), Reason.HTTP),  # a balance under a failed status is not trusted
        # the docs' example, missing its comma, is not JSON
        (200, '{"balance": 1267.92865\n"currency": "ZAR"}', Reason.PARSE),
        (200, [], Reason.PARSE),
        (200, "1267.9", Reason.PARSE),
        (200, {}, Reason.PARSE),
        (200, {"balance": 5}, Reason.PARSE),  # no currency
        (200, {"currency": "ZAR"}, Reason.PARSE),  # no balance
        (200, ok(None), Reason.PARSE),
        (200, ok("abc"), Reason.PARSE),
        (200, ok(""), Reason.PARSE),
        (200, ok(False), Reason.PARSE),
        (200, ok([1]), Reason.PARSE),
        (200, ok("NaN"), Reason.PARSE),
        (200, ok(5, None), Reason.PARSE),
        (200, ok(5, ""), Reason.PARSE),
        (200, ok(5, 710), Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


# ---- against the simulator twin, over loopback ----------------------------------------------

USD_ACCOUNT = SimAccount(
    name="ct-usd",
    provider="clickatell",
    credentials={"api_key": "usd-integration-key"},
    balance=42.5,
    currency="USD",
)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    twin = ClickatellTwin()
    with Simulator([twin], [twin.sample_account("ct-zar"), USD_ACCOUNT]) as s:
        yield s


def fetch(sim: Simulator, provider: Clickatell) -> Balance:
    return UpstreamClient().fetch_balance(
        provider, sim.base_url("clickatell"), time.monotonic() + 5
    )


def test_loopback_reports_the_billing_currency(sim: Simulator) -> None:
    balance = fetch(sim, Clickatell(**USD_ACCOUNT.credentials))
    assert balance.currency == "USD"
    assert balance.amount == pytest.approx(USD_ACCOUNT.current_balance(), abs=0.01)
    assert sim.requests("ct-zar") == 0  # the key picked the account


def test_loopback_wrong_key(sim: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, Clickatell(api_key="not-a-registered-key"))
    assert caught.value.reason is Reason.AUTH
    assert "not-a-registered-key" not in caught.value.message


def test_twin_wants_the_raw_key(sim: Simulator) -> None:
    url = sim.base_url("clickatell") + "/public-client/balance"
    answer = requests.get(url, headers={"Authorization": "usd-integration-key"}, timeout=5)
    assert answer.status_code == 200
    assert isinstance(answer.json()["balance"], float)
    bearer = requests.get(url, headers={"Authorization": "Bearer usd-integration-key"}, timeout=5)
    assert bearer.status_code == 401
    assert bearer.json()["error"]["code"] == 1
