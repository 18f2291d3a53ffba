"""The `generic` provider: config validation, request building, response reading, and end to
end against the simulated seed providers and a fake API of a provider not shipped (Brevo)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from sms_balance_exporter.config import Account, ConfigError, config_from_data
from sms_balance_exporter.demo import GENERIC_ACCOUNT, demo_config, demo_simulator
from sms_balance_exporter.providers import PROVIDERS, Balance, ProviderError, Reason
from sms_balance_exporter.providers.generic import CREDENTIALS, Generic, JsonPath, Select
from sms_balance_exporter.service import BalanceService
from sms_balance_exporter.simulator import TWINS, Fault, SimAccount, Simulator, simulator
from sms_balance_exporter.upstream import UpstreamClient
from tests.conftest import RunningExporter
from tests.metrics_text import value
from tests.providers.wire import HTML_502, assert_fails, parse, parse_error

Start = Callable[[dict[str, Any]], RunningExporter]

BASE_URL = "https://api.acme.example"
KEY = "acme-0123456789abcdef-key"
USER = "acme-user"
PASSWORD = "acme-pass/with?odd&chars"
TOKEN = "acme-bearer-token-0123"
CLIENT = UpstreamClient()


def entry(**fields: Any) -> dict[str, Any]:
    """A generic account's config entry: a minimal valid one, updated with `fields`."""
    base: dict[str, Any] = {
        "name": "acme",
        "provider": "generic",
        "base_url": BASE_URL,
        "balance": {"amount": "balance", "fixed_currency": "EUR"},
    }
    return {**base, **fields}


def load(fields: dict[str, Any], environ: dict[str, str] | None = None) -> Account:
    return config_from_data({"accounts": [fields]}, "c.yml", environ or {}).accounts[0]


def generic(**fields: Any) -> Generic:
    provider = load(entry(**fields)).provider
    assert isinstance(provider, Generic)
    return provider


