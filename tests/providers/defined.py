"""Helpers for tests of providers shipped as definitions (`providers/definitions/<id>.yml`).

`defined("brevo", api_key="k")` is the provider of a checked account (feed it to
`tests.providers.wire.parse` / `assert_fails`), `request_of(...)` its balance request, and
`config_problems("brevo")` what `check` says of an account (e.g. a missing credential).
"""

from __future__ import annotations

from typing import Any

import pytest

from sms_balance_exporter.config import Account, ConfigError, config_from_data
from sms_balance_exporter.providers import PROVIDERS, HttpRequest, Provider
from sms_balance_exporter.providers.defined import DefinedProvider


def account(provider_id: str, **fields: Any) -> Account:
    """The account `provider: <provider_id>` with `fields`, loaded as `check` loads it."""
    entry = {"name": "acct", "provider": provider_id, **fields}
    return config_from_data({"accounts": [entry]}, "c.yml", {}).accounts[0]


def defined(provider_id: str, **fields: Any) -> Provider:
    """The provider of such an account; fails unless `provider_id` is a definition."""
    assert issubclass(PROVIDERS[provider_id], DefinedProvider), provider_id
    return account(provider_id, **fields).provider


def request_of(provider_id: str, **fields: Any) -> HttpRequest:
    """The balance request of such an account, against its default or configured base_url."""
    loaded = account(provider_id, **fields)
    return loaded.provider.build_request(loaded.base_url)


def config_problems(provider_id: str, **fields: Any) -> list[str]:
    """The problems `check` reports for such an account (the test fails if there are none)."""
    with pytest.raises(ConfigError) as caught:
        account(provider_id, **fields)
    return caught.value.problems
