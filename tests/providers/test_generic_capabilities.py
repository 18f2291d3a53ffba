"""The generic engine's capabilities beyond a JSON GET: a scale, a form body, text and XML
bodies, a rate-limit condition; their config checks, and each over loopback."""

from __future__ import annotations

import time
from typing import Any

import pytest

from sms_balance_exporter.config import Account, ConfigError, config_from_data
from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.simulator import SimAccount, Simulator
from sms_balance_exporter.simulator.core import SimRequest, SimResponse, Twin
from tests.providers.loopback import CLIENT
from tests.providers.wire import assert_fails, parse, response

KEY = "cap-key-0123456789"


def entry(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "cap",
        "provider": "generic",
        "base_url": "https://api.cap.example",
        "api_key": KEY,
        "request": {"query": {"key": "{api_key}"}},
        "balance": {"amount": "balance", "fixed_currency": "EUR"},
    }
    return {**base, **fields}


def load(**fields: Any) -> Account:
    return config_from_data({"accounts": [entry(**fields)]}, "c.yml", {}).accounts[0]


def problems(**fields: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(**fields)
    return caught.value.problems


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"balance": {"amount": "b", "fixed_currency": "EUR", "scale": {"amount": 0}}},
            "must be more than 0",
        ),
        ({"balance": {"amount": "b", "fixed_currency": "EUR", "scale": {"sms": 2}}}, "scale.sms"),
        (
            {"balance": {"amount": "b", "fixed_currency": "EUR", "scale": {"gift": 2}}},
            "'scale' names 'gift', which is not read",
        ),
        ({"request": {"form": {"k": "{api_key}"}}}, "'form' is a request body: it needs method"),
        (
            {"request": {"method": "POST", "form": {"k": "{api_key}"}, "json": {"a": 1}}},
            "set 'json' or 'form' (one request body), not both",
        ),
        (
            {"api_key": KEY, "request": {"method": "POST", "form": {"k": "{apikey}"}}},
            "field 'request.form.k': {apikey} names no credential",
        ),
        (
            {"response": {"format": "csv"}},
            "field 'response.format': must be 'json', 'text' or 'xml'",
        ),
        (
            {"response": {"format": "text", "pattern": "(a)(b)"}},
            "at most one group (the value), or only named",
        ),
        ({"response": {"format": "text", "pattern": "("}}, "not a regular expression"),
        ({"response": {"format": "xml", "pattern": "x"}}, "'pattern' is for format 'text'"),
        ({"rate_limited": {"field": "code"}}, "'field' needs 'equals'"),
        # whole-body tests, lists of values, presence
        ({"auth_failure": {"body": False, "equals": 900}}, "field 'auth_failure.body': must be"),
        ({"auth_failure": {"body": True}}, "'body' needs 'equals' (the value the body must be)"),
        (
            {"auth_failure": {"body": True, "field": "code", "equals": 1}},
            "set 'field' (a path) or 'body: true' (the whole body), not both",
        ),
        (
            {"auth_failure": {"field": "code", "equals": 1, "in": [2]}},
            "set one of 'equals', 'in' and 'present', not several",
        ),
        (
            {"auth_failure": {"body": True, "present": True}},
            "'present' is for a 'field' (the body is always there)",
        ),
        ({"auth_failure": {"in": [900]}}, "'in' needs 'field' (the path of the value"),
        (
            {"auth_failure": {"field": "code", "in": []}},
            "field 'auth_failure.in': must be a non-empty list of values, e.g. [900, 902]",
        ),
        ({"auth_failure": {"field": "code", "in": 900}}, "'auth_failure.in': must be a non-empty"),
        (
            {"auth_failure": {"field": "code", "in": [[900]]}},
            "field 'auth_failure.in': must list single values (strings, numbers, booleans",
        ),
        ({"provider_error": {"present": True}}, "'present' needs 'field'"),
        (
            {"response": {"format": "text"}, "provider_error": {"body": True, "equals": "ERR"}},
            "field 'provider_error.body': a whole-body test needs response format 'json' "
            "(the text body is a document: compare a field, e.g. 'text')",
        ),
    ],
)
def test_config_errors(fields: dict[str, Any], expected: str) -> None:
    found = problems(**fields)
    assert any(expected in problem for problem in found), found


def test_scale_multiplies_each_value_named() -> None:
    provider = load(
        balance={
            "amount": "a",
            "messages": "m",
            "fixed_currency": "SEK",
            "scale": {"amount": 0.0001, "messages": 10},
        }
    ).provider
    assert parse(provider, 200, {"a": "9670500", "m": 3}) == Balance(
        amount=pytest.approx(967.05), currency="SEK", messages=30.0
    )
    # A scaled value that leaves the float range is refused, not reported as infinity.
    huge = load(balance={"amount": "a", "fixed_currency": "X", "scale": {"amount": 1e300}})
    assert_fails(huge.provider, 200, {"a": 1e300}, Reason.PARSE)


