"""Skebby / Mobyt / smsend (a definition with a login): the text USER_KEY;SESSION_KEY login,
the status call with both keys as headers, every documented shape."""

from __future__ import annotations

import time

import pytest

from sms_balance_exporter.providers import PROVIDERS, Balance, HttpRequest, HttpResponse, Reason
from sms_balance_exporter.providers.base import ProviderError
from sms_balance_exporter.providers.defined import DefinedProvider
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.skebby import SkebbyTwin
from tests.providers.loopback import CLIENT
from tests.providers.wire import HTML_502, assert_fails, parse, response

USER = "skebby-user"
PASSWORD = "sk3bby&pass word"
USER_KEY = "a1b2c3d4e5f6a7b8"
SESSION_KEY = "0123456789abcdef0123456789abcdef"


def provider() -> DefinedProvider:
    made = PROVIDERS["skebby"](username=USER, password=PASSWORD)
    assert isinstance(made, DefinedProvider)
    return made


def login_answer(text: str = f"{USER_KEY};{SESSION_KEY}") -> HttpResponse:
    return response(200, text, "text/plain")


def test_login_then_status_with_both_keys() -> None:
    requests: list[HttpRequest] = []
    answers = [login_answer(), response(200, {"money": 87.3, "sms": []})]

    def perform(request: HttpRequest) -> HttpResponse:
        requests.append(request)
        return answers.pop(0)

    made = provider()
    assert made.fetch_balance("https://api.skebby.it", perform) == Balance(
        amount=87.3, currency="EUR"
    )
    login, status = requests
    assert login.url == "https://api.skebby.it/API/v1.0/REST/login"
    assert dict(login.params) == {"username": USER, "password": PASSWORD}
    assert status.url == "https://api.skebby.it/API/v1.0/REST/status"
    assert dict(status.params) == {"getMoney": "true"}
    assert status.headers["user_key"] == USER_KEY
    assert status.headers["Session_key"] == SESSION_KEY
    assert {USER_KEY, SESSION_KEY, PASSWORD, "sk3bby%26pass+word"} <= set(made.secret_values())


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (response(404, "Credentials are incorrect", "text/plain"), Reason.HTTP),
        (response(401, "", "text/plain"), Reason.AUTH),
        (login_answer("nonsense"), Reason.PARSE),
        (login_answer(""), Reason.PARSE),
        (response(200, HTML_502, "text/html"), Reason.PARSE),
    ],
)
def test_a_failed_login(answer: HttpResponse, reason: Reason) -> None:
    with pytest.raises(ProviderError) as caught:
        provider().fetch_balance("https://x", lambda request: answer)
    assert caught.value.reason is reason
    assert PASSWORD not in caught.value.message


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, {"money": "87.30", "sms": [{"type": "GP", "quantity": 1247}]}, None),
        (200, {"sms": [{"type": "GP", "quantity": 1247}]}, Reason.PARSE),
        (200, {"money": {"eur": 1}}, Reason.PARSE),
        (401, "User_key, Token or Session_key are invalid or not provided", Reason.AUTH),
        (400, "Other errors, details are in the body", Reason.HTTP),
    ],
)
def test_status_shapes(status: int, body: object, reason: Reason | None) -> None:
    made = provider()
    if reason is None:
        assert parse(made, status, body) == Balance(amount=87.3, currency="EUR")
    else:
        assert_fails(made, status, body, reason)


def test_over_loopback_an_ended_session_is_opened_again() -> None:
    twin = SkebbyTwin()
    with Simulator([twin], [twin.sample_account("sk")]) as sim:
        entry = sim.exporter_account("sk")
        made = PROVIDERS["skebby"](username=entry["username"], password=entry["password"])
        first = CLIENT.fetch_balance(made, entry["base_url"], time.monotonic() + 5)
        CLIENT.fetch_balance(made, entry["base_url"], time.monotonic() + 5)
        assert twin.logins == 1
        twin.expire_sessions()
        CLIENT.fetch_balance(made, entry["base_url"], time.monotonic() + 5)
    assert twin.logins == 2
    assert first.amount == pytest.approx(87.3, abs=0.1)
