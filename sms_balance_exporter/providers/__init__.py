"""The provider registry: provider id -> provider class."""

from __future__ import annotations

from sms_balance_exporter.providers.base import (
    Balance,
    HttpRequest,
    HttpResponse,
    Provider,
    ProviderError,
    Reason,
)
from sms_balance_exporter.providers.iletimerkezi import Iletimerkezi

PROVIDERS: dict[str, type[Provider]] = {
    provider.id: provider
    for provider in (
        Iletimerkezi,
    )
}

__all__ = [
    "PROVIDERS",
    "Balance",
    "HttpRequest",
    "HttpResponse",
    "Provider",
    "ProviderError",
    "Reason",
]
