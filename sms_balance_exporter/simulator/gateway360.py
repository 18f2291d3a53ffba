"""Gateway360's balance API, provider side: `api_key` in a JSON body (Content-Type checked),
the account and the sub-account endpoints, the balance as a 4-decimal string, errors as
`{"status": "error", "error_id", "error_msg"}`."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

ACCOUNT_PATH = "/api/3.0/account/get-balance"
SUBACCOUNT_PATH = "/api/3.0/subaccount/get-balance"


def _error(status: int, error_id: str, message: str) -> SimResponse:
    return SimResponse(status, {"status": "error", "error_id": error_id, "error_msg": message})


_INVALID_CONTENT_TYPE = _error(
    400, "INVALID_CONTENT_TYPE", "Your request must have the Content-Type application/json."
)
_JSON_PARSE_ERROR = _error(400, "JSON_PARSE_ERROR", "Your JSON was formatted incorrectly.")
_MISSING_PARAMS = _error(400, "MISSING_PARAMS", "Some required parameters are missing.")


class Gateway360Twin(Twin):
    provider_id = "gateway360"
    endpoints = (("POST", ACCOUNT_PATH), ("POST", SUBACCOUNT_PATH))

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_key": f"{name}-api-key"},
            balance=350.12,
            currency="EUR",
            price_per_message=0.045,
            drift_per_hour=2.0,
        )

    def refuse(self, request: SimRequest) -> SimResponse | None:
        content_type = request.headers.get("content-type", "").partition(";")[0]
        if content_type.strip().lower() != "application/json":
            return _INVALID_CONTENT_TYPE
        body = request.json()
        if not isinstance(body, dict):
            return _JSON_PARSE_ERROR
        if not body.get("api_key") or (
            request.path == SUBACCOUNT_PATH and not body.get("user_name")
        ):
            return _MISSING_PARAMS
        return None

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        body = request.json()
        if request.path == SUBACCOUNT_PATH:
            return {"api_key": str(body["api_key"]), "subaccount": str(body["user_name"])}
        return {"api_key": str(body["api_key"])}

    def success(self, account: SimAccount) -> SimResponse:
        # An account kept in SMS reports its message count as the balance.
        if account.currency == "SMS":
            balance = float(account.current_messages())
        else:
            balance = account.current_balance()
        result = {"balance": f"{balance:.4f}", "currency": account.currency}
        return SimResponse(200, {"status": "ok", "result": result})

    def auth_error(self) -> SimResponse:
        return _error(401, "UNAUTHORIZED", "Your API key may be invalid or your IP is blocked.")

    def provider_error(self) -> SimResponse:
        return _JSON_PARSE_ERROR
