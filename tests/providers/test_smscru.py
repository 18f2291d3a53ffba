"""SMSC.ru (a definition): GET /sys/balance.php with login and password in the query, fmt=3
(JSON) and cur=1 (the currency); errors are `{"error", "error_code"}`: 2 auth, 4 and 9
rate_limited, any other code provider."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.smscru import SmscRuTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.loopback import fetch
from tests.providers.wire import assert_fails, parse, parse_error

LOGIN, PASSWORD = "acme-login", "S3cret&Pass word"
PROVIDER = defined("smscru", login=LOGIN, password=PASSWORD)


def error(code: object, text: str = "authorise error") -> dict[str, object]:
    return {"error": text, "error_code": code}


def test_request_carries_login_and_password_in_the_query() -> None:
    request = request_of("smscru", login=LOGIN, password=PASSWORD)
    assert (request.method, request.url) == ("GET", "https://smsc.ru/sys/balance.php")
    assert dict(request.params) == {"login": LOGIN, "psw": PASSWORD, "fmt": "3", "cur": "1"}
    assert not request.headers and request.basic_auth is None
    assert PASSWORD not in repr(request) and PASSWORD not in repr(PROVIDER)


def test_the_password_is_a_secret_also_in_its_encoded_forms() -> None:
    secrets = PROVIDER.secret_values()
    assert {LOGIN, PASSWORD, "S3cret%26Pass%20word", "S3cret%26Pass+word"} <= set(secrets)


def test_login_and_password_are_required() -> None:
    assert config_problems("smscru", login=LOGIN) == [
        "c.yml: accounts[0] (name 'acct'), field 'password': is required (or password_file)"
    ]
    assert len(config_problems("smscru")) == 2


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"balance": "84.75", "currency": "KZT"}, Balance(amount=84.75, currency="KZT")),
        ({"balance": 84.75, "currency": "RUB"}, Balance(amount=84.75, currency="RUB")),
        ({"balance": "0.00", "currency": "RUB"}, Balance(amount=0.0, currency="RUB")),
        ({"balance": "-12.5", "currency": "RUB"}, Balance(amount=-12.5, currency="RUB")),
    ],
)
def test_documented_success(body: object, expected: Balance) -> None:
    assert parse(PROVIDER, 200, body) == expected


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (error(2), Reason.AUTH),
        (error("2"), Reason.AUTH),
        (error(9, "too many requests"), Reason.RATE_LIMITED),
        (error(4, "IP blocked"), Reason.RATE_LIMITED),
        (error(1, "parameters error"), Reason.PROVIDER),
        (error(3, "no such error"), Reason.PROVIDER),  # an undocumented code
        (error(None), Reason.PROVIDER),
        ({"error_code": 1}, Reason.PROVIDER),
    ],
)
@pytest.mark.parametrize("status", [200, 400])
def test_documented_errors_under_any_status(body: object, reason: Reason, status: int) -> None:
    assert_fails(PROVIDER, status, body, reason)


def test_a_provider_error_does_not_repeat_the_provider_text() -> None:
    message = parse_error(PROVIDER, 200, error(1, f"bad psw {PASSWORD}")).message
    assert message == "provider error condition met (field 'error_code' is present)"


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, {"balance": "84.75"}, Reason.PARSE),  # no currency: cur=1 was not honoured
        (200, {"currency": "RUB"}, Reason.PARSE),
        (200, {"balance": None, "currency": "RUB"}, Reason.PARSE),
        (200, {"balance": "много", "currency": "RUB"}, Reason.PARSE),
        (200, {"balance": {"rub": 1}, "currency": "RUB"}, Reason.PARSE),
        (200, {"balance": "1", "currency": ""}, Reason.PARSE),
        (200, {"error": "authorise error"}, Reason.PARSE),  # no code: not a documented error
        (200, "84.75", Reason.PARSE),  # the plain-text form (fmt=0), not asked for
        (200, "<balance>84.75</balance>", Reason.PARSE),  # the XML form (fmt=2)
        (503, {"balance": "1", "currency": "RUB"}, Reason.HTTP),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator([SmscRuTwin()], [SmscRuTwin().sample_account("kz")]) as running:
        yield running


def test_against_the_twin_over_loopback(sim: Simulator) -> None:
    balance = fetch(sim, "kz")
    assert balance.currency == "RUB"
    assert balance.amount == pytest.approx(sim.accounts["kz"].current_balance(), abs=0.01)


def test_a_wrong_password_is_auth_over_loopback(sim: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, "kz", password="wrong")
    assert caught.value.reason is Reason.AUTH


def test_twin_answers_a_parameter_error_without_fmt_3(sim: Simulator) -> None:
    url = sim.base_url("smscru") + "/sys/balance.php"
    answer = requests.get(url, params={"login": "kz-login", "psw": "kz-Pa55word"}, timeout=5)
    assert (answer.status_code, answer.json()) == (200, error(1, "parameters error"))