def problems(fields: dict[str, Any], environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(fields, environ)
    return caught.value.problems


# ---- config ----------------------------------------------------------------------------------


def test_minimal_config_is_a_get_of_the_base_url() -> None:
    account = load(entry())
    assert account.provider_id == "generic"
    assert account.base_url == BASE_URL
    request = account.provider.build_request(account.base_url)
    assert (request.method, request.url) == ("GET", BASE_URL)
    assert not request.headers and not request.params
    assert request.json_body is None and request.basic_auth is None


def test_every_credential_is_a_secret_with_a_file_variant(tmp_path: Path) -> None:
    assert Generic.secret_fields() == list(CREDENTIALS)
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    provider = generic(api_key_file=str(key_file), request={"headers": {"X-Key": "{api_key}"}})
    assert provider.build_request(BASE_URL).headers == {"X-Key": KEY}
    assert provider.secret_values() == [KEY]


def test_environment_variables_expand_before_placeholders() -> None:
    fields = entry(
        api_key="${ACME_KEY}",
        request={"path": "/${API_VERSION:-v2}/balance", "query": {"key": "{api_key}"}},
    )
    provider = load(fields, {"ACME_KEY": KEY}).provider
    request = provider.build_request(BASE_URL)
    assert request.url == f"{BASE_URL}/v2/balance"
    assert request.params == {"key": KEY}


def test_base_url_is_required() -> None:
    fields = entry()
    del fields["base_url"]
    assert problems(fields) == [
        "c.yml: accounts[0] (name 'acme'), field 'base_url': is required for provider "
        "'generic' (each account has its own host)"
    ]


WHERE = "c.yml: accounts[0] (name 'acme')"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # paths
        (
            {"balance": {"amount": "data..balance", "fixed_currency": "EUR"}},
            "field 'balance.amount': not a valid path",
        ),
        ({"balance": {"messages": ".sms"}}, "field 'balance.messages': not a valid path"),
        ({"balance": {"messages": "sms."}}, "field 'balance.messages': not a valid path"),
        ({"balance": {"messages": "plan[x]"}}, "field 'balance.messages': not a valid path"),
        ({"balance": {"messages": "plan[-1]"}}, "field 'balance.messages': not a valid path"),
        ({"balance": {"messages": "plan[0]x"}}, "field 'balance.messages': not a valid path"),
        ({"balance": {"messages": "a b"}}, "field 'balance.messages': not a valid path"),
        ({"balance": {"messages": ""}}, "field 'balance.messages': a path is keys"),
        ({"balance": {"messages": 5}}, "field 'balance.messages': must be a string"),
        (
            {"success": {"field": "a[", "equals": 1}},
            "field 'success.field': not a valid path",
        ),
        # what to read
        ({"balance": {}}, "field 'balance': set 'amount' or 'messages' (or both)"),
        ({"balance": {"gift": "bonus"}}, "field 'balance': set 'amount' or 'messages'"),
        ({"balance": {"amount": "a"}}, "field 'balance': with 'amount' or 'gift', set either"),
        (
            {"balance": {"amount": "a", "currency": "c", "fixed_currency": "EUR"}},
            "field 'balance': with 'amount' or 'gift', set either",
        ),
        (
            {"balance": {"messages": "m", "gift": "g"}},
            "field 'balance': with 'amount' or 'gift', set either",
        ),
        (
            {"balance": {"messages": "m", "fixed_currency": "EUR"}},
            "field 'balance': 'currency' and 'fixed_currency' belong to 'amount' or 'gift'",
        ),
        (
            {"balance": {"amount": "a", "fixed_currency": "E U R"}},
            "field 'balance.fixed_currency': must be a currency code",
        ),
        (
            {"balance": {"amount": "a", "fixed_currency": "EUR", "curency": "c"}},
            "field 'balance': unknown field 'curency' (did you mean 'currency'?)",
        ),
        (
            {"balance": {"messages": "m"}, "balanse": {}},
            "field 'balanse': unknown field for provider 'generic'; did you mean 'balance'?",
        ),
        # the request
        ({"request": {"method": "DELETE"}}, "field 'request.method': must be 'GET' or"),
        (
            {"request": {"json": {"a": 1}}},
            "field 'request': 'json' is a request body: it needs method POST",
        ),
        (
            {"request": {"method": "POST", "json": {"when": yaml.safe_load("2024-01-01")}}},
            "field 'request.json': at 'when': must be JSON data",
        ),
        (
            {"request": {"method": "POST", "json": {"n": float("nan")}}},
            "field 'request.json': at 'n': numbers must be finite",
        ),
        ({"request": {"path": "v2/balance"}}, "field 'request.path': must start with '/'"),
        ({"request": {"path": "/b?x=1"}}, "field 'request.path': must not contain '?'"),
        (
            {"request": {"headers": {"X-A": "a\r\nX-B: b"}}},
            "field 'request.headers.X-A': must not contain line breaks",
        ),
        (
            {"request": {"headers": {"X A": "a"}}},
            "field 'request.headers': 'X A' is not an HTTP header name",
        ),
        (
            {"request": {"heders": {}}},
            "field 'request': unknown field 'heders' (did you mean 'headers'?)",
        ),
        # placeholders
        (
            {"api_key": KEY, "request": {"headers": {"X-Key": "{apikey}"}}},
            "field 'request.headers.X-Key': {apikey} names no credential (placeholders are "
            "{username}, {password}, {token}, {api_key}, {secret}; '{{' and '}}' are literal "
            "braces); did you mean {api_key}?",
        ),
        (
            {"request": {"query": {"k": "{api_key"}}},
            "field 'request.query.k': unmatched '{' (write '{{' for a literal brace)",
        ),
        (
            {"request": {"path": "/a}"}},
            "field 'request.path': unmatched '}' (write '}}' for a literal brace)",
        ),
        (
            {"request": {"method": "POST", "json": {"auth": [{"key": "{key}"}]}}},
            "field 'request.json': at 'auth[0].key': {key} names no credential",
        ),
        (
            {"request": {"headers": {"X-Key": "{api_key}"}}},
            "field 'request.headers.X-Key' uses {api_key}, but 'api_key' is not set "
            "(set api_key or api_key_file)",
        ),
        (
            {"request": {"method": "POST", "json": {"a": {"b": "{secret}"}}}},
            "field 'request.json.a.b' uses {secret}, but 'secret' is not set",
        ),
        (
            {"token": TOKEN},
            "field 'token' is set but nothing uses it (write {token} in 'request' or 'auth', "
            "or remove it)",
        ),
        # auth
        ({"auth": {"type": "digest"}}, "field 'auth.type': must be 'basic', 'bearer'"),
        (
            {"username": USER, "auth": {"type": "basic"}},
            "field 'auth': type 'basic' needs 'password' (or password_file)",
        ),
        ({"auth": {"type": "bearer"}}, "field 'auth': type 'bearer' needs 'token'"),
        (
            {"auth": {"type": "header", "name": "X-Key"}},
            "field 'auth': type 'header' needs 'name' and 'value'",
        ),
        (
            {"token": TOKEN, "auth": {"type": "bearer", "name": "X"}},
            "field 'auth': 'name' and 'value' are for type 'header', not 'bearer'",
        ),
        (
            {
                "token": TOKEN,
                "auth": {"type": "bearer"},
                "request": {"headers": {"authorization": "x"}},
            },
            "field 'request.headers.authorization': auth type 'bearer' sets this header",
        ),
        # conditions
        (
            {"success": {"field": "status"}},
            "field 'success': 'field' needs 'equals' (the value the field must have)",
        ),
        ({"success": {"equals": "ok"}}, "field 'success': 'equals' needs 'field'"),
        (
            {"auth_failure": {}},
            "field 'auth_failure': set 'status', or a test ('field' or 'body: true'",
        ),
        ({"success": {"status": 99}}, "field 'success.status.0': must be at least 100"),
        ({"success": {"status": []}}, "field 'success.status': Value should have at least 1 item"),
        (
            {"auth_failure": {"field": "code", "equals": [401]}},
            "field 'auth_failure.equals",
        ),
    ],
)
def test_config_errors_name_the_account_and_field(fields: dict[str, Any], expected: str) -> None:
    found = problems(entry(**fields))
    # Problems across fields (placeholders, auth, unused credentials) name the field in the
    # message: "accounts[0] (name 'acme'): field 'token' is set but…".
    assert any(
        line.startswith((f"{WHERE}, {expected}", f"{WHERE}: {expected}")) for line in found
    ), found


