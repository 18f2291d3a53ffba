"""Fake balance APIs of the built-in providers, for the demo, the tests and the benchmarks.

They speak the providers' documented wire formats (success and errors), drift balances down
over time and inject latency and faults. They share no code with the exporter's parsers: this
is the other side of the wire. Every module here except `core` holds one provider's twin; they
are found here, so adding a twin means adding its module and nothing else.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import ssl

from sms_balance_exporter.simulator.core import Fault, SimAccount, Simulator, Twin


def _discover() -> dict[str, type[Twin]]:
    found: dict[str, type[Twin]] = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name in ("core", "__main__"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, Twin)
                and value.__module__ == module.__name__
                and not inspect.isabstract(value)
            ):
                found[value.provider_id] = value
    return dict(sorted(found.items()))


TWINS: dict[str, type[Twin]] = _discover()


def simulator(
    accounts: list[SimAccount] | None = None, port: int = 0, tls: ssl.SSLContext | None = None
) -> Simulator:
    """A simulator of every built-in provider (not started); HTTPS with a `tls` context."""
    return Simulator([twin() for twin in TWINS.values()], accounts or [], port=port, tls=tls)


__all__ = ["TWINS", "Fault", "SimAccount", "Simulator", "Twin", "simulator"]
