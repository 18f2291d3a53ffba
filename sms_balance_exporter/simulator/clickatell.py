"""Clickatell's Platform balance API, provider side: the raw API key as the `Authorization`
header, `{"balance": <number>, "currency": <billing currency>}`, errors with a One API error
code (`{"error": {"code", "description"}}`; the exact envelope is UNCONFIRMED)."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


def _error(status: int, code: int, description: str) -> SimResponse:
    return SimResponse(status, {"error": {"code": code, "description": description}})


class ClickatellTwin(Twin):
    provider_id = "clickatell"
    endpoints = (("GET", "/public-client/balance"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_key": f"{name}-integration-api-key"},
            balance=1267.92865,
            currency="ZAR",
            price_per_message=0.35,
            drift_per_hour=12.0,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        api_key = request.headers.get("authorization", "").strip()
        return {"api_key": api_key} if api_key else None

    def success(self, account: SimAccount) -> SimResponse:
        balance = round(account.current_balance(), 5)
        return SimResponse(200, {"balance": balance, "currency": account.currency})

    def auth_error(self) -> SimResponse:
        return _error(401, 1, "Invalid or missing Integration API Key")

    def provider_error(self) -> SimResponse:
        return _error(503, 19, "Internal error, please retry")
