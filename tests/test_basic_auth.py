"""Basic auth tells nothing: unknown user and wrong password cost the same at every cost and
every password length, and a guessing flood runs a bounded number of bcrypt checks."""

from __future__ import annotations

import base64
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest
import requests
import yaml

from sms_balance_exporter import basic_auth
from sms_balance_exporter.basic_auth import MAX_CONCURRENT_CHECKS, BasicAuth
from sms_balance_exporter.config import load_config
from sms_balance_exporter.runtime import ExporterRuntime
from sms_balance_exporter.server import ExporterServer
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.webconfig import WebConfigWatcher
from tests.conftest import sim_config

PASSWORD = b"correct horse"


def header(user: str, password: bytes) -> str:
    return "Basic " + base64.b64encode(user.encode() + b":" + password).decode()


# Medians of 100 at cost 10; of 30 at cost 12, whose 200 checks would take 50 s in CI.
@pytest.mark.parametrize(("cost", "samples"), [(10, 100), (12, 30)])
def test_unknown_user_and_wrong_password_take_the_same_time(cost: int, samples: int) -> None:
    auth = BasicAuth({"prometheus": bcrypt.hashpw(PASSWORD, bcrypt.gensalt(rounds=cost))})
    unknown: list[float] = []
    wrong: list[float] = []
    for i in range(samples):  # interleaved, so that load on the machine hits both alike
        for user, samples in [("mallory", unknown), ("prometheus", wrong)]:
            started = time.perf_counter()
            assert not auth.allows(header(user, b"guess %d" % i))
            samples.append(time.perf_counter() - started)
    a, b = statistics.median(unknown), statistics.median(wrong)
    assert abs(a - b) / max(a, b) < 0.10, f"unknown user {a * 1000:.1f} ms, wrong {b * 1000:.1f}"


def test_the_dummy_hash_has_the_highest_configured_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    users = {
        "low": bcrypt.hashpw(PASSWORD, bcrypt.gensalt(rounds=4)),
        "high": bcrypt.hashpw(PASSWORD, bcrypt.gensalt(rounds=6)),
    }
    checked: list[bytes] = []
    real = bcrypt.checkpw

    def recording(password: bytes, hashed: bytes) -> bool:
        checked.append(hashed)
        return real(password, hashed)

    auth = BasicAuth(users)
    monkeypatch.setattr(basic_auth.bcrypt, "checkpw", recording)
    assert not auth.allows(header("nobody", PASSWORD))
    assert not auth.allows(header("low", b"x" * 100))  # too long: the same dummy check
    assert len(checked) == 2
    assert checked[0] == checked[1]
    assert checked[0].startswith(b"$2b$06$")
    assert checked[0] not in users.values()


@pytest.fixture
def exporter_with_auth(sim: Simulator, tmp_path: Path) -> Iterator[str]:
    hashed = bcrypt.hashpw(PASSWORD, bcrypt.gensalt(rounds=4)).decode()
    web = tmp_path / "web.yml"
    web.write_text(yaml.safe_dump({"basic_auth_users": {"prometheus": hashed}}))
    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump(sim_config(sim, ["smsdev-1"])))
    runtime = ExporterRuntime(lambda: load_config(config), basic_auth=WebConfigWatcher(str(web)))
    server = ExporterServer(runtime.app, "127.0.0.1:0").start(poll_interval=0.05)
    yield f"http://127.0.0.1:{server.port}"
    server.stop()
    runtime.service.shutdown()


def test_a_100_byte_password_gets_401_for_every_user(exporter_with_auth: str) -> None:
    for user in ["prometheus", "mallory"]:
        answer = requests.get(
            exporter_with_auth + "/metrics",
            headers={"Authorization": header(user, b"p" * 100)},
            timeout=10,
        )
        assert answer.status_code == 401
        assert answer.text == "Unauthorized\n"
    good = requests.get(
        exporter_with_auth + "/metrics", auth=("prometheus", PASSWORD.decode()), timeout=10
    )
    assert good.status_code == 200


def test_a_guessing_flood_runs_a_bounded_number_of_bcrypt_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running = 0
    most = 0
    lock = threading.Lock()
    release = threading.Event()
    entered = threading.Semaphore(0)

    def slow_check(password: bytes, hashed: bytes) -> bool:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        entered.release()
        release.wait(10)
        with lock:
            running -= 1
        return False

    auth = BasicAuth({"prometheus": bcrypt.hashpw(PASSWORD, bcrypt.gensalt(rounds=4))})
    monkeypatch.setattr(basic_auth.bcrypt, "checkpw", slow_check)
    guessers = [
        threading.Thread(target=auth.allows, args=(header("prometheus", b"guess %d" % i),))
        for i in range(MAX_CONCURRENT_CHECKS)
    ]
    for guesser in guessers:
        guesser.start()
    for _ in guessers:
        assert entered.acquire(timeout=10)
    # Every slot is busy: one more guess is refused at once, without a bcrypt check.
    started = time.monotonic()
    assert not auth.allows(header("mallory", b"another guess"))
    assert time.monotonic() - started < 1.0
    release.set()
    for guesser in guessers:
        guesser.join(10)
    assert most == MAX_CONCURRENT_CHECKS
