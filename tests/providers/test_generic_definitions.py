"""Providers shipped as definitions: loading a definition file, the provider class it becomes,
and accounts of it as `check` validates them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sms_balance_exporter.config import _COMMON_FIELDS
from sms_balance_exporter.providers import PROVIDERS, Reason
from sms_balance_exporter.providers import defined as defined_module
from sms_balance_exporter.providers.defined import DefinedProvider, DefinitionError, load
from tests.providers.defined import account, config_problems, defined, request_of
from tests.providers.wire import HTML_502, assert_fails, parse

KEY = "acme-key-0123/456789"
USER = "acme-user"
PASSWORD = "acme-password"

ACME = """
id: acme
title: Acme SMS
docs_url: https://docs.acme.example/balance
region: Testland
base_url: https://api.acme.example
credentials: [user_name, api_key]
optional_credentials: [sub_account]
parameters: {route: "4", unit: credits}
notes: A made-up provider for the definitions mechanism's tests.
request:
  path: /v1/{user_name}/balance
  headers: {Accept: application/json, X-Sub-Account: "{sub_account}"}
  query: {route: "{route}", unit: "{unit}"}
auth: {type: header, name: X-Api-Key, value: "{api_key}"}
success: {field: status, equals: ok}
auth_failure: {field: error, equals: bad key}
balance: {amount: balance, currency: currency, messages: sms}
"""


@pytest.fixture
def acme(monkeypatch: pytest.MonkeyPatch) -> type[DefinedProvider]:
    """The ACME definition, registered as provider `acme` for the test."""
    provider = load("acme.yml", ACME)
    monkeypatch.setitem(PROVIDERS, "acme", provider)
    return provider


def acme_fields(**fields: Any) -> dict[str, Any]:
    return {"user_name": USER, "api_key": KEY, **fields}


# ---- the shipped definitions -----------------------------------------------------------------


def test_every_shipped_definition_is_a_registered_provider() -> None:
    files = {entry.name for entry in defined_module.definition_files()}
    registered = {
        f"{provider_id}.yml"
        for provider_id, provider in PROVIDERS.items()
        if issubclass(provider, DefinedProvider)
    }
    assert registered == files
    for name in files:
        provider = PROVIDERS[name.removesuffix(".yml")]
        assert issubclass(provider, DefinedProvider)
        assert provider.definition.title and provider.docs_url.startswith("https://")
        assert provider.base_url_required or provider.default_base_url.startswith("https://")
        # A field of the account's own would be taken for a credential, or the reverse.
        assert not set(provider.definition.field_names()) & _COMMON_FIELDS


def test_a_definition_becomes_a_provider_class(acme: type[DefinedProvider]) -> None:
    assert acme.id == "acme"
    assert acme.default_base_url == "https://api.acme.example"
    assert acme.docs_url == "https://docs.acme.example/balance"
    assert not acme.base_url_required
    assert acme.secret_fields() == ["user_name", "api_key", "sub_account"]
    assert "Acme SMS" in (acme.__doc__ or "") and "made-up" in (acme.__doc__ or "")


# ---- accounts --------------------------------------------------------------------------------


def test_credentials_alone_make_a_complete_account(acme: type[DefinedProvider]) -> None:
    loaded = account("acme", **acme_fields())
    assert loaded.base_url == "https://api.acme.example"
    request = loaded.provider.build_request(loaded.base_url)
    assert request.method == "GET"
    assert request.url == f"https://api.acme.example/v1/{USER}/balance"
    # The optional credential is not set: its header is not sent.
    assert dict(request.headers) == {"Accept": "application/json", "X-Api-Key": KEY}
    assert dict(request.params) == {"route": "4", "unit": "credits"}
    assert KEY not in repr(request) and KEY not in repr(loaded.provider)


def test_an_optional_credential_and_parameters_can_be_set(acme: type[DefinedProvider]) -> None:
    request = request_of("acme", **acme_fields(sub_account="team-a", route=7, unit="sms"))
    assert request.headers["X-Sub-Account"] == "team-a"
    assert dict(request.params) == {"route": "7", "unit": "sms"}


def test_the_base_url_can_be_overridden(acme: type[DefinedProvider]) -> None:
    request = request_of("acme", base_url="https://eu.acme.example", **acme_fields())
    assert request.url.startswith("https://eu.acme.example/v1/")


def test_a_credential_can_come_from_a_file(acme: type[DefinedProvider], tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    provider = defined("acme", user_name=USER, api_key_file=str(key_file))
    assert provider.build_request("https://x.example").headers["X-Api-Key"] == KEY


def test_secret_values_hold_every_credential_and_its_encoded_form(
    acme: type[DefinedProvider],
) -> None:
    provider = defined("acme", **acme_fields(sub_account="team-a"))
    assert set(provider.secret_values()) == {USER, KEY, "acme-key-0123%2F456789", "team-a"}
    # Parameters are no secrets.
    assert "credits" not in provider.secret_values()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"user_name": USER},
            "c.yml: accounts[0] (name 'acct'), field 'api_key': is required (or api_key_file)",
        ),
        (
            acme_fields(api_kye="x"),
            "field 'api_kye': unknown field for provider 'acme'; did you mean 'api_key'?",
        ),
        # The API is the definition's: an account cannot change it.
        (
            acme_fields(request={"path": "/other"}),
            "field 'request': unknown field for provider 'acme'",
        ),
        (acme_fields(balance={"amount": "x"}), "field 'balance': unknown field for provider"),
        (acme_fields(route=""), "field 'route': must not be empty"),
        (acme_fields(api_key=""), "field 'api_key': must not be empty"),
        (
            acme_fields(api_key_file="/nonexistent/key"),
            "field 'api_key_file': set either 'api_key' or 'api_key_file', not both",
        ),
    ],
)
def test_check_names_what_is_wrong(
    acme: type[DefinedProvider], fields: dict[str, Any], expected: str
) -> None:
    problems = config_problems("acme", **fields)
    assert any(expected in problem for problem in problems), problems
    assert not any(KEY in problem for problem in problems)


def test_the_answer_is_read_as_the_definition_says(acme: type[DefinedProvider]) -> None:
    provider = defined("acme", **acme_fields())
    body = {"status": "ok", "balance": "12.5", "currency": "EUR", "sms": 40}
    balance = parse(provider, 200, body)
    assert (balance.amount, balance.currency, balance.messages) == (12.5, "EUR", 40)
    assert_fails(provider, 200, {"status": "error", "error": "bad key"}, Reason.AUTH)
    assert_fails(provider, 200, {"status": "error"}, Reason.PROVIDER)
    assert_fails(provider, 200, {"status": "ok", "balance": 1, "currency": "EUR"}, Reason.PARSE)
    assert_fails(provider, 502, HTML_502, Reason.HTTP)
    assert_fails(provider, 401, HTML_502, Reason.AUTH)


# ---- bad definitions -------------------------------------------------------------------------


def with_changes(**changes: Any) -> str:
    """ACME's definition with top-level keys replaced (None: removed), as YAML."""
    data = yaml.safe_load(ACME)
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return yaml.safe_dump(data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a list", "definition x.yml: must be a mapping of fields"),
        ("id: [", "definition x.yml: not valid YAML"),
        (with_changes(titel="Acme"), "unknown field 'titel' (did you mean 'title'?)"),
        (with_changes(id="Acme SMS"), "field 'id': must be lower-case letters"),
        (with_changes(title=None), "field 'title': Field required"),
        (with_changes(base_url="http://api.acme.example"), "field 'base_url': must be an https"),
        (with_changes(base_url=None), "set 'base_url', or 'base_url_required: true'"),
        (with_changes(balance=None), "field 'balance': Field required"),
        (
            with_changes(auth={"type": "header", "name": "X-Api-Key", "value": "{apikey}"}),
            "field 'auth.value': {apikey} names no credential (placeholders are {user_name}, "
            "{api_key}, {sub_account}, {route}, {unit}; '{{' and '}}' are literal braces); "
            "did you mean {api_key}?",
        ),
        (with_changes(auth=None), "field 'api_key' is declared but nothing uses it"),
        (
            with_changes(auth={"type": "basic"}),
            "field 'auth' sends 'username', which is not a declared field",
        ),
        (
            with_changes(request={"path": "/v1/{user_name}/{sub_account}"}),
            "field 'request.path' uses the optional {sub_account}",
        ),
        (
            with_changes(credentials=["user_name", "api_key", "spec"]),
            "field name 'spec' is taken by the provider itself",
        ),
        (
            with_changes(credentials=["user_name", "api_key", "key_file"]),
            "field name 'key_file' must be lower-case letters",
        ),
        (
            with_changes(credentials=["user_name", "api_key", "route"]),
            "field name 'route' is declared twice",
        ),
        (with_changes(parameters={"route": ""}), "field 'parameters.route': must be a non-empty"),
        (
            with_changes(login={"request": {"path": "/login"}, "tokens": {"tok": "t"}}),
            "the balance request must send the login's tokens",
        ),
        (
            with_changes(
                login={"request": {"query": {"u": "{user}"}}, "tokens": {"tok": "t"}},
            ),
            "field 'login.request.query.u': {user} names no credential",
        ),
        (
            with_changes(login={"request": {"path": "/login"}, "tokens": {}}),
            "field 'login.tokens': Dictionary should have at least 1 item",
        ),
        (
            with_changes(request={"path": "/v1/{user_name}", "headers": {"X-Api-Key": "k"}}),
            "field 'request.headers.X-Api-Key': auth type 'header' sets this header",
        ),
        (
            with_changes(response={"format": "xml"}, provider_error={"body": True, "in": [5]}),
            "field 'provider_error.body': a whole-body test needs response format 'json'",
        ),
        (
            with_changes(provider_error={"field": "error", "present": "maybe"}),
            "field 'provider_error.present': Input should be a valid boolean",
        ),
    ],
)
def test_a_bad_definition_is_refused_with_its_problem(text: str, expected: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        load("x.yml", text)
    assert str(caught.value).startswith("definition x.yml: ")
    assert expected in str(caught.value)


def test_a_definition_file_must_be_named_after_its_id(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "other.yml"
    path.write_text(ACME)
    monkeypatch.setattr(defined_module, "definition_files", lambda: [path])
    with pytest.raises(DefinitionError, match=r"definition other\.yml: its id is 'acme'"):
        defined_module.load_all()
