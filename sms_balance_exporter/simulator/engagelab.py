"""EngageLab SMS's balance API, provider side: HTTP Basic dev_key:dev_secret, the general and
gift balances both as x10000 integers and as floats, errors as `{"code", "message"}`."""

from __future__ import annotations

import math

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


class EngageLabTwin(Twin):
    provider_id = "engagelab"
    endpoints = (("GET", "/v1/balance"),)

    def sample_account(self, name: str) -> SimAccount:
        # USD is also the exporter's default currency for EngageLab: no options needed.
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"dev_key": f"{name}-dev-key", "dev_secret": f"{name}-dev-secret"},
            balance=480.0,
            currency="USD",
            price_per_message=0.035,
            gift=20.0,
            drift_per_hour=3.0,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        auth = request.basic_auth()
        if auth is None:
            return None
        return {"dev_key": auth[0], "dev_secret": auth[1]}

    def success(self, account: SimAccount) -> SimResponse:
        balance = account.current_balance()
        # A NaN or infinite balance (a fault) goes out as it is: JSON's NaN / Infinity.
        general = round(balance * 10000) if math.isfinite(balance) else balance
        gift = round(account.gift * 10000)
        total = general + gift
        return SimResponse(
            200,
            {
                "balance10000": general,
                "gift_balance10000": gift,
                "balance": general / 10000,
                "gift_balance": gift / 10000,
                "total_balance10000": total,
                "total_balance": total / 10000,
            },
        )

    def auth_error(self) -> SimResponse:
        return SimResponse(401, {"code": 2001, "message": "invalid token"})

    def provider_error(self) -> SimResponse:
        return SimResponse(500, {"code": 1000, "message": "internal error"})
