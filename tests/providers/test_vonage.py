from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import ValidationError

from sms_balance_exporter.config import config_from_data
from sms_balance_exporter.providers import Balance, HttpResponse, ProviderError, Reason
from sms_balance_exporter.providers.vonage import Vonage
from sms_balance_exporter.simulator.core import Simulator
from sms_balance_exporter.simulator.vonage import VonageTwin
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.wire import assert_fails, parse, parse_error, response

KEY = "a1b2c3d4"
SECRET = "Vonage-Secret-9876"
PROVIDER = Vonage(api_key=KEY, api_secret=SECRET)
PROBLEM_JSON = "application/problem+json"
XML_BALANCE = "<?xml version='1.0'?><accountBalance><value>1.5</value></accountBalance>"


def ok(value: object = 10.28) -> dict[str, Any]:
    return {"value": value, "autoReload": False}


def problem(name: object, title: str = "Invalid credentials supplied") -> dict[str, Any]:
    problem_type = f"https://developer.nexmo.com/api-errors#{name}" if name is not None else None
    return {
        "type": problem_type,
        "title": title,
        "detail": "You did not provide correct credentials.",
        "instance": "797a8f199c45014ab7b08bfe9cc1c12c",
    }


def parse_problem(status: int, body: dict[str, Any]) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        PROVIDER.parse_response(response(status, body, PROBLEM_JSON))
    return caught.value


def test_request_is_a_get_with_basic_auth_only() -> None:
    request = PROVIDER.build_request("https://rest.nexmo.com")
    assert request.method == "GET"
    assert request.url == "https://rest.nexmo.com/account/get-balance"
    assert request.basic_auth == (KEY, SECRET)
    assert request.headers == {"Accept": "application/json"}
    assert not request.params  # the API would take them, but never in the query string
    assert request.json_body is None
    assert KEY not in repr(request)
    assert SECRET not in repr(request)


def test_both_fields_are_secrets() -> None:
    assert Vonage.secret_fields() == ["api_key", "api_secret"]
    assert PROVIDER.secret_values() == [KEY, SECRET]
    assert SECRET not in repr(PROVIDER)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"api_key": KEY},
        {"api_secret": SECRET},
        {"api_key": "", "api_secret": SECRET},
        {"api_key": KEY, "api_secret": " "},
        {"api_key": KEY, "api_secret": None},
        {"api_key": 12345678, "api_secret": SECRET},
        {"api_key": KEY, "api_secret": SECRET, "currency": "USD"},  # no such option
    ],
)
def test_invalid_config_is_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Vonage(**fields)


def test_credentials_from_files(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    config = config_from_data(
        {
            "accounts": [
                {
                    "name": "eu",
                    "provider": "vonage",
                    "api_key": KEY,
                    "api_secret_file": str(secret_file),
                }
            ]
        },
        "test.yml",
    )
    assert config.accounts[0].provider == PROVIDER
    assert config.accounts[0].base_url == "https://rest.nexmo.com"


def test_documented_success() -> None:
    assert parse(PROVIDER, 200, ok()) == Balance(amount=10.28, currency="EUR")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (10.28, 10.28),
        (3.14159, 3.14159),
        (0, 0.0),
        (-2.5, -2.5),
        ("10.28", 10.28),
        ("10,28", 10.28),
        (" 4 ", 4.0),
    ],
)
def test_value_as_number_or_string(value: object, expected: float) -> None:
    assert parse(PROVIDER, 200, ok(value)).amount == expected


def test_auto_reload_does_not_matter() -> None:
    assert parse(PROVIDER, 200, {"value": 1.5}).amount == 1.5
    assert parse(PROVIDER, 200, {"value": 1.5, "autoReload": True}).amount == 1.5


