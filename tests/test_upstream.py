from __future__ import annotations

import email.utils
import time

import pytest

from sms_balance_exporter.upstream import (
    DEFAULT_RETRY_AFTER_SECONDS,
    MAX_RETRY_AFTER_SECONDS,
    retry_after_seconds,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("99999999", MAX_RETRY_AFTER_SECONDS),
        (None, DEFAULT_RETRY_AFTER_SECONDS),
        ("", DEFAULT_RETRY_AFTER_SECONDS),
        ("-3", DEFAULT_RETRY_AFTER_SECONDS),
        ("soon", DEFAULT_RETRY_AFTER_SECONDS),
        ("nan", DEFAULT_RETRY_AFTER_SECONDS),
        ("Wed, 21 Oct 2015 07:29:30 GMT", 0.0),  # a date in the past: call again now
    ],
)
def test_retry_after(header: str | None, expected: float) -> None:
    assert retry_after_seconds(header) == pytest.approx(expected)


def test_retry_after_as_an_http_date() -> None:
    header = email.utils.formatdate(time.time() + 90, usegmt=True)
    assert 85 <= retry_after_seconds(header) <= 90
