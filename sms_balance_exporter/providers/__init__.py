"""The provider registry: provider id -> provider class.

A provider is a module of this package (one class; `base`, `defined` and helper modules
define none) or a YAML definition in `definitions/` (read by `defined`); both are found here,
so adding a provider means adding its module or its definition and nothing else.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from sms_balance_exporter.providers import defined
from sms_balance_exporter.providers.base import (
    Balance,
    HttpRequest,
    HttpResponse,
    Provider,
    ProviderError,
    Reason,
)


def _discover() -> dict[str, type[Provider]]:
    found: dict[str, type[Provider]] = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name in ("base", "defined"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, Provider)
                and value.__module__ == module.__name__
                and not inspect.isabstract(value)
            ):
                if value.id in found:
                    raise RuntimeError(f"two providers with the id {value.id!r}")
                found[value.id] = value
    for provider_id, provider in defined.load_all().items():
        if provider_id in found:
            raise RuntimeError(f"a definition and a module both have the id {provider_id!r}")
        found[provider_id] = provider
    return dict(sorted(found.items()))


PROVIDERS: dict[str, type[Provider]] = _discover()

__all__ = [
    "PROVIDERS",
    "Balance",
    "HttpRequest",
    "HttpResponse",
    "Provider",
    "ProviderError",
    "Reason",
]
