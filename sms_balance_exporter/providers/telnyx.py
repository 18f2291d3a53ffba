"""Telnyx.

Call::

    GET https://api.telnyx.com/v2/balance
    Authorization: Bearer <api_key>
    -> {"data": {"record_type": "balance", "pending": "10.00", "balance": "300.00",
                 "credit_limit": "100.00", "available_credit": "400.00", "currency": "USD"}}

`data.balance` is the amount, in `data.currency`. It is what the account holds, not
`available_credit` (balance plus `credit_limit`), which stays above zero on a postpaid credit
line after the money is gone. The amounts are strings; numbers are accepted too. A negative
balance (spending on credit) is reported as it is.

Errors are HTTP 401/403/422/429/503 with an `errors` list::

    {"errors": [{"code": "10009", "title": "Authentication failed", "detail": "..."}]}

10009 (authentication failed) and 10010 (authorization failed) are `auth`, 10011 (too many
requests) is `rate_limited`; 10007 (unexpected error), 10008 (request timeout) and unknown
codes are `provider` unless the HTTP status is 401/403 (`auth`) or 429 (`rate_limited`). An
`errors` body is a failure under any status, 200 too. Only the code is repeated in messages,
never `title` or `detail`.

UNCONFIRMED, so every plausible variant is accepted: `code` as a string (documented) or a
number, and `errors` as a single object instead of a list.

Exposition::

    sms_balance_amount{account="us",currency="USD",provider="telnyx"} 300.0
"""

from __future__ import annotations

from typing import Any, ClassVar

from sms_balance_exporter.providers.base import (
    Balance,
    HttpRequest,
    HttpResponse,
    Provider,
    ProviderError,
    Reason,
    dig,
    json_object,
    raise_for_status,
    to_number,
    to_text,
    unrecognised_error,
)
from sms_balance_exporter.secret import Secret

_MAX_CODE = 1_000_000_000

_ERROR_CODES = {
    10009: (Reason.AUTH, "authentication failed"),
    10010: (Reason.AUTH, "authorization failed"),
    10011: (Reason.RATE_LIMITED, "too many requests"),
    10007: (Reason.PROVIDER, "unexpected error"),
    10008: (Reason.PROVIDER, "request timeout"),
}


class Telnyx(Provider):
    """Telnyx: an API v2 key from the portal, sent as `Authorization: Bearer`."""

    id: ClassVar[str] = "telnyx"
    default_base_url: ClassVar[str] = "https://api.telnyx.com"
    docs_url: ClassVar[str] = (
        "https://developers.telnyx.com/api-reference/billing/get-user-balance-details"
    )

    api_key: Secret

    def build_request(self, base_url: str) -> HttpRequest:
        return HttpRequest(
            method="GET",
            url=f"{base_url}/v2/balance",
            headers={
                "Accept": "application/json",
                "Authorization": f"Bearer {self.api_key.reveal()}",
            },
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        body = json_object(response)
        errors = body.get("errors")
        if errors is not None and errors != []:
            raise _errors_error(errors, response.status)
        raise_for_status(response)
        balance = to_number(dig(body, "data", "balance"), "data.balance")
        currency = to_text(dig(body, "data", "currency"), "data.currency")
        return Balance(amount=balance, currency=currency)


def _errors_error(errors: Any, status: int) -> ProviderError:
    """The failure an `errors` value means: an auth or rate-limit entry wins over the rest."""
    entries = errors if isinstance(errors, list) and errors else [errors]
    failures = [_error(_entry_code(entry), status) for entry in entries]
    for reason in (Reason.AUTH, Reason.RATE_LIMITED):
        for failure in failures:
            if failure.reason is reason:
                return failure
    return failures[0]


def _entry_code(entry: Any) -> int | None:
    """The integer `code` of one error entry, or None when there is none."""
    if not isinstance(entry, dict):
        return None
    try:
        number = to_number(entry.get("code"), "code")
    except ProviderError:
        return None
    # A code is a short integer; anything else is no code (and no 300-digit message).
    return int(number) if number.is_integer() and abs(number) < _MAX_CODE else None


def _error(code: int | None, status: int) -> ProviderError:
    if code is None:
        return unrecognised_error("an error without a numeric code", status)
    if code in _ERROR_CODES:
        reason, meaning = _ERROR_CODES[code]
        if reason is Reason.PROVIDER:
            return unrecognised_error(f"error code {code} ({meaning})", status)
        return ProviderError(reason, f"error code {code}: {meaning}")
    return unrecognised_error(f"error code {code}", status)
