from __future__ import annotations

import pytest

from sms_balance_exporter.providers import HttpResponse, ProviderError, Reason
from sms_balance_exporter.providers.base import json_body, to_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, 12.0),
        (12.5, 12.5),
        (-3, -3.0),
        ("12.5", 12.5),
        (" 7 ", 7.0),
        ("12,5", 12.5),
        ("350,12", 350.12),
        ("0,6000", 0.6),
        ("1,234.56", 1234.56),
        ("1.234,56", 1234.56),
        ("1.234", 1.234),
        ("-0.5", -0.5),
    ],
)
def test_numbers(raw: object, expected: float) -> None:
    assert to_number(raw, "x") == pytest.approx(expected)


@pytest.mark.parametrize(
    "raw",
    ["", "abc", "1,234", "1,234,567", "NaN", "inf", "-Infinity", True, None, [], {}, float("nan")],
)
def test_not_numbers(raw: object) -> None:
    with pytest.raises(ProviderError) as caught:
        to_number(raw, "balance")
    assert caught.value.reason is Reason.PARSE
    assert "'balance'" in caught.value.message


def test_huge_numbers_are_parse_errors() -> None:
    with pytest.raises(ProviderError) as caught:
        to_number(10**400, "balance")
    assert caught.value.reason is Reason.PARSE


def test_json_with_an_integer_too_long_to_convert() -> None:
    body = b'{"balance": ' + b"9" * 5000 + b"}"
    response = HttpResponse(status=200, headers={}, body=body)
    with pytest.raises(ProviderError) as caught:
        json_body(response)
    assert caught.value.reason is Reason.PARSE
