"""The running exporter: the config in force, the balance service, the web app, and reload."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sms_balance_exporter.basic_auth import Authenticator
from sms_balance_exporter.collector import ExporterCollector
from sms_balance_exporter.config import Config
from sms_balance_exporter.logs import set_known_secrets
from sms_balance_exporter.politeness import MAX_IN_FLIGHT
from sms_balance_exporter.service import BalanceService
from sms_balance_exporter.upstream import UpstreamClient
from sms_balance_exporter.web import ExporterApp, reload_error_message

log = logging.getLogger(__name__)


class ExporterRuntime:
    """Holds the config in force. `load` reads a config (raising `ConfigError`); reload
    swaps in a valid new one for the next scrape and keeps the old one otherwise."""

    def __init__(
        self,
        load: Callable[[], Config],
        service: BalanceService | None = None,
        basic_auth: Authenticator | None = None,
        max_concurrency: int = MAX_IN_FLIGHT,
    ) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._config = load()
        self.last_reload_successful = True
        self.last_reload_success_time = time.time()  # the start-up load counts as one
        set_known_secrets(config_secrets(self._config))
        self.service = service or BalanceService(
            UpstreamClient(max_concurrency),
            max_concurrency,
            provider_limit=lambda provider: self._config.concurrency_for(provider),
        )
        self.app = ExporterApp(
            lambda: self._config,
            self.service,
            reload=self.reload,
            basic_auth=basic_auth,
            own_metrics=ExporterCollector(self),
        )

    @property
    def config(self) -> Config:
        return self._config

    def reload(self) -> None:
        """Re-read the config. On error, log it, keep the old config and re-raise."""
        with self._lock:
            try:
                config = self._load()
            except BaseException as error:  # MemoryError, OSError, anything: the old one stays
                self.last_reload_successful = False
                log.error(
                    "config reload failed, keeping the old config",
                    extra={"error": reload_error_message(error)},
                )
                raise
            # Before any scrape can use them; the old ones stay too, for scrapes still
            # running on the old config.
            set_known_secrets(config_secrets(config) + config_secrets(self._config))
            self._config = config  # one assignment: a scrape sees the old or the new, whole
            self.last_reload_successful = True
            self.last_reload_success_time = time.time()
            self.service.forget_except(config.accounts)
        log.info("config reloaded", extra={"accounts": len(config.accounts)})


def config_secrets(config: Config) -> list[str]:
    """Every credential `config` holds, for the log scrubber."""
    return [value for account in config.accounts for value in account.provider.secret_values()]
