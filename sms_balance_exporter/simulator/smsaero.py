"""SMS Aero's balance API, provider side: HTTP Basic e-mail:API key, POST (or GET) to
`/v2/balance`, the `{"success", "data", "message"}` envelope with `data.balance` in roubles.
Error statuses and messages are UNCONFIRMED: this twin sends `success: false` with a message,
under 401 for bad credentials and 200 for other failures."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


def _failure(status: int, message: str) -> SimResponse:
    return SimResponse(status, {"success": False, "data": None, "message": message})


class SmsAeroTwin(Twin):
    provider_id = "smsaero"
    endpoints = (("POST", "/v2/balance"), ("GET", "/v2/balance"))

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"email": f"{name}@example.ru", "api_key": f"{name}-aero-key"},
            balance=337.03,
            currency="RUB",
            price_per_message=4.2,
            drift_per_hour=12.0,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        auth = request.basic_auth()
        if auth is None or not all(auth):
            return None
        return {"email": auth[0], "api_key": auth[1]}

    def success(self, account: SimAccount) -> SimResponse:
        body = {
            "success": True,
            "data": {"balance": round(account.current_balance(), 2)},
            "message": None,
        }
        return SimResponse(200, body)

    def auth_error(self) -> SimResponse:
        return _failure(401, "Your request was made with invalid credentials.")

    def provider_error(self) -> SimResponse:
        return _failure(200, "Service temporarily unavailable")
