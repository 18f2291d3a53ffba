"""Mocean's balance API, provider side: GET /rest/2/account/balance with `mocean-api-key`,
`mocean-api-secret` and `mocean-resp-format=json` as query parameters; `status` 0 with
`value` (a number, no currency), or a nonzero `status` with `err_msg`."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


class MoceanTwin(Twin):
    provider_id = "mocean"
    endpoints = (("GET", "/rest/2/account/balance"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_key": f"{name}-mocean-key", "api_secret": f"{name}-mocean-secret"},
            balance=100.0,
            currency="EUR",
            price_per_message=0.04,
            drift_per_hour=0.4,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        key = request.query.get("mocean-api-key")
        secret = request.query.get("mocean-api-secret")
        return {"api_key": key, "api_secret": secret} if key and secret else None

    def success(self, account: SimAccount) -> SimResponse:
        return SimResponse(200, {"status": 0, "value": round(account.current_balance(), 4)})

    def auth_error(self) -> SimResponse:
        return SimResponse(401, {"status": 1, "err_msg": "Authorization failed"})

    def provider_error(self) -> SimResponse:
        return SimResponse(200, {"status": 2, "err_msg": "Insufficient balance"})
