"""The query worker pool: threads at once up to the floor, beyond it only while the CPU idles
or every worker is stuck on its task without using the CPU, never past the bound; queued tasks
taken by busy workers as they finish; a failing task logged; shutdown ends every thread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from sms_balance_exporter.workers import IDLE_LOOKS, WorkerPool

WAIT = 10.0  # seconds: a bound for waits that should end at once, never a sleep
NEVER_STUCK = 1000 * WAIT  # for tests of the CPU signal alone


class Gate:
    """Tasks that report when they start and wait until released, like queries that wait on
    the network."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.started = 0
        self.finished = 0
        self.running = 0
        self.most_running = 0
        self.release = threading.Event()

    def task(self) -> None:
        with self._cond:
            self.started += 1
            self.running += 1
            self.most_running = max(self.most_running, self.running)
            self._cond.notify_all()
        assert self.release.wait(WAIT)
        with self._cond:
            self.running -= 1
            self.finished += 1
            self._cond.notify_all()

    def wait_until(self, condition: str, count: int) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: getattr(self, condition) >= count, WAIT), (
                f"{condition} = {getattr(self, condition)}, not {count}"
            )


class ScriptedClock:
    """A process CPU clock at `share` of a core for the grower's first `looks` looks and fully
    busy after them (as fast as the wall clock); says when the grower has read it `reads`
    times."""

    def __init__(self, share: float, looks: int, reads: int) -> None:
        self._share = share
        self._scripted_reads = 2 * looks  # two reads per look
        self._reads = reads
        self.count = 0
        self.read_enough = threading.Event()

    def __call__(self) -> float:
        self.count += 1
        if self.count >= self._reads:
            self.read_enough.set()
        factor = self._share if self.count <= self._scripted_reads else 1.0
        return factor * time.monotonic()


@contextmanager
def gated(pool: WorkerPool, tasks: int) -> Iterator[Gate]:
    """`tasks` gate tasks submitted to `pool`; on the way out the gate opens and the pool
    shuts down, whatever the test asserted."""
    gate = Gate()
    try:
        for _ in range(tasks):
            pool.submit(gate.task)
        yield gate
    finally:
        gate.release.set()
        pool.shutdown()


def pool_threads(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(f"{name}-")]


def test_tasks_waiting_on_the_network_get_threads_up_to_the_bound() -> None:
    pool = WorkerPool(6, "test-waiting", floor=2)
    with gated(pool, 8) as gate:
        gate.wait_until("started", 6)  # the CPU idles: the grower added four threads
        assert pool.threads == 6
        gate.release.set()
        gate.wait_until("finished", 8)
        assert gate.most_running == 6  # the last two waited for a free worker


def test_tasks_busy_on_the_cpu_stay_on_the_floor() -> None:
    # Two clock reads per look; several times the looks that would grow an idle pool.
    clock = ScriptedClock(share=1.0, looks=0, reads=2 * IDLE_LOOKS * 3)
    pool = WorkerPool(6, "test-busy", floor=2, cpu_clock=clock, stuck_seconds=NEVER_STUCK)
    with gated(pool, 4) as gate:
        gate.wait_until("started", 2)
        assert clock.read_enough.wait(WAIT)
        assert (gate.started, pool.threads) == (2, 2)
        gate.release.set()
        gate.wait_until("finished", 4)  # the two queued tasks ran on the floor's threads
        assert pool.threads == 2


def test_workers_stuck_on_their_tasks_get_company_however_busy_the_cpu() -> None:
    # Other work keeps the CPU busy (the clock says so); the workers wait on the gate, as on a
    # slow provider, past `stuck_seconds`: the pool doubles (1, 2, 4, then the bound of 6).
    clock = ScriptedClock(share=1.0, looks=0, reads=0)
    pool = WorkerPool(6, "test-stuck", floor=1, cpu_clock=clock, stuck_seconds=0.01)
    with gated(pool, 8) as gate:
        gate.wait_until("started", 6)
        assert pool.threads == 6


def test_workers_long_on_the_cpu_get_no_company() -> None:
    # Every worker is past `stuck_seconds`, but busy on the CPU itself (its clock runs as fast
    # as the wall clock), not waiting: another thread would only make each task longer.
    clock = ScriptedClock(share=1.0, looks=0, reads=2 * IDLE_LOOKS * 3)
    pool = WorkerPool(
        6,
        "test-long",
        floor=2,
        cpu_clock=clock,
        stuck_seconds=0.001,
        thread_cpu_clock=lambda: time.monotonic,
    )
    with gated(pool, 4) as gate:
        gate.wait_until("started", 2)
        assert clock.read_enough.wait(WAIT)
        assert (gate.started, pool.threads) == (2, 2)


def test_the_pool_grows_by_what_the_idle_cpu_could_absorb() -> None:
    # Two threads using 0.3 of a core would keep it busy as 2 / 0.3 = 6.7, so 7 threads.
    clock = ScriptedClock(share=0.3, looks=IDLE_LOOKS, reads=2 * IDLE_LOOKS * 4)
    pool = WorkerPool(20, "test-share", floor=2, cpu_clock=clock, stuck_seconds=NEVER_STUCK)
    with gated(pool, 12) as gate:
        gate.wait_until("started", 7)
        assert clock.read_enough.wait(WAIT)  # looks enough after it, at a busy CPU
        assert (gate.started, pool.threads) == (7, 7)
        gate.release.set()
        gate.wait_until("finished", 12)


def test_a_failing_task_is_logged_and_its_worker_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    pool = WorkerPool(1, "test-failing")
    done = threading.Event()

    def fail() -> None:
        raise ValueError("a bug in a task")

    try:
        with caplog.at_level(logging.ERROR, logger="sms_balance_exporter.workers"):
            pool.submit(fail)
            pool.submit(done.set)
            assert done.wait(WAIT)
        assert "worker task failed" in caplog.text
        assert "a bug in a task" in caplog.text  # the traceback, for whoever fixes it
        assert pool.threads == 1
    finally:
        pool.shutdown()


def test_shutdown_ends_every_thread_and_refuses_new_tasks() -> None:
    pool, gate = WorkerPool(4, "test-shutdown", floor=1), Gate()
    for _ in range(4):
        pool.submit(gate.task)
    gate.wait_until("started", 4)
    pool.shutdown()
    gate.release.set()
    for thread in pool_threads("test-shutdown"):
        thread.join(WAIT)
        assert not thread.is_alive(), thread.name
    ran = threading.Event()
    pool.submit(ran.set)
    assert not ran.is_set() and pool_threads("test-shutdown") == []