def test_a_form_body_carries_its_entries() -> None:
    provider = load(request={"method": "POST", "form": {"AppSid": "{api_key}", "v": "2"}}).provider
    request = provider.build_request("https://x.example")
    assert request.form_body == {"AppSid": KEY, "v": "2"}
    assert request.json_body is None


def test_a_text_body_is_read_whole_or_by_its_pattern() -> None:
    whole = load(response={"format": "text"}, balance={"messages": "text"}).provider
    assert parse(whole, 200, " 42\n").messages == 42.0
    picked = load(
        response={"format": "text", "pattern": r"^OK (\S+)$"},
        balance={"amount": "value", "fixed_currency": "EUR"},
        auth_failure={"field": "text", "equals": "ERR 1001"},
    ).provider
    assert parse(picked, 200, "OK 123.4").amount == 123.4
    assert_fails(picked, 200, "ERR 1001", Reason.AUTH)
    assert_fails(picked, 200, "OK", Reason.PARSE)  # no match, not served as text/plain
    text = response(200, "ERR 2000", "text/plain")
    with pytest.raises(ProviderError) as caught:
        picked.parse_response(text)
    assert caught.value.reason is Reason.PROVIDER


def test_xml_elements_and_attributes_by_path() -> None:
    provider = load(
        response={"format": "xml"},
        balance={
            "amount": "r.wallet[@type=main].amount",
            "currency": "r.wallet[@type=main].@currency",
        },
    ).provider
    body = (
        '<r xmlns:x="urn:x"><wallet type="bonus" currency="EUR"><amount>1</amount></wallet>'
        '<wallet type="main" currency="EUR"><amount>12.5</amount></wallet></r>'
    )
    assert parse(provider, 200, body) == Balance(amount=12.5, currency="EUR")


def test_a_rate_limit_condition_is_rate_limited() -> None:
    provider = load(rate_limited={"field": "error", "equals": 30}).provider
    assert_fails(provider, 200, {"error": "30"}, Reason.RATE_LIMITED)
    assert_fails(provider, 200, {"error": 31}, Reason.PARSE)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (900, Reason.AUTH),
        ("903", Reason.AUTH),  # a code may come as a JSON string
        (500, Reason.PROVIDER),
        (123, Reason.PARSE),  # a bare number no condition names: not a balance either
        ({"code": 900}, Reason.PARSE),  # an object is not the bare code
    ],
)
def test_a_whole_body_condition_reads_a_bare_code(body: object, reason: Reason) -> None:
    provider = load(
        auth_failure={"body": True, "in": [900, 902, 903]},
        provider_error={"body": True, "equals": 500},
    ).provider
    assert_fails(provider, 200, body, reason)
    assert parse(provider, 200, {"balance": 7}).amount == 7.0


def test_a_met_condition_names_the_configured_value_it_matched() -> None:
    provider = load(auth_failure={"body": True, "in": [900, 902]}).provider
    with pytest.raises(ProviderError) as caught:
        provider.parse_response(response(200, "902"))
    assert caught.value.message == "auth failure condition met (the body is 902)"


def test_in_matches_any_of_its_values_by_value() -> None:
    provider = load(
        auth_failure={"field": "code", "in": [2, "denied"]},
        success={"field": "state", "in": ["ok", "OK"]},
    ).provider
    assert_fails(provider, 200, {"code": "2"}, Reason.AUTH)
    assert_fails(provider, 200, {"code": "denied"}, Reason.AUTH)
    assert_fails(provider, 200, {"code": 3, "state": "bad"}, Reason.PROVIDER)
    assert parse(provider, 200, {"code": 3, "state": "OK", "balance": 1}).amount == 1.0
    message = "success condition not met: field 'state' is not one of 'ok', 'OK'"
    with pytest.raises(ProviderError, match=message):
        provider.parse_response(response(200, {"state": "bad"}))


def test_a_present_field_is_a_provider_error_unless_an_earlier_condition_names_it() -> None:
    provider = load(
        auth_failure={"field": "error_code", "equals": 2},
        rate_limited={"field": "error_code", "in": [4, 9]},
        provider_error={"field": "error_code", "present": True},
        balance={"amount": "balance", "currency": "currency"},
    ).provider
    assert_fails(provider, 200, {"error": "x", "error_code": 2}, Reason.AUTH)
    assert_fails(provider, 200, {"error": "x", "error_code": 9}, Reason.RATE_LIMITED)
    assert_fails(provider, 200, {"error": "x", "error_code": 1}, Reason.PROVIDER)
    assert_fails(provider, 200, {"error_code": None}, Reason.PROVIDER)  # present, if null
    assert_fails(provider, 200, {"balance": "1"}, Reason.PARSE)  # no error, no currency
    assert_fails(provider, 200, [1], Reason.PARSE)  # not an object: no field is present
    assert parse(provider, 200, {"balance": "1", "currency": "KZT"}).amount == 1.0


