from __future__ import annotations

import time
from typing import Any

import pytest
from pydantic import ValidationError

from sms_balance_exporter.providers import Balance, Reason
from sms_balance_exporter.providers.engagelab import EngageLab
from sms_balance_exporter.simulator.core import SimAccount, Simulator
from sms_balance_exporter.simulator.engagelab import EngageLabTwin
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.wire import assert_fails, parse, parse_error

PROVIDER = EngageLab(dev_key="d3v-key-value", dev_secret="d3v-secret-value")

DOCUMENTED = {
    "balance10000": 123456,
    "gift_balance10000": 20000,
    "balance": 12.3456,
    "gift_balance": 2,
    "total_balance10000": 143456,
    "total_balance": 14.3456,
}


def without(*names: str, **changes: Any) -> dict[str, Any]:
    """The documented success body with `names` removed and `changes` applied."""
    body = {k: v for k, v in DOCUMENTED.items() if k not in names}
    body.update(changes)
    return body


def test_request_is_a_get_with_basic_auth() -> None:
    request = PROVIDER.build_request("https://smsapi.engagelab.com")
    assert request.method == "GET"
    assert request.url == "https://smsapi.engagelab.com/v1/balance"
    assert request.basic_auth == ("d3v-key-value", "d3v-secret-value")
    assert request.json_body is None
    assert not request.params
    assert "d3v-key-value" not in repr(request)
    assert "d3v-secret-value" not in repr(request)


def test_credentials_are_secret_fields() -> None:
    assert EngageLab.secret_fields() == ["dev_key", "dev_secret"]
    assert "d3v-secret-value" not in repr(PROVIDER)


def test_documented_success_reads_the_integer_fields() -> None:
    assert parse(PROVIDER, 200, DOCUMENTED) == Balance(
        amount=12.3456, currency="USD", gift_amount=2.0
    )


def test_integer_fields_win_over_the_floats() -> None:
    body = without(balance=99.0, gift_balance=99.0)
    balance = parse(PROVIDER, 200, body)
    assert (balance.amount, balance.gift_amount) == (12.3456, 2.0)


@pytest.mark.parametrize(
    ("general", "gift", "expected"),
    [
        ("123456", "20000", (12.3456, 2.0)),
        (0, 0, (0.0, 0.0)),
        (123456.0, "0", (12.3456, 0.0)),
        (" 5 ", 1, (0.0005, 0.0001)),
    ],
)
def test_numbers_as_strings_and_numbers(
    general: object, gift: object, expected: tuple[float, float]
) -> None:
    balance = parse(PROVIDER, 200, without(balance10000=general, gift_balance10000=gift))
    assert (balance.amount, balance.gift_amount) == pytest.approx(expected)


def test_floats_are_the_fallback_when_the_integer_fields_are_missing() -> None:
    body = without("balance10000", "gift_balance10000", "total_balance10000")
    assert parse(PROVIDER, 200, body) == Balance(amount=12.3456, currency="USD", gift_amount=2.0)
    body = without("balance10000", "gift_balance10000", balance="7.5", gift_balance="0,5")
    balance = parse(PROVIDER, 200, body)
    assert (balance.amount, balance.gift_amount) == (7.5, 0.5)


def test_null_integer_field_falls_back_to_the_float() -> None:
    balance = parse(PROVIDER, 200, without(balance10000=None))
    assert balance.amount == 12.3456


def test_gift_is_optional() -> None:
    body = without("gift_balance10000", "gift_balance")
    assert parse(PROVIDER, 200, body) == Balance(amount=12.3456, currency="USD")


def test_only_the_general_balance() -> None:
    assert parse(PROVIDER, 200, {"balance10000": 10000}) == Balance(amount=1.0, currency="USD")


def test_zero_code_next_to_a_balance_is_not_an_error() -> None:
    assert parse(PROVIDER, 200, without(code=0, message="success")).amount == 12.3456


@pytest.mark.parametrize(
    ("configured", "stored"),
    [("EUR", "EUR"), ("cny", "CNY"), (" usd ", "USD"), ("CREDITS", "CREDITS")],
)
def test_currency_comes_from_config(configured: str, stored: str) -> None:
    provider = EngageLab(dev_key="k", dev_secret="s", currency=configured)
    assert provider.currency == stored
    assert parse(provider, 200, DOCUMENTED).currency == stored


