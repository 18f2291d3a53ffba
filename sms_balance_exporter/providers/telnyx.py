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

from typing import ClassVar

from sms_balance_exporter.providers.base import (
    Balance,
    ErrorCodes,
    HttpRequest,
    HttpResponse,
    Provider,
    Reason,
    dig,
    json_object,
    listed_errors,
    raise_for_status,
    to_number,
    to_text,
)
from sms_balance_exporter.secret import Secret

_ERROR_CODES: ErrorCodes = {
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
            raise listed_errors(errors, _ERROR_CODES, response.status)
        raise_for_status(response)
        balance = to_number(dig(body, "data", "balance"), "data.balance")
        currency = to_text(dig(body, "data", "currency"), "data.currency")
        return Balance(amount=balance, currency=currency)
