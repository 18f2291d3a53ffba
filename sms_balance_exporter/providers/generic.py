"""A provider configured entirely in YAML, for balance APIs the exporter does not ship.

Config (every key but `base_url` and `balance` is optional)::

    - name: acme
      provider: generic
      base_url: https://api.acme.example       # required: where `request.path` is sent
      username: ${ACME_USER}                    # credentials: username, password, token,
      api_key_file: /run/secrets/acme           # api_key, secret (each also as X_file)
      request:
        method: POST                            # GET (default) or POST
        path: /v2/balance                       # appended to base_url
        headers: {Accept: application/json, X-Key: "{api_key}"}
        query: {user: "{username}"}
        json: {auth: {key: "{api_key}"}}        # POST only; any JSON
      auth:                                     # basic (username + password), bearer (token),
        type: header                            # or header (name + value)
        name: X-Api-Key
        value: "{api_key}"
      success: {status: 200, field: status, equals: ok}   # default: any HTTP 2xx
      auth_failure: {field: error.code, in: [401, 403]}  # HTTP 401/403 are always auth
      rate_limited: {field: error.code, equals: 30}      # HTTP 429 always is
      provider_error: {field: error, present: true}      # or {body: true, in: [500, 700]}
      balance:
        amount: data.balance                    # paths: keys, list indices, list selectors:
        currency: data.currency                 #   data.items[0].value, plan[type=sms].credits
        # fixed_currency: EUR                   # instead of `currency`
        messages: data.sms
        gift: data.bonus

`{name}` in the path, a header, query or auth value or a JSON string is the credential `name`
(`{{` and `}}` are literal braces); credentials are secrets, redacted in every message, and
percent-encoded in the path. An unknown placeholder, one naming an unset credential, a credential
nothing uses, a malformed path or a `balance` without `amount` or `messages` is a config error.

A condition's test reads a `field` or, with `body: true`, the whole JSON body; it `equals`
a value, is `in` a list, or (a field) is `present: true`/`false`.

Reasons: `auth_failure` met is `auth`, `rate_limited` `rate_limited`, `provider_error`
`provider` (in that order). Otherwise, when `success` is not met: an HTTP status
that says something on its own decides (401/403 `auth`, 429 `rate_limited`, other non-2xx
`http`), else it is `provider`. A body that is not JSON, or lacks a field the success condition
or the balance is read from, is `parse`; numbers may be JSON numbers or numeric strings.

Exposition::

    sms_balance_amount{account="acme",currency="EUR",provider="generic"} 350.12
    sms_balance_messages{account="newsletter-sms",provider="generic"} 999.536
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, Self
from urllib.parse import quote, quote_plus

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

from sms_balance_exporter.providers.base import (
    Balance,
    HttpRequest,
    HttpResponse,
    Provider,
    ProviderError,
    Reason,
    status_error,
    to_number,
    to_text,
)
from sms_balance_exporter.providers.bodies import XmlElements, document
from sms_balance_exporter.secret import Secret

CREDENTIALS = ("username", "password", "token", "api_key", "secret")

# `{{`, `}}`, a `{name}` placeholder, or a stray brace (an error).
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_CHARS = "letters, digits and -_.!#$%&'*+^`|~"
_CURRENCY = re.compile(r"[A-Za-z0-9_\-]{1,32}")
_NUMERIC = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_PATH_KEY = re.compile(r"[^.\[\]\s]+")
_PATH_INDEX = re.compile(r"\[(\d{1,9})\]")
_PATH_SELECT = re.compile(r"\[([^.\[\]\s=]+)=([^\[\]]+)\]")
_MAX_PATH_LENGTH = 256
_PATH_HELP = (
    "a path is keys separated by dots, with list indices or selectors in brackets, "
    "e.g. data.items[0].value or plan[type=sms].credits"
)

Scalar = str | int | float | bool | None


# ---- placeholders ----------------------------------------------------------------------------


def placeholders(text: str, names: Collection[str] = CREDENTIALS) -> list[str]:
    """The field names `text` refers to; ValueError if a brace or a name is wrong."""
    found = []
    for match in _PLACEHOLDER.finditer(text):
        token, name = match.group(0), match.group(1)
        if token in ("{{", "}}"):
            continue
        if name is None:
            raise ValueError(f"unmatched {token!r} (write {token * 2!r} for a literal brace)")
        if name not in names:
            raise ValueError(_unknown_placeholder(name, names))
        found.append(name)
    return found


def _unknown_placeholder(name: str, names: Collection[str]) -> str:
    known = ", ".join(f"{{{n}}}" for n in names) or "none"
    # Only a name-like text is repeated: braces around anything else may hold a credential.
    shown = f"{{{name}}}" if name.isidentifier() and len(name) <= 32 else "a placeholder"
    close = difflib.get_close_matches(name, list(names), n=1)
    hint = f"; did you mean {{{close[0]}}}?" if close else ""
    return (
        f"{shown} names no credential (placeholders are {known}; "
        f"'{{{{' and '}}}}' are literal braces){hint}"
    )


def fill(text: str, values: Mapping[str, str], encode: Callable[[str], str] = str) -> str:
    """`text` with every placeholder replaced by its value (`encode`d) and `{{`/`}}`
    unescaped. The placeholders were checked when the config was loaded."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        return encode(values[match.group(1)])

    return _PLACEHOLDER.sub(replace, text)


