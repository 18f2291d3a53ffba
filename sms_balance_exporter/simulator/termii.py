"""Termii's balance API, provider side: GET /api/get-balance with the `api_key` as a query
parameter; `user`, `balance` (a number) and `currency`. Errors are told by HTTP status (401 a
bad key); their bodies are not documented, so this twin sends the status's bare text."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


def _status(http_status: int, text: str) -> SimResponse:
    return SimResponse(http_status, text, "text/plain; charset=utf-8")


class TermiiTwin(Twin):
    provider_id = "termii"
    endpoints = (("GET", "/api/get-balance"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_key": f"TL{name}termiikey0123456789"},
            balance=8748.63,
            currency="NGN",
            price_per_message=4.0,
            drift_per_hour=25.0,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        key = request.query.get("api_key")
        return {"api_key": key} if key else None

    def success(self, account: SimAccount) -> SimResponse:
        body = {
            "user": account.name,
            "balance": round(account.current_balance(), 2),
            "currency": account.currency,
        }
        return SimResponse(200, body)

    def auth_error(self) -> SimResponse:
        return _status(401, "Unauthorized")

    def provider_error(self) -> SimResponse:
        return _status(500, "Internal Server Error")