@pytest.mark.parametrize(
    ("status", "name", "reason"),
    [
        (401, "unauthorized", Reason.AUTH),  # documented
        (200, "unauthorized", Reason.AUTH),  # an error body under HTTP 200 is still an error
        (403, "forbidden", Reason.AUTH),
        (200, "forbidden", Reason.AUTH),
        (401, "invalid-api-key", Reason.AUTH),
        (403, "unprovisioned", Reason.AUTH),
        (403, "account-suspended", Reason.AUTH),
        (401, "jwt-expired", Reason.AUTH),
        (401, "jwt-revoked", Reason.AUTH),
        (401, "invalid-signature", Reason.AUTH),
        (200, "UNAUTHORIZED", Reason.AUTH),
        (500, "internal-error", Reason.PROVIDER),
        (200, "internal-error", Reason.PROVIDER),
        (404, "not-found", Reason.PROVIDER),
        (403, "low-balance", Reason.AUTH),  # not an auth name, but the status says so
        (200, "low-balance", Reason.PROVIDER),
        (429, "throttled", Reason.RATE_LIMITED),  # unknown name: the status decides
        (400, "invalid-params", Reason.PROVIDER),
        (401, None, Reason.AUTH),
        (500, None, Reason.PROVIDER),
    ],
)
def test_documented_problem_errors(status: int, name: object, reason: Reason) -> None:
    error = parse_problem(status, problem(name))
    assert error.reason is reason, error.message
    if name is not None:
        assert str(name) in error.message
    assert SECRET not in error.message


@pytest.mark.parametrize(
    ("problem_type", "reason"),
    [
        ("https://developer.vonage.com/api-errors#unauthorized", Reason.AUTH),
        ("https://developer.nexmo.com/api-errors/account#unauthorized", Reason.AUTH),
        ("https://developer.nexmo.com/api-errors/unauthorized", Reason.AUTH),  # no fragment
        ("unauthorized", Reason.AUTH),
        ("https://example.com/Error#out-of-credit", Reason.PROVIDER),
        ("https://developer.nexmo.com/api-errors#" + "x" * 200, Reason.PROVIDER),
        ("https://developer.nexmo.com/api-errors#bad name <script>", Reason.PROVIDER),
        ("", Reason.PROVIDER),
        (42, Reason.PROVIDER),
        ({"name": "unauthorized"}, Reason.PROVIDER),
    ],
)
def test_problem_type_variants(problem_type: object, reason: Reason) -> None:
    body = {"type": problem_type, "title": "t", "detail": "d"}
    error = parse_problem(200, body)
    assert error.reason is reason
    assert len(error.message) < 120


def test_problem_text_is_not_echoed() -> None:
    body = {
        "type": "https://developer.nexmo.com/api-errors#unauthorized",
        "title": f"Key {KEY} is wrong",
        "detail": f"secret {SECRET} does not match",
    }
    message = parse_problem(401, body).message
    assert "unauthorized" in message
    assert "does not match" not in message
    assert "is wrong" not in message
    assert KEY not in message
    assert SECRET not in message


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (problem("unauthorized"), Reason.AUTH),
        ({"title": "Invalid credentials supplied"}, Reason.PROVIDER),  # no type
        ({"type": "https://developer.nexmo.com/api-errors#unauthorized"}, Reason.AUTH),
        ({**ok(), "type": "https://developer.nexmo.com/api-errors#unauthorized"}, Reason.AUTH),
    ],
)
def test_a_problem_is_recognised_by_its_fields_under_a_json_content_type(
    body: object, reason: Reason
) -> None:
    assert_fails(PROVIDER, 200, body, reason)


