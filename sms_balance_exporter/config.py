"""Loading and validating the YAML config: `${VAR}` expansion, `X_file` credentials,
durations, defaults, and errors that name the file, the account and the field."""

from __future__ import annotations

import functools
import ipaddress
import os
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from sms_balance_exporter.durations import Duration, format_duration, parse_duration
from sms_balance_exporter.envexpand import ExpansionError, bare_references, expand
from sms_balance_exporter.providers import PROVIDERS, Provider
from sms_balance_exporter.suggest import did_you_mean, looks_like_name, shown
from sms_balance_exporter.yamlfile import (
    MAX_CONFIG_BYTES,
    MAX_SECRET_FILE_BYTES,
    FileReadError,
    YamlError,
    hide_values_of,
    load_yaml,
    read_regular_file,
    snippet,
)

MAX_TIMEOUT_SECONDS = 300.0
# libyaml's safe loader where PyYAML was built with it: 8x faster on 1000 accounts.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load_yaml(text: str) -> Any:
    """YAML to plain data (no Python objects: both loaders are the safe ones). The config file
    goes through `yamlfile.load_yaml`, which also bounds aliases and refuses duplicate keys."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506


class ConfigError(Exception):
    """An invalid config. `problems` has one self-contained line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class LowBalance:
    amount: float | None = None
    messages: float | None = None


@dataclass(frozen=True)
class Account:
    """One configured account, validated, with defaults applied."""

    name: str
    provider: Provider
    base_url: str
    timeout: float
    min_interval: float
    low_balance: LowBalance
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)  # a dict: unhashable
    auto_recharge: bool = False

    @property
    def provider_id(self) -> str:
        return self.provider.id


@dataclass(frozen=True)
class Config:
    path: str
    accounts: tuple[Account, ...]
    # Balance queries in flight at once at one provider's API, where the user caps them:
    # "default" and per provider id (the limits per credential and host apply anyway).
    provider_concurrency: Mapping[str, int] = field(default_factory=dict)
    # Mistakes that still give a working config (`$VAR` without braces): `check` prints them,
    # `serve` logs them.
    warnings: tuple[str, ...] = ()

    def account(self, name: str) -> Account | None:
        return next((a for a in self.accounts if a.name == name), None)

    def concurrency_for(self, provider_id: str) -> int | None:
        """The user's cap on `provider_id`'s queries in flight, or None where none is set."""
        limits = self.provider_concurrency
        return limits.get(provider_id, limits.get("default"))


# ---- schema of the parts every account shares ----------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- account labels: extra labels on sms_balance_account_info and /targets ----------------

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_RESERVED_LABELS = frozenset({"provider", "account", "currency", "auto_recharge"})


def _valid_labels(labels: dict[str, str] | None) -> dict[str, str] | None:
    """Prometheus label names that never override the exporter's own labels."""
    for name in labels or {}:
        if not _LABEL_NAME.fullmatch(name) or name.startswith("__"):
            raise ValueError(
                f"{name!r} is not a Prometheus label name (letters, digits and _, "
                "not starting with a digit or __)"
            )
        if name in _RESERVED_LABELS:
            raise ValueError(f"{name!r} is set by the exporter and cannot be overridden")
    return labels


class _Defaults(_Strict):
    timeout: Duration = Field(default=10.0, gt=0, le=MAX_TIMEOUT_SECONDS)
    min_interval: Duration = Field(default=0.0, ge=0)
    labels: dict[str, str] | None = None
    auto_recharge: bool = False

    _labels = field_validator("labels")(_valid_labels)


class _LowBalance(_Strict):
    amount: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    messages: float | None = Field(default=None, ge=0, allow_inf_nan=False)


class _AccountCommon(_Strict):
    name: str = Field(min_length=1, max_length=128)
    provider: str
    base_url: str | None = None
    timeout: Duration | None = Field(default=None, gt=0, le=MAX_TIMEOUT_SECONDS)
    min_interval: Duration | None = Field(default=None, ge=0)
    low_balance: _LowBalance | None = None
    labels: dict[str, str] | None = None
    auto_recharge: bool | None = None

    _labels = field_validator("labels")(_valid_labels)

    @field_validator("name")
    @classmethod
    def _printable_name(cls, name: str) -> str:
        if name != name.strip() or not name.isprintable():
            raise ValueError("must be printable, without leading or trailing spaces")
        return name

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        return None if url is None else _checked_base_url(url)


