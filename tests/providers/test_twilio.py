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
from sms_balance_exporter.providers.twilio import Twilio
from sms_balance_exporter.simulator.core import Simulator
from sms_balance_exporter.simulator.twilio import TwilioTwin
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.wire import assert_fails, parse, parse_error

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "f00dbabe-auth-token-value"
PROVIDER = Twilio(account_sid=SID, auth_token=TOKEN)


def ok(balance: object = "12.29", currency: object = "USD") -> dict[str, Any]:
    return {"account_sid": SID, "balance": balance, "currency": currency}


def twilio_error(code: object, status: object = 401, message: str = "Authenticate") -> Any:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def test_request_is_a_get_with_basic_auth_and_the_sid_in_the_path() -> None:
    request = PROVIDER.build_request("https://api.twilio.com")
    assert request.method == "GET"
    assert request.url == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Balance.json"
    assert request.basic_auth == (SID, TOKEN)
    assert request.headers == {"Accept": "application/json"}
    assert not request.params
    assert request.json_body is None
    assert SID not in repr(request)
    assert TOKEN not in repr(request)
    assert repr(request) == "HttpRequest(GET https://api.twilio.com/…)"


def test_base_url_override_keeps_the_path() -> None:
    request = PROVIDER.build_request("https://proxy.example/twilio")
    assert request.url == f"https://proxy.example/twilio/2010-04-01/Accounts/{SID}/Balance.json"


def test_both_fields_are_secrets() -> None:
    assert Twilio.secret_fields() == ["account_sid", "auth_token"]
    assert PROVIDER.secret_values() == [SID, TOKEN]
    assert SID not in repr(PROVIDER)
    assert TOKEN not in repr(PROVIDER)


def test_sid_is_stripped_and_kept_in_any_hex_case() -> None:
    upper = "AC" + SID[2:].upper()
    assert Twilio(account_sid=f" {upper} ", auth_token=TOKEN).secret_values() == [upper, TOKEN]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"account_sid": SID},  # no token
        {"auth_token": TOKEN},  # no SID
        {"account_sid": "", "auth_token": TOKEN},
        {"account_sid": SID, "auth_token": "  "},
        {"account_sid": SID, "auth_token": 1234},
        {"account_sid": "SK0123456789abcdef0123456789abcdef", "auth_token": TOKEN},  # API key
        {"account_sid": SID[:-1], "auth_token": TOKEN},  # too short
        {"account_sid": SID + "0", "auth_token": TOKEN},  # too long
        {"account_sid": "AC0123456789abcdef0123456789abcdeg", "auth_token": TOKEN},  # not hex
        {"account_sid": "AC0123456789abcdef/../../abcdef0123", "auth_token": TOKEN},
        {"account_sid": SID, "auth_token": TOKEN, "api_key": "x"},  # unknown field
    ],
)
def test_invalid_config_is_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Twilio(**fields)


def test_sid_error_explains_the_format_without_echoing_the_value() -> None:
    api_key_sid = "SK0123456789abcdef0123456789abcdef"
    with pytest.raises(ConfigError) as caught:
        config_from_data(
            {
                "accounts": [
                    {
                        "name": "us",
                        "provider": "twilio",
                        "account_sid": api_key_sid,
                        "auth_token": "t",
                    }
                ]
            },
            "test.yml",
        )
    text = str(caught.value)
    assert "field 'account_sid'" in text
    assert "AC followed by 32 hex digits" in text
    assert api_key_sid not in text


def test_credentials_from_files(tmp_path: Path) -> None:
    sid_file, token_file = tmp_path / "sid", tmp_path / "token"
    sid_file.write_text(SID + "\n")
    token_file.write_text(TOKEN + "\n")
    config = config_from_data(
        {
            "accounts": [
                {
                    "name": "us",
                    "provider": "twilio",
                    "account_sid_file": str(sid_file),
                    "auth_token_file": str(token_file),
                }
            ]
        },
        "test.yml",
    )
    account = config.accounts[0]
    assert account.provider == PROVIDER
    assert account.base_url == "https://api.twilio.com"


def test_documented_success() -> None:
    assert parse(PROVIDER, 200, ok()) == Balance(amount=12.29, currency="USD")


@pytest.mark.parametrize(
    ("balance", "expected"),
    [
        ("12.29", 12.29),
        ("0.00", 0.0),
        ("-0.01838", -0.01838),  # an account can be overdrawn
        (" 7.5 ", 7.5),
        ("7,5", 7.5),
        (12.29, 12.29),
        (40, 40.0),
    ],
)
def test_balance_as_string_or_number(balance: object, expected: float) -> None:
    assert parse(PROVIDER, 200, ok(balance)).amount == expected


@pytest.mark.parametrize("currency", ["USD", "EUR", "GBP", "JPY"])
def test_reported_currency_is_kept(currency: str) -> None:
    assert parse(PROVIDER, 200, ok("3.10", currency)) == Balance(amount=3.1, currency=currency)


