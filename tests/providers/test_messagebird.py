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
from sms_balance_exporter.providers.messagebird import MessageBird
from sms_balance_exporter.simulator.core import SimAccount, Simulator
from sms_balance_exporter.simulator.messagebird import MessageBirdTwin
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.wire import assert_fails, parse, parse_error

KEY = "live_0123456789abcdefghijklmno"
PROVIDER = MessageBird(access_key=KEY)


def ok(amount: object = 103, unit: object = "euros", payment: str = "prepaid") -> dict[str, Any]:
    return {"payment": payment, "type": unit, "amount": amount}


def errors(*codes: object, description: str = "Request not allowed") -> dict[str, Any]:
    return {
        "errors": [
            {"code": code, "description": description, "parameter": "access_key"} for code in codes
        ]
    }


# ---- request and config ---------------------------------------------------------------------


def test_request_sends_the_key_in_the_access_key_header() -> None:
    request = PROVIDER.build_request("https://rest.messagebird.com")
    assert request.method == "GET"
    assert request.url == "https://rest.messagebird.com/balance"
    assert request.headers["Authorization"] == f"AccessKey {KEY}"
    assert request.headers["Accept"] == "application/json"
    assert not request.params  # never the access_key query parameter
    assert request.basic_auth is None
    assert request.json_body is None
    assert KEY not in repr(request)
    assert KEY not in repr(PROVIDER)


def test_request_against_another_base_url() -> None:
    request = PROVIDER.build_request("https://proxy.example/mb")
    assert request.url == "https://proxy.example/mb/balance"


def test_the_key_is_the_only_secret() -> None:
    assert MessageBird.secret_fields() == ["access_key"]
    assert PROVIDER.secret_values() == [KEY]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"access_key": ""},
        {"access_key": "   "},
        {"access_key": 12345},
        {"access_key": None},
        {"access_key": KEY, "api_key": KEY},  # unknown field
    ],
)
def test_invalid_config_is_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        MessageBird(**fields)


def test_access_key_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("live_from_a_file\n")
    entry = {"name": "nl", "provider": "messagebird", "access_key_file": str(key_file)}
    account = config_from_data({"accounts": [entry]}, "test.yml", {}).accounts[0]
    assert account.base_url == "https://rest.messagebird.com"
    request = account.provider.build_request(account.base_url)
    assert request.headers["Authorization"] == "AccessKey live_from_a_file"


def test_missing_access_key_names_the_field() -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_data({"accounts": [{"name": "nl", "provider": "messagebird"}]}, "t.yml", {})
    assert "'access_key': is required (or access_key_file)" in str(caught.value)


# ---- success --------------------------------------------------------------------------------


def test_documented_success() -> None:
    assert parse(PROVIDER, 200, ok()) == Balance(amount=103.0, currency="EUR")


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(103, 103.0), (9.25, 9.25), ("9.25", 9.25), ("9,25", 9.25), (" 12 ", 12.0), (0, 0.0)],
)
def test_amount_as_number_or_string(amount: object, expected: float) -> None:
    assert parse(PROVIDER, 200, ok(amount)).amount == expected


@pytest.mark.parametrize(
    ("unit", "currency"),
    [
        ("euros", "EUR"),
        ("pounds", "GBP"),
        ("dollars", "USD"),
        ("credits", "CREDITS"),
        ("Euros", "EUR"),
        ("CREDITS", "CREDITS"),
        ("euro", "EUR"),  # singular forms, in case
        ("pound", "GBP"),
        ("dollar", "USD"),
        ("credit", "CREDITS"),
        ("EUR", "EUR"),  # an ISO code as it is
        ("zar", "ZAR"),
        ("CHF", "CHF"),
        ("tokens", "TOKENS"),  # an unknown word, upper-cased
        (" euros ", "EUR"),
    ],
)
def test_unit_becomes_the_currency(unit: str, currency: str) -> None:
    assert parse(PROVIDER, 200, ok(5, unit)) == Balance(amount=5.0, currency=currency)


def test_postpaid_accounts_report_their_zero_as_it_is() -> None:
    assert parse(PROVIDER, 200, ok(0, "euros", "postpaid")) == Balance(amount=0.0, currency="EUR")


def test_an_empty_errors_list_is_no_error() -> None:
    body = {**ok(7.5), "errors": []}
    assert parse(PROVIDER, 200, body) == Balance(amount=7.5, currency="EUR")


# ---- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (401, 2, Reason.AUTH),  # the documented one
        (200, 2, Reason.AUTH),  # an error body under HTTP 200 is still an error
        (400, 2, Reason.AUTH),
        (401, "2", Reason.AUTH),
        (422, 9, Reason.PROVIDER),
        (422, 10, Reason.PROVIDER),
        (404, 20, Reason.PROVIDER),
        (400, 21, Reason.PROVIDER),
        (402, 25, Reason.PROVIDER),
        (404, 98, Reason.PROVIDER),
        (500, 99, Reason.PROVIDER),
        (200, 99, Reason.PROVIDER),
        (500, 12345, Reason.PROVIDER),  # unknown code
        (401, 12345, Reason.AUTH),  # unknown code: the status decides
        (403, 99, Reason.AUTH),  # 401/403 is auth whatever the code says
        (429, 99, Reason.RATE_LIMITED),
        (429, None, Reason.RATE_LIMITED),
        (500, None, Reason.PROVIDER),
        (500, "two", Reason.PROVIDER),
        (500, True, Reason.PROVIDER),
        (500, 2.5, Reason.PROVIDER),
    ],
)
def test_documented_errors(status: int, code: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, errors(code), reason)


