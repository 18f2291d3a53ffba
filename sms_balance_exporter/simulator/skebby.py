"""Skebby's REST API (also Mobyt's and smsend's), provider side: a login (GET
/API/v1.0/REST/login?username=…&password=…) answers the text USER_KEY;SESSION_KEY, then GET
/API/v1.0/REST/status?getMoney=true with the headers user_key and Session_key answers `money`
and `sms[]` per quality class."""

from __future__ import annotations

import secrets
import threading

from sms_balance_exporter.simulator.core import SimAccount, SimRequest, SimResponse, Twin

LOGIN_PATH = "/API/v1.0/REST/login"
STATUS_PATH = "/API/v1.0/REST/status"


class SkebbyTwin(Twin):
    provider_id = "skebby"
    endpoints = (("GET", LOGIN_PATH), ("GET", STATUS_PATH))

    def __init__(self) -> None:
        self.logins = 0
        self._lock = threading.Lock()
        self._sessions: dict[tuple[str, str], dict[str, str]] = {}

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(
            name=name,
            provider=self.provider_id,
            credentials={"username": f"{name}-user", "password": f"{name}-skebby-pw"},
            balance=87.3,
            currency="EUR",
            price_per_message=0.07,
            drift_per_hour=0.5,
        )

    def expire_sessions(self) -> None:
        """End every session (as after five idle minutes)."""
        with self._lock:
            self._sessions.clear()

    def refuse(self, request: SimRequest) -> SimResponse | None:
        if request.path != LOGIN_PATH:
            return None
        username, password = request.query.get("username"), request.query.get("password")
        if not username or not password:
            return SimResponse(404, "Credentials are incorrect", "text/plain")
        user_key, session_key = secrets.token_hex(8), secrets.token_hex(16)
        with self._lock:
            self.logins += 1
            self._sessions[(user_key, session_key)] = {"username": username, "password": password}
        return SimResponse(200, f"{user_key};{session_key}", "text/plain")

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        if request.query.get("getMoney") != "true":
            return None
        key = (request.headers.get("user_key", ""), request.headers.get("session_key", ""))
        with self._lock:
            return self._sessions.get(key)

    def success(self, account: SimAccount) -> SimResponse:
        messages = account.current_messages()
        body = {
            "money": round(account.current_balance(), 4),
            "sms": [
                {"type": "GP", "quantity": messages},
                {"type": "TI", "quantity": messages},
                {"type": "SI", "quantity": messages},
            ],
            "email": "ops@example.it",
        }
        return SimResponse(200, body)

    def auth_error(self) -> SimResponse:
        return SimResponse(
            401, "User_key, Token or Session_key are invalid or not provided", "text/plain"
        )

    def provider_error(self) -> SimResponse:
        return SimResponse(400, "Other errors, details are in the body", "text/plain")
