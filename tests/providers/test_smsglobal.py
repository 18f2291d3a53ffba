"""SMSGlobal (a provider module): the per-request HMAC-SHA256 MAC header, the balance and
currency, the status-mapped errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterator

import pytest

from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.providers.smsglobal import SmsGlobal, mac_signature
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.smsglobal import SmsGlobalTwin
from tests.providers.loopback import fetch
from tests.providers.wire import assert_fails, parse, parse_error

KEY = "4f3a2b1c0d9e8f7a"
SECRET = "smsglobal-api-secret-0123"
PROVIDER = SmsGlobal(api_key=KEY, api_secret=SECRET)
HEADER = re.compile(r'MAC id="([^"]+)", ts="(\d+)", nonce="([0-9a-f]{32})", mac="([^"]+)"')


def test_the_request_is_signed_with_the_secret() -> None:
    request = PROVIDER.build_request("https://api.smsglobal.com")
    assert (request.method, request.url) == (
        "GET",
        "https://api.smsglobal.com/v2/user/credit-balance",
    )
    match = HEADER.fullmatch(request.headers["Authorization"])
    assert match is not None
    key, ts, nonce, mac = match.groups()
    assert key == KEY
    text = f"{ts}\n{nonce}\nGET\n/v2/user/credit-balance\napi.smsglobal.com\n443\n\n"
    digest = hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).digest()
    assert mac == base64.b64encode(digest).decode()
    assert SECRET not in request.headers["Authorization"]
    assert KEY not in repr(request)


def test_every_request_has_its_own_nonce() -> None:
    first = PROVIDER.build_request("https://api.smsglobal.com").headers["Authorization"]
    second = PROVIDER.build_request("https://api.smsglobal.com").headers["Authorization"]
    assert first != second


def test_the_signature_covers_an_explicit_port_and_query() -> None:
    signed = mac_signature("s", "1", "n", "GET", "http://127.0.0.1:8080/x/y?a=1")
    digest = hmac.new(b"s", b"1\nn\nGET\n/x/y?a=1\n127.0.0.1\n8080\n\n", hashlib.sha256).digest()
    assert signed == base64.b64encode(digest).decode()


@pytest.mark.parametrize(("raw", "amount"), [(100.00, 100.0), ("25.00", 25.0), ("10", 10.0)])
def test_balance_as_number_or_string(raw: object, amount: float) -> None:
    assert parse(PROVIDER, 200, {"balance": raw, "currency": "USD"}) == Balance(
        amount=amount, currency="USD"
    )


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (403, {"error": "Forbidden"}, Reason.AUTH),
        (402, {"error": "Payment required"}, Reason.PROVIDER),
        (404, {"error": "Not found"}, Reason.PROVIDER),  # a postpaid account
        (200, {"error": "Forbidden"}, Reason.PROVIDER),
        (200, {"currency": "USD"}, Reason.PARSE),
        (200, {"balance": 1}, Reason.PARSE),
        (200, {"balance": {"v": 1}, "currency": "USD"}, Reason.PARSE),
        (200, [], Reason.PARSE),
    ],
)
def test_error_shapes(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


def test_a_postpaid_account_says_so() -> None:
    assert "postpaid" in parse_error(PROVIDER, 404, {}).message


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    account = SmsGlobalTwin().sample_account("sg")
    with Simulator([SmsGlobalTwin()], [account]) as running:
        yield running


def test_the_twin_accepts_the_signature_over_loopback(sim: Simulator) -> None:
    balance = fetch(sim, "sg")
    assert balance.currency == "AUD"
    assert balance.amount == pytest.approx(sim.accounts["sg"].current_balance(), abs=0.01)


def test_a_wrong_secret_is_an_auth_failure_over_loopback(sim: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, "sg", api_secret="not-the-secret")
    assert caught.value.reason is Reason.AUTH
