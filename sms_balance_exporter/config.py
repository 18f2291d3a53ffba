"""Loading and validating the YAML config: `${VAR}` expansion, `X_file` credentials,
durations, defaults, and errors that name the file, the account and the field."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sms_balance_exporter.durations import Duration
from sms_balance_exporter.envexpand import ExpansionError, expand
from sms_balance_exporter.providers import PROVIDERS, Provider

MAX_TIMEOUT_SECONDS = 300.0
# libyaml's safe loader where PyYAML was built with it: 8x faster on 1000 accounts.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DEFAULT_PROVIDER_CONCURRENCY = 8


def safe_load_yaml(text: str) -> Any:
    """YAML to plain data (no Python objects: both loaders are the safe ones)."""
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
    # Balance queries in flight at once at one provider's API: "default" and per provider id.
    provider_concurrency: Mapping[str, int] = field(
        default_factory=lambda: {"default": DEFAULT_PROVIDER_CONCURRENCY}
    )

    def account(self, name: str) -> Account | None:
        return next((a for a in self.accounts if a.name == name), None)

    def concurrency_for(self, provider_id: str) -> int:
        limits = self.provider_concurrency
        return limits.get(provider_id, limits.get("default", DEFAULT_PROVIDER_CONCURRENCY))


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
        if url is None:
            return None
        if not url.startswith(("https://", "http://")) or len(url.split("/")[2]) == 0:
            raise ValueError("must be an http:// or https:// URL with a host")
        if "?" in url or "#" in url or "@" in url.split("/")[2]:
            raise ValueError("must not carry a query, a fragment or credentials")
        return url.rstrip("/")


_COMMON_FIELDS = set(_AccountCommon.model_fields)
_TOP_LEVEL_FIELDS = {"defaults", "accounts", "provider_concurrency"}


# ---- loading ---------------------------------------------------------------------------------


def load_config(path: str | Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read, expand and validate the config file at `path`; raise `ConfigError`."""
    loader = _Loader(str(path), os.environ if environ is None else environ)
    return loader.validate(loader.read_yaml())


def config_from_data(data: Any, source: str, environ: Mapping[str, str] | None = None) -> Config:
    """Validate an already parsed config (the demo builds one); `source` names it in errors."""
    return _Loader(source, os.environ if environ is None else environ).validate(data)


class _Loader:
    def __init__(self, path: str, environ: Mapping[str, str]) -> None:
        self.path = path
        self.environ = environ
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{self.path}: {where}{': ' if where else ''}{message}")

    def validate(self, raw: Any) -> Config:
        if not isinstance(raw, dict):
            raise ConfigError([f"{self.path}: the top level must be a mapping with 'accounts'"])
        for key in sorted(set(raw) - _TOP_LEVEL_FIELDS, key=str):
            self.problem(f"key {key!r}", "unknown key" + _suggest(key, _TOP_LEVEL_FIELDS))
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
        return Config(path=self.path, accounts=tuple(accounts), provider_concurrency=concurrency)

    def read_yaml(self) -> Any:
        try:
            text = Path(self.path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise ConfigError([f"{self.path}: cannot read config file: {reason}"]) from None
        try:
            return safe_load_yaml(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            problem = getattr(error, "problem", None) or "not valid YAML"
            raise ConfigError([f"{self.path}: YAML syntax error: {where}{problem}"]) from None

    def _expand(self, value: Any, where: str) -> Any:
        """Expand `${VAR}` in every string below `value`, reporting problems at `where`."""
        if isinstance(value, str):
            try:
                return expand(value, self.environ)
            except ExpansionError as error:
                self.problem(where, str(error))
                return value
        if isinstance(value, dict):
            return {k: self._expand(v, f"{where}, field {k!r}") for k, v in value.items()}
        if isinstance(value, list):
            return [self._expand(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return value

    def _defaults(self, raw: Any) -> _Defaults:
        try:
            return _Defaults.model_validate(raw)
        except ValidationError as error:
            self._report(error, "defaults")
            return _Defaults()

    def _provider_concurrency(self, raw: Any) -> dict[str, int]:
        limits = {"default": DEFAULT_PROVIDER_CONCURRENCY}
        if not isinstance(raw, dict):
            self.problem("provider_concurrency", "must map 'default' or provider ids to numbers")
            return limits
        for key, value in raw.items():
            where = f"provider_concurrency, field {key!r}"
            if key != "default" and key not in PROVIDERS:
                hint = _suggest(key, set(PROVIDERS) | {"default"})
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
        name = entry.get("name")
        where = _where(index, name if isinstance(name, str) else None)
        before = len(self.problems)
        entry = {
            key: self._expand(value, f"{where}, field {key!r}") for key, value in entry.items()
        }
        provider_class = PROVIDERS.get(str(entry.get("provider")))
        if provider_class is None:
            known = ", ".join(sorted(PROVIDERS))
            if "provider" not in entry:
                self.problem(where, f"field 'provider' is required (one of: {known})")
            else:
                self.problem(
                    f"{where}, field 'provider'",
                    f"unknown provider {entry['provider']!r} (one of: {known})",
                )
            return None
        common = {k: v for k, v in entry.items() if k in _COMMON_FIELDS}
        specific = self._provider_fields(provider_class, entry, where)
        try:
            shared = _AccountCommon.model_validate(common)
        except ValidationError as error:
            self._report(error, where)
            shared = None
        try:
            provider = provider_class.model_validate(specific)
        except ValidationError as error:
            self._report(error, where, provider_class.secret_fields())
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
                hint = _suggest(key, allowed | _COMMON_FIELDS)
                self.problem(
                    f"{where}, field {key!r}",
                    f"unknown field for provider {provider_class.id!r}{hint}",
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
                if content is not None:
                    fields[secret] = content
                continue
            fields[key] = value
        return fields

    def _read_secret_file(self, value: Any, where: str) -> str | None:
        if not isinstance(value, str) or not value:
            self.problem(where, "must be a file path")
            return None
        try:
            content = Path(value).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            self.problem(where, f"cannot read {value}: {reason}")
            return None
        if not content:
            self.problem(where, f"{value} is empty")
            return None
        return content

    def _report(
        self, error: ValidationError, where: str, secret_fields: list[str] | None = None
    ) -> None:
        # Only the location and the message: pydantic's full text would echo the input,
        # which may be a credential.
        for detail in error.errors(include_input=False, include_url=False):
            location = ".".join(str(part) for part in detail["loc"])
            message = detail["msg"].removeprefix("Value error, ")
            if detail["type"] == "missing":
                message = "is required"
                if secret_fields and location in secret_fields:
                    message += f" (or {location}_file)"
            if location:
                self.problem(f"{where}, field {location!r}", message)
            else:
                self.problem(where, message)


def _where(index: int, name: str | None) -> str:
    return f"accounts[{index}]" + (f" (name {name!r})" if name else "")


def _suggest(key: Any, candidates: set[str]) -> str:
    matches = difflib.get_close_matches(str(key), sorted(candidates), n=1)
    return f"; did you mean {matches[0]!r}?" if matches else ""
