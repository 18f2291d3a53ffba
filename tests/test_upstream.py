from __future__ import annotations

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
        ("-3", 0.0),
        ("99999999", MAX_RETRY_AFTER_SECONDS),
        (None, DEFAULT_RETRY_AFTER_SECONDS),
        ("", DEFAULT_RETRY_AFTER_SECONDS),
        ("soon", DEFAULT_RETRY_AFTER_SECONDS),
        ("nan", DEFAULT_RETRY_AFTER_SECONDS),
        # An HTTP date, 90 s after "now" below.
        ("Wed, 21 Oct 2015 07:29:30 GMT", 90.0),
    ],
)
def test_retry_after(header: str | None, expected: float) -> None:
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert retry_after_seconds(header, now=now) == pytest.approx(expected)


def test_proxies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from sms_balance_exporter import upstream

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    assert upstream._proxy_for("https://api.twilio.com/2010-04-01/x") == (
        "http://proxy.example:3128"
    )
    assert upstream._proxy_for("https://internal.example/balance") is None
    assert upstream._proxy_for("http://plain.example/") is None  # no HTTP_PROXY set
