from __future__ import annotations

import pytest

from sms_balance_exporter.providers import Balance, Reason
from sms_balance_exporter.providers.iletimerkezi import Iletimerkezi
from tests.providers.wire import assert_fails, parse

PROVIDER = Iletimerkezi(key="k3y-value", hash="h4sh-value")


def ok(amount: object, sms: object) -> dict[str, object]:
    return {
        "response": {
            "status": {"code": 200, "message": "İşlem başarılı"},
            "balance": {"amount": amount, "sms": sms},
        }
    }


def test_request_carries_key_and_hash_in_the_json_body() -> None:
    request = PROVIDER.build_request("https://api.iletimerkezi.com")
    assert request.method == "POST"
    assert request.url == "https://api.iletimerkezi.com/v1/get-balance/json"
    assert request.json_body == {
        "request": {"authentication": {"key": "k3y-value", "hash": "h4sh-value"}}
    }
    assert "k3y-value" not in repr(request)


def test_current_docs_numbers() -> None:
    assert parse(PROVIDER, 200, ok(10.584, 67)) == Balance(
        amount=10.584, currency="TRY", messages=67
    )


@pytest.mark.parametrize(
    ("amount", "sms", "expected"),
    [("0", "18343", (0.0, 18343.0)), ("100.50", "1000", (100.5, 1000.0)), ("7,25", 3, (7.25, 3))],
)
def test_old_spec_numbers_as_strings(
    amount: str, sms: object, expected: tuple[float, float]
) -> None:
    balance = parse(PROVIDER, 200, ok(amount, sms))
    assert (balance.amount, balance.messages) == expected


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (401, 401, Reason.AUTH),
        (400, 400, Reason.PROVIDER),
        (404, 404, Reason.PROVIDER),
        (503, 503, Reason.PROVIDER),
        (200, 401, Reason.AUTH),  # an error body under HTTP 200 is still an error
        (200, "401", Reason.AUTH),
    ],
)
def test_documented_errors(status: int, code: object, reason: Reason) -> None:
    body = {"response": {"status": {"code": code, "message": "Üyelik bilgileri hatalı"}}}
    assert_fails(PROVIDER, status, body, reason)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, [], Reason.PARSE),
        (200, {"response": {"status": {"code": 200}}}, Reason.PARSE),  # no balance
        (200, ok(None, 5), Reason.PARSE),
        (200, ok("abc", 5), Reason.PARSE),
        (200, ok(True, 5), Reason.PARSE),
        (200, ok(1.0, {"n": 1}), Reason.PARSE),
        (200, ok("NaN", 5), Reason.PARSE),
        (200, {"response": {"status": {"message": "ok"}}}, Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)
