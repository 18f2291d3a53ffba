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
from sms_balance_exporter.providers.infobip import Infobip
from sms_balance_exporter.simulator.core import Simulator
from sms_balance_exporter.simulator.infobip import InfobipTwin
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.wire import assert_fails, parse, parse_error

KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0-abcdef01-2345-6789-abcd-ef0123456789"
PROVIDER = Infobip(api_key=KEY)
HOST = "https://xk9z2.api.infobip.com"


def ok(balance: object = 47.79134, currency: object = "EUR") -> dict[str, Any]:
    return {"balance": balance, "currency": currency}


def service_exception(message_id: object, text: str = "Invalid login details") -> Any:
    return {"requestError": {"serviceException": {"messageId": message_id, "text": text}}}


def account(**fields: Any) -> dict[str, Any]:
    return {"name": "hr", "provider": "infobip", "api_key": KEY, **fields}


def test_request_is_a_get_with_the_app_key_header() -> None:
    request = PROVIDER.build_request(HOST)
    assert request.method == "GET"
    assert request.url == f"{HOST}/account/1/balance"
    assert request.headers == {"Accept": "application/json", "Authorization": f"App {KEY}"}
    assert request.basic_auth is None
    assert not request.params
    assert request.json_body is None
    assert KEY not in repr(request)


def test_only_the_key_is_a_secret() -> None:
    assert Infobip.secret_fields() == ["api_key"]
    assert PROVIDER.secret_values() == [KEY]
    assert KEY not in repr(PROVIDER)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"api_key": ""},
        {"api_key": "  "},
        {"api_key": None},
        {"api_key": 42},
        {"api_key": KEY, "username": "u"},  # Basic auth is not offered
        {"api_key": KEY, "base_url": HOST},  # base_url is the config's, not the provider's
    ],
)
def test_invalid_provider_fields_are_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Infobip(**fields)


def test_base_url_is_required_by_the_config() -> None:
    assert Infobip.base_url_required is True
    with pytest.raises(ConfigError) as caught:
        config_from_data({"accounts": [account()]}, "test.yml")
    assert len(caught.value.problems) == 1
    problem = caught.value.problems[0]
    assert "accounts[0] (name 'hr'), field 'base_url'" in problem
    assert "is required for provider 'infobip'" in problem
    assert KEY not in problem


def test_config_with_base_url_is_valid() -> None:
    config = config_from_data({"accounts": [account(base_url=HOST + "/")]}, "test.yml")
    assert config.accounts[0].base_url == HOST
    assert config.accounts[0].provider == PROVIDER


def test_key_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    entry = {"name": "hr", "provider": "infobip", "api_key_file": str(key_file), "base_url": HOST}
    config = config_from_data({"accounts": [entry]}, "test.yml")
    assert config.accounts[0].provider == PROVIDER


def test_documented_success() -> None:
    assert parse(PROVIDER, 200, ok()) == Balance(amount=47.79134, currency="EUR")


@pytest.mark.parametrize(
    ("balance", "expected"),
    [
        (47.79134, 47.79134),
        (0, 0.0),
        (-1.5, -1.5),
        ("47.79134", 47.79134),
        ("47,79134", 47.79134),
        (" 12 ", 12.0),
    ],
)
def test_balance_as_number_or_string(balance: object, expected: float) -> None:
    assert parse(PROVIDER, 200, ok(balance)).amount == expected


