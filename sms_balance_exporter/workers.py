"""A small pool of worker threads for balance queries: started as needed up to a bound, no
future per task (the service tracks completion itself, more cheaply)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Task = Callable[[], None]

# Balance queries in flight at once in all: the service's pool, and so the connections the
# transport keeps to one host and the share of them one host may take (politeness).
QUERY_WORKERS = 128


class WorkerPool:
    """Runs tasks on at most `size` daemon threads, started only when all are busy."""

    def __init__(self, size: int, name: str) -> None:
        self._size = size
        self._name = name
        self._tasks: queue.SimpleQueue[Task | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0
        self._closed = False

    def submit(self, task: Task) -> None:
        with self._lock:
            if self._closed:
                return
            if self._idle == 0 and self._threads < self._size:
                self._threads += 1
                threading.Thread(
                    target=self._work, name=f"{self._name}-{self._threads}", daemon=True
                ).start()
            else:
                self._idle -= 1 if self._idle else 0
        self._tasks.put(task)

    def shutdown(self) -> None:
        """Stop taking tasks; idle threads end, busy ones end after their task."""
        with self._lock:
            self._closed = True
            threads = self._threads
        for _ in range(threads):
            self._tasks.put(None)

    def _work(self) -> None:
        while True:
            task = self._tasks.get()
            if task is None:
                return
            try:
                task()
            except Exception:  # a task's bug must not shrink the pool
                log.exception("worker task failed")
            with self._lock:
                self._idle += 1