@pytest.mark.parametrize("currency", ["", " ", "1USD", "US D", "U$D", "X" * 17])
def test_invalid_currency_is_a_config_error(currency: str) -> None:
    with pytest.raises(ValidationError):
        EngageLab(dev_key="k", dev_secret="s", currency=currency)


def test_invalid_currency_error_says_what_is_expected() -> None:
    with pytest.raises(ValidationError) as caught:
        EngageLab(dev_key="k", dev_secret="s", currency="$")
    assert "currency code such as USD" in str(caught.value)


@pytest.mark.parametrize(
    "fields",
    [{}, {"dev_key": "k"}, {"dev_secret": "s"}, {"dev_key": "", "dev_secret": "s"}],
)
def test_both_credentials_are_required(fields: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        EngageLab(**fields)


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError):
        EngageLab(**{"dev_key": "k", "dev_secret": "s", "api_key": "x"})


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (401, 2001, Reason.AUTH),  # bad token, merchant missing
        (401, 2002, Reason.AUTH),  # token expired or disabled
        (403, 2002, Reason.AUTH),  # merchant deleted
        (500, 1000, Reason.PROVIDER),
        (200, 2001, Reason.AUTH),  # an error body under HTTP 200 is still an error
        (200, "2002", Reason.AUTH),
        (200, 1000, Reason.PROVIDER),
        (400, 3001, Reason.PROVIDER),  # an unknown code
        (200, 3001, Reason.PROVIDER),
        (401, 3001, Reason.AUTH),  # unknown code: the status says auth
        (429, 3001, Reason.RATE_LIMITED),
        (403, 1000, Reason.AUTH),  # a documented provider code: the status still says auth
        (429, 1000, Reason.RATE_LIMITED),
        (500, "oops", Reason.PROVIDER),
        (401, "oops", Reason.AUTH),
    ],
)
def test_documented_errors(status: int, code: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, {"code": code, "message": "invalid token"}, reason)


def test_error_message_names_the_code() -> None:
    error = parse_error(PROVIDER, 401, {"code": 2001, "message": "invalid token"})
    assert "2001" in error.message


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, [], Reason.PARSE),
        (200, "12.5", Reason.PARSE),
        (200, {}, Reason.PARSE),
        (200, {"total_balance10000": 143456, "total_balance": 14.3456}, Reason.PARSE),
        (200, {"gift_balance10000": 20000}, Reason.PARSE),
        (200, without(balance10000="abc"), Reason.PARSE),
        (200, without(balance10000=True), Reason.PARSE),
        (200, without(balance10000=[1]), Reason.PARSE),
        (200, without(balance10000={"n": 1}), Reason.PARSE),
        (200, without(balance10000="NaN"), Reason.PARSE),
        (200, without("balance10000", balance="Infinity"), Reason.PARSE),
        (200, without(gift_balance10000="abc"), Reason.PARSE),
        (200, without("gift_balance10000", gift_balance=False), Reason.PARSE),
        (500, DOCUMENTED, Reason.HTTP),  # a balance under a failed status is not trusted
        (401, DOCUMENTED, Reason.AUTH),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


def test_loopback_reads_general_and_gift_balance() -> None:
    twin = EngageLabTwin()
    account = twin.sample_account("engagelab-gift")
    account.gift = 3.25
    with Simulator([twin], [account]) as sim:
        balance = UpstreamClient().fetch_balance(
            EngageLab(**account.credentials), sim.base_url("engagelab"), time.monotonic() + 5
        )
    assert balance.amount == pytest.approx(account.current_balance(), abs=0.01)
    assert balance.gift_amount == pytest.approx(3.25)
    assert balance.currency == account.currency == "USD"


def test_loopback_non_default_currency_via_options() -> None:
    account = SimAccount(
        name="engagelab-eur",
        provider="engagelab",
        credentials={"dev_key": "eur-key", "dev_secret": "eur-secret"},
        currency="EUR",
        options={"currency": "EUR"},
    )
    with Simulator([EngageLabTwin()], [account]) as sim:
        config = sim.exporter_account(account.name)
        base_url = config.pop("base_url")
        del config["name"], config["provider"]
        balance = UpstreamClient().fetch_balance(
            EngageLab(**config), base_url, time.monotonic() + 5
        )
    assert balance.currency == "EUR"
    assert balance.amount == pytest.approx(account.current_balance(), abs=0.01)
