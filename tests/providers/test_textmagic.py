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
from sms_balance_exporter.providers.textmagic import Textmagic
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.textmagic import TextmagicTwin
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.wire import assert_fails, parse, parse_error

USERNAME = "janedoe"
API_KEY = "kLmNoPqRsTuVwXyZ0123456789abcd"
PROVIDER = Textmagic(username=USERNAME, api_key=API_KEY)


def user(balance: object = 208.64, currency: object = None) -> dict[str, object]:
    return {
        "id": 4711,
        "username": USERNAME,
        "firstName": "Jane",
        "lastName": "Doe",
        "status": "A",
        "balance": balance,
        "currency": {"id": "GBP", "htmlSymbol": "&pound;"} if currency is None else currency,
        "subaccountType": "P",
    }


def error(code: object, message: str = "Unauthorized") -> dict[str, object]:
    return {"code": code, "message": message, "errors": None}


def test_request_sends_both_credentials_as_headers() -> None:
    request = PROVIDER.build_request("https://rest.textmagic.com")
    assert request.method == "GET"
    assert request.url == "https://rest.textmagic.com/api/v2/user"
    assert request.headers["X-TM-Username"] == USERNAME
    assert request.headers["X-TM-Key"] == API_KEY
    assert request.headers["Accept"] == "application/json"
    assert request.basic_auth is None
    assert not request.params
    assert request.json_body is None
    assert API_KEY not in repr(request)
    assert USERNAME not in repr(request)
    assert API_KEY not in repr(PROVIDER)


def test_both_credentials_are_secrets() -> None:
    assert Textmagic.secret_fields() == ["username", "api_key"]
    assert PROVIDER.secret_values() == [USERNAME, API_KEY]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"username": USERNAME},
        {"api_key": API_KEY},
        {"username": " ", "api_key": API_KEY},
        {"username": USERNAME, "api_key": ""},
        {"username": None, "api_key": API_KEY},
        {"username": USERNAME, "api_key": API_KEY, "api_v1_key": "x"},
    ],
)
def test_invalid_config_is_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Textmagic(**fields)


def test_credentials_from_files_and_the_default_host(tmp_path: Path) -> None:
    (tmp_path / "key").write_text(f"{API_KEY}\n")
    entry = {
        "name": "uk",
        "provider": "textmagic",
        "username": USERNAME,
        "api_key_file": str(tmp_path / "key"),
    }
    config = config_from_data({"accounts": [entry]}, "test.yml", {}).accounts[0]
    assert config.provider.secret_values() == [USERNAME, API_KEY]
    assert config.base_url == "https://rest.textmagic.com"


def test_documented_success() -> None:
    assert parse(PROVIDER, 200, user()) == Balance(amount=208.64, currency="GBP")


@pytest.mark.parametrize(
    ("balance", "expected"),
    [(0, 0.0), (12, 12.0), (208.64, 208.64), ("208.64", 208.64), ("7,5", 7.5), (-0.25, -0.25)],
)
def test_balance_as_number_or_string(balance: object, expected: float) -> None:
    assert parse(PROVIDER, 200, user(balance)).amount == expected


@pytest.mark.parametrize("currency_id", ["EUR", "USD", "usd"])
def test_currency_id_is_the_currency(currency_id: str) -> None:
    balance = parse(PROVIDER, 200, user(currency={"id": currency_id, "htmlSymbol": "x"}))
    assert balance.currency == currency_id.upper()


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (401, 401, Reason.AUTH),
        (200, 401, Reason.AUTH),  # an error body under HTTP 200 is still an error
        (200, "401", Reason.AUTH),
        (403, 403, Reason.AUTH),
        (429, 429, Reason.RATE_LIMITED),
        (200, 429, Reason.RATE_LIMITED),
        (400, 400, Reason.PROVIDER),
        (404, 404, Reason.PROVIDER),
        (500, 500, Reason.PROVIDER),
        (200, 500, Reason.PROVIDER),
        (401, 400, Reason.AUTH),  # a code without a meaning here: the status decides
        (401, "x", Reason.AUTH),
        (500, None, Reason.HTTP),  # no code at all: the status alone
    ],
)
def test_documented_errors(status: int, code: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, error(code), reason)


def test_error_message_names_the_code_but_not_the_text() -> None:
    message = parse_error(PROVIDER, 400, error(400, f"key {API_KEY} for {USERNAME} bad")).message
    assert "400" in message
    assert "bad" not in message
    assert API_KEY not in message
    assert USERNAME not in message


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, "<html><body>Internal Server Error</body></html>", Reason.HTTP),
        (503, user(), Reason.HTTP),  # a balance under a failed status is not trusted
        (200, [], Reason.PARSE),
        (200, "208.64", Reason.PARSE),
        (200, {}, Reason.PARSE),
        (200, {"id": 1, "username": USERNAME}, Reason.PARSE),  # no balance
        (200, {k: v for k, v in user().items() if k != "currency"}, Reason.PARSE),
        (200, user(None), Reason.PARSE),
        (200, user(""), Reason.PARSE),
        (200, user("abc"), Reason.PARSE),
        (200, user(True), Reason.PARSE),
        (200, user([1]), Reason.PARSE),
        (200, user("NaN"), Reason.PARSE),
        (200, user(currency="GBP"), Reason.PARSE),  # documented as an object
        (200, user(currency={"htmlSymbol": "&pound;"}), Reason.PARSE),
        (200, user(currency={"id": ""}), Reason.PARSE),
        (200, user(currency={"id": 826}), Reason.PARSE),
        (200, user(currency=[]), Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


@pytest.mark.parametrize(
    ("body", "field"),
    [(user(currency={"htmlSymbol": "x"}), "currency.id"), ({"id": 1}, "balance")],
)
def test_missing_fields_are_named(body: object, field: str) -> None:
    assert field in parse_error(PROVIDER, 200, body).message


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def twin() -> Iterator[Simulator]:
    with Simulator([TextmagicTwin()], [TextmagicTwin().sample_account("uk")]) as sim:
        yield sim


def fetch(sim: Simulator, provider: Textmagic) -> Balance:
    return UpstreamClient().fetch_balance(provider, sim.base_url("textmagic"), time.monotonic() + 5)


def test_twin_answers_balance_as_a_number(twin: Simulator) -> None:
    headers = {"X-TM-Username": "uk-user", "X-TM-Key": "uk-v2-key"}
    answer = requests.get(twin.base_url("textmagic") + "/api/v2/user", headers=headers, timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    assert isinstance(body["balance"], float)
    assert body["currency"]["id"] == "GBP"


def test_loopback_balance(twin: Simulator) -> None:
    sim_account = twin.accounts["uk"]
    balance = fetch(twin, Textmagic(**sim_account.credentials))
    assert balance.currency == "GBP"
    assert balance.amount == pytest.approx(sim_account.current_balance(), abs=0.01)


@pytest.mark.parametrize(
    "headers", [{}, {"X-TM-Username": "uk-user"}, {"X-TM-Username": "uk-user", "X-TM-Key": "x"}]
)
def test_twin_rejects_missing_or_wrong_headers(twin: Simulator, headers: dict[str, str]) -> None:
    answer = requests.get(twin.base_url("textmagic") + "/api/v2/user", headers=headers, timeout=5)
    assert answer.status_code == 401
    assert answer.json()["code"] == 401


def test_loopback_wrong_key(twin: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(twin, Textmagic(username="uk-user", api_key="wrong-v2-key"))
    assert caught.value.reason is Reason.AUTH
    assert "wrong-v2-key" not in caught.value.message
