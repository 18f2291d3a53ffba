"""iletiMerkezi (Turkey).

Call::

    POST https://api.iletimerkezi.com/v1/get-balance/json
    {"request": {"authentication": {"key": "...", "hash": "..."}}}
    -> {"response": {"status": {"code": 200, "message": "İşlem başarılı"},
                     "balance": {"amount": 10.584, "sms": 67}}}

`amount` and `sms` arrive as numbers (current docs) or strings (old spec, SDKs). Errors carry
only `response.status`; its numeric `code` mirrors the HTTP status (the message language
varies, so only the code is read). 401 also means "API access disabled" or an IP block.

Exposition::

    sms_balance_amount{account="tr",currency="TRY",provider="iletimerkezi"} 10.584
    sms_balance_messages{account="tr",provider="iletimerkezi"} 67.0
"""

from __future__ import annotations

from typing import ClassVar

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
)
from sms_balance_exporter.secret import Secret


class Iletimerkezi(Provider):
    """iletiMerkezi: `key` and `hash` from the panel's API settings, sent in the JSON body."""

    id: ClassVar[str] = "iletimerkezi"
    default_base_url: ClassVar[str] = "https://api.iletimerkezi.com"
    docs_url: ClassVar[str] = "https://www.iletimerkezi.com/en/docs/api/get-balance"

    key: Secret
    hash: Secret

    def build_request(self, base_url: str) -> HttpRequest:
        auth = {"key": self.key.reveal(), "hash": self.hash.reveal()}
        return HttpRequest(
            method="POST",
            url=f"{base_url}/v1/get-balance/json",
            headers={"Accept": "application/json"},
            json_body={"request": {"authentication": auth}},
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        body = json_object(response)
        code = dig(body, "response", "status", "code")
        code = int(to_number(code, "response.status.code"))
        if code != 200:
            raise _status_code_error(code)
        raise_for_status(response)
        balance = dig(body, "response", "balance")
        return Balance(
            amount=to_number(dig(balance, "amount"), "response.balance.amount"),
            currency="TRY",
            messages=to_number(dig(balance, "sms"), "response.balance.sms"),
        )


def _status_code_error(code: int) -> ProviderError:
    if code == 401:
        return ProviderError(
            Reason.AUTH, "status 401: credentials rejected, API access disabled or IP not allowed"
        )
    if code == 429:
        return ProviderError(Reason.RATE_LIMITED, "status 429: rate limited by the provider")
    return ProviderError(Reason.PROVIDER, f"provider returned status code {code}")
