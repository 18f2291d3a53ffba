"""BulkSMS's JSON REST v1 profile API, provider side: HTTP Basic (user name and password, or
an API token's id and secret), the profile with `credits.balance` as a float of credits,
errors as problem-JSON bodies whose `type` names the error."""

from __future__ import annotations

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

_ERRORS_URL = "https://developer.bulksms.com/json/v1/errors"


def _problem(status: int, kind: str, title: str, detail: str) -> SimResponse:
    body = {"type": f"{_ERRORS_URL}#{kind}", "title": title, "status": status, "detail": detail}
    return SimResponse(status, body)


class BulkSMSTwin(Twin):
    provider_id = "bulksms"
    endpoints = (("GET", "/v1/profile"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"username": f"{name}-user", "password": f"{name}-password"},
            balance=2101.15,
            currency="CREDITS",
            price_per_message=0.8,
            drift_per_hour=6.0,
        )

    def refuse(self, request: SimRequest) -> SimResponse | None:
        if request.basic_auth() is None:
            return _problem(
                401,
                "authentication-required",
                "Authentication Required",
                "No credentials were provided.",
            )
        return None

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        auth = request.basic_auth()
        if auth is None:
            return None
        return {"username": auth[0], "password": auth[1]}

    def success(self, account: SimAccount) -> SimResponse:
        return SimResponse(
            200,
            {
                "id": "7845329",
                "username": account.credentials["username"],
                "created": "2019-03-01T09:30:00.000+00:00",
                "company": {"name": None, "taxReference": None},
                "quota": {"size": 100000, "remaining": 99850},
                "credits": {
                    "balance": round(account.current_balance(), 2),
                    "limit": 0,
                    "isTransferAllowed": False,
                },
            },
        )

    def auth_error(self) -> SimResponse:
        return _problem(
            401,
            "authentication-failed",
            "Authentication Failed",
            "The credentials supplied are not valid.",
        )

    def provider_error(self) -> SimResponse:
        return _problem(
            500,
            "internal-server-error",
            "Internal Server Error",
            "An unexpected error occurred on the server.",
        )
