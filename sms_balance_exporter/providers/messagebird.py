"""MessageBird (the legacy REST API; Bird's new platform is another API).

Call::

    GET https://rest.messagebird.com/balance
    Authorization: AccessKey <access_key>
    -> {"payment": "prepaid", "type": "euros", "amount": 103}

`amount` is a float (a numeric string is accepted too). `type` is the unit: euros, pounds and
dollars become EUR, GBP and USD, credits becomes CREDITS, an ISO-4217 code is kept
(upper-cased), and any other word is exported upper-cased. Postpaid accounts
(`"payment": "postpaid"`) always report `amount` 0: for them the series says nothing about
money left. The API also takes the key as an `access_key` query parameter; the exporter never
uses that, the header keeps the key out of URLs.

Errors are 4xx bodies with an `errors` list::

    {"errors": [{"code": 2, "description": "Request not allowed (incorrect access_key)",
                 "parameter": "access_key"}]}

Code 2 (request not allowed: a wrong or revoked key, HTTP 401) is `auth`; 9, 10, 20, 21, 25,
98, 99 and unknown codes are `provider` unless the HTTP status is 401/403 (`auth`) or 429
(`rate_limited`). An `errors` body is a failure under any status, 200 too. Only the code is
repeated in messages, never the description.

UNCONFIRMED, so every plausible variant is accepted: the error entries' fields other than
`code` and `description`, `code` as a number or a numeric string, `errors` as a single object
instead of a list, and `type` in another case or in the singular ("euro", "Credits").

Exposition::

    sms_balance_amount{account="nl",currency="EUR",provider="messagebird"} 103.0
"""

from __future__ import annotations

import re
from typing import ClassVar

from sms_balance_exporter.providers.base import (
    Balance,
    ErrorCodes,
    HttpRequest,
    HttpResponse,
    Provider,
    ProviderError,
    Reason,
    dig,
    json_object,
    listed_errors,
    raise_for_status,
    to_number,
    to_text,
)
from sms_balance_exporter.secret import Secret

_UNITS = {
    "euro": "EUR",
    "euros": "EUR",
    "pound": "GBP",
    "pounds": "GBP",
    "dollar": "USD",
    "dollars": "USD",
    "credit": "CREDITS",
    "credits": "CREDITS",
}
# A word or a code: it becomes a label value, so no spaces or punctuation.
_UNIT_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")

_ERROR_CODES: ErrorCodes = {
    2: (Reason.AUTH, "request not allowed (access key rejected)"),
    9: (Reason.PROVIDER, "missing parameters"),
    10: (Reason.PROVIDER, "invalid parameters"),
    20: (Reason.PROVIDER, "not found"),
    21: (Reason.PROVIDER, "bad request"),
    25: (Reason.PROVIDER, "not enough balance"),
    98: (Reason.PROVIDER, "API not found"),
    99: (Reason.PROVIDER, "internal error"),
}


class MessageBird(Provider):
    """MessageBird: a live `access_key` from the dashboard, sent as `Authorization: AccessKey`."""

    id: ClassVar[str] = "messagebird"
    default_base_url: ClassVar[str] = "https://rest.messagebird.com"
    docs_url: ClassVar[str] = "https://developers.messagebird.com/api/balance/"

    access_key: Secret

    def build_request(self, base_url: str) -> HttpRequest:
        return HttpRequest(
            method="GET",
            url=f"{base_url}/balance",
            headers={
                "Accept": "application/json",
                "Authorization": f"AccessKey {self.access_key.reveal()}",
            },
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        body = json_object(response)
        errors = body.get("errors")
        if errors is not None and errors != []:
            raise listed_errors(errors, _ERROR_CODES, response.status)
        raise_for_status(response)
        amount = to_number(dig(body, "amount"), "amount")
        return Balance(amount=amount, currency=_currency(to_text(dig(body, "type"), "type")))


def _currency(unit: str) -> str:
    if not _UNIT_WORD.fullmatch(unit):
        raise ProviderError(Reason.PARSE, "field 'type' is not a unit word or currency code")
    return _UNITS.get(unit.lower(), unit.upper())
