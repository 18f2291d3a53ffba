"""Telnyx's balance API, provider side: `Authorization: Bearer <key>`, every amount as a
2-decimal string under `data` (with a credit line, so `available_credit` differs from
`balance`), errors as an `errors` list of `{"code", "title", "detail"}` with string codes."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

# A postpaid credit line: `available_credit` = balance + this, never what the exporter reads.
CREDIT_LIMIT = 100.0


def _errors(status: int, code: str, title: str, detail: str) -> SimResponse:
    return SimResponse(status, {"errors": [{"code": code, "title": title, "detail": detail}]})


class TelnyxTwin(Twin):
    provider_id = "telnyx"
    endpoints = (("GET", "/v2/balance"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_key": f"KEY{name}-telnyx-api-key"},
            balance=300.0,
            currency="USD",
            price_per_message=0.004,
            drift_per_hour=0.8,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return None
        return {"api_key": key.strip()}

    def success(self, account: SimAccount) -> SimResponse:
        balance = account.current_balance()
        data = {
            "record_type": "balance",
            "pending": "0.00",
            "balance": f"{balance:.2f}",
            "credit_limit": f"{CREDIT_LIMIT:.2f}",
            "available_credit": f"{balance + CREDIT_LIMIT:.2f}",
            "currency": account.currency,
        }
        return SimResponse(200, {"data": data})

    def auth_error(self) -> SimResponse:
        return _errors(
            401,
            "10009",
            "Authentication failed",
            "The required authentication headers were either invalid or not included in the "
            "request.",
        )

    def provider_error(self) -> SimResponse:
        return _errors(503, "10007", "Unexpected error", "An unexpected error occurred.")
