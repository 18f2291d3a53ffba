"""SMSGlobal's balance API, provider side: GET /v2/user/credit-balance signed per request with
`Authorization: MAC id, ts, nonce, mac` (base64 HMAC-SHA256 of ts, nonce, method, URI, host
and port with the API secret); `balance` and `currency`; 403 for a bad signature, 404 for a
postpaid account."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import time
from typing import ClassVar

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

BALANCE_PATH = "/v2/user/credit-balance"
_FIELD = re.compile(r'(\w+)="([^"]*)"')
CLOCK_SKEW_SECONDS = 300


class SmsGlobalTwin(Twin):
    provider_id = "smsglobal"
    endpoints = (("GET", BALANCE_PATH),)
    # The secret of every key handed out: the API never sees a secret, only signatures.
    _secrets: ClassVar[dict[str, str]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def sample_account(self, name: str) -> SimAccount:
        key, secret = f"{name}-0a1b2c3d4e5f", f"{name}-smsglobal-secret"
        with self._lock:
            self._secrets[key] = secret
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_key": key, "api_secret": secret},
            balance=100.0,
            currency="AUD",
            price_per_message=0.06,
            drift_per_hour=0.5,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        scheme, _, rest = request.headers.get("authorization", "").partition(" ")
        fields = dict(_FIELD.findall(rest))
        if scheme != "MAC" or set(fields) != {"id", "ts", "nonce", "mac"}:
            return None
        with self._lock:
            secret = self._secrets.get(fields["id"])
        if secret is None or not fields["ts"].isdigit():
            return None
        if abs(time.time() - int(fields["ts"])) > CLOCK_SKEW_SECONDS:
            return None
        host, _, port = request.headers.get("host", "").partition(":")
        uri = "/" + self.provider_id + request.path  # as the client addressed it
        text = f"{fields['ts']}\n{fields['nonce']}\nGET\n{uri}\n{host}\n{port or '80'}\n\n"
        expected = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(base64.b64encode(expected).decode(), fields["mac"]):
            return None
        return {"api_key": fields["id"], "api_secret": secret}

    def success(self, account: SimAccount) -> SimResponse:
        return SimResponse(
            200, {"balance": round(account.current_balance(), 2), "currency": account.currency}
        )

    def auth_error(self) -> SimResponse:
        return SimResponse(403, {"error": "Forbidden"})

    def provider_error(self) -> SimResponse:
        return SimResponse(404, {"error": "Not found"})
