"""SMSAPI (smsapi.com, smsapi.pl).

Call::

    GET https://api.smsapi.com/profile
    Authorization: Bearer <OAuth token>
    -> {"name": "...", "username": "...", "email": "...", "payment_type": "prepaid",
        "user_type": "native", "points": 1500.25}

`points` is the account's credit in SMSAPI points (money-equivalent credits; their currency
is not stated), exported as an amount in the unit `POINTS`. Accounts of smsapi.pl live on
`https://api.smsapi.pl`: set `base_url`.

Errors carry `error` and `message`; only `error` is read. The legacy API's numeric codes
(from SMSAPI's own clients): 101 (invalid authorization info), 102 (invalid username or
password), 105 (IP not on the allow-list) and 110 (action not allowed for this account) are
`auth`; 202 (too many simultaneous requests) is `rate_limited`; 103 (insufficient credits)
is `provider`, as no credential is wrong, and so is any other code, unless the HTTP status
is 401/403 (`auth`) or 429 (`rate_limited`). An error body is a failure whatever the HTTP
status, 200 included.

UNCONFIRMED, so every plausible variant is accepted: `points` as a number or a numeric
string; `error` as a number, a numeric string, or a string tag (the REST clients read
`{"message": ..., "error": "<tag>"}`; `authorization_failed`, `invalid_token` and
`unauthorized` are `auth`, other tags go by the HTTP status); the HTTP status of errors.
A profile without `points` (a postpaid account, perhaps) is a `parse` error.

Exposition::

    sms_balance_amount{account="pl",currency="POINTS",provider="smsapi"} 1500.25
"""

from __future__ import annotations

from typing import Any, ClassVar

from sms_balance_exporter.providers.base import (
    Balance,
    ErrorCodes,
    HttpRequest,
    HttpResponse,
    Provider,
    ProviderError,
    Reason,
    coded_error,
    dig,
    error_code,
    json_object,
    raise_for_status,
    to_number,
    unrecognised_error,
)
from sms_balance_exporter.secret import Secret

_ERROR_CODES: ErrorCodes = {
    101: (Reason.AUTH, "invalid authorization info (token rejected)"),
    102: (Reason.AUTH, "invalid username or password"),
    105: (Reason.AUTH, "IP address not allowed"),
    110: (Reason.AUTH, "action not allowed for this account"),
    103: (Reason.PROVIDER, "insufficient credits"),
    202: (Reason.RATE_LIMITED, "too many simultaneous requests"),
}
_AUTH_TAGS = frozenset({"authorization_failed", "invalid_token", "unauthorized"})
# The provider's own text is not echoed: only a short, printable error tag.
_MAX_TAG_LENGTH = 64


class Smsapi(Provider):
    """SMSAPI: an OAuth `token` from the customer portal (API tokens), sent as a Bearer token."""

    id: ClassVar[str] = "smsapi"
    default_base_url: ClassVar[str] = "https://api.smsapi.com"
    docs_url: ClassVar[str] = "https://www.smsapi.com/docs/"

    token: Secret

    def build_request(self, base_url: str) -> HttpRequest:
        return HttpRequest(
            method="GET",
            url=f"{base_url}/profile",
            headers={
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token.reveal()}",
            },
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        body = json_object(response)
        if _has_error(body.get("error")):
            raise _error(body["error"], response.status)
        raise_for_status(response)
        return Balance(amount=to_number(dig(body, "points"), "points"), currency="POINTS")


def _has_error(value: Any) -> bool:
    """Whether `error` holds something: success bodies have none, or null."""
    return value is not None and value is not False and value != ""


def _error(value: Any, http_status: int) -> ProviderError:
    """The failure an `error` field means: its code or tag, else its HTTP status."""
    code = error_code(value)
    if code is not None:
        return coded_error(code, _ERROR_CODES, http_status)
    if isinstance(value, str):
        tag = value.strip()
        if tag.lower() in _AUTH_TAGS:
            return ProviderError(Reason.AUTH, f"error {tag}: token rejected")
        if len(tag) <= _MAX_TAG_LENGTH and tag.isprintable():
            return unrecognised_error(f"error {tag}", http_status)
    return unrecognised_error("an unreadable error", http_status)
