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
from sms_balance_exporter.providers.plivo import Plivo
from sms_balance_exporter.simulator.core import Simulator
from sms_balance_exporter.simulator.plivo import PlivoTwin
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.wire import assert_fails, parse, parse_error

AUTH_ID = "MAZTCXYJFKZJK3N2Q3YT"
TOKEN = "OWY2ZjUyYzA3NTZlOTg0MTYxZjdiYzg4MDhkZjlj"
PROVIDER = Plivo(auth_id=AUTH_ID, auth_token=TOKEN)


def details(cash_credits: object = "1.80900", billing_mode: object = "prepaid") -> dict[str, Any]:
    """The account object as documented (abridged)."""
    return {
        "account_type": "standard",
        "address": "",
        "api_id": "93bd6134-0b1c-11e9-b2b2-0242ac110003",
        "auth_id": AUTH_ID,
        "auto_recharge": False,
        "billing_mode": billing_mode,
        "cash_credits": cash_credits,
        "city": "",
        "name": "Example Inc",
        "resource_uri": f"/v1/Account/{AUTH_ID}/",
        "state": "",
        "timezone": "Asia/Kolkata",
    }


def plivo_error(text: object = "authentication failed") -> dict[str, Any]:
    return {"api_id": "c6a7ba56-0b1c-11e9-b2b2-0242ac110003", "error": text}


def test_request_is_a_get_with_basic_auth_and_the_auth_id_in_the_path() -> None:
    request = PROVIDER.build_request("https://api.plivo.com")
    assert request.method == "GET"
    assert request.url == f"https://api.plivo.com/v1/Account/{AUTH_ID}/"
    assert request.basic_auth == (AUTH_ID, TOKEN)
    assert request.headers == {"Accept": "application/json"}
    assert not request.params
    assert request.json_body is None
    assert AUTH_ID not in repr(request)
    assert TOKEN not in repr(request)
    assert repr(request) == "HttpRequest(GET https://api.plivo.com/…)"


def test_both_fields_are_secrets() -> None:
    assert Plivo.secret_fields() == ["auth_id", "auth_token"]
    assert PROVIDER.secret_values() == [AUTH_ID, TOKEN]
    assert AUTH_ID not in repr(PROVIDER)
    assert TOKEN not in repr(PROVIDER)


def test_subaccount_auth_id_is_accepted() -> None:
    subaccount = Plivo(auth_id="SAMTVIYJDIYWYYMZHLYZ", auth_token=TOKEN)
    assert subaccount.build_request("https://api.plivo.com").url.endswith(
        "/v1/Account/SAMTVIYJDIYWYYMZHLYZ/"
    )


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"auth_id": AUTH_ID},
        {"auth_token": TOKEN},
        {"auth_id": "", "auth_token": TOKEN},
        {"auth_id": AUTH_ID, "auth_token": "   "},
        {"auth_id": AUTH_ID, "auth_token": ["t"]},
        {"auth_id": "XAZTCXYJFKZJK3N2Q3YT", "auth_token": TOKEN},  # neither MA nor SA
        {"auth_id": AUTH_ID[:-1], "auth_token": TOKEN},
        {"auth_id": AUTH_ID + "X", "auth_token": TOKEN},
        {"auth_id": "MAZTCXYJFK/../3N2Q3Y", "auth_token": TOKEN},
        {"auth_id": AUTH_ID, "auth_token": TOKEN, "billing_mode": "prepaid"},  # unknown field
    ],
)
def test_invalid_config_is_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Plivo(**fields)


def test_auth_id_error_explains_the_format_without_echoing_the_value() -> None:
    bad_id = "NOT-AN-AUTH-ID-123456"
    with pytest.raises(ConfigError) as caught:
        config_from_data(
            {
                "accounts": [
                    {"name": "p", "provider": "plivo", "auth_id": bad_id, "auth_token": "t"}
                ]
            },
            "test.yml",
        )
    text = str(caught.value)
    assert "field 'auth_id'" in text
    assert "MA or SA followed by 18" in text
    assert bad_id not in text


def test_credentials_from_files(tmp_path: Path) -> None:
    id_file, token_file = tmp_path / "id", tmp_path / "token"
    id_file.write_text(AUTH_ID + "\n")
    token_file.write_text(TOKEN)
    config = config_from_data(
        {
            "accounts": [
                {
                    "name": "p",
                    "provider": "plivo",
                    "auth_id_file": str(id_file),
                    "auth_token_file": str(token_file),
                }
            ]
        },
        "test.yml",
    )
    assert config.accounts[0].provider == PROVIDER
    assert config.accounts[0].base_url == "https://api.plivo.com"


def test_documented_success() -> None:
    assert parse(PROVIDER, 200, details()) == Balance(amount=1.809, currency="USD")


