"""Built-in providers shipped as data: one YAML definition per provider in `definitions/`,
read by the generic engine (`generic.ApiSpec`).

A definition names the provider (`id`, `title`, `docs_url`, `region`), its host (`base_url`,
or `base_url_required: true` where every account has its own), the fields an account sets —
`credentials` (secrets, each also as `X_file`), `optional_credentials` (secrets that may be
left out) and `parameters` (non-secret, with defaults the account may override) — and the
API in the generic provider's sections (`request`, `response`, `auth`, `success`,
`auth_failure`, `rate_limited`, `provider_error`, `balance`), whose `{placeholders}` name
those fields; `notes` says what the sources leave open.

Each definition becomes a provider class, so `provider: <id>` plus its credentials is a whole
account, validated by `check` like any other; the API sections are the definition's, not the
account's. A bad definition is an error when the package is imported.
"""

from __future__ import annotations

import re
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Annotated, Any, ClassVar

import yaml
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationError,
    create_model,
    field_validator,
)

from sms_balance_exporter.providers.base import (
    Balance,
    HttpRequest,
    HttpResponse,
    Perform,
    Provider,
)
from sms_balance_exporter.providers.generic import ApiSpec, _Section, encoded_forms, placeholders
from sms_balance_exporter.providers.login import LoginSpec, TokenCache
from sms_balance_exporter.secret import Secret

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ID = re.compile(r"[a-z0-9][a-z0-9_]{0,31}")
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
# Where an optional credential may appear: an entry left out when it is not set.
_OPTIONAL_PLACES = ("request.headers.", "request.query.", "request.form.")


class DefinitionError(Exception):
    """A definition file that is not a valid provider description."""


def _text(value: Any) -> Any:
    # A parameter such as `route: 4` is text on the wire.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must be a non-empty string")
    return value


ParameterValue = Annotated[str, BeforeValidator(_text), AfterValidator(_non_empty)]


class Definition(_Section):
    """One definition file. The API sections are read as an `ApiSpec` afterwards, when the
    names their placeholders may use are known."""

    id: str
    title: str
    docs_url: str = ""
    region: str = ""
    base_url: str = ""
    base_url_required: bool = False
    credentials: list[str] = Field(default_factory=list)
    optional_credentials: list[str] = Field(default_factory=list)
    parameters: dict[str, ParameterValue] = Field(default_factory=dict)
    notes: str = ""
    request: Any = None
    response: Any = None
    auth: Any = None
    success: Any = None
    auth_failure: Any = None
    rate_limited: Any = None
    provider_error: Any = None
    balance: Any = None
    login: Any = None

    @field_validator("id")
    @classmethod
    def _provider_id(cls, value: str) -> str:
        if not _ID.fullmatch(value):
            raise ValueError("must be lower-case letters, digits and '_' (at most 32)")
        return value

    @field_validator("base_url")
    @classmethod
    def _host(cls, value: str) -> str:
        if value and (not value.startswith("https://") or value.endswith("/")):
            raise ValueError("must be an https:// URL without a trailing '/'")
        return value

    def field_names(self) -> list[str]:
        return [*self.credentials, *self.optional_credentials, *self.parameters]

    def token_names(self) -> list[str]:
        """The tokens the login step yields (placeholders of the balance request)."""
        tokens = self.login.get("tokens") if isinstance(self.login, dict) else None
        return [str(name) for name in tokens] if isinstance(tokens, dict) else []

    def spec_data(self) -> dict[str, Any]:
        return {
            name: getattr(self, name)
            for name in ApiSpec.model_fields
            if getattr(self, name) is not None
        }


class DefinedProvider(Provider):
    """A provider whose API is a definition: its fields are the definition's credentials
    and parameters; `spec` (set per class) is the API."""

    spec: ClassVar[ApiSpec]
    definition: ClassVar[Definition]
    # Not `login`: that is a field name an account may need (SMSC.ru's login).
    login_step: ClassVar[LoginSpec | None] = None
    login_spec: ClassVar[ApiSpec | None] = None  # the login call, as the engine builds it
    _tokens: TokenCache = PrivateAttr(default_factory=TokenCache)

    def _values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for name in self.definition.field_names():
            value = getattr(self, name)
            if isinstance(value, Secret):
                values[name] = value.reveal()
            elif isinstance(value, str):
                values[name] = value
        return values

    def secret_values(self) -> list[str]:
        return encoded_forms(super().secret_values() + self._tokens.secret_values())

    def build_request(self, base_url: str) -> HttpRequest:
        return self.spec.build_request(base_url, self._values())

    def fetch_balance(self, base_url: str, perform: Perform) -> Balance:
        """With a login step: the kept tokens, or new ones; a 401 with kept tokens fetches
        new ones and asks once more."""
        if self.login_step is None:
            return super().fetch_balance(base_url, perform)
        tokens, fresh = self._tokens.current(), False
        if tokens is None:
            tokens, fresh = self._log_in(base_url, perform), True
        response = perform(self.spec.build_request(base_url, {**self._values(), **tokens}))
        if response.status == 401:
            self._tokens.drop()
            if not fresh:
                tokens = self._log_in(base_url, perform)
                response = perform(self.spec.build_request(base_url, {**self._values(), **tokens}))
                if response.status == 401:
                    self._tokens.drop()
        return self.parse_response(response)

    def _log_in(self, base_url: str, perform: Perform) -> dict[str, str]:
        assert self.login_step is not None and self.login_spec is not None
        values = self._values()
        url = self.login_step.login_base_url(base_url, values)
        response = perform(self.login_spec.build_request(url, values))
        tokens, lifetime = self.login_step.read(response)
        self._tokens.store(tokens, lifetime)
        return tokens

    def read_balance(self, response: HttpResponse) -> Balance:
        return self.spec.read_balance(response)


