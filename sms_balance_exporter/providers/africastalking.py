"""Africa's Talking.

Call::

    GET https://api.africastalking.com/version1/user?username=<username>
    apiKey: <api_key>
    Accept: application/json
    -> {"UserData": {"balance": "KES 47.7191"}}

The answer is XML unless the request asks for JSON, hence the `Accept` header; an XML answer
anyway is a `parse` error that says so. The username goes in the query string, the API's
only documented way; the upstream client strips query strings and every credential value
from error messages, so it never shows. Sandbox apps (username `sandbox`) set `base_url`
`https://api.sandbox.africastalking.com`.

`balance` is one string, the currency code then the amount: `"KES 47.7191"`, exported as
amount 47.7191 in `KES`. A bad key or username is HTTP 401 with a plain-text body ("The
supplied authentication is invalid") or a JSON one: `auth` by the status, or by those words
under any status. Another JSON error body (`errorMessage`, `error` or `message`, no
`UserData`) is a failure under HTTP 200 too: `provider` unless the status says auth or rate
limiting.

UNCONFIRMED, so every plausible variant is accepted: the amount before the code
(`"47.7191 KES"`), no space between them, a decimal comma, and a `currencyCode` field next to
`balance` (read by some clients) with `balance` then a bare number or numeric string; a
`currencyCode` that contradicts the code inside `balance` is a `parse` error.

Exposition::

    sms_balance_amount{account="ke",currency="KES",provider="africastalking"} 47.7191
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
    unrecognised_error,
)
from sms_balance_exporter.secret import Secret

_CODE_FIRST = re.compile(r"\s*([A-Za-z]{3})\s*([-+]?[0-9][0-9.,]*)\s*")
_AMOUNT_FIRST = re.compile(r"\s*([-+]?[0-9][0-9.,]*)\s*([A-Za-z]{3})\s*")
_CURRENCY_CODE = re.compile(r"\s*[A-Za-z]{3}\s*")
_ERROR_FIELDS = ("errorMessage", "error", "message")
_BALANCE = "UserData.balance"
# The API's words for a bad key or username, in plain text or JSON: they mean `auth` under
# any status (documented under 401). Only looked for, never repeated.
_AUTH_FAILURE_TEXT = b"the supplied authentication is invalid"
_AUTH_TEXT_WINDOW = 512


class AfricasTalking(Provider):
    """Africa's Talking: the app's `username` (query string) and its `api_key` (`apiKey`)."""

    id: ClassVar[str] = "africastalking"
    default_base_url: ClassVar[str] = "https://api.africastalking.com"
    docs_url: ClassVar[str] = "https://docs.africastalking.com/userdata/balance"

    # A credential like the key (so `username_file` works), though it is no secret alone.
    username: Secret
    api_key: Secret

    def build_request(self, base_url: str) -> HttpRequest:
        return HttpRequest(
            method="GET",
            url=f"{base_url}/version1/user",
            headers={"Accept": "application/json", "apiKey": self.api_key.reveal()},
            params={"username": self.username.reveal()},
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        if _AUTH_FAILURE_TEXT in response.body[:_AUTH_TEXT_WINDOW].lower():
            raise ProviderError(Reason.AUTH, "username or API key rejected")
        if _is_xml(response):
            raise ProviderError(Reason.PARSE, "answer is XML, not JSON (Accept was ignored)")
        body = json_object(response)
        if "UserData" not in body and any(body.get(name) for name in _ERROR_FIELDS):
            raise unrecognised_error("an error body", response.status)
        raise_for_status(response)
        amount, currency = _split_balance(dig(body, "UserData", "balance"))
        currency = _with_currency_code(currency, body["UserData"].get("currencyCode"))
        return Balance(amount=amount, currency=currency)


def _is_xml(response: HttpResponse) -> bool:
    """An XML document (not an HTML page) in a successful answer."""
    if not 200 <= response.status < 300:
        return False
    start = response.body.lstrip()[:64].lower()
    content_type = response.headers.get("content-type", "").lower()
    return start.startswith((b"<?xml", b"<africastalkingresponse")) or (
        "xml" in content_type and start.startswith(b"<") and not start.startswith(b"<html")
    )


def _split_balance(value: Any) -> tuple[float, str | None]:
    """Amount and currency code from "KES 47.7191" or "47.7191 KES"; a bare number has none."""
    if isinstance(value, str):
        code_first = _CODE_FIRST.fullmatch(value)
        if code_first:
            return to_number(code_first.group(2), _BALANCE), code_first.group(1).upper()
        amount_first = _AMOUNT_FIRST.fullmatch(value)
        if amount_first:
            return to_number(amount_first.group(1), _BALANCE), amount_first.group(2).upper()
    return to_number(value, _BALANCE), None


def _with_currency_code(from_balance: str | None, currency_code: Any) -> str:
    """The currency: the code inside `balance`, else `currencyCode`; they must agree."""
    if currency_code is not None:
        if not isinstance(currency_code, str) or not _CURRENCY_CODE.fullmatch(currency_code):
            raise ProviderError(Reason.PARSE, "field 'UserData.currencyCode' is not a code")
        code = currency_code.strip().upper()
        if from_balance is not None and from_balance != code:
            raise ProviderError(
                Reason.PARSE, "fields 'UserData.balance' and 'UserData.currencyCode' disagree"
            )
        return code
    if from_balance is None:
        raise ProviderError(Reason.PARSE, f"field {_BALANCE!r} has no currency code")
    return from_balance
