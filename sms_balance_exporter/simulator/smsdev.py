"""SMSDev's balance API, provider side: the `key` as a query parameter (GET), a form field or a
JSON field (POST), `saldo_sms` as a string of SMS credits, and errors as `situacao: ERRO`
bodies under HTTP 200 (as third-party mocks of the API show)."""

from __future__ import annotations

from typing import Any

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

BALANCE_PATH = "/v1/balance"


def _error(code: str, description: str) -> SimResponse:
    return SimResponse(200, {"situacao": "ERRO", "codigo": code, "descricao": description})


class SmsDevTwin(Twin):
    provider_id = "smsdev"
    endpoints = (("GET", BALANCE_PATH), ("POST", BALANCE_PATH))

    def sample_account(self, name: str) -> SimAccount:
        # A credit-only account: one unit of balance is one message.
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"key": f"{name}-key"},
            balance=1200.0,
            currency="SMS",
            price_per_message=1.0,
            drift_per_hour=30.0,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        key: Any = request.query.get("key")
        if request.method == "POST":
            content_type = request.headers.get("content-type", "").partition(";")[0]
            if content_type.strip().lower() == "application/json":
                body = request.json()
                key = body.get("key") if isinstance(body, dict) else None
            else:
                key = request.form().get("key")
        if not isinstance(key, str) or not key:
            return None
        return {"key": key}

    def success(self, account: SimAccount) -> SimResponse:
        body = {
            "situacao": "OK",
            "saldo_sms": str(account.current_messages()),
            "descricao": "SALDO ATUAL",
        }
        return SimResponse(200, body)

    def auth_error(self) -> SimResponse:
        return _error("403", "NAO AUTENTICADO.")

    def provider_error(self) -> SimResponse:
        # No other balance error code is documented; a server-side failure is the plausible one.
        return _error("500", "ERRO INTERNO, TENTE NOVAMENTE.")
