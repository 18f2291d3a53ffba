"""Plivo's account-details API, provider side: HTTP Basic auth_id:auth_token for the auth ID in
the URL path, `cash_credits` as a string of US dollars, errors as `{"api_id", "error"}`."""

from __future__ import annotations

import hashlib
import re
import uuid

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

_ACCOUNT_PATH = re.compile(r"/v1/Account/((?:MA|SA)[A-Za-z0-9]{18})/")


def _error(status: int, message: str) -> SimResponse:
    return SimResponse(status, {"api_id": str(uuid.uuid4()), "error": message})


class PlivoTwin(Twin):
    provider_id = "plivo"
    endpoints = (("GET", "/v1/Account/{auth_id}/"),)

    def answers(self, method: str, path: str) -> bool:
        # The path holds the account ID, so it is matched, not listed.
        return method == "GET" and _ACCOUNT_PATH.fullmatch(path) is not None

    def sample_account(self, name: str) -> SimAccount:
        digest = hashlib.sha256(name.encode()).hexdigest()
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"auth_id": "MA" + digest[:18].upper(), "auth_token": digest[18:58]},
            balance=58.75,
            currency="USD",
            price_per_message=0.0055,
            drift_per_hour=0.6,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        auth = request.basic_auth()
        match = _ACCOUNT_PATH.fullmatch(request.path)
        # Only the account itself may read its details: the ID in the path is the user's.
        if auth is None or match is None or match.group(1) != auth[0]:
            return None
        return {"auth_id": auth[0], "auth_token": auth[1]}

    def success(self, account: SimAccount) -> SimResponse:
        auth_id = account.credentials["auth_id"]
        return SimResponse(
            200,
            {
                "account_type": "standard",
                "address": "",
                "api_id": str(uuid.uuid4()),
                "auth_id": auth_id,
                "auto_recharge": False,
                "billing_mode": "prepaid",
                "cash_credits": f"{account.current_balance():.5f}",
                "city": "",
                "name": account.name,
                "resource_uri": f"/v1/Account/{auth_id}/",
                "state": "",
                "timezone": "UTC",
            },
        )

    def auth_error(self) -> SimResponse:
        return _error(401, "authentication failed")

    def provider_error(self) -> SimResponse:
        return _error(500, "internal server error")
