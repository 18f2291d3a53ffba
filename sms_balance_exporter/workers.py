"""A pool of worker threads for balance queries: no future per task (the service tracks
completion itself, more cheaply), and only as many threads as the work can use.

A balance query mostly waits on the network, so while tasks queue behind busy workers another
thread usually lets another query wait alongside. Not when the workers are busy on the CPU
(providers answering at once, a thousand accounts): under the GIL more threads then add no
speed, only memory (each keeps its stack and malloc's per-thread cache, about 60 KiB) and CPU
(threads taking the GIL from each other: eight spend about 1.5 times the CPU per query of
one). So one thread starts at once, and while tasks are queued a grower adds threads when
either sign says the workers are waiting rather than working:

- the process's CPU has stayed mostly idle: as many threads as that idle share could keep
  busy, at most a thread per queued task;
- every worker has been on its current task longer than a query takes on the CPU, and the
  workers together used less than half a core meanwhile (a provider keeps them waiting):
  twice as many threads, again at most a thread per queued task.

Either way never past the bound. The first sign is blinded by other work keeping the CPU busy
(the web server encoding answers for many clients), the second does not see a crowd of short
waits; together they cover both. The second reads the workers' own CPU clocks because a long
task alone does not mean a wait: a task busy on the CPU (a provider's validator built on first
use, a slow machine) or waiting for the GIL the other workers hold is long too, and doubling
the pool for it makes every task longer still, until the bound.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

Task = Callable[[], None]

# Balance queries in flight at once in all: the service's pool, and so the connections the
# transport keeps to one host and the share of them one host may take (politeness).
QUERY_WORKERS = 128
# Threads started as soon as a task finds every worker busy; beyond them the grower decides.
FLOOR = 1
# Longer than a query takes on the CPU: 1-10 ms at providers answering at once, waits for the
# GIL included.
STUCK_SECONDS = 0.02
# The grower's look at the CPU lasts one GIL switch interval; the workers count as waiting when
# the process used less than half a core in each of three looks in a row. With providers
# answering at once, about one look in a thousand reads idle all the same (the process
# preempted, a provider pausing); two in a row were seen once in some 50 scrapes of a thousand
# accounts. A false reading costs memory and CPU only, at most what the bound allows.
LOOK_SECONDS = 0.005
IDLE_CPU_SHARE = 0.5
IDLE_LOOKS = 3
# A share of the CPU too small to divide by: the workers are all waiting.
_NO_CPU = 0.01


def own_cpu_clock() -> Callable[[], float]:
    """The calling thread's CPU clock, for other threads to read: seconds of CPU it has used
    (0 where the platform has no such clock, or once the thread has ended).

    The thread asks for its own clock while it surely runs: asked for an ended thread's,
    `pthread_getcpuclockid` may read freed memory, whereas reading the clock of an ended
    thread only fails."""
    try:
        clock = time.pthread_getcpuclockid(threading.get_ident())
    except (AttributeError, OSError):  # not on macOS nor Windows
        return lambda: 0.0

    def read() -> float:
        try:
            return time.clock_gettime(clock)
        except OSError:
            return 0.0

    return read


class WorkerPool:
    """Runs tasks on at most `size` daemon threads; see the module's docstring for when it
    starts them. `cpu_clock` (the process's CPU time in seconds), `stuck_seconds` and
    `thread_cpu_clock` (called on a worker, returns that worker's CPU clock) are replaceable
    in tests."""

    def __init__(
        self,
        size: int,
        name: str,
        floor: int = FLOOR,
        cpu_clock: Callable[[], float] = time.process_time,
        stuck_seconds: float = STUCK_SECONDS,
        thread_cpu_clock: Callable[[], Callable[[], float]] = own_cpu_clock,
    ) -> None:
        self._size = size
        self._floor = min(floor, size)
        self._name = name
        self._cpu_clock = cpu_clock
        self._stuck_seconds = stuck_seconds
        self._thread_cpu_clock = thread_cpu_clock
        self._worker_clocks: list[Callable[[], float]] = []  # each worker's CPU clock
        self._task_started: dict[int, float] = {}  # busy worker's thread id -> its task's start
        self._tasks: queue.SimpleQueue[Task | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._backlog_grew = threading.Condition(self._lock)
        self._threads = 0
        self._idle = 0  # workers waiting with no task promised to them
        self._backlog = 0  # tasks queued for whichever busy worker finishes first
        self._grower: threading.Thread | None = None
        self._closed = False

    @property
    def threads(self) -> int:
        """Worker threads started so far (they run until shutdown)."""
        return self._threads

    def submit(self, task: Task) -> None:
        new = range(0)
        with self._lock:
            if self._closed:
                return
            if self._idle:
                self._idle -= 1
            elif self._threads < self._floor:
                new = self._claim_threads(1)
            else:
                self._backlog += 1
                if self._can_grow():
                    self._wake_grower()
        self._tasks.put(task)
        self._start_threads(new)

    def shutdown(self) -> None:
        """Stop taking tasks; idle threads end, busy ones end after their task."""
        with self._lock:
            self._closed = True
            threads = self._threads
            self._backlog_grew.notify()
        for _ in range(threads):
            self._tasks.put(None)

    # -- with the lock held -------------------------------------------------------------------

    def _claim_threads(self, count: int) -> range:
        """Count `count` more threads; their numbers, to start them once the lock is free."""
        first = self._threads + 1
        self._threads += count
        return range(first, first + count)

    def _wake_grower(self) -> None:
        if self._grower is None:
            self._grower = threading.Thread(
                target=self._grow, name=f"{self._name}-grower", daemon=True
            )
            self._grower.start()
        self._backlog_grew.notify()

    # -- on the pool's own threads ------------------------------------------------------------

    def _start_threads(self, numbers: range) -> None:
        for number in numbers:
            threading.Thread(target=self._work, name=f"{self._name}-{number}", daemon=True).start()

    def _work(self) -> None:
        me = threading.get_ident()
        self._worker_clocks.append(self._thread_cpu_clock())  # list.append: atomic
        while True:
            task = self._tasks.get()
            if task is None:
                return
            with self._lock:
                self._task_started[me] = time.monotonic()
            try:
                task()
            except Exception:  # a task's bug must not shrink the pool
                log.exception("worker task failed")
            with self._lock:
                del self._task_started[me]
                if self._backlog:
                    self._backlog -= 1  # this thread takes a queued task next
                else:
                    self._idle += 1

    def _grow(self) -> None:
        """While tasks are queued and the bound allows, grow the pool (see the module's
        docstring): once the CPU has been mostly idle for `IDLE_LOOKS` looks in a row, by the
        factor it could still absorb (threads using a fifth of a core: five times as many);
        else, once every worker is stuck on its task without using the CPU, twofold."""
        idle_looks = 0
        while True:
            with self._lock:
                if not self._can_grow():
                    idle_looks = 0  # a new backlog is looked at afresh
                self._backlog_grew.wait_for(lambda: self._closed or self._can_grow())
                if self._closed:
                    return
            clocks = self._worker_clocks[:]
            wall, cpu, workers_cpu = time.monotonic(), self._cpu_clock(), _total(clocks)
            time.sleep(LOOK_SECONDS)  # a measuring window, not a wait for anything
            elapsed = max(time.monotonic() - wall, LOOK_SECONDS)
            share = (self._cpu_clock() - cpu) / elapsed
            workers_share = (_total(clocks) - workers_cpu) / elapsed
            idle_looks = idle_looks + 1 if share < IDLE_CPU_SHARE else 0
            with self._lock:
                if idle_looks >= IDLE_LOOKS:
                    sign = "the CPU idles"
                    wanted = math.ceil(self._threads / max(share, _NO_CPU))
                elif self._all_stuck() and workers_share < IDLE_CPU_SHARE:
                    sign = "every worker waits on its task"
                    wanted = 2 * self._threads  # one slow task must not call up the bound
                else:
                    continue
                idle_looks = 0
                count = min(self._backlog, self._size - self._threads, wanted - self._threads)
                self._backlog -= count
                new = self._claim_threads(count)
                threads = self._threads
            log.debug(
                "query pool grows",
                extra={
                    "threads": threads,
                    "sign": sign,
                    "cpu": round(share, 2),
                    "workers_cpu": round(workers_share, 2),
                },
            )
            self._start_threads(new)

    def _can_grow(self) -> bool:
        """Whether tasks are queued and the bound leaves room for more threads (lock held)."""
        return self._backlog > 0 and self._threads < self._size

    def _all_stuck(self) -> bool:
        """Whether every worker has been on its task longer than `stuck_seconds` (lock held)."""
        started = self._task_started.values()
        return (
            len(started) == self._threads > 0
            and time.monotonic() - max(started) > self._stuck_seconds
        )


def _total(clocks: list[Callable[[], float]]) -> float:
    return sum(clock() for clock in clocks)
