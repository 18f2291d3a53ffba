"""Esendex (a definition): HTTP Basic, an XML list of accounts, text/plain errors; and the XML
reader's hardening (no DTD, entities or external references), over loopback too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.simulator import SimAccount, Simulator
from sms_balance_exporter.simulator.core import SimResponse
from sms_balance_exporter.simulator.esendex import EsendexTwin
from tests.providers.defined import defined, request_of
from tests.providers.loopback import fetch
from tests.providers.wire import response

USER = "ops@example.com"
PASSWORD = "esendex-Pa55word"
PROVIDER = defined("esendex", username=USER, password=PASSWORD)
XML = "application/xml"


def accounts(*remaining: str) -> str:
    """The Go SDK fixture's shape, one <account> per `remaining` element text."""
    entries = "".join(
        f'<account id="a{i}" uri="http://someaccount"><reference>EX09305{i}</reference>'
        f"<label>My account</label><address>443523</address><type>Professional</type>"
        f"{text}<expireson>2012-01-01T12:00:05</expireson><role>CoolUser</role>"
        '<settings uri="http://somesettings" /></account>'
        for i, text in enumerate(remaining)
    )
    return f'<accounts xmlns="http://api.esendex.com/ns/">{entries}</accounts>'


def read(body: str, status: int = 200, content_type: str = XML) -> Balance:
    return PROVIDER.parse_response(response(status, body, content_type))


def failure(body: str, status: int = 200, content_type: str = XML) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        read(body, status, content_type)
    assert PASSWORD not in caught.value.message
    return caught.value


def test_request_is_a_basic_auth_get_of_accounts() -> None:
    request = request_of("esendex", username=USER, password=PASSWORD)
    assert (request.method, request.url) == ("GET", "https://api.esendex.com/v1.0/accounts")
    assert request.basic_auth == (USER, PASSWORD)


def test_documented_success() -> None:
    body = accounts("<messagesremaining>2322</messagesremaining>")
    assert read(body) == Balance(messages=2322.0)


def test_the_first_of_several_accounts_is_read() -> None:
    body = accounts(
        "<messagesremaining>10</messagesremaining>", "<messagesremaining>20</messagesremaining>"
    )
    assert read(body).messages == 10.0


def test_without_a_namespace_and_with_a_declaration() -> None:
    body = (
        '<?xml version="1.0" encoding="utf-8"?><accounts><account>'
        "<messagesremaining> 7 </messagesremaining></account></accounts>"
    )
    assert read(body).messages == 7.0


@pytest.mark.parametrize(
    ("body", "status", "content_type", "reason"),
    [
        ("Authentication failed", 401, "text/plain", Reason.AUTH),
        ("Forbidden", 403, "text/plain", Reason.AUTH),
        ("An internal error occurred", 500, "text/plain", Reason.HTTP),
        ("Authentication failed", 200, "text/plain", Reason.PROVIDER),
        (accounts(""), 200, XML, Reason.PARSE),  # no messagesremaining
        (accounts("<messagesremaining>many</messagesremaining>"), 200, XML, Reason.PARSE),
        (accounts("<messagesremaining><x/></messagesremaining>"), 200, XML, Reason.PARSE),
        ('<accounts xmlns="http://api.esendex.com/ns/"/>', 200, XML, Reason.PARSE),
        ("<accounts><account>", 200, XML, Reason.PARSE),
        ('{"messagesremaining": 5}', 200, "application/json", Reason.PARSE),
        ("", 200, XML, Reason.PARSE),
    ],
)
def test_error_shapes(body: str, status: int, content_type: str, reason: Reason) -> None:
    assert failure(body, status, content_type).reason is reason


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    "<accounts><account><messagesremaining>&lol3;</messagesremaining></account></accounts>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE accounts [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<accounts><account><messagesremaining>&xxe;</messagesremaining></account></accounts>"
)
EXTERNAL_DTD = (
    '<?xml version="1.0"?><!DOCTYPE accounts SYSTEM "http://127.0.0.1:9/evil.dtd">'
    "<accounts><account><messagesremaining>1</messagesremaining></account></accounts>"
)


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD])
def test_entities_and_dtds_are_refused(body: str) -> None:
    error = failure(body)
    assert error.reason is Reason.PARSE
    assert "refused" in error.message


class EvilEsendexTwin(EsendexTwin):
    """Esendex's API turned hostile: it answers `body` to a valid request."""

    def __init__(self, body: str) -> None:
        self.body = body

    def success(self, account: SimAccount) -> SimResponse:
        return SimResponse(200, self.body, "application/xml")


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_entities_are_refused_over_loopback(body: str) -> None:
    account = EsendexTwin().sample_account("evil")
    with (
        Simulator([EvilEsendexTwin(body)], [account]) as sim,
        pytest.raises(ProviderError) as caught,
    ):
        fetch(sim, "evil")
    assert caught.value.reason is Reason.PARSE
    assert "root:" not in caught.value.message


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    account = EsendexTwin().sample_account("esx")
    with Simulator([EsendexTwin()], [account]) as running:
        yield running


def test_against_the_twin_over_loopback(sim: Simulator) -> None:
    assert fetch(sim, "esx").messages == sim.accounts["esx"].current_messages()
