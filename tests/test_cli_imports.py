"""`outcomes --help` and `outcomes check` start without loading the dashboard, the reports or the
statistics (issue 9: every command spent about 0.85 s importing before it did anything); `outcomes evaluate`
loads what evaluating needs and nothing for pages, reports, migrations or SQL bindings the config does not
have (issue 24: the command cold under a second)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("dash", "plotly", "reports", "snapshots", "scipy", "pandas")


def modules_after(code: str) -> set[str]:
    # The names go last, after a marker: the command's own output (help text) says "snapshots" too.
    done = subprocess.run([sys.executable, "-c", f"{code}\nimport sys\nprint('MODULES:', ' '.join(sys.modules))"],
                          capture_output=True, text=True, check=True)
    return set(done.stdout.rsplit("MODULES:", 1)[1].split())


def test_the_command_line_loads_nothing_heavy_to_list_its_commands() -> None:
    loaded = modules_after("import cli.main")
    assert "typer" in loaded and "cli.review" in loaded  # every command is registered...
    assert not [m for m in HEAVY if m in loaded]  # ...without what only some commands need


@pytest.mark.parametrize("argv", [["--help"], ["check"]])
def test_help_and_check_run_without_dash_plotly_or_reports(argv: list[str]) -> None:
    code = ("import sys\nfrom cli.main import app\nsys.argv = ['outcomes', *%r]\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n" % (argv,))
    loaded = modules_after(code)
    assert not [m for m in ("dash", "plotly", "reports", "snapshots") if m in loaded]


def test_evaluate_loads_nothing_for_pages_reports_migrations_or_sql_bindings() -> None:
    """The sample config has no ``type: sql`` binding, so nothing parses SQL text (sqlglot is loaded by the
    bindings that need it, at validation); the store is at its newest revision, so Alembic is not loaded."""
    from datasources.store import Store

    Store.from_environment().engine  # the session's store migrated here, in case no test has used it yet
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom cli.main import app\n"
            "done = CliRunner().invoke(app, ['evaluate', '--framework', 'wigan', '--format', 'json'])\n"
            "assert done.exit_code == 0, done.output\nassert '\"framework\": \"wigan\"' in done.output\n")
    loaded = modules_after(code)
    assert "pandas" in loaded and "metrics.service" in loaded  # it did evaluate...
    assert not [m for m in ("dash", "plotly", "reports", "snapshots", "dashboard", "alembic", "sqlglot", "kaleido",
                            "scipy", "sqlalchemy.dialects.postgresql")
                if m in loaded]  # ...with none of these (its quantiles are kept without scipy; the store is SQLite)
