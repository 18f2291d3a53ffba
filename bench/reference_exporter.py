"""The simplest exporter that could do the job, to compare the real one with.

A prometheus_client collector whose `collect()` asks every configured account through a
`ThreadPoolExecutor` and one `requests.Session`, using the package's providers to build each
request and read its answer. No deadlines beyond a socket timeout, no shared in-flight queries,
no limits per credential, no landing page: only what a scrape of `/metrics` needs.

    python bench/reference_exporter.py --config.file CFG --port PORT [--workers N]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import signal
import sys
import threading
from collections.abc import Iterator

import requests
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from sms_balance_exporter.config import Account, load_config
from sms_balance_exporter.providers import Balance, HttpRequest, HttpResponse


class ReferenceCollector(Collector):
    def __init__(self, accounts: list[Account], workers: int) -> None:
        self._accounts = accounts
        self._executor = concurrent.futures.ThreadPoolExecutor(workers)
        self._session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=workers)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def _perform(self, request: HttpRequest, timeout: float) -> HttpResponse:
        response = self._session.request(
            request.method,
            request.url,
            headers=dict(request.headers),
            params=dict(request.params) or None,
            json=request.json_body,
            data=dict(request.form_body) if request.form_body is not None else None,
            auth=request.basic_auth,
            timeout=timeout,
        )
        return HttpResponse(response.status_code, dict(response.headers), response.content)

    def _fetch(self, account: Account) -> Balance | None:
        try:
            return account.provider.fetch_balance(
                account.base_url.rstrip("/"), lambda r: self._perform(r, account.timeout)
            )
        except Exception:
            return None

    def collect(self) -> Iterator[Metric]:
        labels = ["provider", "account"]
        up = GaugeMetricFamily("sms_balance_up", "1 if the query succeeded.", labels=labels)
        amount = GaugeMetricFamily("sms_balance_amount", "Balance.", labels=[*labels, "currency"])
        messages = GaugeMetricFamily("sms_balance_messages", "Messages.", labels=labels)
        results = self._executor.map(self._fetch, self._accounts)
        for account, balance in zip(self._accounts, results, strict=True):
            names = [account.provider_id, account.name]
            up.add_metric(names, 0.0 if balance is None else 1.0)
            if balance is not None and balance.amount is not None:
                amount.add_metric([*names, balance.currency or "UNKNOWN"], balance.amount)
            if balance is not None and balance.messages is not None:
                messages.add_metric(names, balance.messages)
        yield from (amount, messages, up)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config.file", dest="config_file", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=128)
    args = parser.parse_args(argv)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ReferenceCollector(load_config(args.config_file).accounts, args.workers))
    start_http_server(args.port, addr="127.0.0.1", registry=registry)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()


if __name__ == "__main__":
    main(sys.argv[1:])