def test_several_credential_problems_are_reported_together() -> None:
    [line] = problems(entry(secret="s3cr3t-value", request={"query": {"u": "{username}"}}))
    assert "'username' is not set" in line
    assert "field 'secret' is set but nothing uses it" in line


@pytest.mark.parametrize(
    "fields",
    [
        {"api_key": KEY, "request": {"headers": {"X-Key": "{nope}"}}},
        {"api_key": KEY, "token": TOKEN, "request": {"headers": {"X-Key": "{api_key}"}}},
        {"password": PASSWORD, "auth": {"type": "basic"}},
        {"api_key": KEY, "request": {"headers": {"X-Key": "{" + KEY + "}"}}},
    ],
)
def test_config_errors_never_show_a_credential(fields: dict[str, Any]) -> None:
    text = "\n".join(problems(entry(**fields)))
    for secret in (KEY, TOKEN, PASSWORD):
        assert secret not in text


def test_equal_configs_are_equal_accounts() -> None:
    # A reload compares accounts to keep their state: equal configs must compare equal; and
    # accounts hash like every other provider's, despite the dicts in this one.
    fields = entry(api_key=KEY, request={"method": "POST", "json": {"k": ["{api_key}"]}})
    first, second = load(fields), load(json.loads(json.dumps(fields)))
    assert first == second and hash(first) == hash(second)
    other = load({**fields, "api_key": KEY + "2"})
    assert other != first  # a changed credential is a changed account
    assert len({first, second, other}) == 2


# ---- request ---------------------------------------------------------------------------------


def test_request_substitutes_placeholders_everywhere() -> None:
    provider = generic(
        api_key=KEY,
        secret="the-secret-hash",
        username=USER,
        request={
            "method": "post",
            "path": "/v1/{username}/balance",
            "headers": {"Accept": "application/json", "X-Key": "Key {api_key}"},
            "query": {"user": "{username}", "literal": "{{not a placeholder}}"},
            "json": {"auth": {"key": "{api_key}", "hash": "{secret}"}, "n": [1, True, None]},
        },
    )
    request = provider.build_request("https://proxy.example/acme")
    assert request.method == "POST"
    assert request.url == f"https://proxy.example/acme/v1/{USER}/balance"
    assert request.headers == {"Accept": "application/json", "X-Key": f"Key {KEY}"}
    assert request.params == {"user": USER, "literal": "{not a placeholder}"}
    assert request.json_body == {
        "auth": {"key": KEY, "hash": "the-secret-hash"},
        "n": [1, True, None],
    }
    for text in (repr(request), repr(provider), str(provider)):
        assert KEY not in text and "the-secret-hash" not in text and USER not in text