def fill_if_set(text: str, values: Mapping[str, str]) -> str | None:
    """`fill`, or None when `text` uses a value that is not set (an optional field left out:
    the header, query or form entry holding it is then not sent)."""
    names = (match.group(1) for match in _PLACEHOLDER.finditer(text))
    if any(name is not None and name not in values for name in names):
        return None
    return fill(text, values)


def placeholder_names(info: ValidationInfo) -> Collection[str]:
    """The names placeholders may use: a definition's fields (passed as the validation
    context `{"names": …}`), else the generic provider's credentials."""
    context = info.context
    if isinstance(context, dict) and "names" in context:
        names: Collection[str] = context["names"]
        return names
    return CREDENTIALS


def _template(text: str, info: ValidationInfo) -> str:
    placeholders(text, placeholder_names(info))
    return text


def _header_name(name: str) -> str:
    if not _HEADER_NAME.fullmatch(name):
        raise ValueError(f"must be an HTTP header name ({_HEADER_CHARS})")
    return name


def _header_value(text: str, info: ValidationInfo) -> str:
    if any(c in text for c in "\r\n\0"):
        raise ValueError("must not contain line breaks")
    return _template(text, info)


def _request_path(text: str, info: ValidationInfo) -> str:
    if text and not text.startswith("/"):
        raise ValueError("must start with '/' (it is appended to base_url)")
    if any(c in text for c in "?#") or any(c.isspace() for c in text):
        raise ValueError("must not contain '?', '#' or white space (put parameters in 'query')")
    return _template(text, info)


Template = Annotated[str, AfterValidator(_template)]
HeaderName = Annotated[str, AfterValidator(_header_name)]
HeaderValue = Annotated[str, AfterValidator(_header_value)]
RequestPath = Annotated[str, AfterValidator(_request_path)]


# ---- JSON paths ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Select:
    """A path part `[key=value]`: the first list entry whose `key` equals `value`."""

    key: str
    value: str


PathPart = str | int | Select


