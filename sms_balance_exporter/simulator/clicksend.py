"""ClickSend's account API, provider side: HTTP Basic username:api_key, the account with
`balance` as a 6-decimal string and the currency in `_currency`, every answer wrapped in
`{"http_code", "response_code", "response_msg", "data"}`."""

from __future__ import annotations

from typing import Any

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

# currency_name_short -> (currency_prefix_d, currency_prefix_c, currency_name_long)
_CURRENCIES = {
    "AUD": ("$", "c", "Australian Dollars"),
    "USD": ("$", "¢", "US Dollars"),
    "GBP": ("£", "p", "British Pounds"),
    "EUR": ("€", "c", "Euros"),
}


def _envelope(http_code: int, response_code: str, message: str, data: Any) -> SimResponse:
    body = {
        "http_code": http_code,
        "response_code": response_code,
        "response_msg": message,
        "data": data,
    }
    return SimResponse(http_code, body)


class ClickSendTwin(Twin):
    provider_id = "clicksend"
    endpoints = (("GET", "/v3/account"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"username": f"{name}-user", "api_key": f"{name}-API-KEY"},
            balance=86.5,
            currency="AUD",
            price_per_message=0.077,
            drift_per_hour=1.2,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        auth = request.basic_auth()
        if auth is None:
            return None
        return {"username": auth[0], "api_key": auth[1]}

    def success(self, account: SimAccount) -> SimResponse:
        dollar, cent, long_name = _CURRENCIES.get(account.currency, ("", "", account.currency))
        data = {
            "user_id": 1001,
            "username": account.credentials["username"],
            "user_email": f"{account.name}@example.com",
            "balance": f"{account.current_balance():.6f}",
            "user_phone": "+61411111111",
            "country": "AU",
            "default_country_sms": "AU",
            "_currency": {
                "currency_name_short": account.currency,
                "currency_prefix_d": dollar,
                "currency_prefix_c": cent,
                "currency_name_long": long_name,
            },
        }
        return _envelope(200, "SUCCESS", "Here's your account.", data)

    def auth_error(self) -> SimResponse:
        return _envelope(401, "UNAUTHORIZED", "Invalid credentials.", None)

    def provider_error(self) -> SimResponse:
        return _envelope(500, "INTERNAL_SERVER_ERROR", "Something went wrong.", None)