@pytest.mark.parametrize("currency", ["EUR", "USD", "HRK", "GBP"])
def test_reported_currency_is_kept(currency: str) -> None:
    assert parse(PROVIDER, 200, ok(5, currency)) == Balance(amount=5.0, currency=currency)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (401, service_exception("UNAUTHORIZED"), Reason.AUTH),  # the common shape
        (200, service_exception("UNAUTHORIZED"), Reason.AUTH),  # under HTTP 200 still an error
        (200, service_exception("unauthorized"), Reason.AUTH),
        (
            401,
            {"requestError": {"policyException": {"messageId": "UNAUTHORIZED", "text": "x"}}},
            Reason.AUTH,
        ),
        (401, {"errorCode": "E401", "description": "Invalid login details"}, Reason.AUTH),
        (200, {"errorCode": "E401", "description": "Invalid login details"}, Reason.AUTH),
        (403, service_exception("FORBIDDEN"), Reason.AUTH),  # unknown id: the status says auth
        (429, service_exception("TOO_MANY_REQUESTS"), Reason.RATE_LIMITED),
        (429, {"errorCode": "E429"}, Reason.RATE_LIMITED),
        (400, service_exception("BAD_REQUEST"), Reason.PROVIDER),
        (500, service_exception("GENERAL_ERROR"), Reason.PROVIDER),
        (200, service_exception("GENERAL_ERROR"), Reason.PROVIDER),
        (500, {"errorCode": "E500", "description": "Internal error"}, Reason.PROVIDER),
        (500, service_exception(None), Reason.PROVIDER),
        (500, service_exception(""), Reason.PROVIDER),
        (500, service_exception(404), Reason.PROVIDER),
        (500, service_exception("X" * 100), Reason.PROVIDER),
        (500, service_exception("two words"), Reason.PROVIDER),
        (401, {"requestError": {}}, Reason.AUTH),
        (200, {"requestError": None}, Reason.PROVIDER),
        (200, {"requestError": "oops"}, Reason.PROVIDER),
        (200, {**ok(), **service_exception("UNAUTHORIZED")}, Reason.AUTH),  # an error wins
    ],
)
def test_error_bodies(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


def test_error_message_names_the_id_not_the_text() -> None:
    error = parse_error(PROVIDER, 500, service_exception("GENERAL_ERROR", f"key {KEY} broke"))
    assert "GENERAL_ERROR" in error.message
    assert "broke" not in error.message
    assert KEY not in error.message


def test_unreadable_error_id_is_not_repeated() -> None:
    error = parse_error(PROVIDER, 500, service_exception("<script>alert(1)</script>"))
    assert "script" not in error.message


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, b"\r\n", Reason.PARSE),
        (401, {"message": "unknown shape"}, Reason.AUTH),  # an unknown error shape
        (500, {"error": {"code": 1}}, Reason.HTTP),
        (404, {"status": 404, "error": "Not Found"}, Reason.HTTP),  # e.g. a wrong base_url
        (500, ok(), Reason.HTTP),  # a balance under a failed status is not trusted
        (200, [], Reason.PARSE),
        (200, "47.79", Reason.PARSE),
        (200, {}, Reason.PARSE),
        (200, {"currency": "EUR"}, Reason.PARSE),
        (200, {"balance": 47.79}, Reason.PARSE),  # no currency
        (200, ok(None), Reason.PARSE),
        (200, ok(""), Reason.PARSE),
        (200, ok("lots"), Reason.PARSE),
        (200, ok(True), Reason.PARSE),
        (200, ok([1.0]), Reason.PARSE),
        (200, ok("NaN"), Reason.PARSE),
        (200, ok(1.0, None), Reason.PARSE),
        (200, ok(1.0, ""), Reason.PARSE),
        (200, ok(1.0, 978), Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    twin = InfobipTwin()
    with Simulator([twin], [twin.sample_account("hr")]) as s:
        yield s


def fetch(sim: Simulator, provider: Infobip) -> Balance:
    return UpstreamClient().fetch_balance(provider, sim.base_url("infobip"), time.monotonic() + 5)


def test_loopback_balance(sim: Simulator) -> None:
    account = sim.accounts["hr"]
    balance = fetch(sim, Infobip(**account.credentials))
    assert balance.currency == "EUR"
    assert balance.amount == pytest.approx(account.current_balance(), abs=0.01)


def test_simulated_account_config_names_its_base_url(sim: Simulator) -> None:
    config = config_from_data({"accounts": [sim.exporter_account("hr")]}, "sim")
    assert config.accounts[0].base_url == sim.base_url("infobip")


def test_twin_answers_a_number(sim: Simulator) -> None:
    key = sim.accounts["hr"].credentials["api_key"]
    url = sim.base_url("infobip") + "/account/1/balance"
    answer = requests.get(url, headers={"Authorization": f"App {key}"}, timeout=5)
    assert answer.status_code == 200
    assert isinstance(answer.json()["balance"], float)


@pytest.mark.parametrize("authorization", ["", "Bearer {key}", "App", "Basic {key}"])
def test_twin_wants_the_app_scheme(sim: Simulator, authorization: str) -> None:
    key = sim.accounts["hr"].credentials["api_key"]
    url = sim.base_url("infobip") + "/account/1/balance"
    answer = requests.get(url, headers={"Authorization": authorization.format(key=key)}, timeout=5)
    assert answer.status_code == 401
    assert answer.json()["requestError"]["serviceException"]["messageId"] == "UNAUTHORIZED"


def test_loopback_wrong_key_is_auth(sim: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, Infobip(api_key="wrong-api-key"))
    assert caught.value.reason is Reason.AUTH
    assert "UNAUTHORIZED" in caught.value.message
    assert "wrong-api-key" not in caught.value.message
