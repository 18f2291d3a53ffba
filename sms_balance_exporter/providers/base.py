"""What every provider module builds on: the request/response shapes, `Balance`,
`ProviderError` with its `reason`, and defensive helpers for reading provider JSON.

A provider is a pydantic model of its config fields (credentials and options) with
class-level `id` and `default_base_url`, a `build_request` and a `parse_response`.
Providers know nothing of Prometheus; the collector knows nothing of wire formats.
"""

from __future__ import annotations

import functools
import json
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from sms_balance_exporter.secret import Secret


class Reason(StrEnum):
    """Why a balance query failed; the `reason` label of the error counter."""

    AUTH = "auth"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    RATE_LIMITED = "rate_limited"
    HTTP = "http"
    PARSE = "parse"
    PROVIDER = "provider"


class ProviderError(Exception):
    """A failed balance query. `message` is for people and never holds a secret."""

    def __init__(self, reason: Reason, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{reason.value}: {message}")
        self.reason = reason
        self.message = message
        # Seconds the provider asked us to wait before calling again (a 429's Retry-After).
        self.retry_after = retry_after


@dataclass(frozen=True)
class Balance:
    """What one account's balance query found. Absent values are None."""

    amount: float | None = None
    currency: str | None = None
    messages: float | None = None
    gift_amount: float | None = None


@dataclass(frozen=True, repr=False)
class HttpRequest:
    """One upstream call. Its repr shows no header, query, body or auth value."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    json_body: Any = None
    form_body: Mapping[str, str] | None = None  # sent form-encoded (exclusive with json_body)
    basic_auth: tuple[str, str] | None = None

    def __repr__(self) -> str:
        # Scheme and host only: some providers put an account ID in the path.
        parts = urlsplit(self.url)
        return f"HttpRequest({self.method} {parts.scheme}://{parts.netloc}/…)"


@dataclass(frozen=True)
class HttpResponse:
    """An upstream answer, whatever its status. Header names are lower-case."""

    status: int
    headers: Mapping[str, str]
    body: bytes


# Performs one upstream call within the query's deadline (the transport's side of the wire).
Perform = Callable[[HttpRequest], HttpResponse]


class Provider(BaseModel, ABC):
    """Base of every provider: its fields are the account's provider-specific config."""

    # Validators are built when a provider is first used: most of the 40 are in no config.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: ClassVar[str]
    default_base_url: ClassVar[str]
    docs_url: ClassVar[str] = ""
    # True where every account lives on its own host, so the config must name it.
    base_url_required: ClassVar[bool] = False

    @abstractmethod
    def build_request(self, base_url: str) -> HttpRequest:
        """The balance request for this account against `base_url` (no trailing slash)."""

    @abstractmethod
    def read_balance(self, response: HttpResponse) -> Balance:
        """The balance in `response`, or raise `ProviderError`: the provider's own part."""

    def fetch_balance(self, base_url: str, perform: Perform) -> Balance:
        """Ask for the balance, `perform` making each HTTP call; raise `ProviderError`.

        One request and its answer for most providers; a provider that needs more than one
        call (a login that yields a token first) overrides this.
        """
        return self.parse_response(perform(self.build_request(base_url)))

    def parse_response(self, response: HttpResponse) -> Balance:
        """The balance in `response`, or raise `ProviderError`.

        A failed status whose body the provider cannot read (a proxy's page, an unknown
        error shape) is reported by its status, which says more than "parse".
        """
        try:
            return self.read_balance(response)
        except ProviderError as error:
            status = status_error(response.status)
            if error.reason is Reason.PARSE and status is not None:
                raise status from None
            raise

    @classmethod
    def secret_fields(cls) -> list[str]:
        """Names of the config fields that hold credentials (each also accepts `X_file`)."""
        return list(_secret_fields(cls))

    def secret_values(self) -> list[str]:
        """Every credential value of this account, for redaction."""
        values = (getattr(self, name) for name in self.secret_fields())
        return [value.reveal() for value in values if value is not None]


@functools.cache
def _secret_fields(provider: type[Provider]) -> tuple[str, ...]:
    # Once per class: every balance query asks, to redact its messages.
    return tuple(
        name
        for name, info in provider.model_fields.items()
        if info.annotation is Secret or info.annotation == Secret | None
    )


# ---- helpers for parse_response -------------------------------------------------------------


def status_error(status: int) -> ProviderError | None:
    """The error an HTTP status means on its own, or None for 2xx."""
    if 200 <= status < 300:
        return None
    if status in (401, 403):
        return ProviderError(Reason.AUTH, f"HTTP {status}: credentials rejected")
    if status == 429:
        return ProviderError(Reason.RATE_LIMITED, "HTTP 429: rate limited by the provider")
    return ProviderError(Reason.HTTP, f"unexpected HTTP status {status}")


def unrecognised_error(what: str, http_status: int) -> ProviderError:
    """An error body whose code the provider documents no meaning for (`what` names it):
    the HTTP status decides where it says auth or rate limiting, else it is `provider`."""
    by_status = status_error(http_status)
    if by_status is not None and by_status.reason in (Reason.AUTH, Reason.RATE_LIMITED):
        return ProviderError(by_status.reason, f"{by_status.message} ({what})")
    return ProviderError(Reason.PROVIDER, f"provider returned {what}")


# What a provider documents its error codes to mean: code -> (reason, meaning).
ErrorCodes = Mapping[int, tuple[Reason, str]]

_MAX_ERROR_CODE = 1_000_000_000


def error_code(value: Any) -> int | None:
    """An error code sent as a number or a numeric string, or None when there is none. A code
    is a short integer: anything else (a fraction, a 300-digit number) counts as no code."""
    try:
        number = to_number(value, "code")
    except ProviderError:
        return None
    return int(number) if number.is_integer() and abs(number) < _MAX_ERROR_CODE else None


def coded_error(code: int | None, codes: ErrorCodes, http_status: int) -> ProviderError:
    """The failure an error code means. A documented auth or rate-limit code says so whatever
    the HTTP status; any other code (documented or not), or none, goes by the status where that
    says auth or rate limiting, else it is a `provider` error (`unrecognised_error`)."""
    if code is None:
        return unrecognised_error("an error without a numeric code", http_status)
    reason, meaning = codes.get(code, (Reason.PROVIDER, ""))
    if reason in (Reason.AUTH, Reason.RATE_LIMITED):
        return ProviderError(reason, f"error code {code}: {meaning}")
    return unrecognised_error(
        f"error code {code}" + (f" ({meaning})" if meaning else ""), http_status
    )


def listed_errors(errors: Any, codes: ErrorCodes, http_status: int) -> ProviderError:
    """The failure an `errors` list of `{"code": …}` entries means (MessageBird's and
    Telnyx's shape): the most telling of its entries."""
    entries = errors if isinstance(errors, list) and errors else [errors]
    return most_telling(
        [
            coded_error(
                error_code(entry.get("code")) if isinstance(entry, dict) else None,
                codes,
                http_status,
            )
            for entry in entries
        ]
    )


def most_telling(failures: Sequence[ProviderError]) -> ProviderError:
    """Of the errors one answer lists, the one to report: auth, then rate limiting, else the
    first (a rejected key matters more than whatever else went wrong)."""
    for reason in (Reason.AUTH, Reason.RATE_LIMITED):
        for failure in failures:
            if failure.reason is reason:
                return failure
    return failures[0]


def raise_for_status(response: HttpResponse) -> None:
    """Raise the status-only error of a non-2xx response."""
    error = status_error(response.status)
    if error is not None:
        raise error


def json_body(response: HttpResponse) -> Any:
    """The decoded JSON body, or a `parse` error."""
    try:
        return json.loads(response.body.decode("utf-8"))
    # ValueError also covers an integer of more digits than Python converts (4300).
    except (UnicodeDecodeError, ValueError, RecursionError):
        problem = "empty body" if not response.body.strip() else "body is not JSON"
        raise ProviderError(Reason.PARSE, problem) from None


def json_object(response: HttpResponse) -> dict[str, Any]:
    """The JSON body, which must be an object."""
    body = json_body(response)
    if not isinstance(body, dict):
        raise ProviderError(Reason.PARSE, f"expected a JSON object, got {_type_name(body)}")
    return body


def dig(data: Any, *path: str) -> Any:
    """`data[path[0]][path[1]]…`, or a `parse` error naming the missing field."""
    current = data
    for depth, key in enumerate(path):
        if not isinstance(current, dict) or key not in current:
            where = ".".join(path[: depth + 1])
            raise ProviderError(Reason.PARSE, f"field {where!r} is missing")
        current = current[key]
    return current


def to_number(value: Any, name: str) -> float:
    """A finite number from a JSON number or a numeric string ("12.5", "12,5", " 7 ")."""
    if isinstance(value, bool):
        raise ProviderError(Reason.PARSE, f"field {name!r} is a boolean, not a number")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            raise ProviderError(Reason.PARSE, f"field {name!r} is out of range") from None
    elif isinstance(value, str):
        text = _decimal_point(value.strip(), name)
        try:
            number = float(text)
        except ValueError:
            raise ProviderError(Reason.PARSE, f"field {name!r} is not a number") from None
    else:
        raise ProviderError(Reason.PARSE, f"field {name!r} is {_type_name(value)}, not a number")
    if not math.isfinite(number):
        raise ProviderError(Reason.PARSE, f"field {name!r} is not a finite number")
    return number


def _decimal_point(text: str, name: str) -> str:
    """`text` with a decimal comma made a point and thousands separators dropped.

    "12,5" is 12.5; with both marks the last one is the decimal ("1,234.5", "1.234,5"). A lone
    comma before exactly three digits ("1,234") could be either, and a wrong guess would be a
    balance off by a thousand times, so it is a `parse` error.
    """
    if "," not in text:
        return text
    if "." in text:
        if text.rfind(",") > text.rfind("."):
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")
    whole, _, fraction = text.partition(",")
    if "," in fraction or len(fraction) == 3:
        raise ProviderError(Reason.PARSE, f"field {name!r} is an ambiguous number")
    return f"{whole}.{fraction}"


def to_text(value: Any, name: str) -> str:
    """A non-empty string field."""
    if not isinstance(value, str) or not value.strip():
        raise ProviderError(Reason.PARSE, f"field {name!r} is not a non-empty string")
    return value.strip()


def _type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        type(None): "null",
        bool: "a boolean",
    }.get(type(value), type(value).__name__)
