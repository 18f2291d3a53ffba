"""The in-flight limits: which accounts share which limit, and the slots' bookkeeping (the
service's tests check the same through a fake transport, with threads)."""

from __future__ import annotations

from sms_balance_exporter.config import Account, LowBalance, config_from_data
from sms_balance_exporter.politeness import (
    CREDENTIAL_CONCURRENCY,
    HOST_CONCURRENCY,
    LimitKey,
    Slots,
    limit_keys,
)
from sms_balance_exporter.providers import Provider
from sms_balance_exporter.providers.gateway360 import Gateway360
from sms_balance_exporter.providers.iletimerkezi import Iletimerkezi


def account(name: str, provider: Provider, base_url: str = "https://api.example") -> Account:
    return Account(name, provider, base_url, 10.0, 0.0, LowBalance())


def credential(account: Account) -> LimitKey:
    return limit_keys(account)[0]


def test_accounts_share_a_credential_limit_by_provider_host_and_secrets() -> None:
    parent = account("parent", Gateway360(api_key="parent-key"))
    sub = account("sub", Gateway360(api_key="parent-key", subaccount="shop"))
    twice = account("again", Gateway360(api_key="parent-key"))
    other_key = account("other", Gateway360(api_key="other-key"))
    other_host = account("proxy", Gateway360(api_key="parent-key"), "https://proxy.example")
    assert credential(parent) == credential(sub) == credential(twice)
    assert credential(other_key) != credential(parent)
    assert credential(other_host) != credential(parent)
    # One host and one provider for all of them but the proxied one.
    assert limit_keys(parent)[1:] == limit_keys(other_key)[1:]
    # Another provider at the same host (a proxy, a simulator) counts apart.
    ileti = account("ileti", Iletimerkezi(key="parent-key", hash="h"))
    assert limit_keys(ileti)[1] != limit_keys(parent)[1]
    assert credential(ileti) != credential(parent)
    assert limit_keys(other_host)[1] == ("host", "gateway360", "https://proxy.example:443")


def test_no_limit_key_holds_a_secret() -> None:
    keys = limit_keys(account("a", Iletimerkezi(key="the-api-key", hash="the-api-hash")))
    assert "the-api" not in repr(keys)


def test_generic_accounts_count_against_their_own_host() -> None:
    entries = [
        {
            "name": name,
            "provider": "generic",
            "base_url": url,
            "balance": {"amount": "balance", "fixed_currency": "EUR"},
        }
        for name, url in [("a", "https://A.example/x"), ("b", "https://b.example:8443")]
    ]
    a, b = config_from_data({"accounts": entries}, "<test>", {}).accounts
    assert limit_keys(a)[1:] == (
        ("host", "generic", "https://a.example:443"),
        ("provider", "generic", "https://a.example:443"),
    )
    assert limit_keys(b)[1:] == (
        ("host", "generic", "https://b.example:8443"),
        ("provider", "generic", "https://b.example:8443"),
    )


def test_one_credential_takes_few_slots_and_the_next_waits_for_one() -> None:
    slots: Slots[str] = Slots(lambda provider: None)
    keys = limit_keys(account("a", Gateway360(api_key="k")))
    assert all(slots.take_or_queue(keys, f"q{i}") for i in range(CREDENTIAL_CONCURRENCY))
    assert not slots.take_or_queue(keys, "next")
    assert slots.release(keys) == ["next"]
    assert slots.release(keys) == []


def test_distinct_credentials_at_one_host_wait_only_beyond_the_host_cap() -> None:
    slots: Slots[str] = Slots(lambda provider: None)
    keys = [limit_keys(account(f"a{i}", Gateway360(api_key=f"k{i}"))) for i in range(66)]
    assert all(slots.take_or_queue(keys[i], f"q{i}") for i in range(HOST_CONCURRENCY))
    assert not slots.take_or_queue(keys[64], "q64")
    assert not slots.take_or_queue(keys[65], "q65")
    assert slots.release(keys[0]) == ["q64"]
    assert slots.release(keys[1]) == ["q65"]


def test_a_provider_cap_applies_only_where_set() -> None:
    caps = {"gateway360": 2}
    slots: Slots[str] = Slots(caps.get)
    capped = [limit_keys(account(f"g{i}", Gateway360(api_key=f"k{i}"))) for i in range(3)]
    free = [limit_keys(account(f"i{i}", Iletimerkezi(key=f"k{i}", hash="h"))) for i in range(9)]
    assert slots.take_or_queue(capped[0], "g0") and slots.take_or_queue(capped[1], "g1")
    assert not slots.take_or_queue(capped[2], "g2")
    assert all(slots.take_or_queue(keys, "i") for keys in free)
    assert slots.release(capped[0]) == ["g2"]


def test_a_query_freed_from_one_limit_waits_for_the_next_full_one() -> None:
    caps = {"gateway360": 1}
    slots: Slots[str] = Slots(caps.get)
    shared = limit_keys(account("shared", Gateway360(api_key="shared-key")))
    other = limit_keys(account("other", Gateway360(api_key="other-key")))
    assert slots.take_or_queue(other, "other")
    assert not slots.take_or_queue(shared, "waiting")  # behind the provider cap
    caps["gateway360"] = 10  # a reload raises the cap; new queries fill the shared key
    assert all(slots.take_or_queue(shared, f"s{i}") for i in range(CREDENTIAL_CONCURRENCY))
    assert slots.release(other) == []  # the provider has room now, the credential none
    assert slots.release(shared) == ["waiting"]
