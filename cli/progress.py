"""How a long command shows its progress: a bar on a terminal (click's, which typer carries),
plain timestamped log lines when the output goes to a file or a scheduler's log, where a bar's
carriage returns would be noise. Both go to stderr, so stdout stays the command's result."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import IO, Iterator

import click

from datasources import progress

#: Log lines at most this often (seconds), besides the first and the last of a stage.
LOG_EVERY = 10.0


class TerminalBar:
    def __init__(self, stream: IO[str]):
        self._stream = stream
        self._bar = None

    def begin(self, label: str, total: int) -> None:
        self._bar = click.progressbar(length=total, label=label, file=self._stream, show_pos=True)
        self._bar.__enter__()

    def advance(self, steps: int) -> None:
        if self._bar is not None and steps:
            self._bar.update(steps)

    def end(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


class LogLines:
    def __init__(self, stream: IO[str], command: str):
        self._stream = stream
        self._command = command
        self._label, self._total, self._done, self._last = "", 0, 0, 0.0

    def _line(self, text: str) -> None:
        stamp = datetime.now(tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        print(f"{stamp} {self._command} {text}", file=self._stream, flush=True)

    def begin(self, label: str, total: int) -> None:
        self._label, self._total, self._done, self._last = label, total, 0, time.monotonic()
        self._line(f"{label}: 0 of {total:,}")

    def advance(self, steps: int) -> None:
        self._done += steps
        if time.monotonic() - self._last >= LOG_EVERY:
            self._last = time.monotonic()
            self._line(f"{self._label}: {self._done:,} of {self._total:,} ({100 * self._done // self._total}%)")

    def end(self) -> None:
        self._line(f"{self._label}: done, {self._done:,} of {self._total:,}")


@contextmanager
def shown(command: str, stream: IO[str] | None = None) -> Iterator[None]:
    """Show the progress of every long job the block runs, as a bar or as log lines."""
    out = stream or sys.stderr
    listener = TerminalBar(out) if out.isatty() else LogLines(out, command)
    with progress.listening(listener):
        yield
