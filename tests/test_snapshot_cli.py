"""`outcomes snapshot ...`: JSON shapes, exit codes, log lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from datasources import store


@pytest.fixture
def cli(tmp_path, sample_db):
    """The command line on a store of this test's own (so a test never relies on another's snapshots)."""
    url = f"sqlite:///{tmp_path / 'clistore' / 'outcomes.db'}"
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args), env={store.STORE_ENV: url})

    return run


def test_create_list_show(cli):
    first = cli("snapshot", "create", "--framework", "warwickshire", "--period", "2025-03", "--by", "cron")
    assert first.exit_code == 0, first.output
    created = json.loads(first.stdout)
    assert created["version"] == 1
    assert "snapshot saved snapshot" in first.stderr
    second = json.loads(cli("snapshot", "create", "--framework", "warwickshire", "--period", "2025-03").stdout)
    assert second["version"] == 2
    listed = json.loads(cli("snapshot", "list", "--format", "json").stdout)
    assert [r["version"] for r in listed] == [2, 1]
    for row in listed:
        assert {"id", "framework", "period", "version", "created_at"} <= set(row)
    shown = json.loads(cli("snapshot", "show", str(created["id"]), "--format", "json").stdout)
    evaluated = json.loads(cli("evaluate", "--framework", "warwickshire", "--period", "2025-03",
                               "--format", "json").stdout)
    assert shown["framework"] == evaluated["framework"] and shown["period"] == evaluated["period"]
    assert [m["metric_id"] for m in shown["metrics"]] == [m["metric_id"] for m in evaluated["metrics"]]
    assert set(shown["metrics"][0]) == set(evaluated["metrics"][0])
    assert shown["metrics"][0]["value"] == evaluated["metrics"][0]["value"]


def test_export_csv(cli, tmp_path):
    created = json.loads(cli("snapshot", "create", "--framework", "lewisham", "--period", "2025-03").stdout)
    result = cli("snapshot", "export", str(created["id"]), "--format", "csv", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    paths = [Path(p) for p in result.stdout.split()]
    assert sorted(p.name for p in paths) == sorted(f"lewisham-2025-03-v1-{name}.csv"
                                                    for name in ("evaluations", "series", "data-dictionary"))
    assert all(p.parent == tmp_path / "out" and p.stat().st_size > 0 for p in paths)


@pytest.mark.parametrize("args, message", [
    (("snapshot", "create", "--framework", "nowhere", "--period", "2025-03"), "no framework"),
    (("snapshot", "create", "--framework", "warwickshire", "--period", "2025-3x"), "YYYY-MM"),
    (("snapshot", "show", "424242"), "no snapshot with id 424242"),
    (("snapshot", "show", "abc"), "not a snapshot id"),
    (("snapshot", "export", "1", "--format", "rtf", "--out", "/tmp/unused"), "unknown --format"),
])
def test_bad_input_exits_1(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 1
    assert message in result.stderr
