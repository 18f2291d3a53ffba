"""The provider registry: provider id -> provider class.

Every module in this package except `base` defines one provider; they are found here, so
adding a provider means adding its module and nothing else in this package.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

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
        if module_info.name == "base":
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
