"""The command line: flags (each also an SMS_BALANCE_EXPORTER_* environment variable),
wiring, and clear messages with a non-zero exit for user errors."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any, NoReturn

import click

from sms_balance_exporter import __version__
from sms_balance_exporter.config import Config, ConfigError, load_config
from sms_balance_exporter.logs import LEVELS, scrub, set_known_secrets, setup_logging
from sms_balance_exporter.numbers import grouped
from sms_balance_exporter.politeness import MAX_IN_FLIGHT
from sms_balance_exporter.runtime import ExporterRuntime, config_secrets
from sms_balance_exporter.server import (
    DEFAULT_PORT,
    SHUTDOWN_SECONDS,
    ExporterServer,
    ListenAddressError,
)
from sms_balance_exporter.service import AccountSnapshot, BalanceService
from sms_balance_exporter.status import account_status
from sms_balance_exporter.upstream import UpstreamClient
from sms_balance_exporter.webconfig import WebConfigError, WebConfigWatcher

log = logging.getLogger("sms_balance_exporter")

ENV_PREFIX = "SMS_BALANCE_EXPORTER_"


def _env(flag: str) -> str:
    return ENV_PREFIX + flag.upper().replace(".", "_").replace("-", "_")


def _option(flag: str, dest: str, **kwargs: Any) -> Callable[[Any], Any]:
    return click.option(f"--{flag}", dest, envvar=_env(flag), show_envvar=True, **kwargs)


config_file_option = _option(
    "config.file", "config_file", required=True, metavar="PATH", help="YAML config file."
)
listen_option = _option(
    "web.listen-address",
    "listen_address",
    default=f":{DEFAULT_PORT}",
    show_default=True,
    help="Address to serve on, HOST:PORT.",
)
log_level_option = _option(
    "log.level", "log_level", type=click.Choice(list(LEVELS)), default="info", show_default=True
)
log_format_option = _option(
    "log.format",
    "log_format",
    type=click.Choice(["logfmt", "json"]),
    default="logfmt",
    show_default=True,
)


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _load(path: str) -> Config:
    """The config at `path`, its secrets registered with the log scrubber before any use."""
    try:
        config = load_config(path)
    except ConfigError as error:
        _config_failure(error)
    set_known_secrets(config_secrets(config))
    return config


def _log_warnings(config: Config) -> Config:
    for warning in config.warnings:
        log.warning("config warning", extra={"warning": warning})
    return config


def _config_failure(error: ConfigError) -> NoReturn:
    _fail("invalid config:\n" + "\n".join(f"  {p}" for p in error.problems))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sms-balance-exporter")
def main() -> None:
    """Prometheus exporter for the balance of prepaid SMS provider accounts."""


@main.command()
@config_file_option
@listen_option
@_option("web.config.file", "web_config_file", metavar="PATH", help="exporter-toolkit web config.")
@_option(
    "query.max-concurrency",
    "max_concurrency",
    type=click.IntRange(1, 1024),
    default=MAX_IN_FLIGHT,
    show_default=True,
    help="Balance queries in flight at once, over all accounts.",
)
@log_level_option
@log_format_option
def serve(
    config_file: str,
    listen_address: str,
    web_config_file: str | None,
    max_concurrency: int,
    log_level: str,
    log_format: str,
) -> None:
    """Serve metrics, querying every account on each scrape."""
    setup_logging(log_level, log_format)
    web = _watch_web_config(web_config_file)
    try:
        runtime = ExporterRuntime(
            lambda: _log_warnings(load_config(config_file)),
            basic_auth=web,
            max_concurrency=max_concurrency,
        )
    except ConfigError as error:  # a bad config stops here with the full list of problems
        _config_failure(error)
    _run_server(runtime, listen_address, reload_on_sighup=True, web=web)


@main.command()
@config_file_option
def check(config_file: str) -> None:
    """Validate the config file; exit 0 if valid, 1 if not."""
    config = _load(config_file)
    for warning in config.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{config_file}: valid, {len(config.accounts)} account(s)")


@main.command()
@config_file_option
@_option(
    "output", "output", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@log_level_option
@log_format_option
def query(config_file: str, output: str, log_level: str, log_format: str) -> None:
    """Ask every account once and print the result; exit 1 if any failed."""
    setup_logging(log_level if log_level != "info" else "error", log_format)
    config = _load(config_file)
    service = BalanceService(UpstreamClient(), provider_limit=config.concurrency_for)
    try:
        snapshots = service.query(config.accounts)
    finally:
        service.shutdown()
    rows = [_result_row(s) for s in snapshots]
    # Scrubbed like a log line: an error message may quote what a provider sent back.
    if output == "json":
        click.echo(scrub(json.dumps(rows, indent=2, ensure_ascii=False)))
    else:
        click.echo(scrub(_table(rows)))
    sys.exit(0 if all(row["up"] for row in rows) else 1)


@main.command()
@listen_option
@log_level_option
@log_format_option
def demo(listen_address: str, log_level: str, log_format: str) -> None:
    """Run the exporter against built-in simulated provider APIs; no credentials needed."""
    from sms_balance_exporter.demo import demo_config, demo_simulator

    setup_logging(log_level, log_format)
    sim = demo_simulator().start()
    config = demo_config(sim)
    log.info("simulated provider APIs started", extra={"url": sim.url})
    try:
        _run_server(ExporterRuntime(lambda: config), listen_address, reload_on_sighup=False)
    finally:
        sim.stop()


def _watch_web_config(path: str | None) -> WebConfigWatcher | None:
    if not path:
        return None
    try:
        return WebConfigWatcher(path)
    except WebConfigError as error:
        _fail(f"invalid web config:\n{error}")


def _run_server(
    runtime: ExporterRuntime,
    listen_address: str,
    reload_on_sighup: bool,
    web: WebConfigWatcher | None = None,
) -> None:
    tls = web.tls if web is not None and web.current().tls is not None else None
    try:
        server = ExporterServer(runtime.app, listen_address, tls)
    except ListenAddressError as error:
        _fail(str(error))
    signals = _SignalInbox(reload_on_sighup)
    server.start()
    log.info(
        "serving",
        extra={
            "version": __version__,
            "address": listen_address,
            "port": server.port,
            "accounts": len(runtime.config.accounts),
            "tls": tls is not None,
        },
    )
    while signals.next() == signal.SIGHUP:
        _reload_quietly(runtime)
    log.info("shutting down")
    stopping = threading.Thread(target=_stop, args=(server, runtime), name="stop", daemon=True)
    stopping.start()
    # In-flight answers get SHUTDOWN_SECONDS; a client or provider that hangs beyond that
    # must not hold the process (Kubernetes sends SIGKILL after its grace period).
    stopping.join(SHUTDOWN_SECONDS + 1.0)
    if stopping.is_alive():
        log.warning("requests still running at shutdown were cut off")
        logging.shutdown()
        os._exit(0)


class _SignalInbox:
    """SIGTERM, SIGINT (and SIGHUP if asked) as numbers the main thread reads in turn.

    Nothing is done inside a signal handler: a handler runs in the main thread between two
    of its steps, so one that takes a lock (`Event.set`, logging, a reload) deadlocks when the
    signal lands while the main thread holds that lock (seen: SIGTERM right after start-up
    hung the process). Python's C-level handler writes the number to a socket instead.
    """

    def __init__(self, with_sighup: bool) -> None:
        self._inbox, wakeup = socket.socketpair()
        wakeup.setblocking(False)
        self._wakeup = wakeup  # kept open for as long as the handlers may write to it
        signal.set_wakeup_fd(wakeup.fileno(), warn_on_full_buffer=False)
        for number in (signal.SIGTERM, signal.SIGINT, *([signal.SIGHUP] if with_sighup else [])):
            signal.signal(number, lambda *_: None)  # the number reaches the socket
        self._pending: list[int] = []

    def next(self) -> int:
        """The next signal received, waiting for one."""
        while not self._pending:
            self._pending.extend(self._inbox.recv(64))
        return self._pending.pop(0)


def _stop(server: ExporterServer, runtime: ExporterRuntime) -> None:
    server.stop()
    runtime.service.shutdown()


def _reload_quietly(runtime: ExporterRuntime) -> None:
    # On a thread of its own, so SIGTERM is read while a slow reload runs; reload logs its
    # own outcome, and a bad config keeps the old one.
    threading.Thread(target=_try_reload, args=(runtime,), name="reload", daemon=True).start()


def _try_reload(runtime: ExporterRuntime) -> None:
    with contextlib.suppress(Exception):  # logged by reload; the old config keeps serving
        runtime.reload()


def _result_row(snapshot: AccountSnapshot) -> dict[str, Any]:
    result = snapshot.result
    balance = result.balance
    status = account_status(balance, result.ok, snapshot.account.low_balance)
    return {
        "account": snapshot.account.name,
        "provider": snapshot.account.provider_id,
        "up": result.ok,
        "status": status.value,
        "amount": balance.amount if balance else None,
        "currency": balance.currency if balance else None,
        "messages": balance.messages if balance else None,
        "gift_amount": balance.gift_amount if balance else None,
        "duration_seconds": round(result.duration, 3),
        "reason": result.error.reason.value if result.error else None,
        "error": result.error.message if result.error else None,
    }


def _table(rows: list[dict[str, Any]]) -> str:
    headers = ["ACCOUNT", "PROVIDER", "STATUS", "AMOUNT", "MESSAGES", "GIFT", "TIME", "ERROR"]
    lines = [headers]
    for row in rows:
        currency = f" {row['currency']}" if row["currency"] else ""
        lines.append(
            [
                row["account"],
                row["provider"],
                row["status"],
                "" if row["amount"] is None else f"{grouped(row['amount'])}{currency}",
                "" if row["messages"] is None else grouped(row["messages"]),
                "" if row["gift_amount"] is None else f"{grouped(row['gift_amount'])}{currency}",
                f"{row['duration_seconds']:.3f}s",
                f"{row['reason']}: {row['error']}" if row["reason"] else "",
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )
