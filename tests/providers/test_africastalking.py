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
from sms_balance_exporter.providers.africastalking import AfricasTalking
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.africastalking import AfricasTalkingTwin
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.wire import assert_fails, parse, parse_error, response

USERNAME = "nairobi-alerts"
API_KEY = "atsk_0123456789abcdef0123456789abcdef0123456789abcdef"
PROVIDER = AfricasTalking(username=USERNAME, api_key=API_KEY)
XML_ANSWER = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    "<AfricasTalkingResponse><UserData><balance>KES 47.7191</balance></UserData>"
    "</AfricasTalkingResponse>"
)


def user_data(balance: object, **extra: object) -> dict[str, object]:
    return {"UserData": {"balance": balance, **extra}}


def test_request_shape() -> None:
    request = PROVIDER.build_request("https://api.africastalking.com")
    assert request.method == "GET"
    assert request.url == "https://api.africastalking.com/version1/user"
    assert dict(request.params) == {"username": USERNAME}
    assert request.headers["apiKey"] == API_KEY
    # Without it the API answers XML.
    assert request.headers["Accept"] == "application/json"
    assert request.basic_auth is None
    assert request.json_body is None
    assert USERNAME not in request.url
    assert API_KEY not in repr(request)
    assert USERNAME not in repr(request)
    assert API_KEY not in repr(PROVIDER)


def test_sandbox_host() -> None:
    request = PROVIDER.build_request("https://api.sandbox.africastalking.com")
    assert request.url == "https://api.sandbox.africastalking.com/version1/user"


def test_both_credentials_are_secrets() -> None:
    assert AfricasTalking.secret_fields() == ["username", "api_key"]
    assert PROVIDER.secret_values() == [USERNAME, API_KEY]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"username": USERNAME},
        {"api_key": API_KEY},
        {"username": "", "api_key": API_KEY},
        {"username": USERNAME, "api_key": " "},
        {"username": ["sandbox"], "api_key": API_KEY},
        {"username": USERNAME, "api_key": API_KEY, "sandbox": True},
    ],
)
def test_invalid_config_is_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        AfricasTalking(**fields)


def test_credentials_from_files_and_the_default_host(tmp_path: Path) -> None:
    (tmp_path / "user").write_text(f"{USERNAME}\n")
    (tmp_path / "key").write_text(API_KEY)
    entry = {
        "name": "ke",
        "provider": "africastalking",
        "username_file": str(tmp_path / "user"),
        "api_key_file": str(tmp_path / "key"),
    }
    config = config_from_data({"accounts": [entry]}, "test.yml", {}).accounts[0]
    assert config.provider.secret_values() == [USERNAME, API_KEY]
    assert config.base_url == "https://api.africastalking.com"


def test_documented_success() -> None:
    assert parse(PROVIDER, 200, user_data("KES 47.7191")) == Balance(amount=47.7191, currency="KES")


@pytest.mark.parametrize(
    ("balance", "expected"),
    [
        ("KES 0.0000", (0.0, "KES")),
        ("NGN 1785.50", (1785.5, "NGN")),
        ("UGX 12000", (12000.0, "UGX")),
        ("USD -3.5000", (-3.5, "USD")),
        ("kes 10.5", (10.5, "KES")),
        ("  KES   10.5  ", (10.5, "KES")),
        ("KES10.5", (10.5, "KES")),  # no space
        ("10.5 KES", (10.5, "KES")),  # amount first
        ("10,5 TZS", (10.5, "TZS")),
        ("KES 7,25", (7.25, "KES")),
    ],
)
def test_balance_string_variants(balance: str, expected: tuple[float, str]) -> None:
    result = parse(PROVIDER, 200, user_data(balance))
    assert (result.amount, result.currency) == expected


@pytest.mark.parametrize(
    ("balance", "code", "expected"),
    [
        ("47.7191", "KES", (47.7191, "KES")),
        (47.7191, "KES", (47.7191, "KES")),
        (12, "rwf", (12.0, "RWF")),
        ("KES 47.7191", "KES", (47.7191, "KES")),  # both agree
        ("KES 47.7191", "kes", (47.7191, "KES")),
    ],
)
def test_currency_code_field(balance: object, code: str, expected: tuple[float, str]) -> None:
    result = parse(PROVIDER, 200, user_data(balance, currencyCode=code))
    assert (result.amount, result.currency) == expected


@pytest.mark.parametrize(
    ("balance", "code"),
    [
        ("KES 47.7191", "UGX"),  # they disagree
        ("47.7191", ""),
        ("47.7191", "Kenyan shilling"),
        ("47.7191", 404),
        ("47.7191", None),  # a bare amount with no code anywhere
        (47.7191, None),
    ],
)
def test_currency_code_problems_are_parse_errors(balance: object, code: object) -> None:
    extra = {} if code is None else {"currencyCode": code}
    error = parse_error(PROVIDER, 200, user_data(balance, **extra))
    assert error.reason is Reason.PARSE
    assert "UserData" in error.message


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/xml", XML_ANSWER),
        ("text/xml", XML_ANSWER),
        ("text/plain", XML_ANSWER),  # the declaration gives it away
        ("application/xml", "<AfricasTalkingResponse><UserData/></AfricasTalkingResponse>"),
        ("text/html", "<AfricasTalkingResponse><UserData/></AfricasTalkingResponse>"),
    ],
)
def test_an_xml_answer_says_so(content_type: str, body: str) -> None:
    with pytest.raises(ProviderError) as caught:
        PROVIDER.parse_response(response(200, body, content_type))
    assert caught.value.reason is Reason.PARSE
    assert "XML" in caught.value.message


def test_an_html_page_is_not_called_xml() -> None:
    error = parse_error(PROVIDER, 200, "<html><body>maintenance</body></html>")
    assert error.reason is Reason.PARSE
    assert "XML" not in error.message


@pytest.mark.parametrize(
    ("status", "body", "content_type", "reason"),
    [
        (401, "The supplied authentication is invalid", "text/plain", Reason.AUTH),
        # The API's words for rejected credentials, whatever the status.
        (200, "The supplied authentication is invalid", "text/plain", Reason.AUTH),
        (500, "The supplied authentication is invalid", "text/plain", Reason.AUTH),
        (
            200,
            {"errorMessage": "The supplied authentication is invalid"},
            "application/json",
            Reason.AUTH,
        ),
        (
            401,
            {"errorMessage": "The supplied authentication is invalid"},
            "application/json",
            Reason.AUTH,
        ),
        (401, {"message": "Unauthorized"}, "application/json", Reason.AUTH),
        (401, XML_ANSWER, "application/xml", Reason.AUTH),
        (403, "Forbidden", "text/plain", Reason.AUTH),
        (400, "Request is missing required form field 'username'", "text/plain", Reason.HTTP),
        (200, {"errorMessage": "Invalid username"}, "application/json", Reason.PROVIDER),
        (200, {"error": "something failed"}, "application/json", Reason.PROVIDER),
        (500, {"errorMessage": "Internal error"}, "application/json", Reason.PROVIDER),
        (429, {"message": "Too Many Requests"}, "application/json", Reason.RATE_LIMITED),
        (429, "", "text/plain", Reason.RATE_LIMITED),
    ],
)
def test_errors(status: int, body: object, content_type: str, reason: Reason) -> None:
    with pytest.raises(ProviderError) as caught:
        PROVIDER.parse_response(response(status, body, content_type))
    assert caught.value.reason is reason, caught.value.message
    for secret in PROVIDER.secret_values():
        assert secret not in caught.value.message


def test_error_text_is_not_echoed() -> None:
    body = {"errorMessage": f"user {USERNAME} with key {API_KEY} is suspended"}
    message = parse_error(PROVIDER, 200, body).message
    assert "suspended" not in message
    assert USERNAME not in message
    assert API_KEY not in message


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, user_data("KES 10.0"), Reason.HTTP),  # a balance under a failed status
        (200, [], Reason.PARSE),
        (200, '"KES 47.7191"', Reason.PARSE),
        (200, {}, Reason.PARSE),
        (200, {"UserData": None}, Reason.PARSE),
        (200, {"UserData": "KES 10"}, Reason.PARSE),
        (200, {"UserData": {}}, Reason.PARSE),
        (200, {"balance": "KES 10"}, Reason.PARSE),
        (200, {"errorMessage": "", "UserData": {}}, Reason.PARSE),
        (200, user_data(None), Reason.PARSE),
        (200, user_data(""), Reason.PARSE),
        (200, user_data("KES"), Reason.PARSE),
        (200, user_data("KES abc"), Reason.PARSE),
        (200, user_data("KES 1.2.3"), Reason.PARSE),
        (200, user_data("KES NaN"), Reason.PARSE),
        (200, user_data("KSH 10 20"), Reason.PARSE),
        (200, user_data("Kenya Shillings 10"), Reason.PARSE),
        (200, user_data(True), Reason.PARSE),
        (200, user_data(["KES", 10]), Reason.PARSE),
        (200, user_data({"KES": 10}), Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


def test_missing_balance_is_named() -> None:
    assert "UserData.balance" in parse_error(PROVIDER, 200, {"UserData": {}}).message


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def twin() -> Iterator[Simulator]:
    with Simulator([AfricasTalkingTwin()], [AfricasTalkingTwin().sample_account("ke")]) as sim:
        yield sim


def fetch(sim: Simulator, provider: AfricasTalking) -> Balance:
    return UpstreamClient().fetch_balance(
        provider, sim.base_url("africastalking"), time.monotonic() + 5
    )


def test_twin_answers_the_documented_string(twin: Simulator) -> None:
    url = twin.base_url("africastalking") + "/version1/user"
    answer = requests.get(
        url,
        params={"username": "ke-app"},
        headers={"apiKey": "atsk_ke-api-key", "Accept": "application/json"},
        timeout=5,
    )
    assert answer.status_code == 200
    currency, amount = answer.json()["UserData"]["balance"].split(" ")
    assert currency == "KES"
    assert float(amount) == pytest.approx(twin.accounts["ke"].current_balance(), abs=0.01)


def test_loopback_balance(twin: Simulator) -> None:
    sim_account = twin.accounts["ke"]
    balance = fetch(twin, AfricasTalking(**sim_account.credentials))
    assert balance.currency == "KES"
    assert balance.amount == pytest.approx(sim_account.current_balance(), abs=0.01)


def test_twin_wants_the_username(twin: Simulator) -> None:
    url = twin.base_url("africastalking") + "/version1/user"
    answer = requests.get(url, headers={"apiKey": "atsk_ke-api-key"}, timeout=5)
    assert answer.status_code == 400
    assert "username" in answer.text


@pytest.mark.parametrize(
    "provider",
    [
        AfricasTalking(username="ke-app", api_key="wrong-api-key"),
        AfricasTalking(username="other-app", api_key="atsk_ke-api-key"),
    ],
)
def test_loopback_wrong_credentials(twin: Simulator, provider: AfricasTalking) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(twin, provider)
    assert caught.value.reason is Reason.AUTH
    for secret in provider.secret_values():
        assert secret not in caught.value.message