def _checked_base_url(url: str) -> str:
    """`url` without its trailing slash, or ValueError saying what is wrong (never the URL:
    it may carry a credential)."""
    if not url.startswith(("https://", "http://")) or not url.isprintable() or " " in url:
        raise ValueError("must be an http:// or https:// URL with a host")
    if "?" in url or "#" in url or "@" in url.split("/")[2]:
        raise ValueError("must not carry a query, a fragment or credentials")
    host = url.split("/")[2]
    if host.startswith("["):
        address, bracket, port = host[1:].partition("]")
        try:
            ipaddress.IPv6Address(address)
        except ValueError:
            raise ValueError("has no valid IPv6 address between '[' and ']'") from None
        if not bracket or (port and not port.startswith(":")):
            raise ValueError("must be written http://[IPv6 address]:port/ (brackets, then port)")
    elif host.count(":") > 1:
        raise ValueError(
            "has an IPv6 address without brackets: write it as http://[2001:db8::1]:8080/"
        )
    try:
        parts = urlsplit(url)
        port_number = parts.port
    except ValueError:
        raise ValueError("has a port that is not a number from 1 to 65535") from None
    if port_number == 0 or (host.endswith(":") and port_number is None):
        raise ValueError("has a port that is not a number from 1 to 65535")
    if not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    return url.rstrip("/")


_COMMON_FIELDS = set(_AccountCommon.model_fields)
_TOP_LEVEL_FIELDS = {"defaults", "accounts", "provider_concurrency"}


# ---- loading ---------------------------------------------------------------------------------

# Every credential field name of every provider: their values never appear in a message.
_SECRET_NAMES = frozenset(name for p in PROVIDERS.values() for name in p.secret_fields())


