"""A failed source says when it was last tried, and a truncated (row-capped) result is flagged, in
every output: ``outcomes evaluate`` (table, JSON, CSV), ``snapshot create``/``show`` and the
snapshot's exports, not only on the metric page."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
FW = "warwickshire"
PERIOD = "2016-03"
MISSING = """\
metrics:
  - id: missing_table_metric
    title: Reablement
    definition: Still at home 91 days after discharge
    unit: count
    polarity: higher_is_better
    frequency: monthly
    method: count
    source: {name: sample}
    binding:
      type: table
      datasource: sample
      table: no_such_table
      date_column: day
      numerator: {count: rows}
"""
LAST_TRIED = re.compile(r"last tried \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC")


@pytest.fixture(scope="module")
def capped(tmp_path_factory, sample_db):
    """The project's config with the sample source capped at 5 rows and a metric on a missing table."""
    root = tmp_path_factory.mktemp("capped")
    config = root / "config"
    shutil.copytree(PROJECT / "config", config)
    (config / "ingest.yaml").unlink()
    sources = config / "datasources.yaml"
    text = sources.read_text()
    assert "    row_cap: 200000\n" in text
    sources.write_text(text.replace("    row_cap: 200000\n", "    row_cap: 5\n", 1))
    (config / "missing.yaml").write_text(MISSING)
    framework = config / "frameworks" / f"{FW}.yaml"
    framework.write_text(framework.read_text().replace(
        "metrics: [falls_admissions_65plus]", "metrics: [falls_admissions_65plus, missing_table_metric]", 1))
    env = {**os.environ, "OUTCOMES_SAMPLE_DB_URL": f"sqlite:///{sample_db}",
           "OUTCOMES_STORE_URL": f"sqlite:///{root / 'store.db'}"}
    return config, env, root


def _run(env, *args: str) -> str:
    """The command's standard output, run in this process: these tests read what the commands write, and a
    command started anew spends a second or two on imports before it does anything (eight of them here)."""
    from typer.testing import CliRunner

    from cli.main import app

    done = CliRunner().invoke(app, list(args), env=env)
    assert done.exit_code == 0, (done.output, done.exception)
    return done.stdout


def test_evaluate_flags_truncation_and_says_when_a_failed_source_was_tried(capped) -> None:
    config, env, _root = capped
    payload = json.loads(_run(env, "evaluate", "--config", str(config), "--framework", FW, "--period", PERIOD,
                              "--format", "json"))
    by_id = {m["metric_id"]: m for m in payload["metrics"]}
    falls = by_id["falls_admissions_65plus"]
    assert falls["status"] == "no_data" and falls["value"] is None
    assert "more than 5 rows (its row_cap)" in falls["status_reason"]
    missing = by_id["missing_table_metric"]
    assert "no such table" in missing["status_reason"] and LAST_TRIED.search(missing["status_reason"])
    table = _run(env, "evaluate", "--config", str(config), "--framework", FW, "--period", PERIOD)
    assert "more than 5 rows (its row_cap)" in table and LAST_TRIED.search(table)
    rows = list(csv.DictReader(io.StringIO(_run(env, "evaluate", "--config", str(config), "--framework", FW,
                                                "--period", PERIOD, "--format", "csv"))))
    falls_row = next(r for r in rows if r["metric_id"] == "falls_admissions_65plus")
    assert "row_cap" in falls_row["status_reason"]


def test_snapshot_and_its_exports_flag_truncation(capped) -> None:
    config, env, root = capped
    _run(env, "user", "add", "tester", "--name", "Tester", "--role", "performance_officer")
    created = json.loads(_run(env, "snapshot", "create", "--config", str(config), "--framework", FW,
                              "--period", PERIOD, "--as", "tester"))
    shown = json.loads(_run(env, "snapshot", "show", str(created["id"])))
    falls = next(m for m in shown["metrics"] if m["metric_id"] == "falls_admissions_65plus")
    assert falls["status"] == "no_data" and "more than 5 rows (its row_cap)" in falls["status_reason"]
    missing = next(m for m in shown["metrics"] if m["metric_id"] == "missing_table_metric")
    assert LAST_TRIED.search(missing["status_reason"])
    out = root / "out"
    paths = _run(env, "snapshot", "export", str(created["id"]), "--format", "csv", "--out", str(out)).split()
    evaluations = next(Path(p) for p in paths if p.endswith("-evaluations.csv"))
    with evaluations.open(newline="", encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["metric_id"] == "falls_admissions_65plus")
    assert row["status"] == "no_data" and "row_cap" in row["status_reason"]