def test_a_credential_in_the_path_is_percent_encoded_and_redacted_in_both_forms() -> None:
    provider = generic(
        username=USER,
        password=PASSWORD,
        request={"path": "/accounts/{password}"},
        auth={"type": "basic"},
    )
    request = provider.build_request(BASE_URL)
    assert request.url == f"{BASE_URL}/accounts/acme-pass%2Fwith%3Fodd%26chars"
    assert set(provider.secret_values()) == {USER, PASSWORD, "acme-pass%2Fwith%3Fodd%26chars"}


@pytest.mark.parametrize(
    ("fields", "headers", "basic_auth"),
    [
        (
            {"username": USER, "password": PASSWORD, "auth": {"type": "basic"}},
            {},
            (USER, PASSWORD),
        ),
        # GatewayAPI's Basic form: the token as the user and an empty password.
        (
            {"token": TOKEN, "auth": {"type": "basic", "username": "{token}", "password": ""}},
            {},
            (TOKEN, ""),
        ),
        ({"token": TOKEN, "auth": {"type": "bearer"}}, {"Authorization": f"Bearer {TOKEN}"}, None),
        (
            {"api_key": KEY, "auth": {"type": "header", "name": "api-key", "value": "{api_key}"}},
            {"api-key": KEY},
            None,
        ),
        (
            {
                "token": TOKEN,
                "auth": {"type": "header", "name": "Authorization", "value": "Token {token}"},
            },
            {"Authorization": f"Token {TOKEN}"},
            None,
        ),
    ],
)
def test_auth_types(
    fields: dict[str, Any], headers: dict[str, str], basic_auth: tuple[str, str] | None
) -> None:
    request = generic(**fields).build_request(BASE_URL)
    assert dict(request.headers) == headers
    assert request.basic_auth == basic_auth
    assert TOKEN not in repr(request) and KEY not in repr(request)


# ---- paths -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("balance", ("balance",)),
        ("data.balance", ("data", "balance")),
        ("data.items[0].value", ("data", "items", 0, "value")),
        ("[1][2]", (1, 2)),
        ("_currency.currency_name_short", ("_currency", "currency_name_short")),
        ("plan[type=sms].credits", ("plan", Select("type", "sms"), "credits")),
        ("rows[id=7.5]", ("rows", Select("id", "7.5"))),
        (" data.x ", ("data", "x")),
    ],
)
def test_path_parts(text: str, parts: tuple[object, ...]) -> None:
    assert JsonPath.parse(text).parts == parts


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("data.balance", {}, "field 'data' is missing"),
        ("data.balance", {"data": {}}, "field 'data.balance' is missing"),
        ("data.balance", {"data": ["x"]}, "field 'data' is not an object"),
        ("data.balance", [], "the body is not an object"),
        ("items[2].v", {"items": [{}, {}]}, "field 'items[2]' is missing"),
        ("items[0].v", {"items": {"0": {}}}, "field 'items' is not a list"),
        ("plan[type=sms].credits", {"plan": [{"type": "email"}]}, "field 'plan[type=sms]' is"),
    ],
)
def test_path_errors_name_where_the_path_broke(path: str, data: object, message: str) -> None:
    with pytest.raises(ProviderError) as caught:
        JsonPath.parse(path).resolve(data)
    assert caught.value.reason is Reason.PARSE
    assert caught.value.message.startswith(message)


def test_selector_takes_the_first_matching_entry() -> None:
    data = {"plan": [{"type": "email", "credits": 1}, "odd", {"type": "sms", "credits": 2}]}
    assert JsonPath.parse("plan[type=sms].credits").resolve(data) == 2
    assert JsonPath.parse("rows[id=3].v").resolve({"rows": [{"id": 3, "v": "x"}]}) == "x"


# ---- reading the answer ----------------------------------------------------------------------

FULL = generic(
    api_key=KEY,
    request={"headers": {"X-Key": "{api_key}"}},
    success={"status": [200, 203], "field": "status", "equals": "ok"},
    auth_failure={"field": "error.code", "equals": 401},
    balance={
        "amount": "data.accounts[1].balance",
        "currency": "data.currency",
        "messages": "data.sms",
        "gift": "data.bonus",
    },
)


