"""Taqnyat's balance API, provider side: GET /account/balance with a bearer token; the body's
`statusCode` 200 with `balance` (a string) and `currency`, plus the account's status and
expiry date, or another `statusCode` and a `message` (401: invalid credentials)."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


class TaqnyatTwin(Twin):
    provider_id = "taqnyat"
    endpoints = (("GET", "/account/balance"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"token": f"{name}-taqnyat-bearer-0123456789abcdef"},
            balance=2044.0,
            currency="SAR",
            price_per_message=0.08,
            drift_per_hour=2.0,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return {"token": token} if scheme.lower() == "bearer" and token else None

    def success(self, account: SimAccount) -> SimResponse:
        body = {
            "statusCode": 200,
            "accountStatus": "active",
            "accountExpiryDate": "23-08-2031",
            "balance": f"{account.current_balance():.3f}",
            "currency": account.currency,
        }
        return SimResponse(200, body)

    def auth_error(self) -> SimResponse:
        return SimResponse(401, {"statusCode": 401, "message": "invalid credentials information"})

    def provider_error(self) -> SimResponse:
        # The code table is documented; the body of such an answer is assumed like the 401's.
        return SimResponse(200, {"statusCode": 101, "message": "API is disabled"})
