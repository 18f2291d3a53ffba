"""Gateway360 (also sold as SMSup and SMSPubli).

Call::

    POST https://api.gateway360.com/api/3.0/account/get-balance
    Content-Type: application/json
    {"api_key": "..."}
    -> {"status": "ok", "result": {"balance": "350.1200", "currency": "EUR"}}

With `subaccount`, the parent key asks for a sub-account's balance::

    POST https://api.gateway360.com/api/3.0/subaccount/get-balance
    {"api_key": "<parent key>", "user_name": "<subaccount>"}

`balance` is a string with 4 decimals; a number or a decimal comma is accepted too. `currency`
is EUR, USD, GBP, CREDITS, SMS…: `SMS` is a message count, everything else an amount in that
unit. Errors are `{"status": "error", "error_id": "UNAUTHORIZED", "error_msg": "..."}`;
UNAUTHORIZED (bad key or blocked IP, HTTP 401) is `auth`, every other id (JSON_PARSE_ERROR,
INVALID_CONTENT_TYPE, MISSING_PARAMS, BAD_PARAMS, …) `provider` unless the HTTP status is
401/403 (`auth`) or 429 (`rate_limited`). An error body is a failure whatever the status.

UNCONFIRMED, so every plausible variant is accepted: the sub-account answer's envelope (the
`{"status", "result"}` wrapper, or `balance` and `currency` at the top level, with or without
`status`), the case of `status`, and the HTTP status of the non-auth errors.

Exposition::

    sms_balance_amount{account="es",currency="EUR",provider="gateway360"} 350.12
    sms_balance_messages{account="es-sms",provider="gateway360"} 1225.0
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import StringConstraints

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

_UserName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

# The provider's own text is not echoed: only a short, printable error id.
_MAX_ERROR_ID_LENGTH = 64


class Gateway360(Provider):
    """Gateway360: `api_key` from the panel's API settings, sent in the JSON body.

    `subaccount` (a sub-account's user name) asks for that sub-account's balance with the
    parent's key.
    """

    id: ClassVar[str] = "gateway360"
    default_base_url: ClassVar[str] = "https://api.gateway360.com"
    docs_url: ClassVar[str] = "https://app.smsup.es/api/3.0/docs/account/get-balance"

    api_key: Secret
    subaccount: _UserName | None = None

    def build_request(self, base_url: str) -> HttpRequest:
        body = {"api_key": self.api_key.reveal()}
        if self.subaccount is None:
            url = f"{base_url}/api/3.0/account/get-balance"
        else:
            url = f"{base_url}/api/3.0/subaccount/get-balance"
            body["user_name"] = self.subaccount
        # The client sets Content-Type: application/json for a JSON body, which the API
        # requires (else INVALID_CONTENT_TYPE).
        return HttpRequest(
            method="POST", url=url, headers={"Accept": "application/json"}, json_body=body
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        body = json_object(response)
        status = body.get("status")
        if _is_error(status) or (status is None and "error_id" in body):
            raise _error(body.get("error_id"), response.status)
        if status is not None and not _is_ok(status):
            raise ProviderError(Reason.PARSE, "field 'status' is neither 'ok' nor 'error'")
        raise_for_status(response)
        # The sub-account answer may carry its fields at the top level (UNCONFIRMED).
        if "result" in body or "balance" not in body:
            result, prefix = dig(body, "result"), "result."
        else:
            result, prefix = body, ""
        balance = to_number(dig(result, "balance"), prefix + "balance")
        currency = to_text(dig(result, "currency"), prefix + "currency")
        if currency.upper() == "SMS":
            return Balance(messages=balance)
        return Balance(amount=balance, currency=currency)


def _is_ok(status: Any) -> bool:
    return isinstance(status, str) and status.strip().lower() == "ok"


def _is_error(status: Any) -> bool:
    return isinstance(status, str) and status.strip().lower() == "error"


def _error(error_id: Any, http_status: int) -> ProviderError:
    """The failure an error body means: its `error_id`, else what its HTTP status says."""
    if isinstance(error_id, str) and error_id.strip().upper() == "UNAUTHORIZED":
        return ProviderError(
            Reason.AUTH, "error UNAUTHORIZED: API key rejected or IP blocked in the API settings"
        )
    name = _error_name(error_id)
    return unrecognised_error(f"error {name}", http_status)


def _error_name(error_id: Any) -> str:
    if not isinstance(error_id, str) or not error_id.strip():
        return "without an error_id"
    text = error_id.strip()
    if len(text) > _MAX_ERROR_ID_LENGTH or not text.isprintable():
        return "with an unreadable error_id"
    return text
