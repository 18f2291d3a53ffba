"""Africa's Talking's user API, provider side: `username` in the query string and the
`apiKey` header, `{"UserData": {"balance": "KES 4250.0000"}}`, a bad key as HTTP 401 with a
plain-text body. It always answers JSON: the real API's XML default is left to the parser
tests, since a twin's success answer does not see the request."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

_MISSING_USERNAME = SimResponse(
    400, "Request is missing required form field 'username'", "text/plain"
)


class AfricasTalkingTwin(Twin):
    provider_id = "africastalking"
    endpoints = (("GET", "/version1/user"),)

    def sample_account(self, name: str) -> SimAccount:
        # A Kenyan app: a local SMS costs about 0.8 shillings.
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"username": f"{name}-app", "api_key": f"atsk_{name}-api-key"},
            balance=4250.0,
            currency="KES",
            price_per_message=0.8,
            drift_per_hour=25.0,
        )

    def refuse(self, request: SimRequest) -> SimResponse | None:
        if not request.query.get("username"):
            return _MISSING_USERNAME
        return None

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        api_key = request.headers.get("apikey")
        if not api_key:
            return None
        return {"username": request.query["username"], "api_key": api_key}

    def success(self, account: SimAccount) -> SimResponse:
        balance = f"{account.currency} {account.current_balance():.4f}"
        return SimResponse(200, {"UserData": {"balance": balance}})

    def auth_error(self) -> SimResponse:
        return SimResponse(401, "The supplied authentication is invalid", "text/plain")

    def provider_error(self) -> SimResponse:
        return _MISSING_USERNAME
