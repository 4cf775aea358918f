"""Progress of long jobs (reading large workbooks, rendering a snapshot's charts), reported to
whoever is listening: the command line draws a bar on a terminal or writes plain log lines.

It lives at the bottom of the layers so that any long job can report without threading a
callback through every signature between it and the command. Nobody listening (the
dashboard, the tests) costs nothing: the job's ``stage`` is then a no-op."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator, Protocol


class Listener(Protocol):
    def begin(self, label: str, total: int) -> None: ...
    def advance(self, steps: int) -> None: ...
    def end(self) -> None: ...


_listener: ContextVar[Listener | None] = ContextVar("progress_listener", default=None)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send the progress of every job run inside the block to ``listener``."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


@contextmanager
def stage(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """One stage of a job with ``total`` steps; call the yielded function with each step's count."""
    listener = _listener.get()
    if listener is None or total <= 0:
        yield lambda _steps=1: None
        return
    listener.begin(label, total)
    try:
        yield listener.advance
    finally:
        listener.end()