@dataclass(frozen=True)
class JsonPath:
    """A place in a JSON document, parsed from the config: `data.items[0].value`."""

    text: str
    parts: tuple[PathPart, ...]

    @classmethod
    def parse(cls, text: str) -> JsonPath:
        """The path `text` means; ValueError if it is not one."""
        text = text.strip()
        if not text or len(text) > _MAX_PATH_LENGTH:
            raise ValueError(_PATH_HELP)
        parts: list[PathPart] = []
        position = 0
        while position < len(text):
            if parts and text.startswith(".", position):
                key = _PATH_KEY.match(text, position + 1)
            else:
                key = None if parts else _PATH_KEY.match(text, position)
            index = _PATH_INDEX.match(text, position)
            select = _PATH_SELECT.match(text, position)
            if key is not None:
                parts.append(key.group(0))
                position = key.end()
            elif index is not None:
                parts.append(int(index.group(1)))
                position = index.end()
            elif select is not None:
                parts.append(Select(select.group(1), select.group(2)))
                position = select.end()
            else:
                raise ValueError(f"not a valid path: {_PATH_HELP}")
        return cls(text, tuple(parts))

    def resolve(self, data: Any) -> Any:
        """The value at this path in `data`, or a `parse` error naming where it broke."""
        current = data
        for depth, part in enumerate(self.parts):
            if isinstance(part, str):
                if isinstance(current, XmlElements):
                    current = current[0]
                if not isinstance(current, dict):
                    raise self._not_a(depth, "an object")
                if part not in current:
                    raise self._missing(depth)
                current = current[part]
            elif not isinstance(current, list):
                raise self._not_a(depth, "a list")
            elif isinstance(part, int):
                if part >= len(current):
                    raise self._missing(depth)
                current = current[part]
            else:
                current = next((e for e in current if _matches(e, part)), _MISSING)
                if current is _MISSING:
                    raise self._missing(depth)
        # Where XML has elements of that name, the path means the first.
        return current[0] if isinstance(current, XmlElements) else current

    def _prefix(self, length: int) -> str:
        text = ""
        for part in self.parts[:length]:
            if isinstance(part, int):
                text += f"[{part}]"
            elif isinstance(part, Select):
                text += f"[{part.key}={part.value}]"
            else:
                text += f".{part}" if text else part
        return text

    def _missing(self, depth: int) -> ProviderError:
        return ProviderError(Reason.PARSE, f"field {self._prefix(depth + 1)!r} is missing")

    def _not_a(self, depth: int, kind: str) -> ProviderError:
        where = f"field {self._prefix(depth)!r}" if depth else "the body"
        return ProviderError(Reason.PARSE, f"{where} is not {kind}")

    def __str__(self) -> str:
        return self.text

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _to_path, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )


def _to_path(value: Any) -> JsonPath:
    if isinstance(value, JsonPath):
        return value
    if not isinstance(value, str):
        raise ValueError(f"must be a string: {_PATH_HELP}")
    return JsonPath.parse(value)


_MISSING = object()


def _matches(entry: Any, select: Select) -> bool:
    if not isinstance(entry, dict) or select.key not in entry:
        return False
    value = entry[select.key]
    return same(value[0] if isinstance(value, XmlElements) else value, select.value)


def same(found: Any, expected: Scalar) -> bool:
    """Whether a JSON value equals a configured one: strings exactly, numbers by value (a
    numeric string too, since providers send numbers either way), booleans and null as such."""
    if isinstance(found, str) and isinstance(expected, str):
        return found == expected
    if isinstance(found, bool | None) or isinstance(expected, bool | None):
        return type(found) is type(expected) and found == expected
    found_number, expected_number = _as_number(found), _as_number(expected)
    return found_number is not None and found_number == expected_number


def _as_number(value: Any) -> float | None:
    if not isinstance(value, int | float) and not (
        isinstance(value, str) and _NUMERIC.fullmatch(value.strip())
    ):
        return None
    try:
        return float(value)
    except OverflowError:  # an integer beyond any float: equal to no configured value
        return None


def _shown(value: Scalar) -> str:
    return repr(value) if isinstance(value, str) else json.dumps(value)


# ---- config sections -------------------------------------------------------------------------


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        # Said here rather than by extra="forbid", whose message has no "did you mean".
        if isinstance(data, dict):
            known = [info.alias or name for name, info in cls.model_fields.items()]
            unknown = [str(key) for key in data if key not in known]
            if unknown:
                raise ValueError("; ".join(_unknown_key(key, known) for key in unknown))
        return data


def _unknown_key(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
    return f"unknown field {key!r} ({hint})"


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, int) else value


HttpStatus = Annotated[int, Field(ge=100, le=599)]
Factor = Annotated[float, Field(gt=0, allow_inf_nan=False)]
ValueName = Literal["amount", "messages", "gift"]
Statuses = Annotated[tuple[HttpStatus, ...], BeforeValidator(_as_list), Field(min_length=1)]


