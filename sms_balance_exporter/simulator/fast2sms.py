"""Fast2SMS's wallet API, provider side: GET /dev/wallet with the key as the `authorization`
query parameter; `return` true with `wallet` (a string of rupees) and `sms_count`, or
`return` false with a `status_code` (412: invalid authentication key, under HTTP 401)."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


def _failure(http_status: int, code: int, message: str) -> SimResponse:
    return SimResponse(http_status, {"return": False, "status_code": code, "message": message})


class Fast2SmsTwin(Twin):
    provider_id = "fast2sms"
    endpoints = (("GET", "/dev/wallet"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_key": f"{name}Fast2SmsKey0123456789"},
            balance=75.0,
            currency="INR",
            price_per_message=0.25,
            drift_per_hour=0.5,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        key = request.query.get("authorization")
        return {"api_key": key} if key else None

    def success(self, account: SimAccount) -> SimResponse:
        body = {
            "return": True,
            "wallet": f"{account.current_balance():.4f}",
            "sms_count": account.current_messages(),
        }
        return SimResponse(200, body)

    def auth_error(self) -> SimResponse:
        return _failure(401, 412, "Invalid Authentication, Check Authorization Key")

    def provider_error(self) -> SimResponse:
        return _failure(200, 414, "IP is blacklisted from Dev API section")
