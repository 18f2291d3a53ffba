"""Agile Telecom's credit API, provider side: `X-Api-Key` or HTTP Basic, `{"credit": <euros>}`,
JSend error bodies (auth failures under HTTP 401, as the newer API documents)."""

from __future__ import annotations

from typing import Any

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


def _jsend_error(code: int, message: str) -> dict[str, Any]:
    return {"status": "error", "message": message, "code": code}


class AgileTelecomTwin(Twin):
    provider_id = "agiletelecom"
    endpoints = (("GET", "/services/sms/credit"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_key": f"{name}-api-key"},
            balance=75.0,
            currency="EUR",
            price_per_message=0.045,
            drift_per_hour=1.5,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        api_key = request.headers.get("x-api-key")
        if api_key:
            return {"api_key": api_key}
        auth = request.basic_auth()
        if auth is None:
            return None
        return {"username": auth[0], "password": auth[1]}

    def success(self, account: SimAccount) -> SimResponse:
        return SimResponse(200, {"credit": round(account.current_balance(), 3)})

    def auth_error(self) -> SimResponse:
        return SimResponse(401, _jsend_error(1, "Wrong credentials"))

    def provider_error(self) -> SimResponse:
        return SimResponse(500, _jsend_error(8, "Server error"))