def full(balance: object = "350.12", **extra: object) -> dict[str, object]:
    data = {
        "accounts": [{"balance": 0}, {"balance": balance}],
        "currency": "EUR",
        "sms": 7000,
        "bonus": "5,5",
    }
    return {"status": "ok", "data": {**data, **extra}}


def test_every_value_is_read() -> None:
    expected = Balance(amount=350.12, currency="EUR", messages=7000.0, gift_amount=5.5)
    assert parse(FULL, 200, full()) == expected
    assert parse(FULL, 203, full()) == expected


@pytest.mark.parametrize(
    ("raw", "number"), [("350.12", 350.12), (" 12,5 ", 12.5), (42, 42.0), ("-3", -3.0)]
)
def test_numbers_as_strings_or_numbers(raw: object, number: float) -> None:
    assert parse(FULL, 200, full(raw)).amount == number


def test_fixed_currency_and_messages_only() -> None:
    fixed = generic(balance={"amount": "credit", "fixed_currency": "CREDITS"})
    assert parse(fixed, 200, {"credit": 3}) == Balance(amount=3.0, currency="CREDITS")
    messages = generic(balance={"messages": "[0].credits"})
    assert parse(messages, 200, [{"credits": "999.536"}]) == Balance(messages=999.536)


@pytest.mark.parametrize(
    ("equals", "found", "met"),
    [
        ("ok", "ok", True),
        ("ok", "OK", False),
        (200, 200, True),
        (200, "200", True),  # numbers arrive as strings too
        ("200", 200, True),
        (1.5, "1.50", True),
        (0, False, False),
        (True, True, True),
        (True, "true", False),
        (None, None, True),
        (None, "", False),
        (1, 10**400, False),  # beyond any float: no crash, no match
    ],
)
def test_success_field_comparison(equals: object, found: object, met: bool) -> None:
    provider = generic(
        success={"field": "meta.state", "equals": equals}, balance={"messages": "sms"}
    )
    body = {"meta": {"state": found}, "sms": 1}
    if met:
        assert parse(provider, 200, body) == Balance(messages=1.0)
    else:
        assert_fails(provider, 200, body, Reason.PROVIDER)


@pytest.mark.parametrize(
    ("status", "body", "reason", "message"),
    [
        # the auth failure condition wins under any status
        (200, {"error": {"code": 401}}, Reason.AUTH, "auth failure condition met"),
        (400, {"error": {"code": "401"}}, Reason.AUTH, "(field 'error.code' is 401)"),
        # a failed success condition: the HTTP status where it says something…
        (401, {"status": "error"}, Reason.AUTH, "HTTP 401: credentials rejected"),
        (403, "", Reason.AUTH, "HTTP 403"),
        (429, {"message": "slow down"}, Reason.RATE_LIMITED, "HTTP 429"),
        (500, full(), Reason.HTTP, "unexpected HTTP status 500"),  # "ok" under 500: not trusted
        (502, HTML_502, Reason.HTTP, "unexpected HTTP status 502"),
        # …else `provider`
        (201, full(), Reason.PROVIDER, "success condition not met: HTTP status 201"),
        (200, {"status": "error"}, Reason.PROVIDER, "success condition not met: field 'status'"),
        # what is not JSON, or lacks what the conditions and the balance are read from
        (200, {"data": {}}, Reason.PARSE, "field 'status' is missing"),
        (200, {"status": {"v": "ok"}}, Reason.PARSE, "field 'status' is not a single value"),
        (200, "<html>maintenance</html>", Reason.PARSE, "body is not JSON"),
        (200, "", Reason.PARSE, "empty body"),
        (200, "  ", Reason.PARSE, "empty body"),
        (200, {"status": "ok"}, Reason.PARSE, "field 'data' is missing"),
        (200, full(currency=None), Reason.PARSE, "field 'data.currency' is not a non-empty"),
        (200, full(sms=None), Reason.PARSE, "field 'data.sms' is null, not a number"),
        (200, full({"v": 1}), Reason.PARSE, "field 'data.accounts[1].balance' is an object"),
        (200, full(True), Reason.PARSE, "field 'data.accounts[1].balance' is a boolean"),
        (200, full("abc"), Reason.PARSE, "field 'data.accounts[1].balance' is not a number"),
        (200, full("NaN"), Reason.PARSE, "is not a finite number"),
        (200, full(accounts=[{}]), Reason.PARSE, "field 'data.accounts[1]' is missing"),
        (200, full(accounts={"1": 2}), Reason.PARSE, "field 'data.accounts' is not a list"),
    ],
)
def test_reasons(status: int, body: object, reason: Reason, message: str) -> None:
    error = parse_error(FULL, status, body)
    assert error.reason is reason, error.message
    assert message in error.message, error.message