def test_the_problem_content_type_alone_marks_an_error() -> None:
    error = parse_problem(200, {"value": 5.0})
    assert error.reason is Reason.PROVIDER
    assert "without a readable type" in error.message


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (401, "401", Reason.AUTH),
        (200, "401", Reason.AUTH),
        (200, 403, Reason.AUTH),
        (200, "429", Reason.RATE_LIMITED),
        (200, "500", Reason.PROVIDER),
        (401, "500", Reason.AUTH),  # an unknown code: the status decides
        (200, "x", Reason.PROVIDER),
        (429, "x", Reason.RATE_LIMITED),
    ],
)
def test_legacy_error_code_shape(status: int, code: object, reason: Reason) -> None:
    body = {"error-code": code, "error-code-label": f"authentication failed for {KEY}"}
    assert_fails(PROVIDER, status, body, reason)
    assert "authentication failed" not in parse_error(PROVIDER, status, body).message


def test_legacy_success_code_is_no_error() -> None:
    body = {**ok(7.5), "error-code": "200", "error-code-label": "success"}
    assert parse(PROVIDER, 200, body).amount == 7.5


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, XML_BALANCE, Reason.PARSE),  # the legacy XML answer is not asked for
        (500, ok(), Reason.HTTP),  # a balance under a failed status is not trusted
        (200, [], Reason.PARSE),
        (200, "10.28", Reason.PARSE),
        (200, {}, Reason.PARSE),
        (200, {"autoReload": False}, Reason.PARSE),
        (200, {"balance": 10.28}, Reason.PARSE),
        (200, ok(None), Reason.PARSE),
        (200, ok(""), Reason.PARSE),
        (200, ok("ten"), Reason.PARSE),
        (200, ok(True), Reason.PARSE),
        (200, ok([10.28]), Reason.PARSE),
        (200, ok({"eur": 1}), Reason.PARSE),
        (200, ok("NaN"), Reason.PARSE),
        (200, ok("-inf"), Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


def test_problem_content_type_with_parameters() -> None:
    answer = HttpResponse(
        status=200,
        headers={"content-type": "Application/Problem+JSON; charset=utf-8"},
        body=b'{"value": 1.0}',
    )
    with pytest.raises(ProviderError):
        PROVIDER.parse_response(answer)


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    twin = VonageTwin()
    with Simulator([twin], [twin.sample_account("eu")]) as s:
        yield s


def fetch(sim: Simulator, provider: Vonage) -> Balance:
    return UpstreamClient().fetch_balance(provider, sim.base_url("vonage"), time.monotonic() + 5)


def test_loopback_balance(sim: Simulator) -> None:
    account = sim.accounts["eu"]
    balance = fetch(sim, Vonage(**account.credentials))
    assert balance.currency == "EUR"
    assert balance.amount == pytest.approx(account.current_balance(), abs=0.01)


def test_twin_answers_a_number(sim: Simulator) -> None:
    credentials = sim.accounts["eu"].credentials
    url = sim.base_url("vonage") + "/account/get-balance"
    answer = requests.get(url, auth=(credentials["api_key"], credentials["api_secret"]), timeout=5)
    assert answer.status_code == 200
    assert isinstance(answer.json()["value"], float)
    assert answer.json()["autoReload"] is False


def test_twin_also_takes_the_documented_query_parameters(sim: Simulator) -> None:
    url = sim.base_url("vonage") + "/account/get-balance"
    answer = requests.get(url, params=sim.accounts["eu"].credentials, timeout=5)
    assert answer.status_code == 200


def test_loopback_wrong_secret_is_auth(sim: Simulator) -> None:
    wrong = Vonage(api_key=sim.accounts["eu"].credentials["api_key"], api_secret="wrong-secret")
    with pytest.raises(ProviderError) as caught:
        fetch(sim, wrong)
    assert caught.value.reason is Reason.AUTH
    assert "unauthorized" in caught.value.message
    assert "wrong-secret" not in caught.value.message


def test_twin_auth_error_is_problem_json(sim: Simulator) -> None:
    url = sim.base_url("vonage") + "/account/get-balance"
    answer = requests.get(url, timeout=5)
    assert answer.status_code == 401
    assert answer.headers["Content-Type"] == PROBLEM_JSON
    assert answer.json()["type"].endswith("#unauthorized")
