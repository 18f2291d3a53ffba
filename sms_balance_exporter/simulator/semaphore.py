"""Semaphore's account API, provider side: GET /api/v4/account with the `apikey` as a query
parameter; `account_id`, `account_name`, `status` and `credit_balance` (Semaphore credits).
A bad key's body is not documented: this twin answers with the HTTP status's bare text."""

from __future__ import annotations

import zlib

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


def _status(http_status: int, text: str) -> SimResponse:
    return SimResponse(http_status, text, "text/plain; charset=utf-8")


class SemaphoreTwin(Twin):
    provider_id = "semaphore"
    endpoints = (("GET", "/api/v4/account"),)

    def sample_account(self, name: str) -> SimAccount:
        # Credits: one unit of balance is one message.
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_key": f"{name}semaphorekey0123456789"},
            balance=1500.0,
            currency="CREDITS",
            price_per_message=1.0,
            drift_per_hour=15.0,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        key = request.query.get("apikey")
        return {"api_key": key} if key else None

    def success(self, account: SimAccount) -> SimResponse:
        body = {
            "account_id": zlib.crc32(account.name.encode()) % 100000,
            "account_name": account.name,
            "status": "Active",
            "credit_balance": account.current_messages(),
        }
        return SimResponse(200, body)

    def auth_error(self) -> SimResponse:
        return _status(401, "Unauthorized")

    def provider_error(self) -> SimResponse:
        return _status(500, "Internal Server Error")
