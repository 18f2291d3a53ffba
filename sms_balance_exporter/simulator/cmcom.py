"""CM.com's account balance API, provider side: the product token in `X-CM-PRODUCTTOKEN`, the
account GUID in the path, `{"Currency", "Amount"}` (`Currency` empty when the credit is a
number of messages). Error bodies are UNCONFIRMED: this twin answers the `{"Message": …}`
body of an ASP.NET Web API."""

from __future__ import annotations

import re

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

_BALANCE_PATH = re.compile(r"/accountbalance/v1\.0/accountbalance/([0-9A-Fa-f-]{36})")
AUTH_MESSAGE = "Authorization has been denied for this request."


class CmComTwin(Twin):
    provider_id = "cmcom"
    endpoints = (("GET", "/accountbalance/v1.0/accountbalance/{accountID}"),)

    def answers(self, method: str, path: str) -> bool:
        return method == "GET" and _BALANCE_PATH.fullmatch(path) is not None

    def sample_account(self, name: str) -> SimAccount:
        # A GUID made from the name: one account per name, stable across runs.
        digits = (name.encode().hex() * 32)[:32]
        guid = f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"product_token": f"{name}-product-token", "account_id": guid},
            balance=84.2601,
            currency="EUR",
            price_per_message=0.072,
            drift_per_hour=0.8,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        match = _BALANCE_PATH.fullmatch(request.path)
        token = request.headers.get("x-cm-producttoken", "")
        if match is None or not token:
            return None
        return {"product_token": token, "account_id": match.group(1)}

    def success(self, account: SimAccount) -> SimResponse:
        return SimResponse(
            200, {"Currency": account.currency, "Amount": round(account.current_balance(), 4)}
        )

    def auth_error(self) -> SimResponse:
        return SimResponse(401, {"Message": AUTH_MESSAGE})

    def provider_error(self) -> SimResponse:
        return SimResponse(500, {"Message": "An error has occurred."})
