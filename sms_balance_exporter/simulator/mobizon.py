"""Mobizon's balance API, provider side: GET /service/user/getownbalance with `output=json`,
`api=v1` and the `apiKey` as query parameters; every answer is {code, data, message}, code 0
with `data.balance` (a string, 4 decimals) and `data.currency`, 8 a login error, 13 the wrong
API domain (the right one in `data`), 30 the request rate limit."""

from __future__ import annotations

from typing import Any

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

BALANCE_PATH = "/service/user/getownbalance"


def _answer(code: int, data: Any, message: str) -> SimResponse:
    return SimResponse(200, {"code": code, "data": data, "message": message})


class MobizonTwin(Twin):
    provider_id = "mobizon"
    endpoints = (("GET", BALANCE_PATH), ("POST", BALANCE_PATH))

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_key": f"{name}-mobizon-key-0123456789"},
            balance=4043.0656,
            currency="KZT",
            price_per_message=9.8,
            drift_per_hour=20.0,
        )

    def refuse(self, request: SimRequest) -> SimResponse | None:
        if request.query.get("output") != "json":
            return _answer(6, "", "Incorrect format parameter")
        return None

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        key = request.query.get("apiKey")
        return {"api_key": key} if key else None

    def success(self, account: SimAccount) -> SimResponse:
        data = {"balance": f"{account.current_balance():.4f}", "currency": account.currency}
        return _answer(0, data, "")

    def auth_error(self) -> SimResponse:
        return _answer(8, "", "Login error: the API key is not valid")

    def provider_error(self) -> SimResponse:
        return _answer(13, "api.mobizon.ua", "This API server does not serve this user")
