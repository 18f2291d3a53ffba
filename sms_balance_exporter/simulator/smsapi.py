"""SMSAPI's profile API, provider side: a Bearer token, the profile with `points` as a JSON
number, errors as `{"error": <code>, "message": ...}` (101 for a rejected token)."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


class SmsapiTwin(Twin):
    provider_id = "smsapi"
    endpoints = (("GET", "/profile"),)

    def sample_account(self, name: str) -> SimAccount:
        # Points are money-like credits; an SMS in Poland costs about 0.16 points.
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"token": f"{name}-oauth-token"},
            balance=1500.25,
            currency="POINTS",
            price_per_message=0.16,
            drift_per_hour=4.0,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return {"token": token.strip()}

    def success(self, account: SimAccount) -> SimResponse:
        profile = {
            "name": account.name,
            "email": f"{account.name}@example.com",
            "username": f"{account.name}@example.com",
            "phone_number": "48500100200",
            "payment_type": "prepaid",
            "user_type": "native",
            "points": round(account.current_balance(), 2),
        }
        return SimResponse(200, profile)

    def auth_error(self) -> SimResponse:
        return SimResponse(401, {"error": 101, "message": "Authorization failed"})

    def provider_error(self) -> SimResponse:
        return SimResponse(500, {"error": 201, "message": "System internal error"})
