"""--web.config.file: validation, basic auth (bcrypt, no timing oracle, cache), TLS and mTLS,
and `promtool check web-config` on the files the docs show."""

from __future__ import annotations

import base64
import shutil
import socket
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bcrypt
import pytest
import requests
import trustme
import yaml

from sms_balance_exporter import basic_auth
from sms_balance_exporter.basic_auth import BasicAuth
from sms_balance_exporter.config import load_config
from sms_balance_exporter.runtime import ExporterRuntime
from sms_balance_exporter.server import ExporterServer
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.webconfig import WebConfigError, WebConfigWatcher, load_web_config
from tests.conftest import require_binary, sim_config

EXAMPLES = Path(__file__).parent.parent / "examples" / "web-config"
PASSWORD = b"s3cret-pass"
HASH = bcrypt.hashpw(PASSWORD, bcrypt.gensalt(rounds=4)).decode()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def certs(tmp_path: Path, ca: trustme.CA) -> Path:
    """exporter.crt/.key for 127.0.0.1, client-ca.crt, and a client cert in tmp_path."""
    server = ca.issue_cert("127.0.0.1", "localhost")
    server.private_key_pem.write_to_path(str(tmp_path / "exporter.key"))
    server.cert_chain_pems[0].write_to_path(str(tmp_path / "exporter.crt"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.crt"))
    client_ca = trustme.CA()
    client_ca.cert_pem.write_to_path(str(tmp_path / "client-ca.crt"))
    client = client_ca.issue_cert("prometheus@example")
    client.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "client.pem"))
    stranger = trustme.CA().issue_cert("stranger@example")
    stranger.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "stranger.pem"))
    return tmp_path


def write(path: Path, data: Any) -> str:
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return str(path)


@pytest.fixture
def serve(sim: Simulator, tmp_path: Path) -> Iterator[Callable[[dict[str, Any]], str]]:
    """Start an exporter with the web config `data`; return its base URL."""
    servers: list[tuple[ExporterServer, ExporterRuntime]] = []

    def start(data: dict[str, Any]) -> str:
        web = WebConfigWatcher(write(tmp_path / "web.yml", data))
        config_path = write(tmp_path / "config.yml", sim_config(sim, ["smsdev-1"]))
        runtime = ExporterRuntime(lambda: load_config(config_path), basic_auth=web)
        tls = web.tls if web.current().tls else None
        server = ExporterServer(runtime.app, "127.0.0.1:0", tls).start(poll_interval=0.05)
        servers.append((server, runtime))
        scheme = "https" if tls else "http"
        return f"{scheme}://127.0.0.1:{server.port}"

    yield start
    for server, runtime in servers:
        server.stop()
        runtime.service.shutdown()


