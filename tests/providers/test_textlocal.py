"""Textlocal (a definition): the API key in a form-encoded POST, `status` success/failure,
the SMS credits as messages, error code 3 `auth`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.textlocal import TextlocalTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.loopback import fetch
from tests.providers.wire import assert_fails, parse

KEY = "NmE0Yz+textlocal/key="
PROVIDER = defined("textlocal", api_key=KEY)


def ok(sms: object = 2500, **extra: object) -> dict[str, Any]:
    return {"balance": {"sms": sms, **extra}, "status": "success"}


def failure(code: object, message: str = "Invalid login details") -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message}], "status": "failure"}


def test_request_is_a_form_post_keeping_the_key_out_of_the_url() -> None:
    request = request_of("textlocal", api_key=KEY)
    assert (request.method, request.url) == ("POST", "https://api.textlocal.in/balance/")
    assert request.form_body == {"apiKey": KEY}
    assert not request.params and request.json_body is None
    assert KEY not in repr(request)


def test_the_uk_platform_is_a_base_url() -> None:
    request = request_of("textlocal", api_key=KEY, base_url="https://api.txtlocal.com")
    assert request.url == "https://api.txtlocal.com/balance/"


def test_the_key_is_required_and_redacted_in_its_encoded_form_too() -> None:
    assert config_problems("textlocal") == [
        "c.yml: accounts[0] (name 'acct'), field 'api_key': is required (or api_key_file)"
    ]
    assert {KEY, "NmE0Yz%2Btextlocal%2Fkey%3D"} <= set(PROVIDER.secret_values())


def test_documented_success() -> None:
    assert parse(PROVIDER, 200, ok(2500)) == Balance(messages=2500.0)


def test_the_uk_body_with_mms_credits() -> None:
    assert parse(PROVIDER, 200, ok(120, mms=4)) == Balance(messages=120.0)


@pytest.mark.parametrize(("raw", "messages"), [("2500", 2500.0), (0, 0.0), (12.5, 12.5)])
def test_credits_as_string_or_number(raw: object, messages: float) -> None:
    assert parse(PROVIDER, 200, ok(raw)).messages == messages


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, failure(3), Reason.AUTH),
        (200, failure("3"), Reason.AUTH),
        (401, failure(3), Reason.AUTH),
        (200, failure(2, "Unrecognised command"), Reason.PROVIDER),
        (200, failure(1, "No command specified"), Reason.PROVIDER),
        (200, {"status": "failure"}, Reason.PROVIDER),
        (500, failure(2), Reason.HTTP),
        (200, {"balance": {"sms": 5}}, Reason.PARSE),  # no status
        (200, {"status": "success"}, Reason.PARSE),
        (200, {"balance": 5, "status": "success"}, Reason.PARSE),
        (200, ok(None), Reason.PARSE),
        (200, ok("lots"), Reason.PARSE),
    ],
)
def test_error_shapes(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator([TextlocalTwin()], [TextlocalTwin().sample_account("in")]) as running:
        yield running


def test_against_the_twin_over_loopback(sim: Simulator) -> None:
    assert fetch(sim, "in").messages == pytest.approx(sim.accounts["in"].current_messages(), abs=1)


def test_the_twin_takes_the_documented_get_too(sim: Simulator) -> None:
    url = sim.base_url("textlocal") + "/balance/"
    body = requests.get(url, params={"apiKey": "in-textlocal-key"}, timeout=5).json()
    assert body["status"] == "success" and "sms" in body["balance"]


def test_a_wrong_key_is_auth_over_loopback(sim: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, "in", api_key="wrong")
    assert caught.value.reason is Reason.AUTH
