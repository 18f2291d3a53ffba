"""Vonage (formerly Nexmo).

Call::

    GET https://rest.nexmo.com/account/get-balance
    Authorization: Basic base64(api_key:api_secret)
    -> {"value": 10.28, "autoReload": false}

`value` is a JSON number of euros (a numeric string is accepted too); the account's currency
is always EUR. The API also takes `api_key` and `api_secret` as query parameters: never used
here, credentials belong in a header.

Errors are RFC 7807 `application/problem+json` bodies::

    {"type": "https://developer.nexmo.com/api-errors#unauthorized",
     "title": "Invalid credentials supplied", "detail": "…", "instance": "…"}

The error name is the `type` URI's fragment. unauthorized, forbidden, invalid-api-key,
unprovisioned, account-suspended, jwt-expired, jwt-revoked and invalid-signature are `auth`;
every other name is `provider` unless the HTTP status says auth (401/403) or rate limiting
(429). A problem body is a failure under any status, HTTP 200 too. Only the name is repeated
in messages, never `title` or `detail`.

UNCONFIRMED, so accepted as well: the older Nexmo error shape
`{"error-code": "401", "error-code-label": "…"}` that other Account API calls answer with
("200" there means success), read by its code like an HTTP status.

Exposition::

    sms_balance_amount{account="eu",currency="EUR",provider="vonage"} 10.28
"""

from __future__ import annotations

import re
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

_AUTH_ERRORS = frozenset(
    {
        "unauthorized",
        "forbidden",
        "invalid-api-key",
        "unprovisioned",
        "account-suspended",
        "jwt-expired",
        "jwt-revoked",
        "invalid-signature",
    }
)
# The provider's text is not echoed: only a short error name of these characters.
_ERROR_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# The legacy `error-code`s reuse HTTP status numbers.
_LEGACY_CODES: ErrorCodes = {
    401: (Reason.AUTH, "credentials rejected"),
    403: (Reason.AUTH, "credentials rejected"),
    429: (Reason.RATE_LIMITED, "rate limited"),
}


class Vonage(Provider):
    """Vonage: `api_key` and `api_secret` from the dashboard, sent as HTTP Basic only."""

    id: ClassVar[str] = "vonage"
    default_base_url: ClassVar[str] = "https://rest.nexmo.com"
    docs_url: ClassVar[str] = "https://developer.vonage.com/en/api/account"

    api_key: Secret
    api_secret: Secret

    def build_request(self, base_url: str) -> HttpRequest:
        return HttpRequest(
            method="GET",
            url=f"{base_url}/account/get-balance",
            headers={"Accept": "application/json"},
            basic_auth=(self.api_key.reveal(), self.api_secret.reveal()),
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        body = json_object(response)
        if _is_problem(response, body):
            raise _problem_error(body.get("type"), response.status)
        legacy_code = body.get("error-code")
        if legacy_code is not None and str(legacy_code).strip() != "200":
            raise coded_error(error_code(legacy_code), _LEGACY_CODES, response.status)
        raise_for_status(response)
        return Balance(amount=to_number(dig(body, "value"), "value"), currency="EUR")


def _is_problem(response: HttpResponse, body: dict[str, Any]) -> bool:
    content_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    return content_type == "application/problem+json" or "type" in body or "title" in body


def _problem_error(problem_type: Any, status: int) -> ProviderError:
    name = _error_name(problem_type)
    if name is not None and name.lower() in _AUTH_ERRORS:
        return ProviderError(Reason.AUTH, f"error {name}: credentials rejected")
    what = f"error {name}" if name is not None else "an error without a readable type"
    return unrecognised_error(what, status)


def _error_name(problem_type: Any) -> str | None:
    """The fragment of the `type` URI (else its last path segment), if it looks like a name."""
    if not isinstance(problem_type, str):
        return None
    text = problem_type.strip()
    name = text.rpartition("#")[2] if "#" in text else text.rstrip("/").rpartition("/")[2]
    return name if _ERROR_NAME.fullmatch(name) else None