def test_error_message_names_the_code_not_the_description() -> None:
    body = errors(2, description=f"Request not allowed (incorrect access_key {KEY})")
    error = parse_error(PROVIDER, 401, body)
    assert error.reason is Reason.AUTH
    assert "error code 2" in error.message
    assert "incorrect" not in error.message
    assert KEY not in error.message
    assert "99" in parse_error(PROVIDER, 500, errors(99)).message


def test_an_auth_entry_wins_over_other_entries() -> None:
    assert_fails(PROVIDER, 422, errors(9, 2), Reason.AUTH)
    assert "error code 2" in parse_error(PROVIDER, 422, errors(9, 2)).message


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (401, {"errors": {"code": 2, "description": "x"}}, Reason.AUTH),  # a lone object
        (200, {"errors": [{"description": "no code"}]}, Reason.PROVIDER),
        (200, {"errors": ["text"]}, Reason.PROVIDER),
        (200, {"errors": "Request not allowed"}, Reason.PROVIDER),
        (200, {**ok(), "errors": [{"code": 25}]}, Reason.PROVIDER),  # errors beat a balance
        (401, {"errors": [{"code": 9}]}, Reason.AUTH),
    ],
)
def test_error_body_variants(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (403, "<html>Forbidden</html>", Reason.AUTH),
        (500, ok(), Reason.HTTP),  # a balance under a failed status is not trusted
        (200, [], Reason.PARSE),
        (200, "103", Reason.PARSE),
        (200, "null", Reason.PARSE),
        (200, {}, Reason.PARSE),
        (200, {"type": "euros"}, Reason.PARSE),  # no amount
        (200, {"amount": 103}, Reason.PARSE),  # no type
        (200, ok(None), Reason.PARSE),
        (200, ok("abc"), Reason.PARSE),
        (200, ok(""), Reason.PARSE),
        (200, ok(True), Reason.PARSE),
        (200, ok([103]), Reason.PARSE),
        (200, ok({"value": 1}), Reason.PARSE),
        (200, ok("NaN"), Reason.PARSE),
        (200, ok("Infinity"), Reason.PARSE),
        (200, ok(1, None), Reason.PARSE),
        (200, ok(1, ""), Reason.PARSE),
        (200, ok(1, 978), Reason.PARSE),
        (200, ok(1, "euro cents"), Reason.PARSE),  # not a word a label can carry
        (200, ok(1, "€"), Reason.PARSE),
        (200, ok(1, "x" * 40), Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


# ---- against the simulator twin, over loopback ----------------------------------------------

POUNDS = SimAccount(
    name="mb-gbp",
    provider="messagebird",
    credentials={"access_key": "live_pounds-key"},
    balance=55.5,
    currency="GBP",
)
CREDITS = SimAccount(
    name="mb-credits",
    provider="messagebird",
    credentials={"access_key": "live_credits-key"},
    balance=1500.0,
    currency="CREDITS",
    price_per_message=1.0,
)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    twin = MessageBirdTwin()
    with Simulator([twin], [twin.sample_account("mb-eur"), POUNDS, CREDITS]) as s:
        yield s


def fetch(sim: Simulator, provider: MessageBird) -> Balance:
    return UpstreamClient().fetch_balance(
        provider, sim.base_url("messagebird"), time.monotonic() + 5
    )


@pytest.mark.parametrize(("name", "currency"), [("mb-gbp", "GBP"), ("mb-credits", "CREDITS")])
def test_loopback_units(sim: Simulator, name: str, currency: str) -> None:
    account = sim.accounts[name]
    balance = fetch(sim, MessageBird(**account.credentials))
    assert balance.currency == currency
    assert balance.amount == pytest.approx(account.current_balance(), abs=0.01)


def test_loopback_wrong_key(sim: Simulator) -> None:
    provider = MessageBird(access_key="live_wrong-key")
    with pytest.raises(ProviderError) as caught:
        fetch(sim, provider)
    assert caught.value.reason is Reason.AUTH
    assert "live_wrong-key" not in caught.value.message


def test_twin_speaks_the_documented_shapes(sim: Simulator) -> None:
    url = sim.base_url("messagebird") + "/balance"
    answer = requests.get(url, headers={"Authorization": "AccessKey live_pounds-key"}, timeout=5)
    assert answer.status_code == 200
    assert answer.json()["type"] == "pounds"
    assert isinstance(answer.json()["amount"], float)
    # the API's other way to pass the key
    assert requests.get(url, params={"access_key": "live_pounds-key"}, timeout=5).ok
    refused = requests.get(url, timeout=5)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["code"] == 2