class RequestSpec(_Section):
    """`request`: what to send."""

    method: Literal["GET", "POST"] = "GET"
    path: RequestPath = ""
    headers: dict[str, HeaderValue] = Field(default_factory=dict)
    query: dict[str, Template] = Field(default_factory=dict)
    json_body: Any = Field(default=None, alias="json")
    form: dict[str, Template] = Field(default_factory=dict)

    @field_validator("method", mode="before")
    @classmethod
    def _upper_case(cls, method: Any) -> Any:
        return method.strip().upper() if isinstance(method, str) else method

    @field_validator("headers")
    @classmethod
    def _header_names(cls, headers: dict[str, str]) -> dict[str, str]:
        # Checked here, not per key: a key's error location would read 'headers.X A.[key]'.
        for name in headers:
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not an HTTP header name ({_HEADER_CHARS})")
        return headers

    @field_validator("json_body")
    @classmethod
    def _json_data(cls, body: Any, info: ValidationInfo) -> Any:
        for where, text in _json_strings(body, ""):
            try:
                placeholders(text, placeholder_names(info))
            except ValueError as error:
                raise ValueError(f"at {where or 'the top'!r}: {error}") from None
        return body

    @model_validator(mode="after")
    def _json_only_with_post(self) -> Self:
        if self.json_body is not None and self.method != "POST":
            raise ValueError("'json' is a request body: it needs method POST")
        if self.form and self.method != "POST":
            raise ValueError("'form' is a request body: it needs method POST")
        if self.form and self.json_body is not None:
            raise ValueError("set 'json' or 'form' (one request body), not both")
        return self


