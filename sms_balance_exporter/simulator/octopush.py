"""Octopush's wallet API, provider side: headers `api-key` and `api-login` (the account
e-mail), `{"amount", "unit"}` with unit "euros" for the money wallet. Error bodies are
UNCONFIRMED: this twin wraps the documented texts ("Unauthorized.", …) as `{"message": …}`."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


class OctopushTwin(Twin):
    provider_id = "octopush"
    endpoints = (("GET", "/v1/public/wallet/check-balance"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_login": f"{name}@example.com", "api_key": f"{name}-octo-key"},
            balance=12.54,
            currency="EUR",
            price_per_message=0.045,
            drift_per_hour=0.3,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        key = request.headers.get("api-key", "")
        login = request.headers.get("api-login", "")
        if not key or not login:
            return None
        return {"api_login": login, "api_key": key}

    def success(self, account: SimAccount) -> SimResponse:
        return SimResponse(200, {"amount": round(account.current_balance(), 2), "unit": "euros"})

    def auth_error(self) -> SimResponse:
        return SimResponse(401, {"message": "Unauthorized."})

    def provider_error(self) -> SimResponse:
        return SimResponse(500, {"message": "Server Error"})