def test_a_field_that_must_be_missing_for_success() -> None:
    provider = load(success={"field": "error", "present": False}).provider
    with pytest.raises(ProviderError, match="success condition not met: field 'error' is present"):
        provider.parse_response(response(200, {"error": "nope", "balance": 1}))
    assert parse(provider, 200, {"balance": 1}).amount == 1.0
    assert_fails(provider, 200, "", Reason.PARSE)


class CodeTwin(Twin):
    """A made-up API that answers a bare code: 900 for a wrong key, 500 when out of service."""

    provider_id = "generic"
    endpoints = (("GET", "/balance"),)

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(name, "generic", {"api_key": KEY}, balance=5.0, drift_per_hour=0)

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        key = request.query.get("key")
        return {"api_key": key} if key else None

    def success(self, account: SimAccount) -> SimResponse:
        return SimResponse(200, {"balance": account.current_balance()})

    def auth_error(self) -> SimResponse:
        return SimResponse(200, "900", "text/plain")

    def provider_error(self) -> SimResponse:
        return SimResponse(200, "500", "text/plain")


def test_a_whole_body_code_over_loopback() -> None:
    with Simulator([CodeTwin()], [CodeTwin().sample_account("code")]) as sim:

        def fetch(key: str) -> Balance:
            loaded = load(
                base_url=sim.base_url("generic"),
                api_key=key,
                request={"path": "/balance", "query": {"key": "{api_key}"}},
                auth_failure={"body": True, "in": [900, 902, 903]},
                provider_error={"body": True, "in": [500, 700]},
            )
            return CLIENT.fetch_balance(loaded.provider, loaded.base_url, time.monotonic() + 5)

        assert fetch(KEY) == Balance(amount=5.0, currency="EUR")
        with pytest.raises(ProviderError) as caught:
            fetch("wrong-key")
    assert caught.value.reason is Reason.AUTH
    assert "wrong-key" not in caught.value.message


class CapTwin(Twin):
    """A made-up API using every capability: a form POST, and text, XML or JSON answers."""

    provider_id = "generic"
    endpoints = (("POST", "/text"), ("POST", "/xml"), ("POST", "/json"))

    def sample_account(self, name: str) -> SimAccount:
        return SimAccount(name, "generic", {"api_key": KEY}, balance=5.0, drift_per_hour=0)

    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        if request.headers.get("content-type") != "application/x-www-form-urlencoded":
            return None
        key = request.form().get("key")
        self.path = request.path
        return {"api_key": key} if key else None

    def success(self, account: SimAccount) -> SimResponse:
        units = account.current_balance() * 10000
        if self.path == "/text":
            return SimResponse(200, f"OK {units:.0f}", "text/plain")
        if self.path == "/xml":
            return SimResponse(200, f"<b><units>{units:.0f}</units></b>", "application/xml")
        return SimResponse(200, {"error": 30})

    def auth_error(self) -> SimResponse:
        return SimResponse(401, "no", "text/plain")

    def provider_error(self) -> SimResponse:
        return SimResponse(500, "no", "text/plain")


@pytest.mark.parametrize(
    ("path", "response_spec", "amount"),
    [
        ("/text", {"format": "text", "pattern": r"OK (\d+)"}, "value"),
        ("/xml", {"format": "xml"}, "b.units"),
    ],
)
def test_over_loopback(path: str, response_spec: dict[str, Any], amount: str) -> None:
    account = CapTwin().sample_account("cap")
    with Simulator([CapTwin()], [account]) as sim:
        loaded = load(
            base_url=sim.base_url("generic"),
            request={"method": "POST", "path": path, "form": {"key": "{api_key}"}},
            response=response_spec,
            balance={"amount": amount, "fixed_currency": "EUR", "scale": {"amount": 0.0001}},
        )
        balance = CLIENT.fetch_balance(loaded.provider, loaded.base_url, time.monotonic() + 5)
    assert balance == Balance(amount=5.0, currency="EUR")


def test_rate_limited_over_loopback() -> None:
    account = CapTwin().sample_account("cap")
    with Simulator([CapTwin()], [account]) as sim:
        loaded = load(
            base_url=sim.base_url("generic"),
            request={"method": "POST", "path": "/json", "form": {"key": "{api_key}"}},
            rate_limited={"field": "error", "equals": 30},
        )
        with pytest.raises(ProviderError) as caught:
            CLIENT.fetch_balance(loaded.provider, loaded.base_url, time.monotonic() + 5)
    assert caught.value.reason is Reason.RATE_LIMITED
