from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pydantic
import pytest
import requests

from sms_balance_exporter.providers import Balance, Reason
from sms_balance_exporter.providers.gateway360 import Gateway360
from sms_balance_exporter.simulator import SimAccount, Simulator
from sms_balance_exporter.simulator.gateway360 import Gateway360Twin
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.wire import assert_fails, parse, parse_error

KEY = "0123456789abcdef0123456789abcdef"
PROVIDER = Gateway360(api_key=KEY)
SUBACCOUNT = Gateway360(api_key=KEY, subaccount="shop-madrid")


def ok(balance: object, currency: object = "EUR") -> dict[str, object]:
    return {"status": "ok", "result": {"balance": balance, "currency": currency}}


def error(error_id: object, message: str = "debug text") -> dict[str, object]:
    return {"status": "error", "error_id": error_id, "error_msg": message}


def test_request_carries_the_key_in_the_json_body() -> None:
    request = PROVIDER.build_request("https://api.gateway360.com")
    assert request.method == "POST"
    assert request.url == "https://api.gateway360.com/api/3.0/account/get-balance"
    assert request.json_body == {"api_key": KEY}
    assert request.headers["Accept"] == "application/json"
    assert not request.params
    assert request.basic_auth is None
    assert KEY not in repr(request)
    assert KEY not in repr(PROVIDER)


def test_subaccount_request_uses_the_parent_key_and_the_user_name() -> None:
    request = SUBACCOUNT.build_request("https://proxy.example/g360")
    assert request.method == "POST"
    assert request.url == "https://proxy.example/g360/api/3.0/subaccount/get-balance"
    assert request.json_body == {"api_key": KEY, "user_name": "shop-madrid"}
    assert KEY not in repr(request)


def test_only_the_key_is_a_secret() -> None:
    assert Gateway360.secret_fields() == ["api_key"]
    assert SUBACCOUNT.secret_values() == [KEY]