def test_auth_failure_by_status_alone_needs_no_json() -> None:
    provider = generic(auth_failure={"status": 400}, balance={"messages": "sms"})
    assert "HTTP 400" in parse_error(provider, 400, "<html>bad</html>").message
    assert parse_error(provider, 400, "").reason is Reason.AUTH
    # Both parts must hold when both are set.
    both = generic(
        auth_failure={"status": 400, "field": "code", "equals": "E1"}, balance={"messages": "s"}
    )
    assert parse_error(both, 400, {"code": "E1"}).reason is Reason.AUTH
    assert parse_error(both, 400, {"code": "E2"}).reason is Reason.HTTP
    assert parse_error(both, 200, {"code": "E1"}).reason is Reason.PARSE  # no `s`


def test_without_a_success_condition_any_2xx_is_success() -> None:
    provider = generic(balance={"messages": "sms"})
    for status in (200, 201, 204, 299):
        assert parse(provider, status, {"sms": 5}) == Balance(messages=5.0)


def test_messages_never_echo_the_answer() -> None:
    leaky = {"status": f"denied for {KEY}", "data": {"sms": f"{KEY}"}}
    for status in (200, 400):
        error = parse_error(FULL, status, leaky)
        assert KEY not in error.message and "denied" not in error.message
    assert_fails(FULL, 200, {"status": "ok", "data": {"sms": KEY}}, Reason.PARSE)


# ---- the seed providers as generic accounts, against their simulator twins -----------------

# README's worked example: Gateway360 written out for the generic provider.
GATEWAY360_YAML = """
name: gateway360-generic
provider: generic
base_url: https://api.gateway360.com
api_key: ${GATEWAY360_KEY}
request:
  method: POST
  path: /api/3.0/account/get-balance
  headers: {Accept: application/json}
  json: {api_key: "{api_key}"}
success: {field: status, equals: ok}
auth_failure: {field: error_id, equals: UNAUTHORIZED}
balance:
  amount: result.balance
  currency: result.currency
"""

# Each seed twin as a generic account: its config and where the twin's credentials go.
SEEDS: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "gateway360": (yaml.safe_load(GATEWAY360_YAML), {"api_key": "api_key"}),
    "iletimerkezi": (
        {
            "request": {
                "method": "POST",
                "path": "/v1/get-balance/json",
                "json": {"request": {"authentication": {"key": "{api_key}", "hash": "{secret}"}}},
            },
            "success": {"field": "response.status.code", "equals": 200},
            "auth_failure": {"field": "response.status.code", "equals": 401},
            "balance": {
                "amount": "response.balance.amount",
                "fixed_currency": "TRY",
                "messages": "response.balance.sms",
            },
        },
        {"key": "api_key", "hash": "secret"},
    ),
    "smsdev": (
        {
            "request": {"path": "/v1/balance", "query": {"key": "{api_key}"}},
            "success": {"field": "situacao", "equals": "OK"},
            "auth_failure": {"field": "codigo", "equals": 403},
            "balance": {"messages": "saldo_sms"},
        },
        {"key": "api_key"},
    ),
    "agiletelecom": (
        {
            "request": {"path": "/services/sms/credit"},
            "auth": {"type": "header", "name": "X-Api-Key", "value": "{api_key}"},
            "auth_failure": {"field": "code", "equals": 1},
            "balance": {"amount": "credit", "fixed_currency": "EUR"},
        },
        {"api_key": "api_key"},
    ),
    "telnyx": (
        {
            "request": {"path": "/v2/balance"},
            "auth": {"type": "bearer"},
            "auth_failure": {"field": "errors[0].code", "equals": 10009},
            "balance": {"amount": "data.balance", "currency": "data.currency"},
        },
        {"api_key": "token"},
    ),
}


def as_generic(sim: Simulator, account: SimAccount) -> dict[str, Any]:
    """The generic config entry that reads simulated `account` like its built-in provider."""
    config, credential_fields = SEEDS[account.provider]
    fields = {k: v for k, v in config.items() if k not in ("name", "api_key")}
    credentials = {credential_fields[k]: v for k, v in account.credentials.items()}
    return {
        **fields,
        **credentials,
        "name": f"{account.name}-generic",
        "provider": "generic",
        "base_url": sim.base_url(account.provider),
    }