@pytest.mark.parametrize(
    ("cash_credits", "expected"),
    [
        ("1.80900", 1.809),
        ("0.00000", 0.0),
        ("-4.25000", -4.25),
        ("12,5", 12.5),
        (1.809, 1.809),
        (25, 25.0),
    ],
)
def test_cash_credits_as_string_or_number(cash_credits: object, expected: float) -> None:
    assert parse(PROVIDER, 200, details(cash_credits)).amount == expected


@pytest.mark.parametrize("billing_mode", ["prepaid", "postpaid", None, "something-new"])
def test_billing_mode_does_not_change_what_is_reported(billing_mode: object) -> None:
    body = details("250.00000", billing_mode)
    assert parse(PROVIDER, 200, body) == Balance(amount=250.0, currency="USD")


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (401, plivo_error(), Reason.AUTH),
        (403, plivo_error("forbidden"), Reason.AUTH),
        (429, plivo_error("too many requests"), Reason.RATE_LIMITED),
        (404, plivo_error("not found"), Reason.PROVIDER),
        (400, plivo_error("invalid request"), Reason.PROVIDER),
        (500, plivo_error("internal server error"), Reason.PROVIDER),
        (200, plivo_error("authentication failed"), Reason.PROVIDER),  # 200 is no success here
        (200, {"error": {"code": 1}}, Reason.PROVIDER),
        (500, {"error": ""}, Reason.PROVIDER),
        (200, {**details(), "error": "not found"}, Reason.PROVIDER),  # an error wins
    ],
)
def test_error_bodies(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


def test_error_text_is_not_echoed() -> None:
    error = parse_error(PROVIDER, 404, plivo_error(f"account {AUTH_ID} not found"))
    assert error.message == "provider returned an error body under HTTP 404"


def test_a_null_error_is_no_error() -> None:
    assert parse(PROVIDER, 200, {**details("3.00000"), "error": None}).amount == 3.0


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, b"  ", Reason.PARSE),
        (401, "Could not verify your access level for that URL.", Reason.AUTH),
        (403, "<html>Forbidden</html>", Reason.AUTH),
        (500, details(), Reason.HTTP),  # a balance under a failed status is not trusted
        (200, [], Reason.PARSE),
        (200, '"1.80900"', Reason.PARSE),
        (200, {}, Reason.PARSE),
        (200, {k: v for k, v in details().items() if k != "cash_credits"}, Reason.PARSE),
        (200, details(None), Reason.PARSE),
        (200, details(""), Reason.PARSE),
        (200, details("n/a"), Reason.PARSE),
        (200, details(False), Reason.PARSE),
        (200, details(["1.8"]), Reason.PARSE),
        (200, details({"usd": "1.8"}), Reason.PARSE),
        (200, details("nan"), Reason.PARSE),
        (200, details("inf"), Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    twin = PlivoTwin()
    with Simulator([twin], [twin.sample_account("voice"), twin.sample_account("sms")]) as s:
        yield s


def fetch(sim: Simulator, provider: Plivo) -> Balance:
    return UpstreamClient().fetch_balance(provider, sim.base_url("plivo"), time.monotonic() + 5)


def test_twin_sample_account_passes_config_validation() -> None:
    credentials = PlivoTwin().sample_account("x").credentials
    assert Plivo(**credentials).secret_values() == [
        credentials["auth_id"],
        credentials["auth_token"],
    ]


def test_loopback_balance(sim: Simulator) -> None:
    account = sim.accounts["sms"]
    before = sim.requests("sms")
    balance = fetch(sim, Plivo(**account.credentials))
    assert balance.currency == "USD"
    assert balance.amount == pytest.approx(account.current_balance(), abs=0.01)
    assert sim.requests("sms") == before + 1
    assert sim.requests("voice") == 0


def test_twin_answers_cash_credits_as_a_string(sim: Simulator) -> None:
    credentials = sim.accounts["voice"].credentials
    auth_id = credentials["auth_id"]
    url = f"{sim.base_url('plivo')}/v1/Account/{auth_id}/"
    answer = requests.get(url, auth=(auth_id, credentials["auth_token"]), timeout=5)
    assert answer.status_code == 200
    assert isinstance(answer.json()["cash_credits"], str)
    assert answer.json()["billing_mode"] == "prepaid"


def test_loopback_wrong_token_is_auth(sim: Simulator) -> None:
    wrong = Plivo(auth_id=sim.accounts["voice"].credentials["auth_id"], auth_token="wrong-token")
    with pytest.raises(ProviderError) as caught:
        fetch(sim, wrong)
    assert caught.value.reason is Reason.AUTH
    assert "wrong-token" not in caught.value.message


def test_twin_rejects_another_accounts_id_in_the_path(sim: Simulator) -> None:
    voice, sms = sim.accounts["voice"].credentials, sim.accounts["sms"].credentials
    url = f"{sim.base_url('plivo')}/v1/Account/{sms['auth_id']}/"
    answer = requests.get(url, auth=(voice["auth_id"], voice["auth_token"]), timeout=5)
    assert answer.status_code == 401
    assert "error" in answer.json()
