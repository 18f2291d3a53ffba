"""Clickatell (the Platform / One API; not the archived Central HTTP API).

Call::

    GET https://platform.clickatell.com/public-client/balance
    Authorization: <api_key>
    -> {"balance": 1267.92865, "currency": "ZAR"}

The key goes in the `Authorization` header as it is, with no scheme word. `balance` is a
number in the account's billing currency (a numeric string is accepted too) and `currency`
names it. The documented example lacks the comma between the two fields: a typo of the
docs, real answers are JSON.

The balance page documents no error body. The One API's error table gives codes and their
HTTP statuses: 1 (invalid or missing API key, 401), 2 (account not active), 3 (integration
not active), 7 (IP address not approved, 401) and 46 (demo access expired) are `auth`, as the
key no longer opens the API; 43 (rate limit, under HTTP 400) is `rate_limited`; 18 and 19
(internal errors, 500/503), 41, 42 and unknown codes are `provider` unless the HTTP status is
401/403 (`auth`) or 429 (`rate_limited`). An error body is a failure under any status, 200
too. Only the code is repeated in messages, never the provider's text.

UNCONFIRMED, so every plausible variant of the error body is accepted:
`{"error": {"code": 1, "description": "..."}}` (client libraries of the One API),
`{"errorCode": 1, "error": "...", "errorDescription": "..."}` (the message API's envelope)
and `{"messages": [], "error": "..."}` (a text without a code, read by its HTTP status);
codes as numbers or numeric strings. `"error": null` is no error.

Exposition::

    sms_balance_amount{account="za",currency="ZAR",provider="clickatell"} 1267.92865
"""

from __future__ import annotations

from typing import Any, ClassVar

from sms_balance_exporter.providers.base import (
    Balance,
    ErrorCodes,
    HttpRequest,
    HttpResponse,
    Provider,
    Reason,
    coded_error,
    dig,
    error_code,
    json_object,
    raise_for_status,
    to_number,
    to_text,
)
from sms_balance_exporter.secret import Secret

_ERROR_CODES: ErrorCodes = {
    1: (Reason.AUTH, "invalid or missing integration API key"),
    2: (Reason.AUTH, "account is not active"),
    3: (Reason.AUTH, "integration is not active"),
    7: (Reason.AUTH, "originating IP address is not approved"),
    46: (Reason.AUTH, "demo access has expired"),
    43: (Reason.RATE_LIMITED, "rate limit"),
    18: (Reason.PROVIDER, "internal error"),
    19: (Reason.PROVIDER, "internal error, retry"),
    41: (Reason.PROVIDER, "resource does not exist"),
    42: (Reason.PROVIDER, "HTTP method is not supported"),
}


class Clickatell(Provider):
    """Clickatell: an integration's `api_key`, sent as the raw `Authorization` header."""

    id: ClassVar[str] = "clickatell"
    default_base_url: ClassVar[str] = "https://platform.clickatell.com"
    docs_url: ClassVar[str] = (
        "https://www.clickatell.com/developers/api-documentation/rest-api-get-account-balance/"
    )

    api_key: Secret

    def build_request(self, base_url: str) -> HttpRequest:
        return HttpRequest(
            method="GET",
            url=f"{base_url}/public-client/balance",
            headers={"Accept": "application/json", "Authorization": self.api_key.reveal()},
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        body = json_object(response)
        error = body.get("error")
        if body.get("errorCode") is not None or error not in (None, "", False):
            raise coded_error(_error_code(body), _ERROR_CODES, response.status)
        raise_for_status(response)
        balance = to_number(dig(body, "balance"), "balance")
        return Balance(amount=balance, currency=to_text(dig(body, "currency"), "currency"))


def _error_code(body: dict[str, Any]) -> int | None:
    """The integer code of an error body (`errorCode` or `error.code`), or None."""
    error = body.get("error")
    raw = body.get("errorCode")
    if raw is None and isinstance(error, dict):
        raw = error.get("code")
    return error_code(raw)
