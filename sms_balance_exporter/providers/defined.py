"""Built-in providers shipped as data: one YAML definition per provider in `definitions/`,
read by the generic engine (`generic.ApiSpec`).

A definition names the provider (`id`, `title`, `docs_url`, `region`), its host (`base_url`,
or `base_url_required: true` where every account has its own), the fields an account sets —
`credentials` (secrets, each also as `X_file`), `optional_credentials` (secrets that may be
left out) and `parameters` (non-secret, with defaults the account may override) — and the
API in the generic provider's sections (`request`, `response`, `auth`, `success`,
`auth_failure`, `rate_limited`, `balance`), whose `{placeholders}` name those fields;
`notes` says what the sources leave open.

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
    ValidationError,
    create_model,
    field_validator,
)

from sms_balance_exporter.providers.base import Balance, HttpRequest, HttpResponse, Provider
from sms_balance_exporter.providers.generic import ApiSpec, _Section, encoded_forms
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
    balance: Any = None

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
        return encoded_forms(super().secret_values())

    def build_request(self, base_url: str) -> HttpRequest:
        return self.spec.build_request(base_url, self._values())

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
        spec = ApiSpec.model_validate(
            definition.spec_data(), context={"names": definition.field_names()}
        )
    except ValidationError as error:
        raise DefinitionError(f"definition {name}: {_describe(error)}") from None
    problems = _field_problems(definition, spec)
    if problems:
        raise DefinitionError(f"definition {name}: " + "; ".join(problems))
    return _provider_class(definition, spec)


def _describe(error: ValidationError) -> str:
    messages = []
    for detail in error.errors(include_url=False):
        location = ".".join(str(part) for part in detail["loc"])
        message = detail["msg"].removeprefix("Value error, ")
        messages.append(f"field {location!r}: {message}" if location else message)
    return "; ".join(messages)


def _field_problems(definition: Definition, spec: ApiSpec) -> list[str]:
    problems = []
    names = definition.field_names()
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
    uses = list(spec.uses())
    used = {name for _, name in uses}
    for where, name in uses:
        if where == "auth" and name not in names:
            problems.append(f"field 'auth' sends {name!r}, which is not a declared field")
        elif name in definition.optional_credentials and not where.startswith(_OPTIONAL_PLACES):
            problems.append(
                f"field {where!r} uses the optional {{{name}}}: optional fields may appear "
                "only in request headers, query and form entries (left out when not set)"
            )
    problems += spec.header_clashes()
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
