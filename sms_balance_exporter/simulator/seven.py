"""seven.io's balance API, provider side: the key in the `X-Api-Key` header; with
`Accept: application/json` the answer is `{"amount", "currency"}` (without it the API sends a
bare number; the twin always answers the JSON form the exporter asks for). Errors are a bare
integer code as the whole text body (900 invalid key, 700 unknown error); the twin sends them
under HTTP 200, the case in which a client must read the body."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


class SevenTwin(Twin):
    provider_id = "seven"
    endpoints = (("GET", "/api/balance"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_key": f"seven-{name}-key"},
            balance=48.72,
            currency="EUR",
            price_per_message=0.075,
            drift_per_hour=0.3,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        key = request.headers.get("x-api-key", "")
        return {"api_key": key} if key else None

    def success(self, account: SimAccount) -> SimResponse:
        amount = round(account.current_balance(), 2)
        return SimResponse(200, {"amount": amount, "currency": account.currency})

    def auth_error(self) -> SimResponse:
        return SimResponse(200, "900", "text/plain")

    def provider_error(self) -> SimResponse:
        return SimResponse(200, "700", "text/plain")
