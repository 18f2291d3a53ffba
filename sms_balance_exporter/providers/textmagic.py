"""Textmagic.

Call::

    GET https://rest.textmagic.com/api/v2/user
    X-TM-Username: <username>
    X-TM-Key: <API v2 key>
    -> {"id": 1, "username": "...", "balance": 208.64,
        "currency": {"id": "GBP", "htmlSymbol": "&pound;"}, "subaccountType": "P", ...}

`balance` (a JSON number; a numeric string is accepted too) is in the account's currency,
whose ISO code is `currency.id`. Only API v2 keys work (v1 keys are rejected as auth errors).

Errors are `{"code": <HTTP status>, "message": "...", "errors": ...}`, normally under the same
HTTP status; only `code` is read. Code 401 or 403 is `auth`, 429 `rate_limited`, any other
code `provider` unless the HTTP status says auth or rate limiting. A body with a `code` and
no `balance` is an error under HTTP 200 too.

UNCONFIRMED: the exact error bodies (`code` may arrive as a numeric string; both accepted).

Exposition::

    sms_balance_amount{account="uk",currency="GBP",provider="textmagic"} 208.64
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
    401: (Reason.AUTH, "username or API v2 key rejected"),
    403: (Reason.AUTH, "access forbidden"),
    429: (Reason.RATE_LIMITED, "rate limited"),
}


class Textmagic(Provider):
    """Textmagic: the account `username` and an API v2 `api_key`, sent as `X-TM-*` headers."""

    id: ClassVar[str] = "textmagic"
    default_base_url: ClassVar[str] = "https://rest.textmagic.com"
    docs_url: ClassVar[str] = "https://textmagic.com/docs/api/account"

    username: Secret
    api_key: Secret

    def build_request(self, base_url: str) -> HttpRequest:
        return HttpRequest(
            method="GET",
            url=f"{base_url}/api/v2/user",
            headers={
                "Accept": "application/json",
                "X-TM-Username": self.username.reveal(),
                "X-TM-Key": self.api_key.reveal(),
            },
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        body = json_object(response)
        if body.get("code") is not None and "balance" not in body:
            raise coded_error(error_code(body["code"]), _ERROR_CODES, response.status)
        raise_for_status(response)
        return Balance(
            amount=to_number(dig(body, "balance"), "balance"),
            currency=to_text(dig(body, "currency", "id"), "currency.id").upper(),
        )
