"""MessageBird's legacy balance API, provider side: `Authorization: AccessKey <key>` (or the
`access_key` query parameter the API also takes), the balance as a float `amount` with its
unit as a word (`euros`, `pounds`, `dollars`, `credits`) or an ISO code, errors as an
`errors` list of `{"code", "description", "parameter"}`."""

from __future__ import annotations

from typing import Any

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

_UNIT_WORDS = {"EUR": "euros", "GBP": "pounds", "USD": "dollars", "CREDITS": "credits"}


def _errors(status: int, code: int, description: str, parameter: str | None) -> SimResponse:
    entry: dict[str, Any] = {"code": code, "description": description, "parameter": parameter}
    return SimResponse(status, {"errors": [entry]})


class MessageBirdTwin(Twin):
    provider_id = "messagebird"
    endpoints = (("GET", "/balance"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"access_key": f"live_{name}-access-key"},
            balance=103.0,
            currency="EUR",
            price_per_message=0.07,
            drift_per_hour=0.6,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "accesskey" and key.strip():
            return {"access_key": key.strip()}
        if request.query.get("access_key"):
            return {"access_key": request.query["access_key"]}
        return None

    def success(self, account: SimAccount) -> SimResponse:
        unit = _UNIT_WORDS.get(account.currency, account.currency)
        amount = round(account.current_balance(), 2)
        return SimResponse(200, {"payment": "prepaid", "type": unit, "amount": amount})

    def auth_error(self) -> SimResponse:
        return _errors(401, 2, "Request not allowed (incorrect access_key)", "access_key")

    def provider_error(self) -> SimResponse:
        return _errors(500, 99, "Internal error", None)
