"""Twilio.

Call::

    GET https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Balance.json
    Authorization: Basic base64(AccountSid:AuthToken)
    -> {"account_sid": "AC…", "balance": "12.29", "currency": "USD"}

`balance` is a string (a JSON number or a decimal comma is accepted too) in the reported
`currency`. Balance changes may lag behind usage.

The AccountSid has to be in the URL path: the API offers no other way. That is safe: the
upstream client strips every credential value from error messages, and the request's repr
shows no path. The config accepts only a real AccountSid (`AC` and 32 hex digits),
so the path needs no escaping and a transport error shows the very value that is redacted.

Child (sub-)accounts have no balance of their own: configure the parent account's SID and
token. What Twilio answers for a sub-account is UNCONFIRMED; an answer without `balance` is a
`parse` error and error 20404 (resource not found) says to query the parent.

Errors are ``{"code": 20003, "message": "Authenticate", "more_info": "…", "status": 401}``:
20003 (wrong SID or token, HTTP 401) is `auth`, 20429 (too many requests, HTTP 429)
`rate_limited`, 20404 and every other code `provider` unless the HTTP status says auth or
rate limiting. The same body under HTTP 200 is a failure too. Only the code is repeated in
messages, never Twilio's text.

Exposition::

    sms_balance_amount{account="us",currency="USD",provider="twilio"} 12.29
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator

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

_ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")


def _account_sid(value: Any) -> Any:
    """Reject what cannot be an AccountSid before it becomes a `Secret` (never echoing it)."""
    if isinstance(value, str) and value.strip() and not _ACCOUNT_SID.fullmatch(value.strip()):
        raise ValueError(
            "must be the account SID: AC followed by 32 hex digits "
            "(an API key SID, SK…, is not supported)"
        )
    return value


AccountSid = Annotated[Secret, BeforeValidator(_account_sid)]


_ERROR_CODES: ErrorCodes = {
    20003: (Reason.AUTH, "authentication failed (wrong account SID or auth token)"),
    20429: (Reason.RATE_LIMITED, "too many requests"),
    20404: (
        Reason.PROVIDER,
        "resource not found (a sub-account has no balance: configure the parent account)",
    ),
}


class Twilio(Provider):
    """Twilio: the account's `account_sid` and `auth_token` (HTTP Basic)."""

    id: ClassVar[str] = "twilio"
    default_base_url: ClassVar[str] = "https://api.twilio.com"
    docs_url: ClassVar[str] = (
        "https://support.twilio.com/hc/en-us/articles/"
        "360025294494-Check-Your-Twilio-Account-Balance"
    )

    account_sid: AccountSid
    auth_token: Secret

    def build_request(self, base_url: str) -> HttpRequest:
        sid = self.account_sid.reveal()
        return HttpRequest(
            method="GET",
            url=f"{base_url}/2010-04-01/Accounts/{sid}/Balance.json",
            headers={"Accept": "application/json"},
            basic_auth=(sid, self.auth_token.reveal()),
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        body = json_object(response)
        # Success bodies carry no `code`; every error body does.
        if body.get("code") is not None:
            raise coded_error(error_code(body["code"]), _ERROR_CODES, response.status)
        raise_for_status(response)
        amount = to_number(dig(body, "balance"), "balance")
        return Balance(amount=amount, currency=to_text(dig(body, "currency"), "currency"))
