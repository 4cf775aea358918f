"""`outcomes --help` and `outcomes check` start without loading the dashboard, the reports or the
statistics (issue 9: every command spent about 0.85 s importing before it did anything)."""

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
