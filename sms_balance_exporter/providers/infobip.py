"""Infobip.

Call::

    GET https://{your-id}.api.infobip.com/account/1/balance
    Authorization: App <api_key>
    -> {"balance": 47.79134, "currency": "EUR"}

Every account has its own API host (shown in the web interface), so `base_url` is required;
the old shared host `https://api.infobip.com` is only the documented default. `balance` is a
JSON number (a numeric string is accepted too) in the reported `currency`. Of the documented
auth modes only the recommended API key (`App`) is used.

Errors are HTTP 4xx/5xx with a JSON body whose exact shape is UNCONFIRMED, so every plausible
one is accepted: the classic
``{"requestError": {"serviceException": {"messageId": "UNAUTHORIZED", "text": "…"}}}``
(or `policyException` in place of `serviceException`), the newer ``{"errorCode": "E401", …}``,
and unknown shapes, read by their HTTP status. messageId UNAUTHORIZED and errorCode E401 are
`auth`; every other id is `provider` unless the HTTP status says auth (401/403) or rate
limiting (429). An error body under HTTP 200 is a failure too. Only the id is repeated in
messages, never Infobip's text.

Exposition::

    sms_balance_amount{account="hr",currency="EUR",provider="infobip"} 47.79134
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

_AUTH_IDS = frozenset({"UNAUTHORIZED", "E401"})
# The provider's text is not echoed: only a short error id of these characters.
_ERROR_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class Infobip(Provider):
    """Infobip: an `api_key` (sent as `Authorization: App <key>`) and the account's own
    `base_url`."""

    id: ClassVar[str] = "infobip"
    default_base_url: ClassVar[str] = "https://api.infobip.com"
    docs_url: ClassVar[str] = "https://dev.infobip.com/settings/account-balance"
    base_url_required: ClassVar[bool] = True

    api_key: Secret

    def build_request(self, base_url: str) -> HttpRequest:
        return HttpRequest(
            method="GET",
            url=f"{base_url}/account/1/balance",
            headers={"Accept": "application/json", "Authorization": f"App {self.api_key.reveal()}"},
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        body = json_object(response)
        if "requestError" in body or "errorCode" in body:
            raise _error(_error_id(body), response.status)
        raise_for_status(response)
        amount = to_number(dig(body, "balance"), "balance")
        return Balance(amount=amount, currency=to_text(dig(body, "currency"), "currency"))


def _error_id(body: dict[str, Any]) -> str | None:
    """The error's id in either known shape, if it is a short printable name."""
    raw = body.get("errorCode")
    request_error = body.get("requestError")
    if isinstance(request_error, dict):
        for kind in ("serviceException", "policyException"):
            exception = request_error.get(kind)
            if isinstance(exception, dict) and exception.get("messageId") is not None:
                raw = exception["messageId"]
                break
    if not isinstance(raw, str) or not _ERROR_ID.fullmatch(raw.strip()):
        return None
    return raw.strip()


def _error(error_id: str | None, status: int) -> ProviderError:
    if error_id is not None and error_id.upper() in _AUTH_IDS:
        return ProviderError(Reason.AUTH, f"error {error_id}: API key rejected")
    what = f"error {error_id}" if error_id is not None else "an error without a readable id"
    return unrecognised_error(what, status)
