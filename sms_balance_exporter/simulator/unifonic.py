"""Unifonic's balance API, provider side: POST /rest/Account/GetBalance with `AppSid` in a
form-encoded body; `success` "true" (a string) with `data.Balance` (a string) and
`data.CurrencyCode`, errors with another `success` and an "ER-xx" `errorCode`."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

FORM = "application/x-www-form-urlencoded"


def _error(code: str, message: str) -> SimResponse:
    return SimResponse(200, {"success": "false", "message": message, "errorCode": code})


class UnifonicTwin(Twin):
    provider_id = "unifonic"
    endpoints = (("POST", "/rest/Account/GetBalance"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"app_sid": f"{name}AppSid0123456789"},
            balance=48.032,
            currency="USD",
            price_per_message=0.03,
            drift_per_hour=0.2,
        )

    def refuse(self, request: SimRequest) -> SimResponse | None:
        content_type = request.headers.get("content-type", "").partition(";")[0].strip()
        if content_type.lower() != FORM:
            return _error("ER-04", "Invalid request")
        return None

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        app_sid = request.form().get("AppSid")
        return {"app_sid": app_sid} if app_sid else None

    def success(self, account: SimAccount) -> SimResponse:
        body = {
            "success": "true",
            "message": "",
            "errorCode": "ER-00",
            "data": {
                "Balance": f"{account.current_balance():.5f}",
                "CurrencyCode": account.currency,
                "SharedBalance": "0.00000",
            },
        }
        return SimResponse(200, body)

    def auth_error(self) -> SimResponse:
        return _error("ER-01", "Wrong AppSid")

    def provider_error(self) -> SimResponse:
        return _error("ER-99", "Internal error")