def built_in(sim: Simulator, account: SimAccount) -> dict[str, Any]:
    return sim.exporter_account(account.name)


@pytest.fixture(scope="module")
def seeds() -> Iterator[Simulator]:
    accounts = [TWINS[pid]().sample_account(f"{pid}-seed") for pid in SEEDS]
    with simulator(accounts) as sim:
        yield sim


def fetch(sim: Simulator, config: dict[str, Any]) -> Balance:
    account = config_from_data({"accounts": [config]}, "<test>", {}).accounts[0]
    return CLIENT.fetch_balance(account.provider, account.base_url, time.monotonic() + 5)


def fetch_error(sim: Simulator, config: dict[str, Any]) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        fetch(sim, config)
    return caught.value


@pytest.mark.parametrize("provider_id", sorted(SEEDS))
def test_generic_reads_what_the_built_in_provider_reads(seeds: Simulator, provider_id: str) -> None:
    account = seeds.accounts[f"{provider_id}-seed"]
    expected = fetch(seeds, built_in(seeds, account))
    found = fetch(seeds, as_generic(seeds, account))
    assert found.currency == expected.currency
    for name in ("amount", "messages", "gift_amount"):
        want, got = getattr(expected, name), getattr(found, name)
        assert (got is None) == (want is None), name
        if want is not None:
            assert got == pytest.approx(want, abs=0.01), name


@pytest.mark.parametrize("provider_id", sorted(SEEDS))
@pytest.mark.parametrize(
    "fault",
    [
        Fault.REVOKED,
        Fault.PROVIDER_ERROR,
        Fault.HTML_5XX,
        Fault.HTML_200,
        Fault.RATE_LIMITED,
        Fault.MALFORMED_JSON,
        Fault.EMPTY_BODY,
        Fault.RESET,
        Fault.WRONG_TYPES,
        Fault.MISSING_FIELDS,
        Fault.NAN,
        Fault.INFINITY,
        Fault.ERROR_BODY_200,
        Fault.REDIRECT,
    ],
)
def test_faults_give_the_built_in_providers_reasons(
    seeds: Simulator, provider_id: str, fault: Fault
) -> None:
    account = seeds.accounts[f"{provider_id}-seed"]
    seeds.set_fault(account.name, fault)
    try:
        expected = fetch_error(seeds, built_in(seeds, account))
        found = fetch_error(seeds, as_generic(seeds, account))
    finally:
        seeds.set_fault(account.name, None)
    if fault is Fault.PROVIDER_ERROR:
        # The generic provider knows no error codes: an error body under a failed status
        # goes by that status.
        assert found.reason in (Reason.PROVIDER, Reason.HTTP), found.message
    else:
        assert found.reason is expected.reason, (found.message, expected.message)
    for secret in account.credentials.values():
        assert secret not in found.message


@pytest.mark.parametrize("provider_id", sorted(SEEDS))
def test_unknown_credentials_are_an_auth_failure(seeds: Simulator, provider_id: str) -> None:
    stranger = TWINS[provider_id]().sample_account("not-registered")
    error = fetch_error(seeds, as_generic(seeds, stranger))
    assert error.reason is Reason.AUTH, error.message


# ---- end to end through the exporter ---------------------------------------------------------


def scrape(exporter: RunningExporter) -> str:
    response = requests.get(exporter.url + "/metrics", timeout=10)
    response.raise_for_status()
    return response.text