# ---- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"basic_auth_users": {"p": "plaintext"}}, "the hash of user 'p' is not a bcrypt hash"),
        ({"basic_auth_users": {"p": HASH}, "http_server_config": {}}, "unknown or unsupported"),
        ({"tls_server_config": {"cert_file": "a"}}, "tls_server_config.key_file: Field required"),
        (
            {"tls_server_config": {"cert_file": "a", "key_file": "b", "cipher_suites": []}},
            "tls_server_config.cipher_suites: unknown or unsupported key",
        ),
        (
            {
                "tls_server_config": {
                    "cert_file": "a",
                    "key_file": "b",
                    "client_auth_type": "RequireAnyClientCert",
                }
            },
            "RequireAnyClientCert is not supported",
        ),
        (
            {
                "tls_server_config": {
                    "cert_file": "a",
                    "key_file": "b",
                    "client_auth_type": "RequireAndVerifyClientCert",
                }
            },
            "needs client_ca_file",
        ),
        (
            {"tls_server_config": {"cert_file": "a", "key_file": "b", "min_version": "TLS14"}},
            "must be one of TLS10, TLS11, TLS12, TLS13",
        ),
        (
            {"tls_server_config": {"cert_file": "nope.crt", "key_file": "nope.key"}},
            "cannot load cert_file/key_file",
        ),
    ],
)
def test_invalid_web_configs_are_refused(tmp_path: Path, data: Any, message: str) -> None:
    path = write(tmp_path / "web.yml", data)
    with pytest.raises(WebConfigError) as caught:
        load_web_config(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(path)
    assert "plaintext" not in str(caught.value)


def test_serve_refuses_a_bad_web_config(tmp_path: Path, sim: Simulator) -> None:
    config = write(tmp_path / "config.yml", sim_config(sim))
    web = write(tmp_path / "web.yml", {"basic_auth_users": {"p": "oops"}})
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sms_balance_exporter",
            "serve",
            "--config.file",
            config,
            "--web.config.file",
            web,
            "--web.listen-address",
            "127.0.0.1:0",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert done.returncode == 1
    assert "invalid web config" in done.stderr and "not a bcrypt hash" in done.stderr
    assert "Traceback" not in done.stderr


# ---- basic auth ------------------------------------------------------------------------------


def test_basic_auth(serve: Callable[[dict[str, Any]], str]) -> None:
    url = serve({"basic_auth_users": {"prometheus": HASH}})
    anonymous = requests.get(f"{url}/metrics", timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
    wrong = requests.get(f"{url}/metrics", auth=("prometheus", "nope"), timeout=10)
    assert wrong.status_code == 401
    unknown = requests.get(f"{url}/", auth=("mallory", PASSWORD.decode()), timeout=10)
    assert unknown.status_code == 401
    ok = requests.get(f"{url}/metrics", auth=("prometheus", PASSWORD.decode()), timeout=10)
    assert ok.status_code == 200 and "sms_balance_up" in ok.text
    probe = requests.get(f"{url}/probe?target=smsdev-1", timeout=10)
    assert probe.status_code == 401
    # Liveness checks carry no credentials; the endpoint tells nothing else.
    assert requests.get(f"{url}/-/healthy", timeout=10).status_code == 200


def test_unknown_users_cost_a_bcrypt_check(monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[bytes] = []
    real = bcrypt.checkpw

    def counting(password: bytes, hashed: bytes) -> bool:
        checked.append(hashed)
        return real(password, hashed)

    monkeypatch.setattr(basic_auth.bcrypt, "checkpw", counting)
    auth = BasicAuth({"prometheus": HASH.encode()})
    assert not auth.allows(_header("mallory", PASSWORD))
    # One check, against a dummy hash of the configured cost, not against a user's hash.
    assert len(checked) == 1
    assert checked[0] != HASH.encode()
    assert checked[0].startswith(b"$2b$04$")


def test_verified_credentials_are_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []
    real = bcrypt.checkpw
    monkeypatch.setattr(basic_auth.bcrypt, "checkpw", lambda p, h: calls.append(h) or real(p, h))
    auth = BasicAuth({"prometheus": HASH.encode()})
    assert auth.allows(_header("prometheus", PASSWORD))
    assert auth.allows(_header("prometheus", PASSWORD))
    assert len(calls) == 1
    # A wrong password is never served from the cache.
    assert not auth.allows(_header("prometheus", b"wrong"))
    assert not auth.allows(_header("prometheus", b"wrong"))
    assert len(calls) == 3


@pytest.mark.parametrize(
    "header", [None, "", "Bearer abc", "Basic !!!notbase64", "Basic " + "cHJvbWV0aGV1cw=="]
)
def test_malformed_authorization_headers_are_refused(header: str | None) -> None:
    assert not BasicAuth({"prometheus": HASH.encode()}).allows(header)


def _header(user: str, password: bytes) -> str:
    return "Basic " + base64.b64encode(user.encode() + b":" + password).decode()


# ---- TLS -------------------------------------------------------------------------------------


def test_tls(serve: Callable[[dict[str, Any]], str], certs: Path) -> None:
    url = serve({"tls_server_config": {"cert_file": "exporter.crt", "key_file": "exporter.key"}})
    assert url.startswith("https://")
    ok = requests.get(f"{url}/metrics", verify=str(certs / "ca.crt"), timeout=10)
    assert ok.status_code == 200 and "sms_balance_up" in ok.text
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{url}/metrics", timeout=10)  # our CA is not in the system's trust store
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url.replace("https://", "http://") + "/metrics", timeout=10)
    # The server survived both bad clients.
    assert requests.get(f"{url}/-/healthy", verify=str(certs / "ca.crt"), timeout=10).ok


def test_mutual_tls(serve: Callable[[dict[str, Any]], str], certs: Path) -> None:
    url = serve(
        {
            "tls_server_config": {
                "cert_file": "exporter.crt",
                "key_file": "exporter.key",
                "client_auth_type": "RequireAndVerifyClientCert",
                "client_ca_file": "client-ca.crt",
            }
        }
    )
    verify = str(certs / "ca.crt")
    ok = requests.get(f"{url}/metrics", verify=verify, cert=str(certs / "client.pem"), timeout=10)
    assert ok.status_code == 200
    for cert in (None, str(certs / "stranger.pem")):
        with pytest.raises(requests.exceptions.RequestException):
            requests.get(f"{url}/metrics", verify=verify, cert=cert, timeout=10)


def test_min_version_is_enforced(serve: Callable[[dict[str, Any]], str], certs: Path) -> None:
    url = serve(
        {
            "tls_server_config": {
                "cert_file": "exporter.crt",
                "key_file": "exporter.key",
                "min_version": "TLS13",
            }
        }
    )
    context = ssl.create_default_context(cafile=str(certs / "ca.crt"))
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    host, port = url.removeprefix("https://").split(":")
    with (
        socket.create_connection((host, int(port)), timeout=10) as raw,
        pytest.raises(ssl.SSLError),
    ):
        context.wrap_socket(raw, server_hostname=host)


# ---- the documented files --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yml")))
def test_documented_web_configs_pass_promtool_and_load(
    name: str, tmp_path: Path, certs: Path
) -> None:
    promtool = require_binary("promtool")
    shutil.copy(EXAMPLES / name, certs / name)
    done = subprocess.run(
        [promtool, "check", "web-config", str(certs / name)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert load_web_config(str(certs / name)).tls is not None


# ---- re-read when it changes -----------------------------------------------------------------


def _served_certificate(url: str) -> bytes:
    host, port = url.removeprefix("https://").split(":")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only to read which certificate is served
    with (
        socket.create_connection((host, int(port)), timeout=10) as raw,
        context.wrap_socket(raw) as tls,
    ):
        served = tls.getpeercert(binary_form=True)
    assert served is not None
    return served


def test_a_certificate_replaced_on_disk_is_served_to_the_next_connection(
    serve: Callable[[dict[str, Any]], str], certs: Path, ca: trustme.CA
) -> None:
    url = serve({"tls_server_config": {"cert_file": "exporter.crt", "key_file": "exporter.key"}})
    first = _served_certificate(url)
    renewed = ca.issue_cert("127.0.0.1", "localhost")
    renewed.private_key_pem.write_to_path(str(certs / "exporter.key"))
    renewed.cert_chain_pems[0].write_to_path(str(certs / "exporter.crt"))
    second = _served_certificate(url)
    assert second != first
    assert second == ssl.PEM_cert_to_DER_cert(renewed.cert_chain_pems[0].bytes().decode())
    response = requests.get(url + "/-/healthy", verify=str(certs / "ca.crt"), timeout=10)
    assert response.status_code == 200


def test_new_users_apply_and_a_bad_new_web_config_keeps_the_old_one(
    serve: Callable[[dict[str, Any]], str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = serve({"basic_auth_users": {"prometheus": HASH}})
    assert requests.get(url + "/metrics", auth=("prometheus", "s3cret-pass"), timeout=10).ok
    other = bcrypt.hashpw(b"other-pass", bcrypt.gensalt(rounds=4)).decode()
    write(tmp_path / "web.yml", {"basic_auth_users": {"grafana": other}})
    assert requests.get(url + "/metrics", auth=("grafana", "other-pass"), timeout=10).ok
    old = requests.get(url + "/metrics", auth=("prometheus", "s3cret-pass"), timeout=10)
    assert old.status_code == 401
    write(tmp_path / "web.yml", "basic_auth_users: {grafana: not-a-hash}\n")
    assert requests.get(url + "/metrics", auth=("grafana", "other-pass"), timeout=10).ok
    failures = [r for r in caplog.records if r.getMessage().startswith("web config reload failed")]
    assert len(failures) == 1
    assert "not a bcrypt hash" in failures[0].__dict__["error"]
    assert "not-a-hash" not in failures[0].__dict__["error"]
