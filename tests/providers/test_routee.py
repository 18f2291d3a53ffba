"""Routee (a definition with a login): the client-credentials token, kept until it expires or
a 401 comes back (then fetched again, once), never in a message; every documented shape."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from sms_balance_exporter.providers import (
    PROVIDERS,
    Balance,
    HttpRequest,
    HttpResponse,
    ProviderError,
    Reason,
)
from sms_balance_exporter.providers.defined import DefinedProvider
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.routee import RouteeTwin
from tests.providers.defined import config_problems, defined
from tests.providers.loopback import CLIENT
from tests.providers.wire import HTML_502, assert_fails, parse, response

APP_ID = "5c3b1a2d9e8f"
SECRET = "routee-app-secret-0123"
TOKEN = "tok-3b5a6c1d-0e9f-4a2b-8c7d-abcdefabcdef"
PROVIDER = defined("routee", application_id=APP_ID, application_secret=SECRET)


def token_answer(token: str = TOKEN, expires_in: object = 3600) -> HttpResponse:
    body = {"access_token": token, "token_type": "bearer", "expires_in": expires_in}
    return response(200, body)


def balance_answer(balance: object = 245.8) -> HttpResponse:
    return response(200, {"balance": balance, "currency": {"code": "EUR", "sign": "€"}})


class Script:
    """A `perform` that answers from a list and records the requests."""

    def __init__(self, *answers: HttpResponse) -> None:
        self.answers = list(answers)
        self.requests: list[HttpRequest] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        return self.answers.pop(0)


def fresh() -> DefinedProvider:
    provider = defined("routee", application_id=APP_ID, application_secret=SECRET)
    assert isinstance(provider, DefinedProvider)
    return provider


def test_login_then_balance_with_the_bearer_token() -> None:
    script = Script(token_answer(), balance_answer())
    assert fresh().fetch_balance("https://connect.routee.net", script) == Balance(
        amount=245.8, currency="EUR"
    )
    login, balance = script.requests
    assert (login.method, login.url) == ("POST", "https://auth.routee.net/oauth/token")
    assert login.basic_auth == (APP_ID, SECRET)
    assert login.form_body == {"grant_type": "client_credentials"}
    assert balance.url == "https://connect.routee.net/accounts/me/balance"
    assert balance.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in repr(balance)


def test_the_token_is_kept_until_it_expires() -> None:
    provider = fresh()
    now = [1000.0]
    provider._tokens.clock = lambda: now[0]
    script = Script(token_answer(expires_in=600), balance_answer(), balance_answer())
    provider.fetch_balance("https://x", script)
    now[0] += 500  # within its life (less the margin)
    provider.fetch_balance("https://x", script)
    assert len(script.requests) == 3  # one login, two balance calls
    now[0] += 100
    script.answers += [token_answer("tok-2"), balance_answer()]
    provider.fetch_balance("https://x", script)
    assert script.requests[3].url.endswith("/oauth/token")
    assert script.requests[4].headers["Authorization"] == "Bearer tok-2"


def test_a_401_fetches_a_new_token_once() -> None:
    provider = fresh()
    provider.fetch_balance("https://x", Script(token_answer(), balance_answer()))
    rejected = response(401, {"error": "invalid_token", "error_description": "expired"})
    script = Script(rejected, token_answer("tok-2"), balance_answer(9))
    assert provider.fetch_balance("https://x", script).amount == 9
    assert [r.url.rsplit("/", 1)[1] for r in script.requests] == ["balance", "token", "balance"]
    # Rejected again with a new token: auth, and no third login.
    script = Script(rejected, token_answer("tok-3"), rejected)
    with pytest.raises(ProviderError) as caught:
        provider.fetch_balance("https://x", script)
    assert caught.value.reason is Reason.AUTH
    assert len(script.requests) == 3
    # The rejected token is not kept.
    script = Script(token_answer("tok-4"), balance_answer())
    provider.fetch_balance("https://x", script)
    assert script.requests[0].url.endswith("/oauth/token")


def test_a_401_on_a_fresh_token_is_not_retried() -> None:
    rejected = response(401, {"error": "invalid_token"})
    script = Script(token_answer(), rejected)
    with pytest.raises(ProviderError) as caught:
        fresh().fetch_balance("https://x", script)
    assert caught.value.reason is Reason.AUTH
    assert len(script.requests) == 2


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (response(401, {"error": "invalid_client", "error_description": "Bad"}), Reason.AUTH),
        (response(200, {"token_type": "bearer"}), Reason.PARSE),
        (response(200, {"access_token": "", "expires_in": 60}), Reason.PARSE),
        (response(200, {"access_token": "t", "expires_in": 0}), Reason.PARSE),
        (response(200, HTML_502, "text/html"), Reason.PARSE),
        (response(502, HTML_502, "text/html"), Reason.HTTP),
        (response(429, ""), Reason.RATE_LIMITED),
    ],
)
def test_a_failed_login(answer: HttpResponse, reason: Reason) -> None:
    script = Script(answer)
    with pytest.raises(ProviderError) as caught:
        fresh().fetch_balance("https://x", script)
    assert caught.value.reason is reason
    assert caught.value.message.startswith("login: ")
    assert SECRET not in caught.value.message
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, {"balance": "12.50", "currency": {"code": "EUR"}}, None),
        (200, {"balance": 1, "currency": {"sign": "€"}}, Reason.PARSE),  # code UNCONFIRMED
        (200, {"balance": 1, "currency": "EUR"}, Reason.PARSE),
        (200, {"currency": {"code": "EUR"}}, Reason.PARSE),
        (200, {"error": "invalid_token", "error_description": "x"}, Reason.AUTH),
        (403, {"code": "403000", "developerMessage": "Forbidden"}, Reason.AUTH),
        (400, {"code": "400001", "developerMessage": "Bad request"}, Reason.HTTP),
    ],
)
def test_balance_shapes(status: int, body: object, reason: Reason | None) -> None:
    if reason is None:
        assert parse(PROVIDER, status, body) == Balance(amount=12.5, currency="EUR")
    else:
        assert_fails(PROVIDER, status, body, reason)


def test_credentials_are_required() -> None:
    problems = config_problems("routee", application_id=APP_ID)
    assert problems == [
        "c.yml: accounts[0] (name 'acct'), field 'application_secret': is required "
        "(or application_secret_file)"
    ]


def test_a_kept_token_is_a_secret_of_the_account() -> None:
    provider = fresh()
    provider.fetch_balance("https://x", Script(token_answer(), balance_answer()))
    assert TOKEN in provider.secret_values()
    assert TOKEN not in repr(provider) and TOKEN not in str(provider.model_dump())


# ---- against the twin ------------------------------------------------------------------------


@pytest.fixture
def twin_sim() -> Iterator[tuple[RouteeTwin, Simulator, DefinedProvider, str]]:
    twin = RouteeTwin(expires_in=3600)
    account = twin.sample_account("rt")
    with Simulator([twin], [account]) as sim:
        entry = sim.exporter_account("rt")
        provider = PROVIDERS["routee"](
            application_id=entry["application_id"],
            application_secret=entry["application_secret"],
            auth_url=entry["auth_url"],
        )
        assert isinstance(provider, DefinedProvider)
        yield twin, sim, provider, entry["base_url"]


def test_over_loopback_the_token_is_reused_and_refetched_after_a_revocation(
    twin_sim: tuple[RouteeTwin, Simulator, DefinedProvider, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    twin, sim, provider, base_url = twin_sim

    def fetch() -> Balance:
        return CLIENT.fetch_balance(provider, base_url, time.monotonic() + 5)

    assert fetch().currency == "EUR"
    fetch()
    assert twin.logins == 1
    twin.revoke_tokens()
    assert fetch().amount == pytest.approx(sim.accounts["rt"].current_balance(), abs=0.01)
    assert twin.logins == 2
    tokens = provider._tokens.secret_values()
    assert tokens and all(token not in caplog.text for token in tokens)
    assert all(secret not in caplog.text for secret in sim.accounts["rt"].credentials.values())


def test_over_loopback_an_expired_token_is_fetched_again(
    twin_sim: tuple[RouteeTwin, Simulator, DefinedProvider, str],
) -> None:
    twin, _, provider, base_url = twin_sim
    twin.expires_in = 60
    CLIENT.fetch_balance(provider, base_url, time.monotonic() + 5)
    provider._tokens.clock = lambda: time.monotonic() + 60
    CLIENT.fetch_balance(provider, base_url, time.monotonic() + 5)
    assert twin.logins == 2
