"""Vonage's balance API, provider side: `api_key` and `api_secret` as HTTP Basic (or as the
query parameters the API also takes), the balance as a JSON number of euros, errors as
RFC 7807 `application/problem+json`."""

from __future__ import annotations

import uuid

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

_PROBLEM_JSON = "application/problem+json"


def _problem(status: int, name: str, title: str, detail: str) -> SimResponse:
    body = {
        "type": f"https://developer.nexmo.com/api-errors#{name}",
        "title": title,
        "detail": detail,
        "instance": str(uuid.uuid4()),
    }
    return SimResponse(status, body, content_type=_PROBLEM_JSON)


class VonageTwin(Twin):
    provider_id = "vonage"
    endpoints = (("GET", "/account/get-balance"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"api_key": f"{name}-key", "api_secret": f"{name}-secret"},
            balance=96.4,
            currency="EUR",
            price_per_message=0.0645,
            drift_per_hour=1.2,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        auth = request.basic_auth()
        if auth is not None:
            return {"api_key": auth[0], "api_secret": auth[1]}
        if "api_key" in request.query and "api_secret" in request.query:
            return {"api_key": request.query["api_key"], "api_secret": request.query["api_secret"]}
        return None

    def success(self, account: SimAccount) -> SimResponse:
        return SimResponse(200, {"value": round(account.current_balance(), 5), "autoReload": False})

    def auth_error(self) -> SimResponse:
        return _problem(
            401,
            "unauthorized",
            "Invalid credentials supplied",
            "You did not provide correct credentials.",
        )

    def provider_error(self) -> SimResponse:
        return _problem(
            500,
            "internal-error",
            "Internal Error",
            "An error has occurred in the platform while processing this request",
        )
