from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sms_balance_exporter.config import ConfigError, load_config

Write = Callable[..., Path]

ILETI = {"name": "tr", "provider": "iletimerkezi", "key": "k", "hash": "h"}


def problems(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ or {})
    return caught.value.problems


def test_full_example_with_defaults_and_overrides(write_config: Write) -> None:
    path = write_config(
        {
            "defaults": {"timeout": "5s", "min_interval": "1m"},
            "accounts": [
                {**ILETI, "low_balance": {"amount": 100, "messages": 500}},
                {
                    **ILETI,
                    "name": "tr2",
                    "timeout": "1500ms",
                    "min_interval": 0,
                    "base_url": "https://proxy.example/ileti/",
                },
            ],
        }
    )
    config = load_config(path, {})
    first, second = config.accounts
    assert (first.timeout, first.min_interval) == (5.0, 60.0)
    assert first.base_url == "https://api.iletimerkezi.com"
    assert (first.low_balance.amount, first.low_balance.messages) == (100, 500)
    assert (second.timeout, second.min_interval) == (1.5, 0.0)
    assert second.base_url == "https://proxy.example/ileti"
    assert second.low_balance.amount is None
    assert config.account("tr2") is second
    assert config.account("nope") is None


def test_defaults_when_nothing_is_set(write_config: Write) -> None:
    account = load_config(write_config({"accounts": [ILETI]}), {}).accounts[0]
    assert (account.timeout, account.min_interval) == (10.0, 0.0)


def test_env_expansion_after_parsing(write_config: Write) -> None:
    path = write_config(
        "accounts:\n"
        "  - name: ${NAME:-fallback}\n"
        "    provider: iletimerkezi\n"
        "    key: ${KEY}\n"
        "    hash: pa$$word\n"
        "    timeout: ${TIMEOUT:-3s}\n"
        "    low_balance: {amount: 5}\n"
    )
    account = load_config(path, {"KEY": "from-env: with colon # and hash"}).accounts[0]
    assert account.name == "fallback"
    assert account.provider.secret_values() == ["from-env: with colon # and hash", "pa$word"]
    assert account.timeout == 3.0


def test_credentials_from_files(write_config: Write, tmp_path: Path) -> None:
    (tmp_path / "hash").write_text("file-hash\n")
    account = {k: v for k, v in ILETI.items() if k != "hash"}
    path = write_config({"accounts": [{**account, "hash_file": str(tmp_path / "hash")}]})
    account = load_config(path, {}).accounts[0]
    assert account.provider.secret_values() == ["k", "file-hash"]


def test_secret_never_in_repr(write_config: Write) -> None:
    config = load_config(write_config({"accounts": [ILETI | {"key": "TOPSECRET"}]}), {})
    account = config.accounts[0]
    assert "TOPSECRET" not in repr(account)
    assert "TOPSECRET" not in str(account.provider)


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        ({**ILETI, "tiemout": "3s"}, "field 'tiemout': unknown field for provider 'iletimerkezi'"),
        ({**ILETI, "tiemout": "3s"}, "did you mean 'timeout'?"),
        ({"name": "tr", "provider": "iletimerkezi", "key": "k"}, "field 'hash': is required"),
        ({**ILETI, "provider": "nope"}, "field 'provider': unknown provider 'nope'"),
        ({"name": "tr", "key": "k", "hash": "h"}, "field 'provider' is required"),
        ({**ILETI, "hash_file": "/x"}, "set either 'hash' or 'hash_file', not both"),
        ({**ILETI, "timeout": "10 s"}, "field 'timeout': invalid duration '10 s'"),
        ({**ILETI, "timeout": "0s"}, "field 'timeout': must be more than 0 seconds"),
        ({**ILETI, "key": "${UNSET_VAR}"}, "environment variable UNSET_VAR is not set"),
        ({**ILETI, "hash_file": "/does/not/exist"}, "field 'hash_file'"),
        ({**ILETI, "low_balance": {"amount": -1}}, "field 'low_balance.amount'"),
        ({**ILETI, "low_balance": {"amonut": 1}}, "field 'low_balance.amonut'"),
        ({**ILETI, "base_url": "ftp://x"}, "field 'base_url'"),
        ({**ILETI, "key": ""}, "field 'key'"),
    ],
)
def test_account_errors_name_file_account_and_field(
    write_config: Write, account: dict[str, Any], expected: str
) -> None:
    if account.get("hash_file") == "/does/not/exist":
        account = {k: v for k, v in account.items() if k != "hash"}
    path = write_config({"accounts": [ILETI | {"name": "first"}, account]})
    found = problems(path)
    assert any(expected in p for p in found), found
    assert all(p.startswith(f"{path}: accounts[1]") for p in found), found
    if "name" in account:
        assert all("(name 'tr')" in p for p in found), found


