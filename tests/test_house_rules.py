"""The checks `make test` runs before the tests, also run here so `pytest` alone catches them:
imports point downward only, and nothing is dead code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=300)


def test_imports_point_downward_only() -> None:
    # `lint-imports` reads [tool.importlinter] in pyproject.toml.
    script = Path(sys.executable).with_name("lint-imports")
    assert script.exists(), "import-linter is missing: pip install -e '.[test]'"
    result = run(str(script), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_dead_code() -> None:
    # vulture reads [tool.vulture]; names only a library calls go in dead_code_whitelist.py.
    result = run(sys.executable, "-m", "vulture")
    assert result.returncode == 0, "dead code (delete it, or whitelist what a library calls):\n" + result.stdout
