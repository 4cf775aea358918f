"""The watchdog that stops DuckDB queries past their time limit: it acts when due, and never after a cancel."""

from __future__ import annotations

import threading

from datasources.watchdog import Watchdog


def test_a_due_action_runs_and_a_cancelled_one_never_does() -> None:
    watchdog = Watchdog()
    ran: list[str] = []
    done = threading.Event()
    late = watchdog.after(3600, lambda: ran.append("cancelled"))
    watchdog.after(0.01, lambda: ran.append("first"))
    watchdog.cancel(late)
    watchdog.after(0.02, lambda: (ran.append("second"), done.set()))
    assert done.wait(10)
    assert ran == ["first", "second"]  # in order of their time, the cancelled one not at all


def test_a_cancel_returns_after_the_action_it_races_has_finished() -> None:
    """The action runs holding the lock cancel takes, so a query's end cannot overlap its own interruption."""
    watchdog = Watchdog()
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def slow_stop() -> None:
        started.set()
        release.wait(10)
        finished.set()

    token = watchdog.after(0, slow_stop)
    assert started.wait(10)
    seen: list[bool] = []
    cancelling = threading.Thread(target=lambda: (watchdog.cancel(token), seen.append(finished.is_set())))
    cancelling.start()
    release.set()
    cancelling.join(10)
    assert seen == [True]  # the cancel returned only once the action it raced had finished


def test_a_failing_action_does_not_stop_the_watchdog() -> None:
    watchdog = Watchdog()
    done = threading.Event()
    watchdog.after(0, lambda: 1 / 0)
    watchdog.after(0.01, done.set)
    assert done.wait(10)