@pytest.mark.parametrize("subaccount", ["", "   "])
def test_an_empty_subaccount_is_rejected(subaccount: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        Gateway360(api_key=KEY, subaccount=subaccount)


def test_documented_success() -> None:
    assert parse(PROVIDER, 200, ok("0.6000")) == Balance(amount=0.6, currency="EUR")


@pytest.mark.parametrize(
    ("balance", "expected"),
    [
        ("155.2493", 155.2493),
        ("350,1200", 350.12),  # the docs' prose uses a decimal comma
        (" 12.5000 ", 12.5),
        (42, 42.0),
        (7.25, 7.25),
        ("-3.1000", -3.1),  # overdrawn accounts are reported as they are
    ],
)
def test_balance_as_string_or_number(balance: object, expected: float) -> None:
    assert parse(PROVIDER, 200, ok(balance)).amount == expected


@pytest.mark.parametrize("currency", ["EUR", "USD", "GBP", "CREDITS"])
def test_reported_currency_is_kept(currency: str) -> None:
    assert parse(PROVIDER, 200, ok("10.0000", currency)) == Balance(amount=10.0, currency=currency)


@pytest.mark.parametrize("currency", ["SMS", "sms"])
def test_sms_currency_is_a_message_count(currency: str) -> None:
    assert parse(PROVIDER, 200, ok("1225.0000", currency)) == Balance(messages=1225.0)


@pytest.mark.parametrize(
    "body",
    [
        ok("80.5000", "USD"),  # the same envelope as the account endpoint
        {"status": "ok", "balance": "80.5000", "currency": "USD"},
        {"balance": "80.5000", "currency": "USD"},
        {"status": "OK", "result": {"balance": 80.5, "currency": "USD"}},
    ],
)
def test_subaccount_answer_in_every_plausible_envelope(body: object) -> None:
    assert parse(SUBACCOUNT, 200, body) == Balance(amount=80.5, currency="USD")


@pytest.mark.parametrize(
    ("status", "error_id", "reason"),
    [
        (401, "UNAUTHORIZED", Reason.AUTH),
        (200, "UNAUTHORIZED", Reason.AUTH),  # an error body under HTTP 200 is still an error
        (400, "JSON_PARSE_ERROR", Reason.PROVIDER),
        (400, "INVALID_CONTENT_TYPE", Reason.PROVIDER),
        (400, "MISSING_PARAMS", Reason.PROVIDER),
        (400, "BAD_PARAMS", Reason.PROVIDER),
        (200, "MISSING_PARAMS", Reason.PROVIDER),
        (500, "SOMETHING_NEW", Reason.PROVIDER),
        (429, "TOO_MANY_REQUESTS", Reason.RATE_LIMITED),  # the status says what the id doesn't
        (403, "IP_BLOCKED", Reason.AUTH),
    ],
)
def test_documented_errors(status: int, error_id: str, reason: Reason) -> None:
    assert_fails(PROVIDER, status, error(error_id), reason)
    assert error_id in parse_error(PROVIDER, status, error(error_id)).message


def test_error_message_is_not_echoed() -> None:
    body = error("BAD_PARAMS", f"api_key {KEY} is not valid for user_name x")
    message = parse_error(PROVIDER, 400, body).message
    assert "not valid" not in message
    assert KEY not in message


@pytest.mark.parametrize(
    "body",
    [
        {"status": "error"},
        {"status": "error", "error_id": None},
        {"status": "error", "error_id": ""},
        {"status": "error", "error_id": {"id": 1}},
        {"status": "error", "error_id": "X" * 500},
        {"status": "ERROR", "error_id": "BAD_PARAMS"},
        {"error_id": "BAD_PARAMS", "error_msg": "no status field"},
        # an error wins over anything that looks like a balance
        {"status": "error", "error_id": "BAD_PARAMS", "result": {"balance": "1.0000"}},
    ],
)
def test_odd_error_bodies_are_provider_errors(body: object) -> None:
    error = parse_error(PROVIDER, 200, body)
    assert error.reason is Reason.PROVIDER
    assert len(error.message) < 100


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, ok("1.0000"), Reason.HTTP),  # "ok" under a failed status is not trusted
        (200, [], Reason.PARSE),
        (200, "null", Reason.PARSE),
        (200, {}, Reason.PARSE),
        (200, {"status": "ok"}, Reason.PARSE),  # no result
        (200, {"status": "ok", "result": None}, Reason.PARSE),
        (200, {"status": "ok", "result": "0.6000"}, Reason.PARSE),
        (200, {"status": "ok", "result": {"currency": "EUR"}}, Reason.PARSE),
        (200, {"status": "ok", "result": {"balance": "1.0000"}}, Reason.PARSE),  # no currency
        (200, {"balance": "1.0000"}, Reason.PARSE),
        (200, ok(None), Reason.PARSE),
        (200, ok("abc"), Reason.PARSE),
        (200, ok(""), Reason.PARSE),
        (200, ok(True), Reason.PARSE),
        (200, ok([1]), Reason.PARSE),
        (200, ok("NaN"), Reason.PARSE),
        (200, ok("inf"), Reason.PARSE),
        (200, ok("1.0000", None), Reason.PARSE),
        (200, ok("1.0000", ""), Reason.PARSE),
        (200, ok("1.0000", 978), Reason.PARSE),
        (200, {"status": "pending", "result": {"balance": "1", "currency": "EUR"}}, Reason.PARSE),
        (200, {"status": 1, "result": {"balance": "1", "currency": "EUR"}}, Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def twin() -> Iterator[Simulator]:
    accounts = [
        Gateway360Twin().sample_account("parent"),
        SimAccount(
            name="sub",
            provider="gateway360",
            credentials={"api_key": "parent-api-key", "subaccount": "shop-madrid"},
            balance=80.5,
            currency="USD",
        ),
        SimAccount(
            name="sms",
            provider="gateway360",
            credentials={"api_key": "sms-api-key"},
            balance=1225.0,
            currency="SMS",
            price_per_message=1.0,
        ),
    ]
    with Simulator([Gateway360Twin()], accounts) as sim:
        yield sim


def fetch(sim: Simulator, name: str) -> Balance:
    config = sim.exporter_account(name)
    provider = Gateway360(**{k: config[k] for k in ("api_key", "subaccount") if k in config})
    return UpstreamClient().fetch_balance(provider, config["base_url"], time.monotonic() + 5)


def test_twin_subaccount_endpoint(twin: Simulator) -> None:
    balance = fetch(twin, "sub")
    assert balance.currency == "USD"
    assert balance.amount == pytest.approx(twin.accounts["sub"].current_balance(), abs=0.01)
    assert twin.requests("sub") == 1
    assert twin.requests("parent") == 0  # same key, but the sub-account was asked


def test_twin_sms_account_reports_messages(twin: Simulator) -> None:
    balance = fetch(twin, "sms")
    assert balance.amount is None
    assert balance.messages == pytest.approx(twin.accounts["sms"].current_messages(), abs=1)


@pytest.mark.parametrize(
    ("send", "error_id"),
    [
        ({"data": {"api_key": "parent-api-key"}}, "INVALID_CONTENT_TYPE"),
        (
            {"data": "{not json", "headers": {"Content-Type": "application/json"}},
            "JSON_PARSE_ERROR",
        ),
        ({"json": {"user_name": "shop-madrid"}}, "MISSING_PARAMS"),
    ],
)
def test_twin_refuses_what_the_api_refuses(
    twin: Simulator, send: dict[str, Any], error_id: str
) -> None:
    url = twin.base_url("gateway360") + "/api/3.0/account/get-balance"
    answer = requests.post(url, timeout=5, **send)
    assert answer.status_code == 400
    assert answer.json()["error_id"] == error_id
