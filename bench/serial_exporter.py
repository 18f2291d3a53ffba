"""The serial model, for comparison: the same exporter with a pool of one worker, so a scrape
asks one account after the other, as exporters that loop over their accounts do.

    python bench/serial_exporter.py --config.file CFG --web.listen-address 127.0.0.1:PORT
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from sms_balance_exporter.config import load_config
from sms_balance_exporter.logs import setup_logging
from sms_balance_exporter.runtime import ExporterRuntime
from sms_balance_exporter.server import ExporterServer
from sms_balance_exporter.service import BalanceService
from sms_balance_exporter.upstream import UpstreamClient


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config.file", dest="config_file", required=True)
    parser.add_argument("--web.listen-address", dest="listen_address", required=True)
    args = parser.parse_args(argv)
    setup_logging("error")
    service = BalanceService(UpstreamClient(), max_concurrency=1)
    runtime = ExporterRuntime(lambda: load_config(args.config_file), service=service)
    server = ExporterServer(runtime.app, args.listen_address).start(poll_interval=0.1)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()
    service.shutdown()


if __name__ == "__main__":
    main(sys.argv[1:])
