"""Builders for provider parser tests: an `HttpResponse` from a status and a body."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sms_balance_exporter.providers import Balance, HttpResponse, Provider, ProviderError, Reason

HTML_502 = "<html><body><h1>502 Bad Gateway</h1></body></html>"


def response(status: int, body: Any, content_type: str = "application/json") -> HttpResponse:
    """`body` as JSON unless it is already str or bytes."""
    if isinstance(body, bytes):
        raw = body
    elif isinstance(body, str):
        raw = body.encode()
    else:
        raw = json.dumps(body).encode()
    return HttpResponse(status=status, headers={"content-type": content_type}, body=raw)


def parse(provider: Provider, status: int, body: Any) -> Balance:
    return provider.parse_response(response(status, body))


def parse_error(provider: Provider, status: int, body: Any) -> ProviderError:
    """The ProviderError the parser raises (the test fails if it returns a balance)."""
    with pytest.raises(ProviderError) as caught:
        provider.parse_response(response(status, body))
    return caught.value


def assert_fails(provider: Provider, status: int, body: Any, reason: Reason) -> None:
    error = parse_error(provider, status, body)
    assert error.reason is reason, error.message
    for secret in provider.secret_values():
        assert secret not in error.message
