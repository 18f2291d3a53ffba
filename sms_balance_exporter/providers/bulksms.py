"""BulkSMS (the JSON REST API v1).

Call::

    GET https://api.bulksms.com/v1/profile
    Authorization: Basic base64(username:password)
    -> {"id": "...", "username": "...", "credits": {"balance": 2101.15, "limit": 0,
        "isTransferAllowed": false}, "quota": {"size": 100000, "remaining": 99000}, ...}

`credits.balance` is a float of BulkSMS credits, not money: it is exported as the amount in
`CREDITS` (a numeric string is accepted too). Credits per message depend on the route and the
destination, so no message count is derived. The daily `quota` is not read. An API token works
in place of the user name and password: its id as `username`, its secret as `password`.

Errors are problem-JSON bodies::

    {"type": "https://developer.bulksms.com/json/v1/errors#authentication-failed",
     "title": "Authentication Failed", "status": 401, "detail": "..."}

The error type is the part after `#`: authentication-required, authentication-failed and
authorisation-failed are `auth`; unavailable (used with 429 and 503) is `rate_limited` under
429 and else `provider`; not-found, internal-server-error, bad-request, insufficient-credits
and the other documented types are `provider` whatever the status (insufficient-credits is
documented under 403, which is no credentials problem); an unknown type is `provider` unless
the status says 401/403 (`auth`) or 429 (`rate_limited`). The body's `status` stands in for the HTTP
status when a problem arrives under a 2xx. A problem body is a failure under any status, 200
too. Only the type is repeated in messages, never `title` or `detail`.

UNCONFIRMED, so every plausible variant is accepted: the type URL's host and path (only the
part after `#`, or else after the last `/`, is read), the "authorization-failed" spelling,
`status` as a number or a numeric string, and a problem body without `type` (read by its
status).

Exposition::

    sms_balance_amount{account="uk",currency="CREDITS",provider="bulksms"} 2101.15
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
    error_code,
    json_object,
    raise_for_status,
    status_error,
    to_number,
    unrecognised_error,
)
from sms_balance_exporter.secret import Secret

_AUTH_TYPES = {
    "authentication-required": "no credentials were sent",
    "authentication-failed": "credentials rejected",
    "authorisation-failed": "access denied",
    "authorization-failed": "access denied",
}
_PROVIDER_TYPES = {
    "not-found",
    "internal-server-error",
    "bad-request",
    "invalid-group",
    "max-batch-size-exceeded",
    "insufficient-credits",
    "insufficient-quota",
}
_PROBLEM_FIELDS = ("type", "title", "status", "detail")
# An error type is repeated in messages only when it looks like one.
_ERROR_TYPE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


class BulkSMS(Provider):
    """BulkSMS: `username` and `password` (or an API token's id and secret), HTTP Basic."""

    id: ClassVar[str] = "bulksms"
    default_base_url: ClassVar[str] = "https://api.bulksms.com"
    docs_url: ClassVar[str] = "https://www.bulksms.com/developer/json/v1/#tag/Profile"

    # A credential like the password (so `username_file` works); a token id is one.
    username: Secret
    password: Secret

    def build_request(self, base_url: str) -> HttpRequest:
        return HttpRequest(
            method="GET",
            url=f"{base_url}/v1/profile",
            headers={"Accept": "application/json"},
            basic_auth=(self.username.reveal(), self.password.reveal()),
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        body = json_object(response)
        if _is_problem(body):
            raise _problem_error(body, response.status)
        raise_for_status(response)
        balance = to_number(dig(body, "credits", "balance"), "credits.balance")
        return Balance(amount=balance, currency="CREDITS")


def _is_problem(body: dict[str, Any]) -> bool:
    """A problem body: an error type URL, or problem fields where a profile has credits."""
    kind = body.get("type")
    if isinstance(kind, str) and "errors#" in kind:
        return True
    return "credits" not in body and any(body.get(name) is not None for name in _PROBLEM_FIELDS)


def _problem_error(body: dict[str, Any], http_status: int) -> ProviderError:
    status = http_status if status_error(http_status) is not None else _body_status(body)
    kind = _error_type(body.get("type"))
    if kind is None:
        return unrecognised_error("an error without a readable type", status)
    if kind in _AUTH_TYPES:
        return ProviderError(Reason.AUTH, f"error {kind}: {_AUTH_TYPES[kind]}")
    if kind in _PROVIDER_TYPES:
        return ProviderError(Reason.PROVIDER, f"provider returned error {kind}")
    return unrecognised_error(f"error {kind}", status)


def _body_status(body: dict[str, Any]) -> int:
    """The body's `status` where it is an HTTP error status, else 200 (says nothing)."""
    status = error_code(body.get("status"))
    return status if status is not None and 400 <= status < 600 else 200


def _error_type(value: Any) -> str | None:
    """The type name after `#` (or the last `/`) of a problem's `type`, when it is one."""
    if not isinstance(value, str):
        return None
    name = value.strip().rpartition("#")[2] if "#" in value else value.strip().rpartition("/")[2]
    name = name.lower()
    return name if _ERROR_TYPE.fullmatch(name) else None
