"""Twilio's balance API, provider side: HTTP Basic AccountSid:AuthToken for the AccountSid in
the URL path, the balance as a string with its currency, errors as
`{"code", "message", "more_info", "status"}`."""

from __future__ import annotations

import hashlib
import re

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

_BALANCE_PATH = re.compile(r"/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/Balance\.json")


def _error(status: int, code: int, message: str) -> SimResponse:
    return SimResponse(
        status,
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
    )


class TwilioTwin(Twin):
    provider_id = "twilio"
    endpoints = (("GET", "/2010-04-01/Accounts/{AccountSid}/Balance.json"),)

    def answers(self, method: str, path: str) -> bool:
        # The path holds the account ID, so it is matched, not listed.
        return method == "GET" and _BALANCE_PATH.fullmatch(path) is not None

    def sample_account(self, name: str) -> SimAccount:
        digest = hashlib.sha256(name.encode()).hexdigest()
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"account_sid": "AC" + digest[:32], "auth_token": digest[32:]},
            balance=152.35,
            currency="USD",
            price_per_message=0.0079,
            drift_per_hour=0.8,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        auth = request.basic_auth()
        match = _BALANCE_PATH.fullmatch(request.path)
        # Only the account itself may read its balance: the SID in the path is the user's.
        if auth is None or match is None or match.group(1) != auth[0]:
            return None
        return {"account_sid": auth[0], "auth_token": auth[1]}

    def success(self, account: SimAccount) -> SimResponse:
        return SimResponse(
            200,
            {
                "currency": account.currency,
                "balance": f"{account.current_balance():.2f}",
                "account_sid": account.credentials["account_sid"],
            },
        )

    def auth_error(self) -> SimResponse:
        return _error(401, 20003, "Authenticate")

    def provider_error(self) -> SimResponse:
        return _error(404, 20404, "The requested resource was not found")
