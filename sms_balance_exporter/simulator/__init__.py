"""Fake balance APIs of the built-in providers, for the demo, the tests and the benchmarks.

They speak the providers' documented wire formats (success and errors), drift balances down
over time and inject latency and faults. They share no code with the exporter's parsers: this
is the other side of the wire.
"""

from __future__ import annotations

from sms_balance_exporter.simulator.agiletelecom import AgileTelecomTwin
from sms_balance_exporter.simulator.core import Fault, SimAccount, Simulator, Twin
from sms_balance_exporter.simulator.engagelab import EngageLabTwin
from sms_balance_exporter.simulator.gateway360 import Gateway360Twin
from sms_balance_exporter.simulator.iletimerkezi import IletimerkeziTwin
from sms_balance_exporter.simulator.smsdev import SmsDevTwin

TWINS: dict[str, type[Twin]] = {
    twin.provider_id: twin
    for twin in (
        IletimerkeziTwin,
        Gateway360Twin,
        SmsDevTwin,
        EngageLabTwin,
        AgileTelecomTwin,
    )
}


def simulator(accounts: list[SimAccount] | None = None, port: int = 0) -> Simulator:
    """A simulator of every built-in provider (not started)."""
    return Simulator([twin() for twin in TWINS.values()], accounts or [], port=port)


__all__ = ["TWINS", "Fault", "SimAccount", "Simulator", "Twin", "simulator"]
