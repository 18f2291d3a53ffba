"""SMSGlobal.

Call::

    GET https://api.smsglobal.com/v2/user/credit-balance
    Accept: application/json
    Authorization: MAC id="<api key>", ts="<unix time>", nonce="<random>", mac="<signature>"
    -> {"balance": 100.00, "currency": "USD"}

The signature is base64(HMAC-SHA256(api secret, "ts\\nnonce\\nGET\\n/v2/user/credit-balance\\n
host\\nport\\n\\n")), made anew for every request (the official PHP SDK's scheme), so the secret
itself never travels. `balance` is the amount in `currency`; a number in the SDK's test,
strings ("10", "25.00") in 3rd-party mocks, so both are accepted.

Errors go by HTTP status (the SDK's mapping): 403 `auth` (as 401), 402 (payment required)
`provider`, 404 `provider` — a postpaid account, which has no balance — and 429
`rate_limited`. The error bodies are UNCONFIRMED: a JSON object with `error`, `errors` or
`message` and no `balance` is a `provider` error, whatever the status; nothing of it is
repeated.

Exposition::

    sms_balance_amount{account="au",currency="AUD",provider="smsglobal"} 100.0
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import ClassVar
from urllib.parse import urlsplit

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
)
from sms_balance_exporter.secret import Secret

BALANCE_PATH = "/v2/user/credit-balance"
# An error body's shape is UNCONFIRMED: one of these fields without a balance is an error.
_ERROR_KEYS = ("error", "errors", "message")


def mac_signature(secret: str, ts: str, nonce: str, method: str, url: str) -> str:
    """SMSGlobal's request MAC: the fixed lines of the request, signed with the secret."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    uri = parts.path + (f"?{parts.query}" if parts.query else "")
    text = f"{ts}\n{nonce}\n{method}\n{uri}\n{parts.hostname}\n{port}\n\n"
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class SmsGlobal(Provider):
    """SMSGlobal: a REST API key and secret (MXT portal); every request is HMAC-signed."""

    id: ClassVar[str] = "smsglobal"
    default_base_url: ClassVar[str] = "https://api.smsglobal.com"
    docs_url: ClassVar[str] = "https://www.smsglobal.com/rest-api/"

    api_key: Secret
    api_secret: Secret

    def build_request(self, base_url: str) -> HttpRequest:
        url = base_url + BALANCE_PATH
        ts, nonce = str(int(time.time())), secrets.token_hex(16)
        mac = mac_signature(self.api_secret.reveal(), ts, nonce, "GET", url)
        header = f'MAC id="{self.api_key.reveal()}", ts="{ts}", nonce="{nonce}", mac="{mac}"'
        return HttpRequest(
            method="GET",
            url=url,
            headers={"Accept": "application/json", "Authorization": header},
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        if response.status == 404:
            raise ProviderError(Reason.PROVIDER, "HTTP 404: a postpaid account has no balance")
        if response.status == 402:
            raise ProviderError(Reason.PROVIDER, "HTTP 402: payment required")
        raise_for_status(response)
        body = json_object(response)
        if "balance" not in body and any(key in body for key in _ERROR_KEYS):
            raise ProviderError(Reason.PROVIDER, "provider returned an error body")
        amount = to_number(dig(body, "balance"), "balance")
        return Balance(amount=amount, currency=to_text(dig(body, "currency"), "currency"))
