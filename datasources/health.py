"""Whether each data source answers, as the About page shows it: checked concurrently with a short
time limit, and remembered briefly, so a source that never answers costs a page a few seconds once
rather than its full connect timeout on every load."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from datasources.registry import DataSourceRegistry, SourceHealth

CHECK_SECONDS = 2.0   # how long a page waits for a source's answer
KEEP_SECONDS = 30.0   # how long an answer (or a silence) is shown before the source is asked again


@dataclass
class _Check:
    """One source's latest answer, and the check now running for it, if any."""
    answer: SourceHealth | None = None
    answered_at: float = 0.0
    running: threading.Thread | None = None
    done: threading.Event = field(default_factory=threading.Event)


class HealthMonitor:
    def __init__(self, registry: DataSourceRegistry, check_seconds: float = CHECK_SECONDS,
                 keep_seconds: float = KEEP_SECONDS, clock: Callable[[], float] = time.monotonic):
        self._registry = registry
        self._check_seconds = check_seconds
        self._keep_seconds = keep_seconds
        self._clock = clock
        self._checks: dict[str, _Check] = {}
        self._lock = threading.Lock()

    def health(self, source_ids: Sequence[str]) -> dict[str, SourceHealth]:
        """Each source's health; every source not answered recently is asked at once, in parallel, and
        waited for at most ``check_seconds`` in all. A source still silent then is reported as such;
        its check goes on in the background (one at a time) and its answer is shown when it comes."""
        deadline = self._clock() + self._check_seconds
        waiting = {source_id: self._start_if_stale(source_id) for source_id in source_ids}
        for source_id, check in waiting.items():
            if check is not None and not check.done.wait(max(0.0, deadline - self._clock())):
                self._record_silence(source_id, check)
        with self._lock:
            return {source_id: self._checks[source_id].answer for source_id in source_ids}

    def _start_if_stale(self, source_id: str) -> _Check | None:
        with self._lock:
            check = self._checks.setdefault(source_id, _Check())
            fresh = check.answer is not None and self._clock() - check.answered_at < self._keep_seconds
            if fresh:
                return None
            if check.running is None:
                check.done = threading.Event()
                # A daemon thread: a source that never answers must not keep the process from exiting.
                check.running = threading.Thread(target=self._check, args=(source_id, check), daemon=True,
                                                 name=f"health-{source_id}")
                check.running.start()
            return check

    def _check(self, source_id: str, check: _Check) -> None:
        try:
            answer = self._registry.health(source_id)
        except Exception as exc:  # noqa: BLE001 - any failure is this source's answer, never a stuck check
            answer = SourceHealth(source_id, False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        with self._lock:
            check.answer, check.answered_at, check.running = answer, self._clock(), None
        check.done.set()

    def _record_silence(self, source_id: str, check: _Check) -> None:
        """A silence is an answer too, kept as long as any other: the next page does not wait again."""
        silence = SourceHealth(source_id, False, f"did not answer within {self._check_seconds:g} s; it is asked "
                               f"again in the background and at the latest {self._keep_seconds:g} s from now")
        with self._lock:
            if check.running is not None:  # the answer may have come in the meantime
                check.answer, check.answered_at = silence, self._clock()
