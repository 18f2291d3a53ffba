"""MSG91's route balance API, provider side: GET (or a form POST) /api/balance.php with the
`authkey` and the route `type` as parameters; the answer is plain text, the credits of that
route, or an error message."""

from __future__ import annotations

import math

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

BALANCE_PATH = "/api/balance.php"
ROUTES = ("0", "1", "4")


def _text(body: str) -> SimResponse:
    return SimResponse(200, body, "text/plain; charset=UTF-8")


class Msg91Twin(Twin):
    provider_id = "msg91"
    endpoints = (("GET", BALANCE_PATH), ("POST", BALANCE_PATH))

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"authkey": f"{name}-authkey-0123456789"},
            balance=5400.0,
            currency="SMS",
            price_per_message=1.0,
            drift_per_hour=20.0,
        )

    def _parameters(self, request: SimRequest) -> dict[str, str]:
        return request.form() if request.method == "POST" else dict(request.query)

    def refuse(self, request: SimRequest) -> SimResponse | None:
        if self._parameters(request).get("type") not in ROUTES:
            return _text("Invalid route")
        return None

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        key = self._parameters(request).get("authkey")
        return {"authkey": key} if key else None

    def success(self, account: SimAccount) -> SimResponse:
        credits = account.current_messages()
        return _text(f"{credits:.0f}\n" if math.isfinite(credits) else f"{credits}\n")

    def auth_error(self) -> SimResponse:
        return _text("Authentication failure")

    def provider_error(self) -> SimResponse:
        return _text("Your IP is not whitelisted")

    def mangled(self, success: SimResponse, drop: bool) -> SimResponse:
        # Text has no fields: a body without its number, or an object in its place.
        if drop:
            return _text("")
        return SimResponse(200, {"unexpected": "object"})
