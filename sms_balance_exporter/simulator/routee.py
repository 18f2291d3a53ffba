"""Routee's API, provider side: an OAuth2 client-credentials token (POST /oauth/token with
HTTP Basic application id and secret and the form grant_type=client_credentials, answering
`access_token`, `token_type`, `expires_in`), then GET /accounts/me/balance with the bearer
token, answering `balance` and a `currency` object."""

from __future__ import annotations

import secrets
import threading
import time

from sms_balance_exporter.simulator.core import (
    SIMULATOR_URL,
    SimAccount,
    SimRequest,
    SimResponse,
    Twin,
)

TOKEN_PATH = "/oauth/token"  # noqa: S105 (a path, not a password)
BALANCE_PATH = "/accounts/me/balance"


class RouteeTwin(Twin):
    provider_id = "routee"
    endpoints = (("POST", TOKEN_PATH), ("GET", BALANCE_PATH))

    def __init__(self, expires_in: float = 3600) -> None:
        self.expires_in = expires_in
        self.logins = 0
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[dict[str, str], float]] = {}

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={
                "application_id": f"{name}-5a1b2c3d",
                "application_secret": f"{name}-routee-secret",
            },
            balance=245.8,
            currency="EUR",
            price_per_message=0.045,
            drift_per_hour=1.0,
            options={"auth_url": SIMULATOR_URL},
        )

    def revoke_tokens(self) -> None:
        """Forget every issued token (an application's tokens revoked)."""
        with self._lock:
            self._tokens.clear()

    def refuse(self, request: SimRequest) -> SimResponse | None:
        if request.path != TOKEN_PATH:
            return None
        pair = request.basic_auth()
        if (
            pair is None
            or not all(pair)
            or request.form().get("grant_type") != "client_credentials"
        ):
            return SimResponse(
                401, {"error": "invalid_client", "error_description": "Bad client credentials"}
            )
        token = secrets.token_urlsafe(24)
        credentials = {"application_id": pair[0], "application_secret": pair[1]}
        with self._lock:
            self.logins += 1
            self._tokens[token] = (credentials, time.monotonic() + self.expires_in)
        body = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "scope": "account",
            "permissions": ["MT_ROLE_ACCOUNT_FINANCE"],
        }
        return SimResponse(200, body)

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        with self._lock:
            credentials, expires = self._tokens.get(token, (None, 0.0))
        return credentials if time.monotonic() < expires else None

    def success(self, account: SimAccount) -> SimResponse:
        currency = {"code": account.currency, "name": "Euro", "sign": "€"}
        return SimResponse(
            200, {"balance": round(account.current_balance(), 4), "currency": currency}
        )

    def auth_error(self) -> SimResponse:
        return SimResponse(
            401, {"error": "invalid_token", "error_description": "Invalid access token"}
        )

    def provider_error(self) -> SimResponse:
        return SimResponse(500, {"code": "500000", "developerMessage": "Internal server error"})
