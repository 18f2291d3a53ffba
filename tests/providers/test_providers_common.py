"""What every built-in provider does whatever its API says: an HTML error page is `http` (or
`parse` under HTTP 200), an empty body `parse`, a status that speaks for itself decides, and a
failed connection never shows a credential (several send them in the URL); and what every
definition does: a plain-text answer under HTTP 200 is the provider's own message. Each
provider's own test file holds only what is specific to it."""

from __future__ import annotations

import time

import pytest

from sms_balance_exporter.providers import PROVIDERS, Provider, ProviderError, Reason
from sms_balance_exporter.providers.defined import DefinedProvider
from sms_balance_exporter.simulator import TWINS
from sms_balance_exporter.upstream import UpstreamClient
from tests.providers.defined import account
from tests.providers.wire import HTML_502, assert_fails, response

BUILT_IN = sorted(set(PROVIDERS) - {"generic"})
DEFINITIONS = [
    provider_id for provider_id in BUILT_IN if issubclass(PROVIDERS[provider_id], DefinedProvider)
]


def provider_of(provider_id: str, host: str = "https://api.example.test") -> Provider:
    """An account of the provider, loaded as `check` loads it, with every URL it has at
    `host`. A definition's credentials are values that need encoding in a URL (so their
    encoded forms are checked too); a module's are its twin's sample ones, which fit the
    formats the module checks."""
    provider = PROVIDERS[provider_id]
    fields: dict[str, str]
    if issubclass(provider, DefinedProvider):
        definition = provider.definition
        fields = {
            name: f"{provider_id}-{name}-S3cret&Value 0123456789"
            for name in (*definition.credentials, *definition.optional_credentials)
        }
        urls = [name for name, default in definition.parameters.items() if "://" in default]
    else:
        sample = TWINS[provider_id]().sample_account("common")
        fields, urls = dict(sample.credentials), list(sample.options)
    # A URL option (Routee's auth_url) points at `host` too: no test leaves this machine.
    return account(provider_id, base_url=host, **fields, **dict.fromkeys(urls, host)).provider


def test_every_provider_is_covered() -> None:
    assert len(BUILT_IN) == 40
    assert {"seven", "smscru", "smsru", "semaphore", "termii"} <= set(DEFINITIONS)


PAGES = [HTML_502, "<html><body>Maintenance</body></html>", "<html>maintenance</html>"]


@pytest.mark.parametrize("provider_id", BUILT_IN)
@pytest.mark.parametrize(("status", "reason"), [(502, Reason.HTTP), (200, Reason.PARSE)])
def test_an_html_error_page(provider_id: str, status: int, reason: Reason) -> None:
    provider = provider_of(provider_id)
    for page in PAGES:
        for content_type in ("text/html; charset=utf-8", "application/json"):
            with pytest.raises(ProviderError) as caught:
                provider.parse_response(response(status, page, content_type))
            assert caught.value.reason is reason, caught.value.message


@pytest.mark.parametrize("provider_id", BUILT_IN)
def test_an_empty_body_is_parse(provider_id: str) -> None:
    provider = provider_of(provider_id)
    for body in ("", " ", "\n", "  \n", "   "):
        assert_fails(provider, 200, body, Reason.PARSE)


@pytest.mark.parametrize("provider_id", DEFINITIONS)
def test_a_text_answer_under_http_200_is_the_providers_message(provider_id: str) -> None:
    with pytest.raises(ProviderError) as caught:
        provider_of(provider_id).parse_response(
            response(200, "Unauthorized", "text/plain; charset=utf-8")
        )
    assert caught.value.reason is Reason.PROVIDER


@pytest.mark.parametrize("provider_id", BUILT_IN)
@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (401, Reason.AUTH),
        (403, Reason.AUTH),
        (429, Reason.RATE_LIMITED),
        (500, Reason.HTTP),
        (503, Reason.HTTP),
    ],
)
def test_a_status_that_speaks_for_itself(provider_id: str, status: int, reason: Reason) -> None:
    provider = provider_of(provider_id)
    for body in ("", "Unauthorized", "Forbidden", "<html><body>Service Unavailable</body></html>"):
        for content_type in ("application/json", "text/plain", "text/html"):
            with pytest.raises(ProviderError) as caught:
                provider.parse_response(response(status, body, content_type))
            assert caught.value.reason is reason, caught.value.message


@pytest.mark.parametrize("provider_id", BUILT_IN)
@pytest.mark.parametrize(
    ("status", "reason"), [(401, Reason.AUTH), (403, Reason.AUTH), (429, Reason.RATE_LIMITED)]
)
def test_a_json_message_under_an_auth_or_rate_limit_status(
    provider_id: str, status: int, reason: Reason
) -> None:
    provider = provider_of(provider_id)
    for message in ("Unauthorized", "Forbidden", "Too Many Requests"):
        assert_fails(provider, status, {"message": message}, reason)


@pytest.mark.parametrize("provider_id", BUILT_IN)
def test_transport_errors_never_show_a_credential(provider_id: str, refused_port: int) -> None:
    host = f"http://127.0.0.1:{refused_port}"
    provider = provider_of(provider_id, host)
    with pytest.raises(ProviderError) as caught:
        UpstreamClient().fetch_balance(provider, host, time.monotonic() + 5)
    assert caught.value.reason is Reason.CONNECTION
    shown = str(caught.value)
    assert provider.secret_values()
    for secret in provider.secret_values():
        assert secret not in shown
