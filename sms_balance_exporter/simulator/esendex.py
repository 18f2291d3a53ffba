"""Esendex's accounts API, provider side: GET /v1.0/accounts with HTTP Basic answers XML (in
the namespace http://api.esendex.com/ns/) with an <account> per account and its
<messagesremaining>; errors are a status with a text/plain message."""

from __future__ import annotations

import math

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

XML = "application/xml; charset=utf-8"


def _accounts(remaining: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<accounts xmlns="http://api.esendex.com/ns/">\n'
        ' <account id="2b4a326c-41de-4a57-a577-c7d742dc145c" uri="https://api.esendex.com/'
        'v1.0/accounts/2b4a326c-41de-4a57-a577-c7d742dc145c">\n'
        "  <reference>EX0012345</reference><label>My account</label><address>447700900654"
        "</address>\n"
        f"  <type>Professional</type>{remaining}\n"
        "  <expireson>2030-01-01T00:00:00</expireson><role>PowerUser</role>"
        '<settings uri="https://api.esendex.com/v1.0/accounts/settings" />\n'
        " </account>\n"
        "</accounts>\n"
    )


class EsendexTwin(Twin):
    provider_id = "esendex"
    endpoints = (("GET", "/v1.0/accounts"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"username": f"{name}@example.com", "password": f"{name}-password"},
            balance=2322.0,
            currency="MESSAGES",
            price_per_message=1.0,
            drift_per_hour=10.0,
        )

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        pair = request.basic_auth()
        if pair is None or not all(pair):
            return None
        return {"username": pair[0], "password": pair[1]}

    def success(self, account: SimAccount) -> SimResponse:
        messages = account.current_messages()
        count = f"{messages:.0f}" if math.isfinite(messages) else str(messages)
        return SimResponse(200, _accounts(f"<messagesremaining>{count}</messagesremaining>"), XML)

    def auth_error(self) -> SimResponse:
        return SimResponse(401, "Authentication failed", "text/plain")

    def provider_error(self) -> SimResponse:
        return SimResponse(500, "An internal error occurred", "text/plain")

    def mangled(self, success: SimResponse, drop: bool) -> SimResponse:
        remaining = "" if drop else "<messagesremaining><unexpected/></messagesremaining>"
        return SimResponse(200, _accounts(remaining), XML)
