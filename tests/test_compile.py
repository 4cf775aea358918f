"""Compiled SQL per dialect, snapshotted so a change shows as a readable diff.

Set OUTCOMES_UPDATE_SNAPSHOTS=1 to write or rewrite the snapshots after a deliberate change; without it a
missing snapshot fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from metrics.compile import compile_metric, render_sql
from metrics.definitions.loader import load_config
from metrics.definitions.models import Metric

PROJECT = Path(__file__).resolve().parent.parent
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "sql"
METRICS = ["falls_admissions_65plus", "dementia_diagnosis_rate_65plus", "permanent_care_home_admissions_65plus"]


@pytest.fixture(scope="module")
def config():
    return load_config(PROJECT / "config")


DIALECTS = ["sqlite", "postgresql", "duckdb", "mssql", "databricks"]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("metric_id", METRICS)
def test_sql_snapshot(config, metric_id: str, dialect: str) -> None:
    sql = render_sql(compile_metric(config.metrics[metric_id]), dialect).strip() + "\n"
    path = SNAPSHOTS / f"{metric_id}.{dialect}.sql"
    if os.environ.get("OUTCOMES_UPDATE_SNAPSHOTS"):
        path.write_text(sql)
    # A missing snapshot fails: written only on purpose, so a first run cannot pass by writing what it checks.
    assert path.exists(), f"no SQL snapshot {path.relative_to(PROJECT)}; write it with OUTCOMES_UPDATE_SNAPSHOTS=1"
    assert sql == path.read_text()


def test_every_sql_snapshot_is_checked() -> None:
    """No snapshot file is left behind by a renamed metric or dialect, read as if it were checked."""
    checked = {f"{metric_id}.{dialect}.sql" for metric_id in METRICS for dialect in DIALECTS}
    assert {p.name for p in SNAPSHOTS.glob("*.sql")} == checked


def test_values_are_bound_parameters_never_literals(config) -> None:
    statement = compile_metric(config.metrics["falls_admissions_65plus"])
    compiled = statement.compile()
    sql = str(compiled)
    for literal in ("falls", "emergency", "65-69", "90+"):
        assert literal not in sql
    assert "falls" in compiled.params.values()
    assert "emergency" in compiled.params.values()


def test_hostile_filter_value_stays_a_parameter() -> None:
    metric = Metric.model_validate({
        "id": "m", "title": "t", "definition": "d", "unit": "count", "polarity": "lower_is_better",
        "frequency": "monthly", "method": "count", "source": {"name": "s"},
        "binding": {"type": "table", "datasource": "s", "table": "events", "date_column": "day",
                    "filters": [{"column": "cause", "value": "x'; DROP TABLE events; --"}],
                    "numerator": {"count": "rows"}},
    })
    compiled = compile_metric(metric).compile()
    assert "DROP TABLE" not in str(compiled)
    assert "x'; DROP TABLE events; --" in compiled.params.values()


def test_odd_identifiers_are_quoted() -> None:
    metric = Metric.model_validate({
        "id": "m", "title": "t", "definition": "d", "unit": "count", "polarity": "lower_is_better",
        "frequency": "monthly", "method": "count", "source": {"name": "s"},
        "binding": {"type": "table", "datasource": "s", "table": "Admissions Data", "date_column": "Admission Date",
                    "area_column": "select", "numerator": {"count": "rows"}},
    })
    sql = render_sql(compile_metric(metric), "postgresql")
    assert '"Admissions Data"' in sql and '"Admission Date"' in sql and '"select"' in sql


def test_sql_binding_is_wrapped_and_aggregated_in_the_database() -> None:
    metric = Metric.model_validate({
        "id": "m", "title": "t", "definition": "d", "unit": "percent", "polarity": "higher_is_better",
        "frequency": "quarterly", "method": "proportion", "source": {"name": "s"},
        "binding": {"type": "sql", "datasource": "s", "params": {"since": "2020-01-01"},
                    "sql": "SELECT month AS period_date, area_code AS area, registered_65plus AS numerator, "
                           "estimated_prevalence_65plus AS denominator FROM dementia_register WHERE month >= :since"},
    })
    sql = render_sql(compile_metric(metric), "postgresql")
    assert "date_trunc('quarter', CAST(raw.period_date AS TIMESTAMP))" in sql
    assert "sum(raw.numerator)" in sql and "GROUP BY" in sql
    assert "%(since)s" in sql
