"""Config mistakes get messages a person understands, naming file, account and field, and
never a value given in a credential's place."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sms_balance_exporter import cli
from sms_balance_exporter.config import ConfigError, load_config
from sms_balance_exporter.durations import format_duration
from sms_balance_exporter.suggest import did_you_mean, looks_like_name, shown

Write = Callable[..., Path]
ILETI = {"name": "tr", "provider": "iletimerkezi", "key": "k", "hash": "h"}
SID = "AC" + "0123456789abcdef" * 2


def problems(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ or {})
    return caught.value.problems


def test_bare_variable_warns_with_the_braced_form(write_config: Write) -> None:
    path = write_config(
        "accounts:\n"
        "  - {name: tr, provider: iletimerkezi, key: $ILETI_KEY, hash: pa$word}\n"
        "  - {name: $ACCOUNT, provider: iletimerkezi, key: k, hash: h}\n"
    )
    config = load_config(path, {"ILETI_KEY": "real"})
    assert config.warnings == (
        f"{path}: accounts[0] (name 'tr'), field 'key': '$ILETI_KEY' is not expanded (only "
        "'${ILETI_KEY}' is): write '${ILETI_KEY}' to use the variable, or '$$ILETI_KEY' to keep "
        "the text",
        # Inside a credential, a name after '$' may be part of the password: not shown.
        f"{path}: accounts[0] (name 'tr'), field 'hash': a '$' followed by a name is not "
        "expanded (only '${NAME}' is): write '${NAME}' for a variable, or '$$' for a literal '$'",
        f"{path}: accounts[1] (name '$ACCOUNT'), field 'name': '$ACCOUNT' is not expanded (only "
        "'${ACCOUNT}' is): write '${ACCOUNT}' to use the variable, or '$$ACCOUNT' to keep the text",
    )
    assert "word" not in config.warnings[1]


def test_check_prints_warnings_and_serve_logs_them(
    write_config: Write, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_config({"accounts": [ILETI | {"key": "$ILETI_KEY"}]})
    result = CliRunner().invoke(cli.main, ["check", "--config.file", str(path)])
    assert result.exit_code == 0, result.output
    assert "warning: " in result.output
    assert "write '${ILETI_KEY}' to use the variable" in result.output
    with caplog.at_level(logging.WARNING, logger="sms_balance_exporter"):
        cli._log_warnings(load_config(path, {}))
    (record,) = caplog.records
    assert "'${ILETI_KEY}'" in record.__dict__["warning"]


def test_no_warning_for_braces_dollar_dollar_or_a_lone_dollar(write_config: Write) -> None:
    path = write_config({"accounts": [ILETI | {"key": "${K}", "hash": "$$H and $5 and $"}]})
    assert load_config(path, {"K": "v"}).warnings == ()


@pytest.mark.parametrize("number", ["12345678", "1.5", "true"])
def test_yaml_number_in_a_credential_says_to_quote_it(write_config: Write, number: str) -> None:
    path = write_config(
        f"accounts:\n  - {{name: tw, provider: twilio, account_sid: {SID}, auth_token: {number}}}\n"
    )
    read = "true or false" if number == "true" else "a number"
    assert problems(path) == [
        f"{path}: accounts[0] (name 'tw'), field 'auth_token': YAML read {read} here, but it "
        'must be text: put it in quotes (auth_token: "...")'
    ]


def test_duplicate_keys_name_both_lines(write_config: Write) -> None:
    path = write_config(
        "accounts:\n"
        "  - name: tr\n"
        "    provider: iletimerkezi\n"
        "    key: first\n"
        "    hash: h\n"
        "    key: second\n"
    )
    (problem,) = problems(path)
    assert problem.startswith(
        f"{path}: YAML error: line 6, column 5: duplicate key 'key' in one mapping "
        "(lines 4 and 6): the second would silently win"
    )


def test_merge_keys_may_be_overridden_without_a_duplicate_error(write_config: Write) -> None:
    path = write_config(
        "common: &common {provider: iletimerkezi, key: k, hash: h, timeout: 5s}\n"
        "accounts:\n"
        "  - {<<: *common, name: a, timeout: 7s}\n"
        "  - {<<: *common, name: b}\n"
    )
    assert any("key 'common': unknown key" in p for p in problems(path))
    path = write_config(
        "defaults: {timeout: 5s}\n"
        "accounts:\n"
        "  - &first {name: a, provider: iletimerkezi, key: k, hash: h, timeout: 9s}\n"
        "  - {<<: *first, name: b, timeout: 7s}\n"
    )
    first, second = load_config(path, {}).accounts
    assert (first.timeout, second.name, second.timeout) == (9.0, "b", 7.0)


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        (
            {"low_balance": {"amonut": 1}},
            "field 'low_balance.amonut': unknown field; did you mean 'amount'?",
        ),
        ({"timeout": "301s"}, "field 'timeout': must be at most 300 seconds (5m)"),
        ({"timeout": 0}, "field 'timeout': must be more than 0 seconds"),
        ({"min_interval": -1}, "field 'min_interval': invalid duration -1"),
        ({"low_balance": {"amount": -1}}, "field 'low_balance.amount': must be at least 0"),
        ({"low_balance": 5}, "field 'low_balance': must be a mapping of fields"),
        ({"low_balance": {"amount": "lots"}}, "field 'low_balance.amount': must be a number"),
        ({"low_balance": {"amount": float("inf")}}, "field 'low_balance.amount': must be a finite"),
        ({"name": "x" * 129}, "field 'name': must be at most 128 characters long"),
        ({"name": ["x"]}, "field 'name': must be text"),
        ({"provider": None}, "field 'provider': has no value: name the provider (one of: "),
        ({"provider": 7}, "field 'provider': must be a provider id (one of: "),
        ({"provider": "twilo"}, "unknown provider 'twilo'; did you mean 'twilio'? (one of: "),
        ({"hash": ""}, "field 'hash': must not be empty"),
    ],
)
def test_pydantic_messages_in_the_projects_words(
    write_config: Write, account: dict[str, Any], expected: str
) -> None:
    path = write_config({"accounts": [ILETI | account]})
    found = problems(path)
    assert any(expected in p for p in found), found
    text = "\n".join(found)
    for raw in ("Input should", "Extra inputs", "_LowBalance", "_AccountCommon", "None"):
        assert raw not in text


def test_defaults_durations_have_units(write_config: Write) -> None:
    path = write_config(
        {"defaults": {"timeout": "10m", "min_interval": "-1s"}, "accounts": [ILETI]}
    )
    found = problems(path)
    assert f"{path}: defaults, field 'timeout': must be at most 300 seconds (5m)" in found
    assert any("defaults, field 'min_interval': invalid duration '-1s'" in p for p in found)


def test_yaml_syntax_error_shows_the_line_and_a_caret(write_config: Write) -> None:
    path = write_config("accounts:\n  - name: tr\n    provider: [iletimerkezi\n    timeout: 5s\n")
    (problem,) = problems(path)
    assert problem.split("\n") == [
        f"{path}: YAML syntax error: line 4, column 12: did not find expected ',' or ']' "
        "(while parsing a flow sequence that starts at line 3)",
        "    4 |     timeout: 5s",
        "      |            ^",
    ]


def test_yaml_error_snippet_hides_a_credentials_value(write_config: Write) -> None:
    path = write_config('accounts:\n  - name: tr\n    key: "TOPSECRET-VALUE\n')
    (problem,) = problems(path)
    assert "TOPSECRET" not in problem
    assert "key: <hidden>" in problem


def test_empty_variable_is_named(write_config: Write) -> None:
    path = write_config({"accounts": [ILETI | {"key": "${ILETI_KEY}", "name": "${NAME:-tr}"}]})
    assert problems(path, {"ILETI_KEY": " "}) == [
        f"{path}: accounts[0] (name 'tr'), field 'key': must not be empty (environment "
        "variable ILETI_KEY is set but empty)"
    ]
    path = write_config({"accounts": [ILETI | {"name": "${NAME}"}]})
    assert any(
        "field 'name': must not be empty (environment variable NAME is set but empty)" in p
        for p in problems(path, {"NAME": ""})
    )


SECRET = "Xk9qT2vLm8RwZp4sYb7N"


@pytest.mark.parametrize(
    "account",
    [
        {"hash_file": SECRET, "hash": None},  # pasted as a path
        {"provider": SECRET},  # as a provider name
        {SECRET: "x"},  # as a field name
        {"key": "${" + SECRET + "}"},  # as a variable name
        {"key": "${" + SECRET + " oops}"},  # as an invalid reference
        {"key_file": "/tmp/" + SECRET, "key": None},
    ],
)
def test_a_value_in_a_credentials_place_is_never_printed(
    write_config: Write, account: dict[str, Any]
) -> None:
    entry = {k: v for k, v in (ILETI | account).items() if v is not None}
    path = write_config({"accounts": [entry], SECRET: 1})
    found = problems(path)
    assert found
    assert not any(SECRET in p for p in found), found
    result = CliRunner().invoke(cli.main, ["check", "--config.file", str(path)])
    assert result.exit_code == 1
    assert SECRET not in result.output
    assert "Traceback" not in result.output


def test_an_existing_unreadable_secret_file_is_named(write_config: Write, tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    entry = {k: v for k, v in (ILETI | {"hash_file": str(tmp_path / "dir")}).items() if k != "hash"}
    path = write_config({"accounts": [entry]})
    assert problems(path) == [
        f"{path}: accounts[0] (name 'tr'), field 'hash_file': cannot read the file "
        f"{tmp_path / 'dir'}: not a regular file (it is a directory)"
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://[::1]:8080/", None),
        ("https://[2001:db8::1]/api", None),
        ("https://api.example:8443", None),
        ("http://::1:8080", "has an IPv6 address without brackets: write it as http://[2001"),
        ("http://2001:db8::1/", "has an IPv6 address without brackets"),
        ("http://[::1/", "must be written http://[IPv6 address]:port/"),
        ("http://[not-v6]:80/", "has no valid IPv6 address between '[' and ']'"),
        ("http://[::1]x/", "must be written http://[IPv6 address]:port/"),
        ("https://api.example:99999/", "has a port that is not a number from 1 to 65535"),
        ("https://api.example:http/", "has a port that is not a number from 1 to 65535"),
        ("https://api.example:0/", "has a port that is not a number from 1 to 65535"),
        ("https://api.example:/", "has a port that is not a number from 1 to 65535"),
        ("https://", "must be an http:// or https:// URL with a host"),
        ("https://:80/", "must be an http:// or https:// URL with a host"),
        ("https://a b.example/", "must be an http:// or https:// URL with a host"),
        ("https://user:pw@api.example/", "must not carry a query, a fragment or credentials"),
        ("https://api.example/?k=1", "must not carry a query, a fragment or credentials"),
    ],
)
def test_base_url_is_checked_as_a_url(write_config: Write, url: str, expected: str | None) -> None:
    path = write_config({"accounts": [ILETI | {"base_url": url}]})
    if expected is None:
        assert load_config(path, {}).accounts[0].base_url == url.rstrip("/")
        return
    (problem,) = problems(path)
    assert problem.startswith(f"{path}: accounts[0] (name 'tr'), field 'base_url': {expected}")


def test_suggestion_helpers() -> None:
    assert did_you_mean("tiemout", {"timeout", "name"}) == "; did you mean 'timeout'?"
    assert did_you_mean("zzz", {"timeout"}) == ""
    assert looks_like_name("api_key") and looks_like_name("X-Api-Key")
    assert looks_like_name("ILETI_KEY") and looks_like_name("tls_server_config")
    assert not looks_like_name(SECRET) and not looks_like_name("AC" + "0123456789abcdef" * 2)
    assert not looks_like_name("a" * 41) and not looks_like_name(5)
    assert shown("amount") == "'amount'"
    assert shown(SECRET) == "(not shown: it may be a credential)"


@pytest.mark.parametrize(
    ("seconds", "text"), [(300, "5m"), (5400, "1h30m"), (90, "1m30s"), (0.5, "500ms"), (0, "0s")]
)
def test_durations_are_written_as_people_write_them(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
