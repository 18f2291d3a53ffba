"""`--web.config.file`: the exporter-toolkit `web-config.yml` format (the subset of SPEC.md):
TLS for the exporter's own endpoints, and basic auth users with bcrypt hashes.

As exporter-toolkit does, the file is read again when it, or a certificate, key or CA file it
names, changes (checked on each new connection and each authenticated request: a few
`stat` calls); a bad new version keeps the one in force and is logged once.
"""

from __future__ import annotations

import logging
import os
import re
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from sms_balance_exporter.basic_auth import BasicAuth
from sms_balance_exporter.config import safe_load_yaml

log = logging.getLogger(__name__)

_BCRYPT_HASH = re.compile(r"\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}")


class WebConfigError(Exception):
    """An invalid web config; the message names the file and the key."""


class ClientAuth(StrEnum):
    NO_CLIENT_CERT = "NoClientCert"
    REQUEST_CLIENT_CERT = "RequestClientCert"
    REQUIRE_ANY_CLIENT_CERT = "RequireAnyClientCert"
    VERIFY_CLIENT_CERT_IF_GIVEN = "VerifyClientCertIfGiven"
    REQUIRE_AND_VERIFY_CLIENT_CERT = "RequireAndVerifyClientCert"


_TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _TlsServerConfig(_Strict):
    cert_file: str
    key_file: str
    client_auth_type: ClientAuth = ClientAuth.NO_CLIENT_CERT
    client_ca_file: str | None = None
    min_version: str = "TLS12"
    max_version: str = "TLS13"

    @field_validator("min_version", "max_version")
    @classmethod
    def _known_version(cls, version: str) -> str:
        if version not in _TLS_VERSIONS:
            raise ValueError(f"must be one of {', '.join(_TLS_VERSIONS)}")
        return version

    @field_validator("client_auth_type")
    @classmethod
    def _supported_client_auth(cls, kind: ClientAuth) -> ClientAuth:
        # Python's ssl module verifies every client certificate it asks for; these two modes
        # accept unverified ones, which it cannot do.
        if kind in (ClientAuth.REQUEST_CLIENT_CERT, ClientAuth.REQUIRE_ANY_CLIENT_CERT):
            raise ValueError(
                f"{kind.value} is not supported; use VerifyClientCertIfGiven or "
                "RequireAndVerifyClientCert with a client_ca_file"
            )
        return kind

    @model_validator(mode="after")
    def _ca_matches_policy(self) -> _TlsServerConfig:
        verifies = self.client_auth_type is not ClientAuth.NO_CLIENT_CERT
        if verifies and not self.client_ca_file:
            raise ValueError(f"client_auth_type {self.client_auth_type.value} needs client_ca_file")
        if not verifies and self.client_ca_file:
            raise ValueError("client_ca_file is set but client_auth_type is NoClientCert")
        if _TLS_VERSIONS[self.min_version] > _TLS_VERSIONS[self.max_version]:
            raise ValueError("min_version is above max_version")
        return self


class _WebConfigFile(_Strict):
    tls_server_config: _TlsServerConfig | None = None
    basic_auth_users: dict[str, str] | None = None

    @field_validator("basic_auth_users")
    @classmethod
    def _bcrypt_hashes(cls, users: dict[str, str] | None) -> dict[str, str] | None:
        for user, hashed in (users or {}).items():
            if not user:
                raise ValueError("a user name is empty")
            if not isinstance(hashed, str) or not _BCRYPT_HASH.fullmatch(hashed):
                # Never echo the value: a plain password may have been pasted by mistake.
                raise ValueError(f"the hash of user {user!r} is not a bcrypt hash")
        return users


@dataclass(frozen=True)
class WebConfig:
    """The validated web config: a TLS context (or None) and bcrypt hashes by user."""

    tls: ssl.SSLContext | None
    basic_auth_users: dict[str, bytes]
    files: tuple[str, ...] = ()  # the files it was read from, watched for changes


