"""Every built-in provider against its simulator twin, over real loopback sockets."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from sms_balance_exporter.providers import PROVIDERS, Provider, ProviderError, Reason
from sms_balance_exporter.simulator import TWINS, Fault, SimAccount, Simulator, simulator
from sms_balance_exporter.upstream import UpstreamClient

CLIENT = UpstreamClient()


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with simulator([twin().sample_account(f"{pid}-1") for pid, twin in TWINS.items()]) as s:
        yield s


def provider_for(sim: Simulator, account: SimAccount) -> tuple[Provider, str]:
    config = sim.exporter_account(account.name)
    base_url = config.pop("base_url")
    del config["name"], config["provider"]
    return PROVIDERS[account.provider](**config), base_url


def fetch(sim: Simulator, name: str, timeout: float = 5.0) -> object:
    provider, base_url = provider_for(sim, sim.accounts[name])
    return CLIENT.fetch_balance(provider, base_url, time.monotonic() + timeout)


def test_every_provider_has_a_twin() -> None:
    # `generic` has no wire format of its own: tests/providers/test_generic.py runs it
    # against the other providers' twins and a fake API of a provider not shipped.
    assert set(TWINS) == set(PROVIDERS) - {"generic"}


@pytest.mark.parametrize("provider_id", sorted(TWINS))
def test_balance_matches_the_simulated_account(sim: Simulator, provider_id: str) -> None:
    account = sim.accounts[f"{provider_id}-1"]
    account.fault = None
    balance = fetch(sim, account.name)
    assert balance.amount is not None or balance.messages is not None
    if balance.amount is not None:
        assert balance.amount == pytest.approx(account.current_balance(), abs=0.01)
        assert balance.currency == account.currency
    if balance.messages is not None:
        assert balance.messages == pytest.approx(account.current_messages(), abs=1)


@pytest.mark.parametrize("provider_id", sorted(TWINS))
@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault.REVOKED, Reason.AUTH),
        (Fault.HTML_5XX, Reason.HTTP),
        (Fault.HTML_200, Reason.PARSE),
        (Fault.RATE_LIMITED, Reason.RATE_LIMITED),
        (Fault.MALFORMED_JSON, Reason.PARSE),
        (Fault.EMPTY_BODY, Reason.PARSE),
        (Fault.RESET, Reason.CONNECTION),
    ],
)
def test_faults_map_to_reasons(
    sim: Simulator, provider_id: str, fault: Fault, reason: Reason
) -> None:
    account = sim.accounts[f"{provider_id}-1"]
    sim.set_fault(account.name, fault)
    try:
        with pytest.raises(ProviderError) as caught:
            fetch(sim, account.name)
    finally:
        sim.set_fault(account.name, None)
    assert caught.value.reason is reason, caught.value.message
    for secret in account.credentials.values():
        assert secret not in caught.value.message


@pytest.mark.parametrize("provider_id", sorted(TWINS))
def test_documented_provider_error_is_a_failure(sim: Simulator, provider_id: str) -> None:
    account = sim.accounts[f"{provider_id}-1"]
    sim.set_fault(account.name, Fault.PROVIDER_ERROR)
    try:
        with pytest.raises(ProviderError) as caught:
            fetch(sim, account.name)
    finally:
        sim.set_fault(account.name, None)
    assert caught.value.reason in (Reason.PROVIDER, Reason.HTTP)


@pytest.mark.parametrize("provider_id", sorted(TWINS))
def test_wrong_credentials_are_an_auth_failure(sim: Simulator, provider_id: str) -> None:
    account = TWINS[provider_id]().sample_account("not-registered")
    _, base_url = provider_for(sim, sim.accounts[f"{provider_id}-1"])
    # Options as the simulator fills them in (a login host on the simulator).
    known = sim.exporter_account(f"{provider_id}-1")
    options = {key: known[key] for key in account.options}
    stranger = PROVIDERS[provider_id](**account.credentials, **options)
    with pytest.raises(ProviderError) as caught:
        CLIENT.fetch_balance(stranger, base_url, time.monotonic() + 5)
    assert caught.value.reason is Reason.AUTH


@pytest.mark.parametrize("provider_id", sorted(TWINS))
def test_a_hanging_provider_times_out_at_the_deadline(sim: Simulator, provider_id: str) -> None:
    account = sim.accounts[f"{provider_id}-1"]
    sim.set_fault(account.name, Fault.HANG)
    started = time.monotonic()
    try:
        with pytest.raises(ProviderError) as caught:
            fetch(sim, account.name, timeout=0.3)
    finally:
        sim.set_fault(account.name, None)
    assert caught.value.reason is Reason.TIMEOUT
    assert time.monotonic() - started < 2.0