def test_extra_fields_and_no_account_sid_are_fine() -> None:
    body = {"balance": "1.50", "currency": "USD", "uri": "/2010-04-01/…", "new": [1]}
    assert parse(PROVIDER, 200, body) == Balance(amount=1.5, currency="USD")


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (401, 20003, Reason.AUTH),  # documented
        (200, 20003, Reason.AUTH),  # an error body under HTTP 200 is still an error
        (401, "20003", Reason.AUTH),
        (429, 20429, Reason.RATE_LIMITED),
        (200, 20429, Reason.RATE_LIMITED),
        (404, 20404, Reason.PROVIDER),
        (500, 20500, Reason.PROVIDER),  # unknown code, the status says nothing more
        (200, 20500, Reason.PROVIDER),
        (403, 20008, Reason.AUTH),  # unknown code: the status says auth
        (401, 99999, Reason.AUTH),
        (429, 12345, Reason.RATE_LIMITED),
        (401, 20404, Reason.AUTH),  # a documented provider code: the status still says auth
        (400, "x", Reason.PROVIDER),
        (401, "x", Reason.AUTH),
        (200, True, Reason.PROVIDER),
        (200, {"code": 1}, Reason.PROVIDER),
    ],
)
def test_documented_errors(status: int, code: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, twilio_error(code, status), reason)


def test_error_message_names_the_code_not_the_text() -> None:
    body = twilio_error(20003, 401, f"Authenticate {SID} with token {TOKEN} please")
    error = parse_error(PROVIDER, 401, body)
    assert error.reason is Reason.AUTH
    assert "20003" in error.message
    assert "please" not in error.message
    assert SID not in error.message
    assert TOKEN not in error.message


def test_not_found_hints_at_sub_accounts() -> None:
    error = parse_error(PROVIDER, 404, twilio_error(20404, 404, "The requested resource"))
    assert "20404" in error.message
    assert "parent" in error.message


def test_an_error_code_wins_over_a_balance() -> None:
    body = {**ok(), "code": 20003, "message": "Authenticate", "status": 401}
    assert_fails(PROVIDER, 200, body, Reason.AUTH)


def test_a_null_code_is_no_error() -> None:
    assert parse(PROVIDER, 200, {**ok("5.00"), "code": None}).amount == 5.0


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, "<html><body>Internal Server Error</body></html>", Reason.HTTP),
        (403, "<html>Forbidden</html>", Reason.AUTH),
        (500, ok(), Reason.HTTP),  # a balance under a failed status is not trusted
        (301, ok(), Reason.HTTP),
        (200, [], Reason.PARSE),
        (200, '"12.29"', Reason.PARSE),
        (200, "null", Reason.PARSE),
        (200, {}, Reason.PARSE),
        (200, {"account_sid": SID, "currency": "USD"}, Reason.PARSE),  # e.g. a sub-account
        (200, {"balance": "12.29"}, Reason.PARSE),  # no currency
        (200, ok(None), Reason.PARSE),
        (200, ok(""), Reason.PARSE),
        (200, ok("twelve"), Reason.PARSE),
        (200, ok(True), Reason.PARSE),
        (200, ok([12.29]), Reason.PARSE),
        (200, ok({"amount": 1}), Reason.PARSE),
        (200, ok("NaN"), Reason.PARSE),
        (200, ok("Infinity"), Reason.PARSE),
        (200, ok("1.00", None), Reason.PARSE),
        (200, ok("1.00", ""), Reason.PARSE),
        (200, ok("1.00", 840), Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    twin = TwilioTwin()
    with Simulator([twin], [twin.sample_account("us"), twin.sample_account("uk")]) as s:
        yield s


def fetch(sim: Simulator, provider: Twilio) -> Balance:
    return UpstreamClient().fetch_balance(provider, sim.base_url("twilio"), time.monotonic() + 5)


def test_twin_sample_account_has_a_real_looking_sid() -> None:
    credentials = TwilioTwin().sample_account("x").credentials
    assert Twilio(**credentials).secret_values() == [
        credentials["account_sid"],
        credentials["auth_token"],
    ]


def test_loopback_balance(sim: Simulator) -> None:
    account = sim.accounts["uk"]
    before = sim.requests("uk")
    balance = fetch(sim, Twilio(**account.credentials))
    assert balance.currency == "USD"
    assert balance.amount == pytest.approx(account.current_balance(), abs=0.01)
    assert sim.requests("uk") == before + 1
    assert sim.requests("us") == 0


def test_twin_answers_the_balance_as_a_string(sim: Simulator) -> None:
    account = sim.accounts["us"]
    sid, token = account.credentials["account_sid"], account.credentials["auth_token"]
    url = f"{sim.base_url('twilio')}/2010-04-01/Accounts/{sid}/Balance.json"
    answer = requests.get(url, auth=(sid, token), timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    assert isinstance(body["balance"], str)
    assert body["account_sid"] == sid


def test_loopback_wrong_token_is_auth(sim: Simulator) -> None:
    sid = sim.accounts["us"].credentials["account_sid"]
    wrong = Twilio(account_sid=sid, auth_token="not-the-token")
    with pytest.raises(ProviderError) as caught:
        fetch(sim, wrong)
    assert caught.value.reason is Reason.AUTH
    assert "20003" in caught.value.message
    assert "not-the-token" not in caught.value.message


def test_twin_rejects_another_accounts_sid_in_the_path(sim: Simulator) -> None:
    us, uk = sim.accounts["us"].credentials, sim.accounts["uk"].credentials
    url = f"{sim.base_url('twilio')}/2010-04-01/Accounts/{uk['account_sid']}/Balance.json"
    answer = requests.get(url, auth=(us["account_sid"], us["auth_token"]), timeout=5)
    assert answer.status_code == 401
    assert answer.json()["code"] == 20003


def test_twin_knows_only_the_balance_path(sim: Simulator) -> None:
    us = sim.accounts["us"].credentials
    url = f"{sim.base_url('twilio')}/2010-04-01/Accounts/{us['account_sid']}/Calls.json"
    answer = requests.get(url, auth=(us["account_sid"], us["auth_token"]), timeout=5)
    assert answer.status_code == 404
