"""The provider registry: provider id -> provider class."""

from __future__ import annotations

from sms_balance_exporter.providers.agiletelecom import AgileTelecom
from sms_balance_exporter.providers.base import (
    Balance,
    HttpRequest,
    HttpResponse,
    Provider,
    ProviderError,
    Reason,
)
from sms_balance_exporter.providers.engagelab import EngageLab
from sms_balance_exporter.providers.gateway360 import Gateway360
from sms_balance_exporter.providers.iletimerkezi import Iletimerkezi
from sms_balance_exporter.providers.smsdev import SmsDev

PROVIDERS: dict[str, type[Provider]] = {
    provider.id: provider
    for provider in (
        Iletimerkezi,
        Gateway360,
        SmsDev,
        EngageLab,
        AgileTelecom,
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
