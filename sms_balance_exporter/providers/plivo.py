"""Plivo.

Call::

    GET https://api.plivo.com/v1/Account/{auth_id}/
    Authorization: Basic base64(auth_id:auth_token)
    -> {"account_type": "standard", "auth_id": "MA…", "billing_mode": "prepaid",
        "auto_recharge": false, "cash_credits": "1.80900", "resource_uri": "…", …}

This is the account-details call; `cash_credits` is a string of US dollars (a JSON number or
a decimal comma is accepted too).

The auth ID has to be in the URL path: the API offers no other way. That is safe: the
upstream client strips every credential value from error messages, and the request's repr
shows no path. The config accepts only a real auth ID (`MA` or `SA` and 18 letters
or digits), so the path needs no escaping and a transport error shows the very value that is
redacted.

With `billing_mode` "postpaid" the account is invoiced and `cash_credits` is not credit left
to spend; the value is still reported as it is, but a low-balance alert means little there.

Error bodies are `{"api_id": "…", "error": "…"}` (what Plivo's SDKs read); `error` is free
text with no code, so the HTTP status decides: 401/403 `auth`, 429 `rate_limited`, anything
else `provider`. An error body under HTTP 200 is a failure too. UNCONFIRMED: the exact error
texts and whether a sub-account (`SA…`) may read its own account details; an error answer
without a JSON body is read by its HTTP status alone.

Exposition::

    sms_balance_amount{account="voice",currency="USD",provider="plivo"} 1.809
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator

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
    status_error,
    to_number,
)
from sms_balance_exporter.secret import Secret

_AUTH_ID = re.compile(r"(MA|SA)[A-Za-z0-9]{18}")


def _auth_id(value: Any) -> Any:
    """Reject what cannot be an auth ID before it becomes a `Secret` (never echoing it)."""
    if isinstance(value, str) and value.strip() and not _AUTH_ID.fullmatch(value.strip()):
        raise ValueError("must be a Plivo auth ID: MA or SA followed by 18 letters or digits")
    return value


AuthId = Annotated[Secret, BeforeValidator(_auth_id)]


class Plivo(Provider):
    """Plivo: `auth_id` and `auth_token` from the console's overview page (HTTP Basic)."""

    id: ClassVar[str] = "plivo"
    default_base_url: ClassVar[str] = "https://api.plivo.com"
    docs_url: ClassVar[str] = "https://www.plivo.com/docs/account/api/account/the-account-object/"

    auth_id: AuthId
    auth_token: Secret

    def build_request(self, base_url: str) -> HttpRequest:
        auth_id = self.auth_id.reveal()
        return HttpRequest(
            method="GET",
            url=f"{base_url}/v1/Account/{auth_id}/",
            headers={"Accept": "application/json"},
            basic_auth=(auth_id, self.auth_token.reveal()),
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        body = json_object(response)
        # Account details never carry `error`; every error body does.
        if body.get("error") is not None:
            raise _error(response.status)
        raise_for_status(response)
        amount = to_number(dig(body, "cash_credits"), "cash_credits")
        return Balance(amount=amount, currency="USD")


def _error(status: int) -> ProviderError:
    """An error body: its text has no code, so the HTTP status says what it is."""
    by_status = status_error(status)
    if by_status is not None and by_status.reason in (Reason.AUTH, Reason.RATE_LIMITED):
        return by_status
    return ProviderError(Reason.PROVIDER, f"provider returned an error body under HTTP {status}")
