"""CM.com, a definition: GET /accountbalance/v1.0/accountbalance/{account_id} with the
`X-CM-PRODUCTTOKEN` header; `Amount` in `Currency`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sms_balance_exporter.providers import Balance, Reason
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.cmcom import CmComTwin
from tests.providers.defined import config_problems, defined, request_of
from tests.providers.wire import assert_fails, parse, parse_error

TOKEN = "4f9e6a1c-0b1d-4c6e-9a57-3d2b8e7f1a20"
ACCOUNT_ID = "2f1e7331-991b-497d-9a32-dd3c2d79c56d"
PROVIDER = defined("cmcom", product_token=TOKEN, account_id=ACCOUNT_ID)
DENIED = {"Message": "Authorization has been denied for this request."}


def test_request_has_the_account_in_the_path_and_the_token_in_a_header() -> None:
    request = request_of("cmcom", product_token=TOKEN, account_id=ACCOUNT_ID)
    assert request.method == "GET"
    assert request.url == (
        f"https://api.cmtelecom.com/accountbalance/v1.0/accountbalance/{ACCOUNT_ID}"
    )
    assert dict(request.headers) == {"Accept": "application/json", "X-CM-PRODUCTTOKEN": TOKEN}
    assert not request.params and request.basic_auth is None
    assert TOKEN not in repr(request) and ACCOUNT_ID not in repr(request)


def test_both_fields_are_required_secrets() -> None:
    problems = config_problems("cmcom", product_token=TOKEN)
    assert any("field 'account_id': is required (or account_id_file)" in p for p in problems)
    problems = config_problems("cmcom", account_id=ACCOUNT_ID)
    assert any("field 'product_token': is required" in p for p in problems)
    assert set(PROVIDER.secret_values()) == {TOKEN, ACCOUNT_ID}


def test_an_account_id_with_a_slash_stays_in_its_path_segment() -> None:
    request = request_of("cmcom", product_token=TOKEN, account_id="a/b?c")
    assert request.url.endswith("/accountbalance/a%2Fb%3Fc")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"Currency": "EUR", "Amount": 84.2601}, Balance(84.2601, "EUR")),  # docs
        ({"Currency": "GBP", "Amount": "12.5"}, Balance(12.5, "GBP")),
        ({"Amount": 0, "Currency": "EUR"}, Balance(0.0, "EUR")),
    ],
)
def test_documented_success(body: object, expected: Balance) -> None:
    assert parse(PROVIDER, 200, body) == expected


def test_a_message_credit_account_is_a_parse_error_naming_the_currency() -> None:
    # "empty if the credit is expressed in a number of messages" (docs)
    error = parse_error(PROVIDER, 200, {"Currency": "", "Amount": 1500})
    assert error.reason is Reason.PARSE
    assert "Currency" in error.message


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (401, DENIED, Reason.AUTH),
        (200, DENIED, Reason.AUTH),
        (403, DENIED, Reason.AUTH),
        (404, {"Message": "No HTTP resource was found that matches the request URI."}, Reason.HTTP),
        (500, {"Message": "An error has occurred."}, Reason.HTTP),
        (429, {"Message": "Too many requests"}, Reason.RATE_LIMITED),
    ],
)
def test_errors(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, {"Currency": "EUR"}, Reason.PARSE),
        (200, {"Amount": 84.26}, Reason.PARSE),
        (200, {"Currency": None, "Amount": 84.26}, Reason.PARSE),
        (200, {"Currency": "EUR", "Amount": None}, Reason.PARSE),
        (200, {"Currency": "EUR", "Amount": "n/a"}, Reason.PARSE),
        (200, {"currency": "EUR", "amount": 84.26}, Reason.PARSE),  # keys are case-sensitive
        (200, {"Message": "An error has occurred."}, Reason.PARSE),
        (200, "<html><body>maintenance</body></html>", Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def twin() -> Iterator[Simulator]:
    with Simulator([CmComTwin()], [CmComTwin().sample_account("nl")]) as sim:
        yield sim


def test_twin_answers_the_account_of_the_path_and_token(twin: Simulator) -> None:
    account = twin.accounts["nl"]
    path = f"/accountbalance/v1.0/accountbalance/{account.credentials['account_id']}"
    headers = {"X-CM-PRODUCTTOKEN": account.credentials["product_token"]}
    answer = requests.get(twin.base_url("cmcom") + path, headers=headers, timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    assert body["Currency"] == "EUR"
    assert body["Amount"] == pytest.approx(account.current_balance(), abs=0.01)
    other = path.replace(path[-4:], "0000")
    answer = requests.get(twin.base_url("cmcom") + other, headers=headers, timeout=5)
    assert (answer.status_code, answer.json()) == (401, DENIED)


def test_twin_knows_only_its_path(twin: Simulator) -> None:
    answer = requests.get(
        twin.base_url("cmcom") + "/accountbalance/v1.0/accountbalance/x", timeout=5
    )
    assert answer.status_code == 404