def load_config(path: str | Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read, expand and validate the config file at `path`; raise `ConfigError`."""
    loader = _Loader(str(path), os.environ if environ is None else environ)
    return loader.guarded(lambda: loader.validate(loader.read_yaml()))


def config_from_data(data: Any, source: str, environ: Mapping[str, str] | None = None) -> Config:
    """Validate an already parsed config (the demo builds one); `source` names it in errors."""
    loader = _Loader(source, os.environ if environ is None else environ)
    return loader.guarded(lambda: loader.validate(data))


class _Loader:
    def __init__(self, path: str, environ: Mapping[str, str]) -> None:
        self.path = path
        self.environ = environ
        self.problems: list[str] = []
        self.warnings: list[str] = []
        # Where a value came out empty from variables that are set but empty: their names.
        self.empty_variables: dict[str, list[str]] = {}
        # Credentials of the account at hand whose X_file could not be read.
        self.unread_files: set[str] = set()
        # Each list or mapping expanded once, however many aliases point at it: id -> (the
        # original, kept so that its id is not reused; its expansion).
        self.expanded: dict[int, tuple[Any, Any]] = {}

    def guarded(self, load: typing.Callable[[], Config]) -> Config:
        """`load()`, with every failure a `ConfigError`: never a traceback for a config."""
        try:
            return load()
        except ConfigError:
            raise
        except RecursionError:
            raise ConfigError([f"{self.path}: nested too deeply to read"]) from None
        except MemoryError:
            raise ConfigError([f"{self.path}: too large to load (out of memory)"]) from None
        except Exception as error:  # a message for people, never a traceback
            # The type only: the text of an unexpected error may quote a value.
            raise ConfigError(
                [f"{self.path}: cannot load the config: unexpected {type(error).__name__}"]
            ) from None

    def problem(self, where: str, message: str) -> None:
        names = self.empty_variables.get(where)
        if names:
            variables = ", ".join(names)
            message += f" (environment variable {variables} is set but empty)"
        self.problems.append(f"{self.path}: {where}{': ' if where else ''}{message}")

    def validate(self, raw: Any) -> Config:
        if not isinstance(raw, dict):
            raise ConfigError([f"{self.path}: the top level must be a mapping with 'accounts'"])
        for key in sorted(set(raw) - _TOP_LEVEL_FIELDS, key=str):
            hint = did_you_mean(key, _TOP_LEVEL_FIELDS)
            self.problem(f"key {shown(key, '(not shown)')}", "unknown key" + hint)
        defaults = self._defaults(self._expand(raw.get("defaults") or {}, "defaults"))
        concurrency = self._provider_concurrency(raw.get("provider_concurrency") or {})
        accounts_raw = raw.get("accounts")
        if not isinstance(accounts_raw, list) or not accounts_raw:
            self.problem("accounts", "a non-empty list of accounts is required")
            accounts_raw = []
        accounts: list[Account] = []
        first_index: dict[str, int] = {}
        for index, entry in enumerate(accounts_raw):
            account = self._account(index, entry, defaults)
            if account is None:
                continue
            if account.name in first_index:
                self.problem(
                    _where(index, account.name),
                    f"duplicate account name (also accounts[{first_index[account.name]}])",
                )
                continue
            first_index[account.name] = index
            accounts.append(account)
        if self.problems:
            raise ConfigError(self.problems)
        return Config(
            path=self.path,
            accounts=tuple(accounts),
            provider_concurrency=concurrency,
            warnings=tuple(self.warnings),
        )

    def read_yaml(self) -> Any:
        try:
            text = read_regular_file(self.path, MAX_CONFIG_BYTES).decode("utf-8")
        except (FileReadError, UnicodeDecodeError) as error:
            reason = str(error) if isinstance(error, FileReadError) else "not UTF-8 text"
            raise ConfigError([f"{self.path}: cannot read config file: {reason}"]) from None
        try:
            return load_yaml(text)
        except YamlError as error:
            where = ""
            lines: list[str] = []
            if error.line is not None and error.column is not None:
                where = f"line {error.line}, column {error.column}: "
                hide = hide_values_of(_SECRET_NAMES)
                lines = snippet(text, error.line, error.column, hide)
            kind = "YAML syntax error" if error.syntax else "YAML error"
            message = f"{self.path}: {kind}: {where}{error.message}"
            raise ConfigError(["\n    ".join([message, *lines])]) from None

    def _expand(self, value: Any, where: str, secret: bool = False) -> Any:
        """Expand `${VAR}` in every string below `value`, reporting problems at `where`."""
        if isinstance(value, str):
            return self._expand_text(value, where, secret)
        if not isinstance(value, dict | list):
            return value
        if id(value) in self.expanded:
            return self.expanded[id(value)][1]
        result: Any
        if isinstance(value, dict):
            result = {k: self._expand(v, _field(where, k), secret) for k, v in value.items()}
        else:
            result = [self._expand(v, f"{where}[{i}]", secret) for i, v in enumerate(value)]
        self.expanded[id(value)] = (value, result)
        return result

    def _expand_text(self, text: str, where: str, secret: bool) -> str:
        for name in bare_references(text):
            # In a credential the name is shown only when it is the whole value and looks
            # like a variable (`key: $ILETI_KEY`); `pa$word` may be the password itself.
            whole = text.strip() == f"${name}" and name.isupper()
            if not looks_like_name(name) or (secret and not whole):
                self.warnings.append(
                    f"{self.path}: {where}: a '$' followed by a name is not expanded (only "
                    "'${NAME}' is): write '${NAME}' for a variable, or '$$' for a literal '$'"
                )
                break
            self.warnings.append(
                f"{self.path}: {where}: '${name}' is not expanded (only '${{{name}}}' is): "
                f"write '${{{name}}}' to use the variable, or '$${name}' to keep the text"
            )
        empty: list[str] = []
        try:
            expanded = expand(text, self.environ, empty)
        except ExpansionError as error:
            self.problem(where, str(error))
            return text
        if empty and not expanded.strip():
            self.empty_variables[where] = empty
        return expanded

    def _defaults(self, raw: Any) -> _Defaults:
        try:
            return _Defaults.model_validate(raw)
        except ValidationError as error:
            self._report(error, "defaults", _Defaults)
            return _Defaults()

    def _provider_concurrency(self, raw: Any) -> dict[str, int]:
        limits: dict[str, int] = {}
        if not isinstance(raw, dict):
            self.problem("provider_concurrency", "must map 'default' or provider ids to numbers")
            return limits
        for key, value in raw.items():
            where = _field("provider_concurrency", key)
            if key != "default" and key not in PROVIDERS:
                hint = did_you_mean(key, set(PROVIDERS) | {"default"})
                self.problem(where, f"not 'default' nor a provider id{hint}")
            elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
                self.problem(where, "must be a whole number from 1 to 1000")
            else:
                limits[key] = value
        return limits

    def _account(self, index: int, entry: Any, defaults: _Defaults) -> Account | None:
        if not isinstance(entry, dict):
            self.problem(f"accounts[{index}]", "must be a mapping of fields")
            return None
        where = _where(index, self._display_name(entry.get("name")))
        before = len(self.problems)
        self.unread_files = set()
        entry = {
            key: self._expand(value, _field(where, key), key in _SECRET_NAMES)
            for key, value in entry.items()
        }
        provider_class = self._provider_class(entry, where)
        if provider_class is None:
            return None
        common = {k: v for k, v in entry.items() if k in _COMMON_FIELDS}
        specific = self._provider_fields(provider_class, entry, where)
        try:
            shared = _AccountCommon.model_validate(common)
        except ValidationError as error:
            self._report(error, where, _AccountCommon)
            shared = None
        try:
            provider = provider_class.model_validate(specific)
        except ValidationError as error:
            self._report(error, where, provider_class)
            provider = None
        if shared is not None and shared.base_url is None and provider_class.base_url_required:
            self.problem(
                f"{where}, field 'base_url'",
                f"is required for provider {provider_class.id!r} (each account has its own host)",
            )
        if shared is None or provider is None or len(self.problems) > before:
            return None
        low = shared.low_balance or _LowBalance()
        return Account(
            name=shared.name,
            provider=provider,
            base_url=shared.base_url or provider_class.default_base_url,
            timeout=shared.timeout if shared.timeout is not None else defaults.timeout,
            min_interval=(
                shared.min_interval if shared.min_interval is not None else defaults.min_interval
            ),
            low_balance=LowBalance(amount=low.amount, messages=low.messages),
            labels={**(defaults.labels or {}), **(shared.labels or {})},
            auto_recharge=(
                shared.auto_recharge if shared.auto_recharge is not None else defaults.auto_recharge
            ),
        )

    def _display_name(self, name: Any) -> str | None:
        """The account's name as its errors show it: expanded where that works."""
        if not isinstance(name, str):
            return None
        try:
            return expand(name, self.environ) or name
        except ExpansionError:
            return name

    def _provider_class(self, entry: dict[str, Any], where: str) -> type[Provider] | None:
        value = entry.get("provider")
        if isinstance(value, str) and value in PROVIDERS:
            return PROVIDERS[value]
        known = f"one of: {', '.join(PROVIDERS)}"
        if "provider" not in entry:
            self.problem(where, f"field 'provider' is required ({known})")
        elif value is None or value == "":
            self.problem(f"{where}, field 'provider'", f"has no value: name the provider ({known})")
        elif not isinstance(value, str):
            self.problem(f"{where}, field 'provider'", f"must be a provider id ({known})")
        else:
            hint = did_you_mean(value, PROVIDERS)
            self.problem(
                f"{where}, field 'provider'",
                f"unknown provider {shown(value, '(not shown)')}{hint} ({known})",
            )
        return None

    def _provider_fields(
        self, provider_class: type[Provider], entry: dict[str, Any], where: str
    ) -> dict[str, Any]:
        """The provider's own fields of `entry`, with `X_file` credentials read in."""
        secrets = provider_class.secret_fields()
        allowed = set(provider_class.model_fields) | {f"{s}_file" for s in secrets}
        fields: dict[str, Any] = {}
        for key, value in entry.items():
            if key in _COMMON_FIELDS:
                continue
            if key not in allowed:
                hint = did_you_mean(key, allowed | _COMMON_FIELDS)
                self.problem(
                    _field(where, key), f"unknown field for provider {provider_class.id!r}{hint}"
                )
                continue
            if key.endswith("_file") and key[: -len("_file")] in secrets:
                secret = key[: -len("_file")]
                if secret in entry:
                    self.problem(
                        f"{where}, field {key!r}", f"set either {secret!r} or {key!r}, not both"
                    )
                    continue
                content = self._read_secret_file(value, f"{where}, field {key!r}")
                if content is None:
                    self.unread_files.add(secret)
                else:
                    fields[secret] = content
                continue
            fields[key] = value
        return fields

    def _read_secret_file(self, value: Any, where: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.problem(where, "must be a file path")
            return None
        # The path is shown only where it names something that exists: a value that names
        # nothing may be the credential itself, pasted in the wrong place.
        named = f"the file {value}" if os.path.lexists(value) else "the file"
        try:
            content = read_regular_file(value, MAX_SECRET_FILE_BYTES).decode("utf-8").strip()
        except (FileReadError, UnicodeDecodeError) as error:
            reason = str(error) if isinstance(error, FileReadError) else "not UTF-8 text"
            self.problem(where, f"cannot read {named}: {reason}")
            return None
        if not content:
            self.problem(where, f"{named} is empty")
            return None
        return content

    def _report(self, error: ValidationError, where: str, model: type[BaseModel]) -> None:
        # Rewritten in the project's words, and without the input: it may be a credential.
        secret_fields = model.secret_fields() if issubclass(model, Provider) else []
        for detail in error.errors(include_url=False):
            loc = detail["loc"]
            location = ".".join(
                str(p) if isinstance(p, int) or looks_like_name(p) else "(key not shown)"
                for p in loc
            )
            if detail["type"] == "missing" and location in self.unread_files:
                continue  # its X_file could not be read: said already
            message = _message(detail, model, location in secret_fields)
            if detail["type"] == "missing" and location in secret_fields:
                message += f" (or {location}_file)"
            self.problem(f"{where}, field {location!r}" if location else where, message)


def _message(detail: ErrorDetails, model: type[BaseModel], secret: bool) -> str:
    """One pydantic error in the project's words: units for durations, no class names."""
    kind, loc = detail["type"], detail["loc"]
    ctx = detail.get("ctx") or {}
    value = detail.get("input")
    info = _field_info(model, loc)
    duration = info is not None and _is_duration(info)

    def bound(limit: Any) -> str:
        if not duration:
            return f"{limit}"
        words = f"{limit:g} seconds"
        return words + (f" ({format_duration(limit)})" if limit >= 60 else "")

    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        fields = _fields_at(model, loc[:-1]) or {}
        return "unknown field" + did_you_mean(loc[-1], fields)
    bounds = {
        "greater_than": ("must be more than", "gt"),
        "greater_than_equal": ("must be at least", "ge"),
        "less_than": ("must be less than", "lt"),
        "less_than_equal": ("must be at most", "le"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"{words} {bound(ctx.get(key))}"
    if isinstance(value, bool | int | float) and (kind == "string_type" or secret):
        read = "true or false" if isinstance(value, bool) else "a number"
        name = str(loc[-1]) if loc and looks_like_name(loc[-1]) else "field"
        return f'YAML read {read} here, but it must be text: put it in quotes ({name}: "...")'
    simple = {
        "string_type": "must be text",
        "string_too_short": "must not be empty",
        "float_type": "must be a number",
        "float_parsing": "must be a number",
        "int_type": "must be a whole number",
        "int_parsing": "must be a whole number",
        "int_from_float": "must be a whole number",
        "finite_number": "must be a finite number",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "dict_type": "must be a mapping of fields",
        "model_type": "must be a mapping of fields",
        "model_attributes_type": "must be a mapping of fields",
        "list_type": "must be a list",
    }
    if kind in simple:
        return simple[kind]
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long"
    if kind == "literal_error":
        return f"must be {ctx.get('expected')}"
    message = detail["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if message == "must be a non-empty string":  # the Secret type's own words
        return "must not be empty"
    return message.replace("Input should be", "must be")


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> dict[str, FieldInfo] | None:
    """The fields of the model reached through `loc` from `model`, or None."""
    fields = model.model_fields
    for part in loc:
        info = fields.get(part) if isinstance(part, str) else None
        sub = _submodel(info.annotation) if info is not None else None
        if sub is None:
            return None
        fields = sub.model_fields
    return fields


def _field_info(model: type[BaseModel], loc: tuple[int | str, ...]) -> FieldInfo | None:
    fields = _fields_at(model, loc[:-1]) if loc else None
    return fields.get(loc[-1]) if fields is not None and isinstance(loc[-1], str) else None


def _is_duration(info: FieldInfo) -> bool:
    # `Duration` on its own puts its validator in the field's metadata; `Duration | None`
    # keeps it inside the union's member.
    members = typing.get_args(info.annotation) if _is_union(info.annotation) else ()
    metadata = [*info.metadata, *(m for a in members for m in getattr(a, "__metadata__", ()))]
    return any(getattr(meta, "func", None) is parse_duration for meta in metadata)


def _submodel(annotation: Any) -> type[BaseModel] | None:
    candidates = typing.get_args(annotation) if _is_union(annotation) else (annotation,)
    return next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)


def _is_union(annotation: Any) -> bool:
    return isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union


def _where(index: int, name: str | None) -> str:
    return f"accounts[{index}]" + (f" (name {name!r})" if name else "")


def _field(where: str, key: Any) -> str:
    return f"{where}, field {_field_name(key)}"


@functools.lru_cache(maxsize=256)
def _field_name(key: Any) -> str:
    # Cached: the same few keys come back in every account, and a config may hold thousands.
    return shown(key, "(name not shown)")
