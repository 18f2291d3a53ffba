"""SMSC.ru's balance API, provider side: GET /sys/balance.php with `login` and `psw` in the
query; `fmt=3` asks for JSON, `cur=1` adds the account's currency: `{"balance": "84.75",
"currency": "KZT"}` (the balance a string). Errors are `{"error": "…", "error_code": N}`
(2 wrong login or password, 9 too many balance requests, 1 a parameter error), under HTTP 200
in the twin. Without fmt=3 the API answers plain text, which the twin does not serve."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin


def _error(code: int, text: str) -> SimResponse:
    return SimResponse(200, {"error": text, "error_code": code})


class SmscRuTwin(Twin):
    provider_id = "smscru"
    endpoints = (("GET", "/sys/balance.php"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"login": f"{name}-login", "password": f"{name}-Pa55word"},
            balance=8475.5,
            currency="RUB",
            price_per_message=4.2,
            drift_per_hour=30.0,
        )

    def refuse(self, request: SimRequest) -> SimResponse | None:
        if request.query.get("fmt") != "3":
            return _error(1, "parameters error")
        return None

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        login, password = request.query.get("login", ""), request.query.get("psw", "")
        return {"login": login, "password": password} if login and password else None

    def success(self, account: SimAccount) -> SimResponse:
        body = {"balance": f"{account.current_balance():.2f}", "currency": account.currency}
        return SimResponse(200, body)

    def auth_error(self) -> SimResponse:
        return _error(2, "authorise error")

    def provider_error(self) -> SimResponse:
        return _error(1, "parameters error")
