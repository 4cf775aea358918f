"""What every command shares: failing with a clear message, and loading config."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, NoReturn, Optional

import typer

if TYPE_CHECKING:  # imported where used, so `outcomes --help` loads none of them
    from metrics.definitions.loader import DEFAULT_CONFIG_DIR, ConfigError
    from metrics.service import MetricsService


def fail(message: str, code: int = 1) -> NoReturn:
    """The user's mistake: say what and where on stderr, exit non-zero."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def service_for(config_dir: Optional[Path]) -> MetricsService:
    """The metrics service on the given config; every config problem is printed before exiting."""
    from metrics.definitions.loader import DEFAULT_CONFIG_DIR, ConfigError
    from metrics.service import MetricsService
    try:
        return MetricsService.from_config_dir(config_dir or DEFAULT_CONFIG_DIR)
    except ConfigError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        fail(f"{len(exc.issues)} problem(s) in config; run 'outcomes check' after fixing them")


#: Set by the console script (``cli.main.main``): this process runs one command and ends. A process that runs
#: many (the tests' CliRunner) must not keep everything it holds out of collection at each command.
_ONE_COMMAND = {"process": False}


def one_command_per_process() -> None:
    _ONE_COMMAND["process"] = True


@contextmanager
def settling() -> Iterator[None]:
    """A command's imports and config loading with the cyclic garbage collector paused, and what they made
    kept out of every later collection (``gc.freeze``): modules and config live as long as the process, yet
    each full collection walked all of them again (three of them, 0.13 s of a cold ``outcomes evaluate``).
    What the command makes afterwards is collected as usual. Only in a process of one command."""
    if not _ONE_COMMAND["process"]:
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