def test_exporter_serves_gateway360_through_the_readme_example(
    seeds: Simulator, start_exporter: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = seeds.accounts["gateway360-seed"]
    monkeypatch.setenv("GATEWAY360_KEY", account.credentials["api_key"])
    readme = yaml.safe_load(GATEWAY360_YAML)
    readme["base_url"] = seeds.base_url("gateway360")
    exporter = start_exporter({"accounts": [readme, built_in(seeds, account)]})
    generic_labels = {"provider": "generic", "account": "gateway360-generic"}
    built_in_labels = {"provider": "gateway360", "account": account.name}

    text = scrape(exporter)
    assert value(text, "sms_balance_up", **generic_labels) == 1.0
    amount = value(text, "sms_balance_amount", currency="EUR", **generic_labels)
    assert amount == pytest.approx(account.current_balance(), abs=0.01)
    same = value(text, "sms_balance_amount", currency="EUR", **built_in_labels)
    assert amount == pytest.approx(same, abs=0.01)

    seeds.set_fault(account.name, Fault.REVOKED)
    try:
        text = scrape(exporter)
    finally:
        seeds.set_fault(account.name, None)
    assert value(text, "sms_balance_up", **generic_labels) == 0.0
    assert value(text, "sms_balance_amount", currency="EUR", **generic_labels) is None
    assert value(text, "sms_balance_scrape_errors_total", reason="auth", **generic_labels) == 1.0
    assert account.credentials["api_key"] not in text


# A provider this exporter does not ship: Brevo (README's second worked example).
BREVO_YAML = """
name: newsletter-sms
provider: generic
base_url: https://api.brevo.com
api_key: ${BREVO_API_KEY}
request:
  path: /v3/account
  headers: {Accept: application/json}
auth: {type: header, name: api-key, value: "{api_key}"}
balance:
  messages: plan[type=sms].credits
"""
BREVO_KEY = "xkeysib-0123456789abcdef-brevo-key"


class FakeBrevo(BaseHTTPRequestHandler):
    """Brevo's `GET /v3/account`, as far as its docs show it."""

    disable_nagle_algorithm = True  # see STYLE.md: no delayed-ACK stall per request
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body: dict[str, object]
        if self.path != "/v3/account":
            status, body = 404, {"code": "not_found", "message": "Invalid path"}
        elif self.headers.get("api-key") != BREVO_KEY:
            status, body = 401, {"code": "unauthorized", "message": "Key not found"}
        else:
            plan = [
                {"type": "payAsYouGo", "creditsType": "sendLimit", "credits": 9800},
                {"type": "sms", "creditsType": "sendLimit", "credits": 999.536},
            ]
            status, body = 200, {"email": "ops@example.com", "companyName": "Acme", "plan": plan}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet inside tests."""


@pytest.fixture
def brevo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeBrevo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_exporter_serves_a_provider_it_does_not_ship(
    brevo: str, start_exporter: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BREVO_API_KEY", BREVO_KEY)
    good = {**yaml.safe_load(BREVO_YAML), "base_url": brevo}
    revoked = {**good, "name": "old-key", "api_key": "xkeysib-revoked-0000"}
    exporter = start_exporter({"accounts": [good, revoked]})
    text = scrape(exporter)

    labels = {"provider": "generic", "account": "newsletter-sms"}
    assert value(text, "sms_balance_up", **labels) == 1.0
    assert value(text, "sms_balance_messages", **labels) == 999.536
    assert not [line for line in text.splitlines() if line.startswith("sms_balance_amount{")]

    old = {"provider": "generic", "account": "old-key"}
    assert value(text, "sms_balance_up", **old) == 0.0
    assert value(text, "sms_balance_scrape_errors_total", reason="auth", **old) == 1.0

    landing = requests.get(exporter.url + "/", timeout=10).text
    for secret in (BREVO_KEY, "xkeysib-revoked-0000"):
        assert secret not in text and secret not in landing


def test_the_readme_examples_are_valid_configs() -> None:
    environ = {"GATEWAY360_KEY": "k" * 32, "BREVO_API_KEY": BREVO_KEY}
    data = {"accounts": [yaml.safe_load(GATEWAY360_YAML), yaml.safe_load(BREVO_YAML)]}
    names = [a.name for a in config_from_data(data, "README.md", environ).accounts]
    assert names == ["gateway360-generic", "newsletter-sms"]


# ---- demo ------------------------------------------------------------------------------------


def test_demo_has_an_account_of_every_provider_with_a_working_generic_one() -> None:
    with demo_simulator() as sim:
        config = demo_config(sim)
        assert {a.provider_id for a in config.accounts} == set(PROVIDERS)
        account = config.account(GENERIC_ACCOUNT)
        assert account is not None and isinstance(account.provider, Generic)
        service = BalanceService(UpstreamClient())
        try:
            [snapshot] = service.query([account])
        finally:
            service.shutdown()
        simulated = sim.accounts[GENERIC_ACCOUNT]
        assert snapshot.result.error is None, snapshot.result.error
        balance = snapshot.result.balance
        assert balance is not None and balance.currency == simulated.currency
        assert balance.amount == pytest.approx(simulated.current_balance(), abs=0.01)
