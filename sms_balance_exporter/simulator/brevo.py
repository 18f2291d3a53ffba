"""Brevo's account API, provider side: the key in the `api-key` header, the account's plans in
`plan[]` with the SMS credits in the entry of `type` "sms", errors as `{"code", "message"}`."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


class BrevoTwin(Twin):
    provider_id = "brevo"
    endpoints = (("GET", "/v3/account"),)

    def sample_account(self, name: str) -> SimAccount:
        # SMS credits are a count: one unit of balance is one message.
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_key": f"xkeysib-{name}-key"},
            balance=999.536,
            currency="SMS",
            price_per_message=1.0,
            drift_per_hour=6.0,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        key = request.headers.get("api-key", "")
        return {"api_key": key} if key else None

    def success(self, account: SimAccount) -> SimResponse:
        body = {
            "email": f"{account.name}@example.com",
            "firstName": "Demo",
            "lastName": "Account",
            "companyName": "Example",
            "plan": [
                {"type": "payAsYouGo", "creditsType": "sendLimit", "credits": 300},
                {
                    "type": "sms",
                    "creditsType": "sendLimit",
                    "credits": round(account.current_balance() / account.price_per_message, 3),
                },
            ],
        }
        return SimResponse(200, body)

    def auth_error(self) -> SimResponse:
        return SimResponse(401, {"code": "unauthorized", "message": "Key not found"})

    def provider_error(self) -> SimResponse:
        return SimResponse(400, {"code": "invalid_parameter", "message": "Invalid request"})
