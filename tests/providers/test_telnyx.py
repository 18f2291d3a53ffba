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
from sms_balance_exporter.providers.telnyx import Telnyx
from sms_balance_exporter.simulator.core import SimAccount, Simulator
from sms_balance_exporter.simulator.telnyx import CREDIT_LIMIT, TelnyxTwin
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.wire import assert_fails, parse, parse_error

KEY = "KEY0123456789ABCDEF_abcdefghijkl"
PROVIDER = Telnyx(api_key=KEY)

DOCUMENTED = {
    "record_type": "balance",
    "pending": "10.00",
    "balance": "300.00",
    "credit_limit": "100.00",
    "available_credit": "400.00",
    "currency": "USD",
}


def ok(**changes: Any) -> dict[str, Any]:
    """The documented success body with `changes` applied to `data` (None removes a field)."""
    data = {**DOCUMENTED, **changes}
    return {"data": {k: v for k, v in data.items() if v is not None}}


def errors(*codes: object, title: str = "Authentication failed") -> dict[str, Any]:
    return {"errors": [{"code": code, "title": title, "detail": "..."} for code in codes]}


# ---- request and config ---------------------------------------------------------------------


def test_request_sends_a_bearer_key() -> None:
    request = PROVIDER.build_request("https://api.telnyx.com")
    assert request.method == "GET"
    assert request.url == "https://api.telnyx.com/v2/balance"
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["Accept"] == "application/json"
    assert not request.params
    assert request.basic_auth is None
    assert request.json_body is None
    assert KEY not in repr(request)
    assert KEY not in repr(PROVIDER)


def test_the_key_is_the_only_secret() -> None:
    assert Telnyx.secret_fields() == ["api_key"]
    assert PROVIDER.secret_values() == [KEY]


@pytest.mark.parametrize(
    "fields",
    [{}, {"api_key": ""}, {"api_key": "\t"}, {"api_key": ["k"]}, {"api_key": KEY, "token": "t"}],
)
def test_invalid_config_is_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Telnyx(**fields)


def test_api_key_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("KEYfromafile\n")
    entry = {"name": "us", "provider": "telnyx", "api_key_file": str(key_file)}
    account = config_from_data({"accounts": [entry]}, "test.yml", {}).accounts[0]
    assert account.base_url == "https://api.telnyx.com"
    request = account.provider.build_request(account.base_url)
    assert request.headers["Authorization"] == "Bearer KEYfromafile"


def test_missing_api_key_names_the_field() -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_data({"accounts": [{"name": "us", "provider": "telnyx"}]}, "t.yml", {})
    assert "'api_key': is required (or api_key_file)" in str(caught.value)


# ---- success --------------------------------------------------------------------------------


def test_documented_success_reads_the_balance_not_the_credit() -> None:
    assert parse(PROVIDER, 200, ok()) == Balance(amount=300.0, currency="USD")


@pytest.mark.parametrize(
    ("balance", "expected"),
    [("300.00", 300.0), ("0.00", 0.0), ("-12.50", -12.5), ("7,25", 7.25), (42, 42.0), (1.5, 1.5)],
)
def test_balance_as_string_or_number(balance: object, expected: float) -> None:
    assert parse(PROVIDER, 200, ok(balance=balance)).amount == expected


def test_only_balance_and_currency_are_needed() -> None:
    body = {"data": {"balance": "5.00", "currency": "EUR"}}
    assert parse(PROVIDER, 200, body) == Balance(amount=5.0, currency="EUR")


def test_an_empty_errors_list_is_no_error() -> None:
    assert parse(PROVIDER, 200, {**ok(), "errors": []}).amount == 300.0


# ---- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (401, "10009", Reason.AUTH),  # the documented one
        (200, "10009", Reason.AUTH),  # an error body under HTTP 200 is still an error
        (401, 10009, Reason.AUTH),
        (403, "10010", Reason.AUTH),
        (429, "10011", Reason.RATE_LIMITED),
        (200, "10011", Reason.RATE_LIMITED),
        (503, "10007", Reason.PROVIDER),
        (503, "10008", Reason.PROVIDER),
        (422, "10015", Reason.PROVIDER),  # unknown here: by status
        (503, "90000", Reason.PROVIDER),
        (401, "90000", Reason.AUTH),
        (403, "10007", Reason.AUTH),  # 401/403 is auth whatever the code says
        (429, "10007", Reason.RATE_LIMITED),
        (422, None, Reason.PROVIDER),
        (401, None, Reason.AUTH),
        (422, "abc", Reason.PROVIDER),
        (422, True, Reason.PROVIDER),
    ],
)
def test_documented_errors(status: int, code: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, errors(code), reason)


