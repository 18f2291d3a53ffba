"""EngageLab SMS.

Call::

    GET https://smsapi.engagelab.com/v1/balance
    Authorization: Basic base64(dev_key:dev_secret)
    -> {"balance10000": 123456, "gift_balance10000": 20000, "balance": 12.3456,
        "gift_balance": 2, "total_balance10000": 143456, "total_balance": 14.3456}

The general balance is the amount and the gift balance the gift amount; the docs advise the
integer x10000 fields over the floats, so those are read. Where an integer field is missing
but its float twin (`balance`, `gift_balance`) is present, the float is used instead. No gift
field at all means no gift series. Numbers may also arrive as numeric strings. The
`total_balance` fields (general + gift) are not read: both parts are exported.

The API reports no currency (UNCONFIRMED which one it is), so it comes from the account's
`currency` option, `USD` unless set.

Errors are HTTP 4xx/5xx with `{"code": <int>, "message": <str>}`: 2001 (bad token, merchant
missing; HTTP 401) and 2002 (token expired or disabled, HTTP 401; merchant deleted, HTTP 403)
are auth failures; 1000 (internal error, HTTP 500), unknown and non-numeric codes are
`provider` unless the HTTP status is 401/403 (`auth`) or 429 (`rate_limited`). The same body
under HTTP 200 is a failure too.

Exposition::

    sms_balance_amount{account="cn",currency="USD",provider="engagelab"} 12.3456
    sms_balance_gift_amount{account="cn",currency="USD",provider="engagelab"} 2.0
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, StringConstraints

from sms_balance_exporter.providers.base import (
    Balance,
    ErrorCodes,
    HttpRequest,
    HttpResponse,
    Provider,
    ProviderError,
    Reason,
    coded_error,
    error_code,
    json_object,
    raise_for_status,
    to_number,
)
from sms_balance_exporter.secret import Secret

_CURRENCY_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,15}")


def _currency_code(value: str) -> str:
    if not _CURRENCY_CODE.fullmatch(value):
        raise ValueError(
            "must be a currency code such as USD or EUR "
            "(a letter, then up to 15 letters, digits or '_')"
        )
    return value


CurrencyCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True), AfterValidator(_currency_code)
]

_ERROR_CODES: ErrorCodes = {
    2001: (Reason.AUTH, "invalid token or merchant missing"),
    2002: (Reason.AUTH, "token expired or disabled, or merchant deleted"),
    1000: (Reason.PROVIDER, "internal error"),
}


class EngageLab(Provider):
    """EngageLab SMS: `dev_key` and `dev_secret` from the console's APIKey page, HTTP Basic."""

    id: ClassVar[str] = "engagelab"
    default_base_url: ClassVar[str] = "https://smsapi.engagelab.com"
    docs_url: ClassVar[str] = "https://www.engagelab.com/docs/sms/api/balance"

    dev_key: Secret
    dev_secret: Secret
    currency: CurrencyCode = "USD"

    def build_request(self, base_url: str) -> HttpRequest:
        return HttpRequest(
            method="GET",
            url=f"{base_url}/v1/balance",
            headers={"Accept": "application/json"},
            basic_auth=(self.dev_key.reveal(), self.dev_secret.reveal()),
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        body = json_object(response)
        # Success bodies carry no `code`; a zero code is tolerated as "no error".
        if body.get("code") is not None:
            code = error_code(body["code"])
            if code != 0:
                raise coded_error(code, _ERROR_CODES, response.status)
        raise_for_status(response)
        amount = _scaled(body, "balance")
        if amount is None:
            raise ProviderError(Reason.PARSE, "field 'balance10000' is missing")
        return Balance(
            amount=amount, currency=self.currency, gift_amount=_scaled(body, "gift_balance")
        )


def _scaled(body: dict[str, Any], name: str) -> float | None:
    """`<name>10000 / 10000`, else the float `<name>`, else None when neither is there."""
    scaled = body.get(f"{name}10000")
    if scaled is not None:
        return to_number(scaled, f"{name}10000") / 10000
    plain = body.get(name)
    if plain is not None:
        return to_number(plain, name)
    return None
