"""iletiMerkezi's balance API, provider side: key and hash in the JSON body, the status code
mirrored in the HTTP status, numbers as strings (as the old spec and the SDKs show)."""

from __future__ import annotations

from typing import Any

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


def _status(code: int, message: str) -> dict[str, Any]:
    return {"response": {"status": {"code": code, "message": message}}}


class IletimerkeziTwin(Twin):
    provider_id = "iletimerkezi"
    endpoints = (("POST", "/v1/get-balance/json"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"key": f"{name}-key", "hash": f"{name}-hash"},
            balance=1250.0,
            currency="TRY",
            price_per_message=0.16,
            drift_per_hour=12.0,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        body = request.json()
        try:
            auth = body["request"]["authentication"]
            return {"key": str(auth["key"]), "hash": str(auth["hash"])}
        except (KeyError, TypeError):
            return None

    def success(self, account: SimAccount) -> SimResponse:
        body = _status(200, "İşlem başarılı")
        body["response"]["balance"] = {
            "amount": f"{account.current_balance():.3f}",
            "sms": str(account.current_messages()),
        }
        return SimResponse(200, body)

    def auth_error(self) -> SimResponse:
        return SimResponse(401, _status(401, "Üyelik bilgileri hatalı"))

    def provider_error(self) -> SimResponse:
        return SimResponse(503, _status(503, "Sunucu geçici olarak hizmet veremiyor"))