def test_error_message_names_the_code_not_the_text() -> None:
    body = {"errors": [{"code": "10009", "title": "Authentication failed", "detail": KEY}]}
    error = parse_error(PROVIDER, 401, body)
    assert error.reason is Reason.AUTH
    assert "10009" in error.message
    assert "Authentication failed" not in error.message
    assert KEY not in error.message


def test_an_auth_entry_wins_over_other_entries() -> None:
    error = parse_error(PROVIDER, 422, errors("10015", "10009"))
    assert error.reason is Reason.AUTH
    assert "10009" in error.message
    assert_fails(PROVIDER, 422, errors("10015", "10011"), Reason.RATE_LIMITED)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (401, {"errors": {"code": "10009"}}, Reason.AUTH),  # a lone object
        (503, {"errors": [{"title": "Service unavailable"}]}, Reason.PROVIDER),
        (200, {"errors": ["boom"]}, Reason.PROVIDER),
        (200, {"errors": "boom"}, Reason.PROVIDER),
        (200, {**ok(), "errors": [{"code": "10007"}]}, Reason.PROVIDER),  # beats a balance
    ],
)
def test_error_body_variants(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, ok(), Reason.HTTP),  # a balance under a failed status is not trusted
        (200, [], Reason.PARSE),
        (200, "null", Reason.PARSE),
        (200, {}, Reason.PARSE),
        (200, {"data": None}, Reason.PARSE),
        (200, {"data": []}, Reason.PARSE),
        (200, {"data": "300.00"}, Reason.PARSE),
        (200, DOCUMENTED, Reason.PARSE),  # without the `data` envelope
        (200, ok(balance=None), Reason.PARSE),  # only available_credit left: not read
        (200, ok(currency=None), Reason.PARSE),
        (200, ok(balance="abc"), Reason.PARSE),
        (200, ok(balance=""), Reason.PARSE),
        (200, ok(balance=True), Reason.PARSE),
        (200, ok(balance={"amount": "1"}), Reason.PARSE),
        (200, ok(balance="NaN"), Reason.PARSE),
        (200, ok(balance="-inf"), Reason.PARSE),
        (200, ok(currency=""), Reason.PARSE),
        (200, ok(currency=840), Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


# ---- against the simulator twin, over loopback ----------------------------------------------

EUR_ACCOUNT = SimAccount(
    name="tx-eur",
    provider="telnyx",
    credentials={"api_key": "KEYeuro-account"},
    balance=12.34,
    currency="EUR",
)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    twin = TelnyxTwin()
    with Simulator([twin], [twin.sample_account("tx-usd"), EUR_ACCOUNT]) as s:
        yield s


def fetch(sim: Simulator, provider: Telnyx) -> Balance:
    return UpstreamClient().fetch_balance(provider, sim.base_url("telnyx"), time.monotonic() + 5)


def test_loopback_reads_the_balance_beside_a_credit_line(sim: Simulator) -> None:
    balance = fetch(sim, Telnyx(**EUR_ACCOUNT.credentials))
    assert balance.currency == "EUR"
    # available_credit (the balance plus the credit line) would be CREDIT_LIMIT off
    assert CREDIT_LIMIT > 1
    assert balance.amount == pytest.approx(EUR_ACCOUNT.current_balance(), abs=0.01)


def test_loopback_wrong_key(sim: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, Telnyx(api_key="KEYnot-registered"))
    assert caught.value.reason is Reason.AUTH
    assert "KEYnot-registered" not in caught.value.message


def test_twin_amounts_are_strings(sim: Simulator) -> None:
    url = sim.base_url("telnyx") + "/v2/balance"
    answer = requests.get(url, headers={"Authorization": "Bearer KEYeuro-account"}, timeout=5)
    data = answer.json()["data"]
    assert answer.status_code == 200
    assert isinstance(data["balance"], str)
    assert data["available_credit"] != data["balance"]
    refused = requests.get(url, headers={"Authorization": "KEYeuro-account"}, timeout=5)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["code"] == "10009"
