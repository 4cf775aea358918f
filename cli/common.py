"""What every command shares: failing with a clear message, and loading config."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Optional

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
