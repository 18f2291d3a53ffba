"""ClickSend.

Call::

    GET https://rest.clicksend.com/v3/account
    Authorization: Basic base64(username:api_key)
    -> {"http_code": 200, "response_code": "SUCCESS", "response_msg": "Here's your account.",
        "data": {"user_id": 1, "balance": "4.998000",
                 "_currency": {"currency_name_short": "USD", "currency_prefix_d": "$", ...}}}

`data.balance` is a string (a number is accepted too); the currency is the ISO code inside
`data._currency`. `response_code` must be `SUCCESS`: any other value is a failure, under HTTP
200 as well. UNAUTHORIZED (HTTP 401) and FORBIDDEN are `auth`, TOO_MANY_REQUESTS (429)
`rate_limited`, every other code (BAD_REQUEST, NOT_FOUND, INTERNAL_SERVER_ERROR, …)
`provider` unless the HTTP status says auth or rate limiting. Only the code is repeated in
messages, never `response_msg`.

UNCONFIRMED, so every plausible variant is accepted: the field names inside `_currency` (the
docs elide them): `currency_name_short` (SDK models), `code`, `iso` or `currency`, the first
that holds a currency code; `_currency` as a bare code string; else a top-level
`data.currency` code. No code anywhere is a `parse` error.

Exposition::

    sms_balance_amount{account="au",currency="AUD",provider="clicksend"} 4.998
"""

from __future__ import annotations

import re
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

_AUTH_CODES = frozenset({"UNAUTHORIZED", "FORBIDDEN"})
_RATE_LIMIT_CODES = frozenset({"TOO_MANY_REQUESTS"})
_CURRENCY_KEYS = ("currency_name_short", "code", "iso", "currency")
# A long name ("US Dollars") or a symbol ("$") is not a currency label.
_CURRENCY_CODE = re.compile(r"[A-Za-z]{3}")
# The provider's own text is not echoed: only a short, printable response code.
_MAX_CODE_LENGTH = 64


class ClickSend(Provider):
    """ClickSend: the account `username` and an `api_key` from the dashboard, HTTP Basic."""

    id: ClassVar[str] = "clicksend"
    default_base_url: ClassVar[str] = "https://rest.clicksend.com"
    docs_url: ClassVar[str] = "https://developers.clicksend.com/docs/accounts/management"

    username: Secret
    api_key: Secret

    def build_request(self, base_url: str) -> HttpRequest:
        return HttpRequest(
            method="GET",
            url=f"{base_url}/v3/account",
            headers={"Accept": "application/json"},
            basic_auth=(self.username.reveal(), self.api_key.reveal()),
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        body = json_object(response)
        code = to_text(dig(body, "response_code"), "response_code")
        if code.upper() != "SUCCESS":
            raise _error(code, response.status)
        raise_for_status(response)
        amount = to_number(dig(body, "data", "balance"), "data.balance")
        return Balance(amount=amount, currency=_currency(body["data"]))


def _currency(data: dict[str, Any]) -> str:
    """The account's currency code from `data._currency`, else `data.currency`."""
    nested = data.get("_currency")
    candidates = [nested.get(key) for key in _CURRENCY_KEYS] if isinstance(nested, dict) else []
    candidates += [nested, data.get("currency")]
    for value in candidates:
        if isinstance(value, str) and _CURRENCY_CODE.fullmatch(value.strip()):
            return value.strip().upper()
    raise ProviderError(
        Reason.PARSE,
        "no currency code in field 'data._currency' (currency_name_short, code, iso, "
        "currency) nor in 'data.currency'",
    )


def _error(code: str, http_status: int) -> ProviderError:
    name = code.upper()
    if name in _AUTH_CODES:
        return ProviderError(Reason.AUTH, f"response code {name}: credentials rejected")
    if name in _RATE_LIMIT_CODES:
        return ProviderError(Reason.RATE_LIMITED, f"response code {name}: rate limited")
    if len(name) > _MAX_CODE_LENGTH or not name.isprintable():
        return unrecognised_error("an unreadable response code", http_status)
    return unrecognised_error(f"response code {name}", http_status)
