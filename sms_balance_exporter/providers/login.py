"""A definition's login step: a call that exchanges the account's credentials for tokens (an
OAuth access token, a session key), which the balance request then sends as placeholders.

Tokens are kept per account until their lifetime is over or the balance call answers HTTP 401,
then fetched again, once per query. They are secrets: never in a message, a log or a repr.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pydantic import Field

from sms_balance_exporter.providers.base import (
    HttpResponse,
    ProviderError,
    Reason,
    status_error,
    to_number,
    to_text,
)
from sms_balance_exporter.providers.generic import (
    AuthSpec,
    Condition,
    JsonPath,
    RequestSpec,
    ResponseSpec,
    Template,
    _Section,
    fill,
)

# A token is dropped this long before its stated end, so a call never carries a dying one.
_EXPIRY_MARGIN_SECONDS = 30.0


class LoginSpec(_Section):
    """`login`: the call (`base_url`, a template, default the account's; `request`, `auth`,
    `response`, `success`), where its answer holds the tokens (`tokens`: name -> path) and
    how long they live (`expires_in`: a path to seconds; else `lifetime` seconds)."""

    base_url: Template | None = None
    request: RequestSpec = Field(default_factory=RequestSpec)
    response: ResponseSpec = Field(default_factory=ResponseSpec)
    auth: AuthSpec | None = None
    success: Condition | None = None
    tokens: dict[str, JsonPath] = Field(min_length=1)
    expires_in: JsonPath | None = None
    lifetime: float = Field(default=3600.0, gt=0, allow_inf_nan=False)

    def read(self, response: HttpResponse) -> tuple[dict[str, str], float]:
        """The tokens in the login answer and their lifetime in seconds; raise
        `ProviderError` (a refused login is `auth`, prefixed "login:")."""
        try:
            return self._read(response)
        except ProviderError as error:
            raise ProviderError(error.reason, f"login: {error.message}") from None

    def _read(self, response: HttpResponse) -> tuple[dict[str, str], float]:
        by_status = status_error(response.status)
        if by_status is not None:
            raise by_status
        body = self.response.read(response)
        if self.success is not None:
            self.success.check_field(body)
        tokens = {
            name: to_text(path.resolve(body), path.text) for name, path in self.tokens.items()
        }
        lifetime = self.lifetime
        if self.expires_in is not None:
            seconds = to_number(self.expires_in.resolve(body), self.expires_in.text)
            if seconds <= 0:
                raise ProviderError(Reason.PARSE, f"field {self.expires_in.text!r} is not positive")
            lifetime = seconds
        return tokens, lifetime

    def login_base_url(self, base_url: str, values: Mapping[str, str]) -> str:
        return fill(self.base_url, values).rstrip("/") if self.base_url else base_url


@dataclass
class _Tokens:
    values: dict[str, str]
    expires: float  # time.monotonic()


class TokenCache:
    """One account's current tokens; `clock` (time.monotonic) may be replaced in tests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: _Tokens | None = None
        self.clock: Callable[[], float] = time.monotonic

    def current(self) -> dict[str, str] | None:
        with self._lock:
            if self._tokens is None or self.clock() >= self._tokens.expires:
                return None
            return self._tokens.values

    def store(self, values: dict[str, str], lifetime: float) -> None:
        margin = min(_EXPIRY_MARGIN_SECONDS, lifetime / 10)
        with self._lock:
            self._tokens = _Tokens(values, self.clock() + lifetime - margin)

    def __eq__(self, other: object) -> bool:
        # Kept tokens are no part of an account's identity: equal configs are equal accounts.
        return isinstance(other, TokenCache)

    __hash__ = None  # type: ignore[assignment]

    def drop(self) -> None:
        with self._lock:
            self._tokens = None

    def secret_values(self) -> list[str]:
        with self._lock:
            return list(self._tokens.values.values()) if self._tokens is not None else []