def test_missing_credential_mentions_file_variant(write_config: Write) -> None:
    path = write_config({"accounts": [{"name": "tr", "provider": "iletimerkezi", "key": "k"}]})
    assert problems(path) == [
        f"{path}: accounts[0] (name 'tr'), field 'hash': is required (or hash_file)"
    ]


def test_duplicate_account_name(write_config: Write) -> None:
    path = write_config({"accounts": [ILETI, ILETI]})
    assert problems(path) == [
        f"{path}: accounts[1] (name 'tr'): duplicate account name (also accounts[0])"
    ]


def test_unset_variable_names_the_variable_not_a_value(write_config: Write) -> None:
    path = write_config({"accounts": [{**ILETI, "key": "${ILETI_KEY}"}]})
    assert problems(path) == [
        f"{path}: accounts[0] (name 'tr'), field 'key': environment variable ILETI_KEY is not set"
    ]


def test_unknown_top_level_key_and_defaults_errors(write_config: Write) -> None:
    path = write_config({"acounts": [], "defaults": {"timeout": "x"}})
    found = problems(path)
    assert any("key 'acounts': unknown key; did you mean 'accounts'?" in p for p in found)
    assert any("defaults, field 'timeout': invalid duration 'x'" in p for p in found)
    assert any("accounts: a non-empty list of accounts is required" in p for p in found)


def test_yaml_syntax_error_names_line(write_config: Write) -> None:
    path = write_config("accounts:\n  - name: [unclosed\n")
    (problem,) = problems(path)
    assert problem.startswith(f"{path}: YAML syntax error: line ")


def test_missing_file() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config("/no/such/config.yml", {})
    assert caught.value.problems == [
        "/no/such/config.yml: cannot read config file: No such file or directory"
    ]


@pytest.mark.parametrize("text", ["", "just a string", "- a\n- list\n", "accounts: {}\n"])
def test_wrong_shapes(write_config: Write, text: str) -> None:
    assert problems(write_config(text))


def test_secret_values_never_in_error_messages(write_config: Write) -> None:
    path = write_config({"accounts": [{**ILETI, "key": "SECRET-KEY-1", "hash": ["SECRET-HASH-2"]}]})
    found = "\n".join(problems(path))
    assert "field 'hash'" in found
    assert "SECRET" not in found


def test_provider_concurrency(write_config: Write) -> None:
    path = write_config({"provider_concurrency": {"default": 4, "twilio": 2}, "accounts": [ILETI]})
    config = load_config(path, {})
    assert config.concurrency_for("twilio") == 2
    assert config.concurrency_for("iletimerkezi") == 4
    assert load_config(write_config({"accounts": [ILETI]}), {}).concurrency_for("x") is None


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"twilo": 2}, "provider_concurrency, field 'twilo': not 'default' nor a provider id"),
        ({"default": 0}, "must be a whole number from 1 to 1000"),
        ({"default": "many"}, "must be a whole number from 1 to 1000"),
        ([1], "must map 'default' or provider ids to numbers"),
    ],
)
def test_provider_concurrency_errors(write_config: Write, section: Any, message: str) -> None:
    path = write_config({"provider_concurrency": section, "accounts": [ILETI]})
    assert any(message in p for p in problems(path))
