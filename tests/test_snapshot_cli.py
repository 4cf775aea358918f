"""`outcomes snapshot ...`: JSON shapes, exit codes, log lines."""

from __future__ import annotations

import csv
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

    # A snapshot is made as a person who may sign off (the first person needs no admin to add them).
    assert run("user", "add", "cron", "--name", "Scheduled run", "--role", "performance_officer").exit_code == 0
    return run


def test_create_list_show(cli):
    first = cli("snapshot", "create", "--framework", "warwickshire", "--period", "2025-03", "--as", "cron")
    assert first.exit_code == 0, first.output
    created = json.loads(first.stdout)
    assert created["version"] == 1
    assert "snapshot saved snapshot" in first.stderr
    second = json.loads(cli("snapshot", "create", "--framework", "warwickshire", "--period", "2025-03",
                            "--as", "cron").stdout)
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


def _number(cell: str) -> float | None:
    return None if cell == "" else float(cell)


def test_export_csv(cli, tmp_path):
    """The files hold the snapshot's figures, as `snapshot show` gives them: one evaluation row per metric
    with its value, numerator and status, each metric's series point by point, and every column described."""
    import snapshots

    created = json.loads(cli("snapshot", "create", "--framework", "lewisham", "--period", "2025-03",
                             "--as", "cron").stdout)
    result = cli("snapshot", "export", str(created["id"]), "--format", "csv", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    paths = {p.name.removeprefix("lewisham-2025-03-v1-"): p for p in map(Path, result.stdout.split())}
    # the figures, and what people wrote (issue 21: a file each, as the workbook has a sheet each)
    assert set(paths) == {f"{name}.csv" for name in ("evaluations", "series", "data-dictionary", "commentary",
                                                      "actions", "milestone-updates", "officer-summary")}
    assert all(p.parent == tmp_path / "out" for p in paths.values())
    shown = json.loads(cli("snapshot", "show", str(created["id"]), "--format", "json").stdout)
    evaluations = _rows(paths["evaluations.csv"])
    assert [r["metric_id"] for r in evaluations] == [m["metric_id"] for m in shown["metrics"]]
    for row, metric in zip(evaluations, shown["metrics"]):
        assert (row["snapshot_id"], row["framework"], row["snapshot_period"], row["snapshot_version"]) == (
            str(created["id"]), "lewisham", "2025-03", "1")
        assert (row["period"] or None, row["status"]) == (metric["period"], metric["status"]), metric["metric_id"]
        for column in ("value", "numerator", "denominator"):
            assert _number(row[column]) == pytest.approx(metric[column]), (metric["metric_id"], column)
    kept = store.Store(f"sqlite:///{tmp_path / 'clistore' / 'outcomes.db'}")
    snap = snapshots.load(kept, created["id"])
    kept.dispose()
    series = _rows(paths["series.csv"])
    for metric in shown["metrics"]:
        points = [r for r in series if r["metric_id"] == metric["metric_id"]]
        stored = snap.series(metric["metric_id"])
        assert [r["period"] for r in points] == [p["period"] for p in stored], metric["metric_id"]
        assert [_number(r["value"]) for r in points] == pytest.approx([p["value"] for p in stored])
    assert len(series) == sum(len(snap.series(m["metric_id"])) for m in shown["metrics"])
    described = {(r["file"], r["column"]) for r in _rows(paths["data-dictionary.csv"])}
    for name in ("evaluations.csv", "series.csv"):
        with paths[name].open(newline="", encoding="utf-8") as handle:
            columns = next(csv.reader(handle))
        assert {(paths[name].name, c) for c in columns} <= described, name


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("args, message", [
    (("snapshot", "create", "--framework", "nowhere", "--period", "2025-03", "--as", "cron"), "no framework"),
    (("snapshot", "create", "--framework", "warwickshire", "--period", "2025-3x", "--as", "cron"), "YYYY-MM"),
    (("snapshot", "show", "424242"), "no snapshot with id 424242"),
    (("snapshot", "show", "abc"), "not a snapshot id"),
    (("snapshot", "export", "1", "--format", "rtf", "--out", "/tmp/unused"), "unknown --format"),
])
def test_bad_input_exits_1(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 1
    assert message in result.stderr
