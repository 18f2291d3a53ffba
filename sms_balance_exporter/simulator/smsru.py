"""SMS.ru's balance API, provider side: `api_id` in the query string (GET) or the form body
(POST), JSON with `json=1`; every answer is HTTP 200 with `status` OK or ERROR and a body
`status_code` (100 ok, 200 wrong api_id, 220 service unavailable, …). The twin always answers
the JSON form the exporter asks for."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


def _error(code: int, text: str) -> SimResponse:
    return SimResponse(200, {"status": "ERROR", "status_code": code, "status_text": text})


class SmsRuTwin(Twin):
    provider_id = "smsru"
    endpoints = (("GET", "/my/balance"), ("POST", "/my/balance"))

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_id": f"{name}-0000-api-id"},
            balance=4762.58,
            currency="RUB",
            price_per_message=3.5,
            drift_per_hour=25.0,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        api_id = request.query.get("api_id") or request.form().get("api_id", "")
        return {"api_id": api_id} if api_id else None

    def success(self, account: SimAccount) -> SimResponse:
        body = {"status": "OK", "status_code": 100, "balance": round(account.current_balance(), 2)}
        return SimResponse(200, body)

    def auth_error(self) -> SimResponse:
        return _error(200, "Wrong api_id")

    def provider_error(self) -> SimResponse:
        return _error(220, "Service temporarily unavailable")
