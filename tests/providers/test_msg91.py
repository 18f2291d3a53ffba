"""MSG91 (a definition): the authkey and route in the query, a plain-text credit count."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sms_balance_exporter.providers import ProviderError, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.msg91 import Msg91Twin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.loopback import fetch
from tests.providers.wire import response

AUTHKEY = "335577AbCdEfGh0123456789"
PROVIDER = defined("msg91", authkey=AUTHKEY)
TEXT = "text/plain; charset=UTF-8"


def read(status: int, body: str, content_type: str = TEXT) -> float | None:
    return PROVIDER.parse_response(response(status, body, content_type)).messages


def failure(status: int, body: str, content_type: str = TEXT) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        PROVIDER.parse_response(response(status, body, content_type))
    assert AUTHKEY not in caught.value.message
    return caught.value


def test_request_carries_the_authkey_and_the_transactional_route() -> None:
    request = request_of("msg91", authkey=AUTHKEY)
    assert (request.method, request.url) == ("GET", "https://control.msg91.com/api/balance.php")
    assert dict(request.params) == {"authkey": AUTHKEY, "type": "4"}
    assert AUTHKEY not in repr(request)


@pytest.mark.parametrize("route", ["0", "1", 4])
def test_the_route_can_be_chosen(route: object) -> None:
    assert request_of("msg91", authkey=AUTHKEY, route=route).params["type"] == str(route)


@pytest.mark.parametrize(
    ("body", "messages"), [("5400", 5400.0), ("5400\n", 5400.0), (" 12.5 ", 12.5), ("0", 0.0)]
)
def test_the_body_is_the_credit_count(body: str, messages: float) -> None:
    assert read(200, body) == messages


def test_a_json_content_type_does_not_matter() -> None:
    assert read(200, "77", "application/json") == 77.0


@pytest.mark.parametrize(
    ("status", "body", "content_type", "reason"),
    [
        (200, "Authentication failure", TEXT, Reason.AUTH),
        (200, "Your IP is not whitelisted", TEXT, Reason.PROVIDER),
        (401, "Authentication failure", TEXT, Reason.AUTH),
        (200, "", TEXT, Reason.PARSE),
        (200, "nan", TEXT, Reason.PARSE),
        (200, "1,234", TEXT, Reason.PARSE),  # a thousands separator or a decimal comma?
        (429, "Too many requests", TEXT, Reason.RATE_LIMITED),
    ],
)
def test_error_shapes(status: int, body: str, content_type: str, reason: Reason) -> None:
    assert failure(status, body, content_type).reason is reason


def test_the_authkey_is_required_and_redacted() -> None:
    assert config_problems("msg91") == [
        "c.yml: accounts[0] (name 'acct'), field 'authkey': is required (or authkey_file)"
    ]
    assert AUTHKEY in PROVIDER.secret_values()


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    account = Msg91Twin().sample_account("msg")
    with Simulator([Msg91Twin()], [account]) as running:
        yield running


def test_against_the_twin_over_loopback(sim: Simulator) -> None:
    assert fetch(sim, "msg").messages == sim.accounts["msg"].current_messages()


def test_an_unknown_route_is_the_providers_error(sim: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, "msg", route="9")
    assert caught.value.reason is Reason.PROVIDER
