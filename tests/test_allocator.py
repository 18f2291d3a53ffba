"""glibc's allocator settings: threads share two arenas once tuned, and an operator's own
settings in the environment are left alone."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sms_balance_exporter import allocator

# Eight threads allocate at the same time, then glibc reports its arenas (one "Arena N:" line
# each) on stderr.
_EIGHT_THREADS = """
import ctypes, sys, threading
from sms_balance_exporter.allocator import tune_allocator
if sys.argv[1] == "tuned":
    print(tune_allocator())
barrier = threading.Barrier(8)
def work():
    barrier.wait()
    blocks = [bytes(4000) for _ in range(100)]  # above Python's small-object size: malloc
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ctypes.CDLL(None).malloc_stats()
"""

glibc_only = pytest.mark.skipif(allocator._glibc() is None, reason="glibc's allocator only")


def _arenas(mode: str, **environ: str) -> tuple[str, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env.pop("GLIBC_TUNABLES", None)
    env.update(environ)
    done = subprocess.run(
        [sys.executable, "-c", _EIGHT_THREADS, mode],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=True,
    )
    arenas = sum(line.startswith("Arena ") for line in done.stderr.splitlines())
    return done.stdout.strip(), arenas


@glibc_only
def test_tuned_threads_share_two_arenas() -> None:
    assert _arenas("tuned") == ("True", allocator.ARENAS)


@glibc_only
def test_untuned_threads_take_an_arena_each() -> None:
    # The control: without the setting, glibc gives the concurrent threads arenas of their own.
    assert _arenas("plain")[1] > allocator.ARENAS


@glibc_only
@pytest.mark.parametrize(
    "environ",
    [{"MALLOC_ARENA_MAX": "4"}, {"GLIBC_TUNABLES": "glibc.malloc.arena_max=4"}],
)
def test_operator_settings_are_left_alone(environ: dict[str, str]) -> None:
    said, arenas = _arenas("tuned", **environ)
    assert said == "False"
    assert arenas == 4


def test_not_tuned_without_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator, "_glibc", lambda: None)
    for name in [n for n in os.environ if n.startswith("MALLOC_")] + ["GLIBC_TUNABLES"]:
        monkeypatch.delenv(name, raising=False)
    assert allocator.tune_allocator() is False