def load(name: str, text: str) -> type[DefinedProvider]:
    """The provider class the definition `text` (from the file `name`) describes; raise
    `DefinitionError` saying what is wrong."""
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 (the safe loader)
    except yaml.YAMLError as error:
        raise DefinitionError(f"definition {name}: not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise DefinitionError(f"definition {name}: must be a mapping of fields")
    try:
        definition = Definition.model_validate(data)
        fields = definition.field_names()
        spec = ApiSpec.model_validate(
            definition.spec_data(), context={"names": fields + definition.token_names()}
        )
        login = login_spec = None
        if definition.login is not None:
            login = _validate_login(name, definition.login, fields)
            login_spec = ApiSpec.model_construct(
                request=login.request, auth=login.auth, balance=spec.balance
            )
    except ValidationError as error:
        raise DefinitionError(f"definition {name}: {_describe(error)}") from None
    problems = _field_problems(definition, spec, login, login_spec)
    if problems:
        raise DefinitionError(f"definition {name}: " + "; ".join(problems))
    provider = _provider_class(definition, spec)
    provider.login_step, provider.login_spec = login, login_spec
    return provider


def _validate_login(name: str, data: Any, fields: list[str]) -> LoginSpec:
    try:
        return LoginSpec.model_validate(data, context={"names": fields})
    except ValidationError as error:
        raise DefinitionError(f"definition {name}: {_describe(error, 'login.')}") from None


def _describe(error: ValidationError, prefix: str = "") -> str:
    messages = []
    for detail in error.errors(include_url=False):
        location = prefix + ".".join(str(part) for part in detail["loc"])
        message = detail["msg"].removeprefix("Value error, ")
        messages.append(f"field {location!r}: {message}" if location else message)
    return "; ".join(messages)


def _field_problems(
    definition: Definition, spec: ApiSpec, login: LoginSpec | None, login_spec: ApiSpec | None
) -> list[str]:
    problems = []
    names = definition.field_names()
    tokens = definition.token_names()
    for name in names:
        if not _FIELD_NAME.fullmatch(name) or name.endswith("_file"):
            problems.append(
                f"field name {name!r} must be lower-case letters, digits and '_' "
                "(at most 32, not ending in '_file')"
            )
        elif hasattr(DefinedProvider, name) or name in DefinedProvider.__class_vars__:
            problems.append(f"field name {name!r} is taken by the provider itself")
        elif names.count(name) > 1:
            problems.append(f"field name {name!r} is declared twice")
    for token in tokens:
        if not _FIELD_NAME.fullmatch(token) or token in names:
            problems.append(f"token name {token!r} must be a new lower-case name")
    uses = list(spec.uses())
    login_uses = (
        [(f"login.{where}", name) for where, name in login_spec.uses()] if login_spec else []
    )
    if login is not None and login.base_url is not None:
        login_uses += [("login.base_url", name) for name in placeholders(login.base_url, names)]
    used = {name for _, name in uses + login_uses}
    if tokens and not set(tokens) <= used:
        problems.append("the balance request must send the login's tokens")
    for where, name in uses + login_uses:
        if where.endswith("auth") and name not in names + tokens:
            problems.append(f"field 'auth' sends {name!r}, which is not a declared field")
        elif name in definition.optional_credentials and not where.startswith(_OPTIONAL_PLACES):
            problems.append(
                f"field {where!r} uses the optional {{{name}}}: optional fields may appear "
                "only in request headers, query and form entries (left out when not set)"
            )
    problems += spec.header_clashes() + spec.condition_problems()
    problems += login_spec.header_clashes() if login_spec else []
    problems += [
        f"field {name!r} is declared but nothing uses it" for name in names if name not in used
    ]
    if not definition.base_url and not definition.base_url_required:
        problems.append("set 'base_url', or 'base_url_required: true'")
    return list(dict.fromkeys(problems))


def _provider_class(definition: Definition, spec: ApiSpec) -> type[DefinedProvider]:
    fields: dict[str, Any] = {}
    for name in definition.credentials:
        fields[name] = (Secret, ...)
    for name in definition.optional_credentials:
        fields[name] = (Secret | None, None)
    for name, default in definition.parameters.items():
        fields[name] = (ParameterValue, default)
    class_name = "Defined" + "".join(part.title() for part in definition.id.split("_"))
    provider = create_model(
        class_name,
        __base__=DefinedProvider,
        __module__=__name__,
        __doc__=f"{definition.title}, from its definition. {definition.notes}".strip(),
        **fields,
    )
    provider.id = definition.id
    provider.default_base_url = definition.base_url
    provider.docs_url = definition.docs_url
    provider.base_url_required = definition.base_url_required
    provider.definition = definition
    provider.spec = spec
    assert issubclass(provider, DefinedProvider)
    return provider


def definition_files() -> list[Traversable]:
    """The definition files shipped in the package, by name."""
    folder = resources.files(__package__ or "sms_balance_exporter.providers") / "definitions"
    if not folder.is_dir():
        return []
    return sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".yml")),
        key=lambda entry: entry.name,
    )


def load_all() -> dict[str, type[DefinedProvider]]:
    """Every shipped definition's provider class by id; raise `DefinitionError` for a bad one."""
    found: dict[str, type[DefinedProvider]] = {}
    for entry in definition_files():
        provider = load(entry.name, entry.read_text(encoding="utf-8"))
        if entry.name != f"{provider.id}.yml":
            raise DefinitionError(f"definition {entry.name}: its id is {provider.id!r}")
        found[provider.id] = provider
    return found
