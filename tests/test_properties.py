"""Property-based tests: whatever a provider answers, its parser yields a balance or a
`ProviderError`; whatever YAML a user writes, the loader yields a config or a `ConfigError`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sms_balance_exporter.config import ConfigError, config_from_data, load_config
from sms_balance_exporter.providers import PROVIDERS, Balance, HttpResponse, Provider, ProviderError
from sms_balance_exporter.simulator import TWINS

STATUSES = st.sampled_from([200, 201, 204, 301, 400, 401, 403, 404, 429, 500, 502, 503])
JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
JSON = st.recursive(
    JSON_LEAVES,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
# The number of examples comes from the profile loaded in conftest.py.
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def sample_provider(provider_id: str) -> Provider:
    account = TWINS[provider_id]().sample_account("prop")
    return PROVIDERS[provider_id](**account.credentials, **account.options)


def success_body(provider_id: str) -> Any:
    twin = TWINS[provider_id]()
    return twin.success(twin.sample_account("prop")).body


def parse(provider: Provider, status: int, body: bytes) -> None:
    response = HttpResponse(status=status, headers={"content-type": "application/json"}, body=body)
    try:
        result = provider.parse_response(response)
    except ProviderError as error:
        assert error.message
        for secret in provider.secret_values():
            assert secret not in error.message
        return
    assert isinstance(result, Balance)
    assert result.amount is not None or result.messages is not None


@pytest.mark.parametrize("provider_id", sorted(TWINS))
@SETTINGS
@given(body=st.binary(max_size=600), status=STATUSES)
def test_any_bytes(provider_id: str, body: bytes, status: int) -> None:
    parse(sample_provider(provider_id), status, body)


@pytest.mark.parametrize("provider_id", sorted(TWINS))
@SETTINGS
@given(body=JSON, status=STATUSES)
def test_any_json(provider_id: str, body: Any, status: int) -> None:
    parse(sample_provider(provider_id), status, json.dumps(body).encode())


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _paths(child, (*prefix, index))
    return found


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[path[0]] = _replace(node[path[0]], path[1:], value)
    return copy


@pytest.mark.parametrize("provider_id", sorted(TWINS))
@SETTINGS
@given(data=st.data(), status=STATUSES)
def test_a_success_body_with_one_part_replaced(
    provider_id: str, data: st.DataObject, status: int
) -> None:
    """Near misses reach deeper than random JSON: one field of a real answer goes wrong."""
    body = success_body(provider_id)
    path = data.draw(st.sampled_from(_paths(body)))
    mutated = _replace(body, path, data.draw(JSON))
    parse(sample_provider(provider_id), status, json.dumps(mutated).encode())


# ---- the config loader --------------------------------------------------------------------

KNOWN_KEYS = sorted(
    {"name", "provider", "base_url", "timeout", "min_interval", "low_balance"}
    | {field for p in PROVIDERS.values() for field in p.model_fields}
    | {f"{field}_file" for p in PROVIDERS.values() for field in p.secret_fields()}
)
ACCOUNT = st.dictionaries(
    st.sampled_from(KNOWN_KEYS) | st.text(max_size=8),
    JSON | st.sampled_from(sorted(PROVIDERS)) | st.sampled_from(["10s", "1h30m", "${X}", "$$"]),
    max_size=8,
)
CONFIG = st.fixed_dictionaries(
    {},
    optional={
        "accounts": st.lists(ACCOUNT, max_size=3) | JSON,
        "defaults": st.dictionaries(st.sampled_from(["timeout", "min_interval", "x"]), JSON),
    },
)


@SETTINGS
@given(data=CONFIG | JSON)
def test_any_config_data(data: Any) -> None:
    try:
        config = config_from_data(data, "prop.yml", environ={"X": "1"})
    except ConfigError as error:
        assert error.problems
        assert all(problem.startswith("prop.yml") for problem in error.problems)
        return
    assert config.accounts


@SETTINGS
@given(text=st.text(max_size=300))
def test_any_yaml_text(text: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("prop") / "config.yml"
    path.write_text(text, encoding="utf-8")
    try:
        load_config(path, environ={})
    except ConfigError as error:
        assert error.problems


@SETTINGS
@given(data=CONFIG)
def test_any_config_written_as_yaml(data: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    path: Path = tmp_path_factory.mktemp("prop") / "config.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    try:
        load_config(path, environ={"X": "x"})
    except ConfigError as error:
        assert error.problems
