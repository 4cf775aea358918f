"""One thread that stops queries past their time limit, for databases with no statement timeout (DuckDB).

A thread per query (``threading.Timer``) cost more to start than the rest of a small query's Python, and
waited for the new thread to be scheduled on a busy machine; and a timer cancelled just as it fired
could still interrupt the connection after its query had ended, so the next query on that pooled
connection. Here an action runs holding the lock that :meth:`Watchdog.cancel` takes: once ``cancel``
returns, the action has run or never will.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("outcomes.datasources")


class Watchdog:
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def after(self, seconds: float, action: Callable[[], None]) -> int:
        """Call ``action`` in ``seconds`` unless :meth:`cancel` is given the token returned first."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():  # the first, or in a forked worker
                self._thread = threading.Thread(target=self._run, name="outcomes-query-watchdog", daemon=True)
                self._thread.start()
            token = next(self._tokens)
            heapq.heappush(self._due, (time.monotonic() + seconds, token, action))
            self._lock.notify()
        return token

    def cancel(self, token: int) -> None:
        with self._lock:
            self._due = [entry for entry in self._due if entry[1] != token]  # a few entries: one per query running
            heapq.heapify(self._due)

    def _run(self) -> None:
        with self._lock:
            while True:
                if not self._due:
                    self._lock.wait()
                    continue
                wait = self._due[0][0] - time.monotonic()
                if wait > 0:
                    self._lock.wait(wait)
                    continue
                _, _, action = heapq.heappop(self._due)
                try:
                    action()
                except Exception:  # noqa: BLE001 - one failed stop must not end the stopping of the others
                    log.exception("a query past its time limit could not be stopped")
