"""Textmagic's user API, provider side: `X-TM-Username` and `X-TM-Key` headers, the user with
`balance` as a JSON number and `currency.id`, errors as `{"code", "message", "errors"}`."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

_HTML_SYMBOLS = {"GBP": "&pound;", "EUR": "&euro;", "USD": "$"}


def _error(code: int, message: str) -> SimResponse:
    return SimResponse(code, {"code": code, "message": message, "errors": None})


class TextmagicTwin(Twin):
    provider_id = "textmagic"
    endpoints = (("GET", "/api/v2/user"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"username": f"{name}-user", "api_key": f"{name}-v2-key"},
            balance=208.64,
            currency="GBP",
            price_per_message=0.04,
            drift_per_hour=1.0,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        username = request.headers.get("x-tm-username")
        api_key = request.headers.get("x-tm-key")
        if not username or not api_key:
            return None
        return {"username": username, "api_key": api_key}

    def success(self, account: SimAccount) -> SimResponse:
        user = {
            "id": 4711,
            "username": account.credentials["username"],
            "firstName": "Jane",
            "lastName": "Doe",
            "email": f"{account.name}@example.com",
            "status": "A",
            "balance": round(account.current_balance(), 2),
            "phone": "447700900123",
            "company": "Example Ltd",
            "currency": {
                "id": account.currency,
                "htmlSymbol": _HTML_SYMBOLS.get(account.currency, account.currency),
            },
            "timezone": {"id": 1, "area": "Europe", "dst": 0, "offset": 0, "timezone": "London"},
            "subaccountType": "P",
            "emailAccepted": True,
            "phoneAccepted": True,
        }
        return SimResponse(200, user)

    def auth_error(self) -> SimResponse:
        return _error(401, "Unauthorized")

    def provider_error(self) -> SimResponse:
        return _error(500, "Internal server error")
