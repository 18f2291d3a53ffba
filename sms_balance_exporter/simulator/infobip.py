"""Infobip's balance API, provider side: `Authorization: App <api_key>`, the balance as a JSON
number with its currency, errors as `{"requestError": {"serviceException": {…}}}`."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


def _error(status: int, message_id: str, text: str) -> SimResponse:
    return SimResponse(
        status, {"requestError": {"serviceException": {"messageId": message_id, "text": text}}}
    )


class InfobipTwin(Twin):
    provider_id = "infobip"
    endpoints = (("GET", "/account/1/balance"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_key": f"{name}-api-key"},
            balance=247.79,
            currency="EUR",
            price_per_message=0.058,
            drift_per_hour=1.8,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "app" or not key.strip():
            return None
        return {"api_key": key.strip()}

    def success(self, account: SimAccount) -> SimResponse:
        return SimResponse(
            200, {"balance": round(account.current_balance(), 5), "currency": account.currency}
        )

    def auth_error(self) -> SimResponse:
        return _error(401, "UNAUTHORIZED", "Invalid login details")

    def provider_error(self) -> SimResponse:
        return _error(500, "GENERAL_ERROR", "Something went wrong. Please contact support.")
