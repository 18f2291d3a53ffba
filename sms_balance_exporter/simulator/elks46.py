"""46elks' account API, provider side: GET /a1/me with HTTP Basic (API username and
password), `balance` an integer in 1/10000 of `currency`, errors as text/plain bodies."""

from __future__ import annotations

import math

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

UNITS_PER_CURRENCY = 10000


def _text(status: int, message: str) -> SimResponse:
    return SimResponse(status, message, "text/plain; charset=utf-8")


class Elks46Twin(Twin):
    provider_id = "46elks"
    endpoints = (("GET", "/a1/me"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"username": f"u{name}", "password": f"{name}-api-password"},
            balance=967.05,
            currency="SEK",
            price_per_message=0.52,
            drift_per_hour=4.0,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        pair = request.basic_auth()
        if pair is None or not all(pair):
            return None
        return {"username": pair[0], "password": pair[1]}

    def success(self, account: SimAccount) -> SimResponse:
        balance = account.current_balance()
        units: float = round(balance * UNITS_PER_CURRENCY) if math.isfinite(balance) else balance
        body = {
            "id": "u5a9566c072160b318445d163949bf505",
            "displayname": account.name,
            "mobilenumber": "+46766861647",
            "currency": account.currency,
            "balance": units,
            "email": "help@46elks.com",
        }
        return SimResponse(200, body)

    def auth_error(self) -> SimResponse:
        return _text(401, "Unable to get account.")

    def provider_error(self) -> SimResponse:
        return _text(500, "Unable to get account.")
