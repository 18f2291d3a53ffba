"""D7 Networks' balance API, provider side: GET /messages/v1/balance with a bearer token;
`balance` (a number, no currency), errors as HTTP statuses with a `detail` {code, message}
body (401: an invalid access token)."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


def _detail(http_status: int, code: str, message: str) -> SimResponse:
    return SimResponse(http_status, {"detail": {"code": code, "message": message}})


class D7NetworksTwin(Twin):
    provider_id = "d7networks"
    endpoints = (("GET", "/messages/v1/balance"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"token": f"eyJ{name}.d7-access-token.0123456789"},
            balance=99.9999999,
            currency="USD",
            price_per_message=0.012,
            drift_per_hour=0.3,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return {"token": token} if scheme.lower() == "bearer" and token else None

    def success(self, account: SimAccount) -> SimResponse:
        return SimResponse(200, {"balance": round(account.current_balance(), 7)})

    def auth_error(self) -> SimResponse:
        return _detail(
            401,
            "ACCESS_TOKEN_SIGNATURE_VERIFICATION_FAILED",
            "It looks like your requests were failed due to a missing or invalid access token.",
        )

    def provider_error(self) -> SimResponse:
        return _detail(500, "INTERNAL_SERVER_ERROR", "Internal server error")
