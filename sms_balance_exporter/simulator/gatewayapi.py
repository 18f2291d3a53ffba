"""GatewayAPI's `/rest/me`, provider side: the API token as the HTTP Basic user name (empty
password), as the `token` query parameter, or as `Authorization: Token <token>` (3rd-party
form); `{"credit", "currency", "id"}`, errors as `{"code", "incident_uuid", "message"}` with
a hex code. The message of 0x0229 (invalid token) is not in the docs read: made up here."""

from __future__ import annotations

import uuid

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


def _error(status: int, code: str, message: str) -> SimResponse:
    return SimResponse(
        status, {"code": code, "incident_uuid": str(uuid.uuid4()), "message": message}
    )


class GatewayApiTwin(Twin):
    provider_id = "gatewayapi"
    endpoints = (("GET", "/rest/me"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"token": f"{name}-gwapi-token"},
            balance=1234.56,
            currency="DKK",
            price_per_message=0.25,
            drift_per_hour=4.0,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        token = request.query.get("token", "")
        auth = request.basic_auth()
        if auth is not None and not auth[1]:
            token = auth[0]
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "token":
            token = value.strip()
        return {"token": token} if token else None

    def success(self, account: SimAccount) -> SimResponse:
        return SimResponse(
            200,
            {"credit": round(account.current_balance(), 5), "currency": account.currency, "id": 1},
        )

    def auth_error(self) -> SimResponse:
        return _error(401, "0x0229", "Invalid token")

    def provider_error(self) -> SimResponse:
        return _error(500, "0x0201", "Unknown error")