def load_web_config(path: str) -> WebConfig:
    """Read and validate `path`; raise `WebConfigError` with a message for people."""
    try:
        raw = safe_load_yaml(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise WebConfigError(f"{path}: cannot read web config file: {error.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError):
        raise WebConfigError(f"{path}: not valid YAML") from None
    try:
        parsed = _WebConfigFile.model_validate(raw or {})
    except ValidationError as error:
        problems = []
        for detail in error.errors(include_input=False, include_url=False):
            where = ".".join(str(part) for part in detail["loc"]) or "top level"
            message = detail["msg"].removeprefix("Value error, ")
            if detail["type"] == "extra_forbidden":
                message = "unknown or unsupported key"
            problems.append(f"{path}: {where}: {message}")
        raise WebConfigError("\n".join(problems)) from None
    base = Path(path).parent
    tls_config = parsed.tls_server_config
    tls = _tls_context(tls_config, base, path) if tls_config else None
    users = {user: hashed.encode() for user, hashed in (parsed.basic_auth_users or {}).items()}
    files = [path]
    if tls_config:
        names = [tls_config.cert_file, tls_config.key_file, tls_config.client_ca_file]
        files += [str(base / name) for name in names if name]
    return WebConfig(tls=tls, basic_auth_users=users, files=tuple(files))


def _fingerprint(files: tuple[str, ...]) -> tuple[tuple[int, ...], ...]:
    stamps: list[tuple[int, ...]] = []
    for name in files:
        try:
            st = os.stat(name)
        except OSError:
            stamps.append(())
            continue
        stamps.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(stamps)


class WebConfigWatcher:
    """The web config in force, and its basic auth; re-read when one of its files changes."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._config = load_web_config(path)
        self._auth = BasicAuth(self._config.basic_auth_users)
        self._stamp = _fingerprint(self._config.files)
        self._lock = threading.Lock()

    def current(self) -> WebConfig:
        if _fingerprint(self._config.files) != self._stamp:
            with self._lock:
                self._refresh()
        return self._config

    def tls(self) -> ssl.SSLContext:
        """The TLS context for the next connection (the server was started with TLS)."""
        context = self.current().tls
        assert context is not None
        return context

    def allows(self, authorization: str | None) -> bool:
        self.current()
        return self._auth.allows(authorization)

    def _refresh(self) -> None:
        stamp = _fingerprint(self._config.files)
        if stamp == self._stamp:
            return  # another thread has just done it
        self._stamp = stamp  # a bad version is logged once, not on every request
        try:
            config = load_web_config(self._path)
            if (config.tls is None) != (self._config.tls is None):
                raise WebConfigError(
                    f"{self._path}: TLS cannot be turned on or off without a restart"
                )
            auth = BasicAuth(config.basic_auth_users)
        except Exception as error:  # any failure keeps the config in force
            message = str(error) if isinstance(error, WebConfigError) else type(error).__name__
            log.error("web config reload failed, keeping the old one", extra={"error": message})
            return
        self._config, self._auth = config, auth
        self._stamp = _fingerprint(config.files)
        log.info("web config reloaded", extra={"users": len(config.basic_auth_users)})


def _tls_context(config: _TlsServerConfig, base: Path, path: str) -> ssl.SSLContext:
    # Relative file names are relative to the web config file, as in exporter-toolkit.
    def resolve(name: str) -> str:
        return str(base / name)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = _TLS_VERSIONS[config.min_version]
    context.maximum_version = _TLS_VERSIONS[config.max_version]
    _load(
        path,
        "cert_file/key_file",
        lambda: context.load_cert_chain(resolve(config.cert_file), resolve(config.key_file)),
    )
    if config.client_ca_file:
        ca_file = resolve(config.client_ca_file)
        _load(path, "client_ca_file", lambda: context.load_verify_locations(ca_file))
    context.verify_mode = {
        ClientAuth.NO_CLIENT_CERT: ssl.CERT_NONE,
        ClientAuth.VERIFY_CLIENT_CERT_IF_GIVEN: ssl.CERT_OPTIONAL,
        ClientAuth.REQUIRE_AND_VERIFY_CLIENT_CERT: ssl.CERT_REQUIRED,
    }[config.client_auth_type]
    return context


def _load(path: str, what: str, load: Callable[[], None]) -> None:
    """Run `load`, turning a missing or unreadable file into a `WebConfigError`."""
    try:
        load()
    except (OSError, ssl.SSLError) as error:
        reason = getattr(error, "strerror", None) or getattr(error, "reason", None) or error
        raise WebConfigError(f"{path}: tls_server_config: cannot load {what}: {reason}") from None
