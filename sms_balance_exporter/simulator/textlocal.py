"""Textlocal's balance API, provider side: /balance/ with the `apiKey` as a form field (POST)
or a query parameter (GET); `status` "success" with `balance.sms` (and `balance.mms`), or
"failure" with `errors[]` {code, message} (3: invalid login details)."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

BALANCE_PATH = "/balance/"


def _failure(code: int, message: str) -> SimResponse:
    return SimResponse(200, {"errors": [{"code": code, "message": message}], "status": "failure"})


class TextlocalTwin(Twin):
    provider_id = "textlocal"
    endpoints = (("GET", BALANCE_PATH), ("POST", BALANCE_PATH))

    def sample_account(self, name: str) -> SimAccount:
        # SMS credits: one unit of balance is one message.
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_key": f"{name}-textlocal-key"},
            balance=2500.0,
            currency="SMS",
            price_per_message=1.0,
            drift_per_hour=40.0,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        fields = request.form() if request.method == "POST" else request.query
        key = fields.get("apiKey")
        return {"api_key": key} if key else None

    def success(self, account: SimAccount) -> SimResponse:
        body = {"balance": {"sms": account.current_messages(), "mms": 0}, "status": "success"}
        return SimResponse(200, body)

    def auth_error(self) -> SimResponse:
        return _failure(3, "Invalid login details")

    def provider_error(self) -> SimResponse:
        return _failure(2, "Unrecognised command")
