"""Agile Telecom (Italy).

Call::

    GET https://secure.agiletelecom.com/services/sms/credit
    X-Api-Key: <api_key>                       (or Authorization: Basic username:password)
    -> {"credit": 10.324}

`credit` is the remaining credit in euros (a JSON number; a numeric string is accepted too).
The third documented auth mode, OAuth 1.1, is not described well enough to implement.
New customers may live on `https://http-api.agiletelecom.com`; whether it serves this path is
UNCONFIRMED, hence `base_url`.

Errors are JSend bodies, documented under HTTP 5xx::

    {"status": "error", "message": "Number check service unavailable", "code": 9}

Only `code` is read: the documented message is copied from another service. Codes 1 and 11
(wrong credentials, user not found) and 100 (source IP not allowed) are auth failures under
any status; 2 (insufficient credit), 8 (server error), 9 (timeout), unknown codes and a body
without a code are provider errors unless the HTTP status is 401/403 (`auth`) or 429
(`rate_limited`). Which HTTP status carries an auth failure is UNCONFIRMED (the newer API uses
401, 403 for a non-whitelisted IP, 429 for rate limits), so an error body is a failure under
any status, also 200 (`status` "error" or "fail", or a `code` without `credit`).

Exposition::

    sms_balance_amount{account="it",currency="EUR",provider="agiletelecom"} 10.324
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import model_validator

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
)
from sms_balance_exporter.secret import Secret

_ERROR_CODES: ErrorCodes = {
    1: (Reason.AUTH, "wrong credentials"),
    11: (Reason.AUTH, "user not found (wrong credentials)"),
    100: (Reason.AUTH, "source IP is not allowed"),
    2: (Reason.PROVIDER, "insufficient credit"),
    8: (Reason.PROVIDER, "server error"),
    9: (Reason.PROVIDER, "server timeout"),
}


class AgileTelecom(Provider):
    """Agile Telecom: `api_key` (sent as `X-Api-Key`), or `username` and `password` (Basic)."""

    id: ClassVar[str] = "agiletelecom"
    default_base_url: ClassVar[str] = "https://secure.agiletelecom.com"
    docs_url: ClassVar[str] = "https://agiletelecom.com/documentation/credit-check"

    api_key: Secret | None = None
    # A credential like the others (so `username_file` works), though it is no secret alone.
    username: Secret | None = None
    password: Secret | None = None

    @model_validator(mode="after")
    def _one_auth_mode(self) -> Self:
        basic = (self.username is not None, self.password is not None)
        if self.api_key is not None and any(basic):
            raise ValueError("set either api_key, or username and password, not both")
        if self.api_key is None and not all(basic):
            if any(basic):
                missing = "username" if self.username is None else "password"
                raise ValueError(f"username and password go together: {missing} is missing")
            raise ValueError("set either api_key, or username and password")
        return self

    def build_request(self, base_url: str) -> HttpRequest:
        url = f"{base_url}/services/sms/credit"
        if self.api_key is not None:
            headers = {"Accept": "application/json", "X-Api-Key": self.api_key.reveal()}
            return HttpRequest(method="GET", url=url, headers=headers)
        # The validator leaves only the Basic mode here.
        assert self.username is not None and self.password is not None
        return HttpRequest(
            method="GET",
            url=url,
            headers={"Accept": "application/json"},
            basic_auth=(self.username.reveal(), self.password.reveal()),
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        body = json_object(response)
        if _is_error(body):
            raise coded_error(error_code(body.get("code")), _ERROR_CODES, response.status)
        raise_for_status(response)
        return Balance(amount=to_number(dig(body, "credit"), "credit"), currency="EUR")


def _is_error(body: dict[str, Any]) -> bool:
    status = body.get("status")
    if isinstance(status, str) and status.strip().lower() in ("error", "fail"):
        return True
    return "credit" not in body and body.get("code") is not None