def _json_strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every string in JSON data `value` with its location; ValueError for what is not JSON."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"at {where or 'the top'!r}: keys must be strings")
            yield from _json_strings(item, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_strings(item, f"{where}[{index}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"at {where or 'the top'!r}: numbers must be finite")
    elif not isinstance(value, bool | int | float | None):
        # YAML has dates and more; JSON does not.
        raise ValueError(
            f"at {where or 'the top'!r}: must be JSON data (strings, numbers, booleans, null, "
            "lists and mappings)"
        )


class AuthSpec(_Section):
    """`auth`: HTTP Basic, a bearer token, or one header.

    Basic sends `username` and `password` (templates, by default the credentials of those
    names), bearer sends `token` (by default the credential `token`).
    """

    type: Literal["basic", "bearer", "header"]
    name: HeaderName | None = None
    value: HeaderValue | None = None
    username: Template | None = None
    password: Template | None = None
    token: HeaderValue | None = None

    @model_validator(mode="after")
    def _fields_of_the_type(self) -> Self:
        if self.type == "header" and (self.name is None or self.value is None):
            raise ValueError("type 'header' needs 'name' and 'value'")
        if self.type != "header" and (self.name is not None or self.value is not None):
            raise ValueError(f"'name' and 'value' are for type 'header', not {self.type!r}")
        if self.type != "basic" and (self.username is not None or self.password is not None):
            raise ValueError(f"'username' and 'password' are for type 'basic', not {self.type!r}")
        if self.type != "bearer" and self.token is not None:
            raise ValueError(f"'token' is for type 'bearer', not {self.type!r}")
        return self

    def credentials(self) -> tuple[str, ...]:
        """The credentials this auth sends without a placeholder (its defaults)."""
        if self.type == "basic":
            defaults = (("username", self.username), ("password", self.password))
            return tuple(name for name, template in defaults if template is None)
        return ("token",) if self.type == "bearer" and self.token is None else ()

    def templates(self) -> Iterator[tuple[str, str]]:
        """Its configured values that may hold placeholders, with their locations."""
        for key in ("value", "username", "password", "token"):
            text = getattr(self, key)
            if text is not None:
                yield f"auth.{key}", text

    def header_names(self) -> set[str]:
        """The (lower-case) header this auth sets, which `request.headers` must leave alone."""
        if self.type == "header" and self.name is not None:
            return {self.name.lower()}
        return {"authorization"}

    def apply(self, values: Mapping[str, str], headers: dict[str, str]) -> tuple[str, str] | None:
        """Set this auth's header in `headers`; the Basic credentials, if it is Basic."""
        if self.type == "basic":
            # `is None`, not `or`: an empty password is a real one (a token as the user).
            username = "{username}" if self.username is None else self.username
            password = "{password}" if self.password is None else self.password
            return fill(username, values), fill(password, values)
        if self.type == "bearer":
            token = "{token}" if self.token is None else self.token
            headers["Authorization"] = f"Bearer {fill(token, values)}"
        elif self.name is not None and self.value is not None:
            headers[self.name] = fill(self.value, values)
        return None


class Condition(_Section):
    """`success`, `auth_failure`, `rate_limited`, `provider_error`: an HTTP status (or list)
    and/or a test of the body. The test reads a `field` (a path) or, with `body: true`, the
    whole JSON body (seven.io answers a bare code such as `900`); it `equals` a value, is `in`
    a list of values, or (a field only) is `present` (true) or missing (false)."""

    status: Statuses | None = None
    field: JsonPath | None = None
    body: bool = False
    equals: Scalar = None
    one_of: tuple[Scalar, ...] | None = Field(default=None, alias="in")
    present: bool | None = None

    @field_validator("one_of", mode="before")
    @classmethod
    def _a_list_of_values(cls, values: Any) -> Any:
        if not isinstance(values, list | tuple) or not values:
            raise ValueError("must be a non-empty list of values, e.g. [900, 902]")
        if any(isinstance(value, list | tuple | dict) for value in values):
            raise ValueError("must list single values (strings, numbers, booleans or null)")
        return values

    @field_validator("body")
    @classmethod
    def _body_is_true(cls, body: bool) -> bool:
        if not body:
            raise ValueError("must be true (the test reads the whole body), or left out")
        return body

    @model_validator(mode="after")
    def _complete(self) -> Self:
        tests = [name for name in ("equals", "one_of", "present") if name in self.model_fields_set]
        if self.field is not None and self.body:
            raise ValueError("set 'field' (a path) or 'body: true' (the whole body), not both")
        if self.field is not None and not tests:
            raise ValueError(
                "'field' needs 'equals' (the value the field must have), 'in' (a list of "
                "values) or 'present' (true or false)"
            )
        if self.body and not tests:
            raise ValueError("'body' needs 'equals' (the value the body must be) or 'in'")
        if len(tests) > 1:
            raise ValueError("set one of 'equals', 'in' and 'present', not several")
        if self.body and self.present is not None:
            raise ValueError("'present' is for a 'field' (the body is always there)")
        if tests and self.field is None and not self.body:
            shown = "in" if tests[0] == "one_of" else tests[0]
            raise ValueError(
                f"{shown!r} needs 'field' (the path of the value to compare) or 'body: true'"
            )
        if self.status is None and not tests:
            raise ValueError(
                "set 'status', or a test ('field' or 'body: true', with 'equals', 'in' or "
                "'present'), or both"
            )
        return self

    def tests_body(self) -> bool:
        """Whether the condition reads the body (a field or the whole of it)."""
        return self.field is not None or self.body

    def check_field(self, body: Any) -> None:
        """Raise unless the body meets the condition's test: `parse` when the value cannot be
        read, `provider` when it is another one (or a field's presence is not as asked)."""
        if not self.tests_body():
            return
        if body is _NOT_JSON:
            raise ProviderError(Reason.PARSE, "body could not be read")
        where = self._where()
        if self.present is not None:
            if self._field_present(body) != self.present:
                state = "missing" if self.present else "present"
                message = f"success condition not met: {where} is {state}"
                raise ProviderError(Reason.PROVIDER, message)
            return
        if not self._matches(body):
            raise ProviderError(
                Reason.PROVIDER, f"success condition not met: {where} is not {self._expected()}"
            )

    def met_by(self, body: Any) -> bool:
        """Whether the body meets the test (an unreadable value does not)."""
        try:
            self.check_field(body)
        except ProviderError:
            return False
        return True

    def describe(self, http_status: int, body: Any) -> str:
        """What a met condition saw, for a message: only configured values, never the body's
        own text (which may quote a credential)."""
        seen = [f"HTTP {http_status}"] if self.status is not None else []
        if self.present is not None:
            seen.append(f"{self._where()} is {'present' if self.present else 'missing'}")
        elif self.tests_body():
            matches = self._matches(body)
            seen.append(f"{self._where()} is {_shown(matches[0] if matches else self.equals)}")
        return " and ".join(seen)

    def _where(self) -> str:
        return "the body" if self.field is None else f"field {self.field.text!r}"

    def _values(self) -> tuple[Scalar, ...]:
        return self.one_of if self.one_of is not None else (self.equals,)

    def _expected(self) -> str:
        if self.one_of is None:
            return _shown(self.equals)
        return "one of " + ", ".join(_shown(value) for value in self.one_of)

    def _matches(self, body: Any) -> list[Scalar]:
        """The configured values the tested value equals (none: not met); a `parse` error if
        it cannot be read as one value."""
        found = body if self.field is None else self.field.resolve(body)
        if isinstance(found, dict | list):
            raise ProviderError(Reason.PARSE, f"{self._where()} is not a single value")
        return [value for value in self._values() if same(found, value)]

    def _field_present(self, body: Any) -> bool:
        assert self.field is not None
        try:
            self.field.resolve(body)
        except ProviderError:
            return False
        return True


class BalanceSpec(_Section):
    """`balance`: where the values are in the answer."""

    amount: JsonPath | None = None
    currency: JsonPath | None = None
    fixed_currency: str | None = None
    messages: JsonPath | None = None
    gift: JsonPath | None = None
    # A factor a value is multiplied by: 46elks reports 1/10000 of its currency.
    scale: dict[ValueName, Factor] = Field(default_factory=dict)

    @field_validator("fixed_currency")
    @classmethod
    def _currency_code(cls, currency: str | None) -> str | None:
        if currency is not None and not _CURRENCY.fullmatch(currency):
            raise ValueError("must be a currency code or unit name such as EUR or CREDITS")
        return currency

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.amount is None and self.messages is None:
            raise ValueError("set 'amount' or 'messages' (or both)")
        has_currency = self.currency is not None or self.fixed_currency is not None
        if self.amount is not None or self.gift is not None:
            if (self.currency is None) == (self.fixed_currency is None):
                raise ValueError(
                    "with 'amount' or 'gift', set either 'currency' (a path) or "
                    "'fixed_currency', not both"
                )
        elif has_currency:
            raise ValueError("'currency' and 'fixed_currency' belong to 'amount' or 'gift'")
        for name in self.scale:
            if getattr(self, name) is None:
                raise ValueError(f"'scale' names {name!r}, which is not read")
        return self

    def read(self, body: Any) -> Balance:
        def number(name: ValueName) -> float | None:
            path: JsonPath | None = getattr(self, name)
            if path is None:
                return None
            value = to_number(path.resolve(body), path.text) * self.scale.get(name, 1.0)
            if not math.isfinite(value):
                raise ProviderError(Reason.PARSE, f"field {path.text!r} is out of range")
            return value

        currency = self.fixed_currency
        if self.currency is not None:
            currency = to_text(self.currency.resolve(body), self.currency.text)
        return Balance(
            amount=number("amount"),
            currency=currency,
            messages=number("messages"),
            gift_amount=number("gift"),
        )


_NOT_JSON = object()  # a body that did not decode: no field condition can match it


# ---- the description of an API ----------------------------------------------------------


class ResponseSpec(_Section):
    """`response`: how to read the body. JSON by default; `text` puts the stripped body at
    path `text` and, where `pattern` matches, its one group (or whole match) at `value` and
    each named group at its name (a login's `USER_KEY;SESSION_KEY`);
    `xml` reads elements by path (`bodies`)."""

    format: Literal["json", "text", "xml"] = "json"
    pattern: str | None = None

    @field_validator("pattern")
    @classmethod
    def _one_group(cls, pattern: str | None) -> str | None:
        if pattern is None:
            return None
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from None
        if compiled.groups > 1 and len(compiled.groupindex) < compiled.groups:
            raise ValueError("must have at most one group (the value), or only named groups")
        return pattern

    @model_validator(mode="after")
    def _pattern_for_text(self) -> Self:
        if self.pattern is not None and self.format != "text":
            raise ValueError("'pattern' is for format 'text'")
        return self

    def read(self, response: HttpResponse) -> Any:
        pattern = re.compile(self.pattern) if self.pattern is not None else None
        return document(response, self.format, pattern)


class ApiSpec(_Section):
    """How to ask one balance API and read its answer: the generic provider's sections, which
    are also the body of a built-in provider's definition."""

    request: RequestSpec = Field(default_factory=RequestSpec)
    response: ResponseSpec = Field(default_factory=ResponseSpec)
    auth: AuthSpec | None = None
    success: Condition | None = None
    auth_failure: Condition | None = None
    rate_limited: Condition | None = None
    provider_error: Condition | None = None
    balance: BalanceSpec

    def templates(self) -> Iterator[tuple[str, str]]:
        """Every string that may hold placeholders, with its config location."""
        yield "request.path", self.request.path
        for name, value in self.request.headers.items():
            yield f"request.headers.{name}", value
        for key, value in self.request.query.items():
            yield f"request.query.{key}", value
        for where, text in _json_strings(self.request.json_body, ""):
            yield f"request.json.{where}" if where else "request.json", text
        for key, value in self.request.form.items():
            yield f"request.form.{key}", value
        if self.auth is not None:
            yield from self.auth.templates()

    def uses(self) -> Iterator[tuple[str, str]]:
        """(location, name) of every field the request sends: placeholders and auth defaults."""
        for where, text in self.templates():
            for name in placeholders(text, _EVERY_NAME):
                yield where, name
        if self.auth is not None:
            for name in self.auth.credentials():
                yield "auth", name

    def header_clashes(self) -> list[str]:
        """Problems: request headers that the auth sets itself."""
        if self.auth is None:
            return []
        return [
            f"field 'request.headers.{header}': auth type {self.auth.type!r} sets this header"
            for header in self.request.headers
            if header.lower() in self.auth.header_names()
        ]

    def condition_problems(self) -> list[str]:
        """Problems: whole-body conditions where the body is not read as JSON."""
        if self.response.format == "json":
            return []
        conditions = {name: getattr(self, name) for name in _CONDITIONS}
        return [
            f"field '{name}.body': a whole-body test needs response format 'json' (the "
            f"{self.response.format} body is a document: compare a field"
            + (", e.g. 'text')" if self.response.format == "text" else ")")
            for name, condition in conditions.items()
            if condition is not None and condition.body
        ]

    def build_request(self, base_url: str, values: Mapping[str, str]) -> HttpRequest:
        """The request with `values` filled in. A header or query entry using a value that
        is not set (an optional one) is left out; everything else was checked at load."""
        spec = self.request
        headers = _entries_set(spec.headers, values)
        basic_auth = self.auth.apply(values, headers) if self.auth is not None else None
        return HttpRequest(
            method=spec.method,
            url=base_url + fill(spec.path, values, lambda v: quote(v, safe="")),
            headers=headers,
            params=_entries_set(spec.query, values),
            json_body=_fill_json(spec.json_body, values),
            form_body=_entries_set(spec.form, values) if spec.form else None,
            basic_auth=basic_auth,
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        """The balance in `response`, or the `ProviderError` its conditions say."""
        body: Any = _NOT_JSON
        unreadable: ProviderError | None = None
        try:
            body = self.response.read(response)
        except ProviderError as error:
            # Kept for later: a status-only condition may still decide without a body.
            unreadable = error
        status = response.status
        for condition, reason, what in (
            (self.auth_failure, Reason.AUTH, "auth failure"),
            (self.rate_limited, Reason.RATE_LIMITED, "rate limit"),
            (self.provider_error, Reason.PROVIDER, "provider error"),
        ):
            if (
                condition is not None
                and _status_in(status, condition.status, any_by_default=True)
                and condition.met_by(body)
            ):
                seen = condition.describe(status, body)
                raise ProviderError(reason, f"{what} condition met ({seen})")
        success = self.success
        if not _status_in(status, success.status if success else None, any_by_default=False):
            by_status = status_error(status)
            if by_status is not None:
                raise by_status
            raise ProviderError(Reason.PROVIDER, f"success condition not met: HTTP status {status}")
        try:
            if unreadable is not None:
                raise unreadable
            if success is not None:
                success.check_field(body)
            return self.balance.read(body)
        except ProviderError as error:
            if error.reason is Reason.PARSE and self._text_message(response, body):
                raise ProviderError(
                    Reason.PROVIDER, "the provider answered with a text message, not a balance"
                ) from None
            raise

    def _text_message(self, response: HttpResponse, body: Any) -> bool:
        """Whether the answer is a plain-text message instead of a balance: a text/plain body
        that is not JSON or XML where that was expected (46elks' and Esendex's errors), or
        that the text pattern does not match. The provider's own words, not a broken body."""
        content_type = response.headers.get("content-type", "").partition(";")[0]
        if content_type.strip().lower() != "text/plain" or not response.body.strip():
            return False
        if self.response.format == "text":
            return self.response.pattern is not None and "value" not in body
        return body is _NOT_JSON


_CONDITIONS = ("success", "auth_failure", "rate_limited", "provider_error")


class _EveryName(Collection[str]):
    """Accepts any placeholder name: for listing the names of templates checked at load."""

    def __contains__(self, name: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


_EVERY_NAME = _EveryName()


def _entries_set(entries: Mapping[str, str], values: Mapping[str, str]) -> dict[str, str]:
    filled = {key: fill_if_set(text, values) for key, text in entries.items()}
    return {key: text for key, text in filled.items() if text is not None}


def encoded_forms(values: list[str]) -> list[str]:
    """`values` and their encoded forms (in a URL path or a form body), for redaction."""
    encoded = [form for v in values for form in (quote(v, safe=""), quote_plus(v))]
    return list(dict.fromkeys(values + [form for form in encoded if form not in values]))


# ---- the provider ----------------------------------------------------------------------------


_SPEC_FIELDS = tuple(ApiSpec.model_fields)


class Generic(Provider):
    """Any JSON balance API, described in the config: request, conditions and value paths."""

    id: ClassVar[str] = "generic"
    default_base_url: ClassVar[str] = ""
    base_url_required: ClassVar[bool] = True

    username: Secret | None = None
    password: Secret | None = None
    token: Secret | None = None
    api_key: Secret | None = None
    secret: Secret | None = None
    request: RequestSpec = Field(default_factory=RequestSpec)
    auth: AuthSpec | None = None
    success: Condition | None = None
    auth_failure: Condition | None = None
    rate_limited: Condition | None = None
    provider_error: Condition | None = None
    response: ResponseSpec = Field(default_factory=ResponseSpec)
    balance: BalanceSpec

    @model_validator(mode="after")
    def _credentials_fit_their_uses(self) -> Self:
        problems: list[str] = []
        present = {name for name in CREDENTIALS if getattr(self, name) is not None}
        spec = self.spec()
        for where, name in spec.uses():
            if name in present:
                continue
            if where == "auth" and self.auth is not None:
                problems.append(
                    f"field 'auth': type {self.auth.type!r} needs {name!r} (or {name}_file)"
                )
            else:
                problems.append(
                    f"field {where!r} uses {{{name}}}, but {name!r} is not set "
                    f"(set {name} or {name}_file)"
                )
        problems += spec.header_clashes() + spec.condition_problems()
        used = {name for _, name in spec.uses()}
        for name in CREDENTIALS:
            # A credential nothing sends is a mistake in the request, not a harmless extra.
            if name in present and name not in used:
                problems.append(
                    f"field {name!r} is set but nothing uses it (write {{{name}}} in "
                    "'request' or 'auth', or remove it)"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def __hash__(self) -> int:
        # A frozen model hashes its fields, and dicts (headers, query, the JSON body) cannot
        # be hashed; accounts can, like every other provider's. Secrets dump as "<secret>".
        return hash(json.dumps(self.model_dump(mode="json"), sort_keys=True))

    def spec(self) -> ApiSpec:
        """This account's sections as one API description (already validated)."""
        return ApiSpec.model_construct(
            **{name: getattr(self, name) for name in _SPEC_FIELDS},
        )

    def _credentials(self) -> dict[str, str]:
        values = {name: getattr(self, name) for name in CREDENTIALS}
        return {name: value.reveal() for name, value in values.items() if value is not None}

    def secret_values(self) -> list[str]:
        return encoded_forms(super().secret_values())

    def build_request(self, base_url: str) -> HttpRequest:
        return self.spec().build_request(base_url, self._credentials())

    def read_balance(self, response: HttpResponse) -> Balance:
        return self.spec().read_balance(response)


def _status_in(status: int, allowed: tuple[int, ...] | None, any_by_default: bool) -> bool:
    """Whether `status` is one of `allowed`; with none configured, whether it is any status
    (`any_by_default`) or a 2xx."""
    if allowed is not None:
        return status in allowed
    return any_by_default or 200 <= status < 300


def _fill_json(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return fill(value, values)
    if isinstance(value, dict):
        return {key: _fill_json(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill_json(item, values) for item in value]
    return value
