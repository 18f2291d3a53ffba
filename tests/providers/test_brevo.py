"""Brevo, a definition: GET /v3/account with the `api-key` header; SMS credits from the plan
entry of type "sms"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sms_balance_exporter.providers import Balance, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.brevo import BrevoTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.wire import assert_fails, parse

KEY = "xkeysib-0123456789abcdef-Brevo9"
PROVIDER = defined("brevo", api_key=KEY)


def account(*plans: dict[str, Any]) -> dict[str, Any]:
    return {"email": "ops@example.com", "companyName": "Example", "plan": list(plans)}


def sms_plan(credits: object) -> dict[str, Any]:
    return {"type": "sms", "creditsType": "sendLimit", "credits": credits}


EMAIL_PLAN = {"type": "payAsYouGo", "creditsType": "sendLimit", "credits": 300}


def test_request_is_a_get_with_the_key_in_a_header() -> None:
    request = request_of("brevo", api_key=KEY)
    assert request.method == "GET"
    assert request.url == "https://api.brevo.com/v3/account"
    assert dict(request.headers) == {"Accept": "application/json", "api-key": KEY}
    assert not request.params and request.json_body is None and request.basic_auth is None
    assert KEY not in repr(request) and KEY not in repr(PROVIDER)


def test_the_key_is_the_only_field_and_it_is_required() -> None:
    problems = config_problems("brevo")
    assert any("field 'api_key': is required (or api_key_file)" in p for p in problems)
    assert PROVIDER.secret_values() == [KEY]


def test_documented_success_reads_the_sms_plan_credits_as_messages() -> None:
    balance = parse(PROVIDER, 200, account(EMAIL_PLAN, sms_plan(999.536)))
    assert balance == Balance(messages=999.536)


@pytest.mark.parametrize(("credits", "expected"), [("999.536", 999.536), (0, 0.0), (" 12 ", 12.0)])
def test_credits_as_number_or_string(credits: object, expected: float) -> None:
    assert parse(PROVIDER, 200, account(sms_plan(credits))).messages == expected


def test_the_sms_plan_is_found_wherever_it_is_listed() -> None:
    body = account(sms_plan(40), EMAIL_PLAN)
    assert parse(PROVIDER, 200, body).messages == 40


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (401, {"code": "unauthorized", "message": "Key not found"}, Reason.AUTH),
        (200, {"code": "unauthorized", "message": "Key not found"}, Reason.AUTH),
        (
            403,
            {"code": "permission_denied", "message": 'Access denied for resource "account".'},
            Reason.AUTH,
        ),
        (400, {"code": "invalid_parameter", "message": "Invalid email address"}, Reason.HTTP),
        (429, {"code": "too_many_requests", "message": "rate limit"}, Reason.RATE_LIMITED),
        (500, {"code": "internal_error", "message": "Internal error"}, Reason.HTTP),
    ],
)
def test_documented_errors(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, account(EMAIL_PLAN)),  # an account without an SMS plan
        (200, account()),
        (200, {"email": "ops@example.com"}),
        (200, account({"type": "sms", "creditsType": "sendLimit"})),
        (200, account(sms_plan(None))),
        (200, account(sms_plan("many"))),
        (200, account(sms_plan(True))),
        (200, account(sms_plan({"left": 1}))),
        (200, {"plan": {"type": "sms", "credits": 1}}),
        (200, ""),
        (200, "<html><body>maintenance</body></html>"),
        (200, []),
        (200, {"code": "invalid_parameter", "message": "Invalid email address"}),
    ],
)
def test_malformed_answers_are_parse_errors(status: int, body: object) -> None:
    assert_fails(PROVIDER, status, body, Reason.PARSE)


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def twin() -> Iterator[Simulator]:
    with Simulator([BrevoTwin()], [BrevoTwin().sample_account("eu")]) as sim:
        yield sim


def test_twin_answers_the_sms_plan(twin: Simulator) -> None:
    url = twin.base_url("brevo") + "/v3/account"
    answer = requests.get(url, headers={"api-key": "xkeysib-eu-key"}, timeout=5)
    assert answer.status_code == 200
    plan = {entry["type"]: entry for entry in answer.json()["plan"]}
    expected = twin.accounts["eu"].current_balance()
    assert plan["sms"]["credits"] == pytest.approx(expected, abs=0.01)


def test_twin_refuses_a_wrong_key(twin: Simulator) -> None:
    answer = requests.get(
        twin.base_url("brevo") + "/v3/account", headers={"api-key": "x"}, timeout=5
    )
    assert answer.status_code == 401
    assert answer.json() == {"code": "unauthorized", "message": "Key not found"}
