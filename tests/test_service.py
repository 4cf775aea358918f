"""A failing data source degrades only its own metrics; results are cached until data change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from metrics.service import MetricsService

PROJECT = Path(__file__).resolve().parent.parent

BROKEN = """\
datasources:
  - id: warehouse
    url: ${OUTCOMES_TEST_MISSING_WAREHOUSE:-sqlite:///no/such/warehouse.db}
metrics:
  - id: broken_metric
    title: Delayed transfers of care
    definition: Days delayed
    unit: count
    polarity: lower_is_better
    frequency: monthly
    method: count
    source: {name: warehouse}
    binding:
      type: table
      datasource: warehouse
      table: delays
      date_column: day
      numerator: {count: rows}
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


@pytest.fixture
def degraded_service(tmp_path: Path, sample_db: Path) -> MetricsService:
    config = tmp_path / "config"
    shutil.copytree(PROJECT / "config", config)
    (config / "ingest.yaml").unlink()  # its file paths are relative to the real project folder
    (config / "broken.yaml").write_text(BROKEN)
    framework = config / "frameworks" / "warwickshire.yaml"
    text = framework.read_text()
    text = text.replace("metrics: [falls_admissions_65plus]",
                        "metrics: [falls_admissions_65plus, broken_metric, missing_table_metric]", 1)
    framework.write_text(text)
    service = MetricsService.from_config_dir(config)
    # the copied config's relative sample path must point at the real sample database
    from datasources.registry import DataSourceRegistry, SourceSettings

    sources = [SourceSettings(d.id, d.url) for d in service.config.datasources.values()]
    service.registry = DataSourceRegistry(sources, project_root=PROJECT)
    return service


def test_failing_source_degrades_only_its_metrics(degraded_service: MetricsService) -> None:
    result = degraded_service.evaluate_framework("warwickshire", "2016-03")
    by_id = {e.metric_id: e for e in result.evaluations}
    broken = by_id["broken_metric"]
    assert broken.status == "no_data"
    assert "does not exist" in broken.status_reason and "warehouse.db" in broken.status_reason
    missing = by_id["missing_table_metric"]
    assert missing.status == "no_data"
    assert "no such table: no_such_table" in missing.status_reason
    assert by_id["falls_admissions_65plus"].status in {"on_track", "at_risk", "off_track"}
    assert by_id["dementia_diagnosis_rate_65plus"].value is not None


def test_unset_environment_variable_is_named(tmp_path: Path, degraded_service: MetricsService, monkeypatch) -> None:
    from datasources.engines import DataSourceError, expand_url

    monkeypatch.delenv("WARKS_DB_URL", raising=False)
    with pytest.raises(DataSourceError, match="environment variable WARKS_DB_URL is not set"):
        expand_url("${WARKS_DB_URL}")
    monkeypatch.setenv("WARKS_DB_URL", "postgresql://u:p@h/db")
    assert expand_url("${WARKS_DB_URL}") == "postgresql://u:p@h/db"


def test_observations_are_cached_until_the_data_change(service: MetricsService) -> None:
    first = service.observations("falls_admissions_65plus")
    assert service.observations("falls_admissions_65plus") is first
    service.registry.vintage = lambda source_id: "changed"  # type: ignore[method-assign]
    try:
        again = service.observations("falls_admissions_65plus")
        assert again is not first and again.vintage == "changed"
    finally:
        del service.registry.vintage


def test_no_record_level_rows_reach_pandas(service: MetricsService, sample_db) -> None:
    """The falls query returns one row per month and district, not the ~400,000 admissions."""
    import sqlite3

    with sqlite3.connect(sample_db) as conn:
        months, districts, records = conn.execute(
            "SELECT COUNT(DISTINCT substr(admission_date, 1, 7)), COUNT(DISTINCT area_code), COUNT(*) "
            "FROM hospital_admissions").fetchone()
    conn.close()
    obs = service.observations("falls_admissions_65plus")
    per_area = obs.frame[obs.frame["area"] != "_headline"]
    assert len(per_area) == months * districts < records / 100


def test_framework_evaluation_is_reused_until_the_data_change(service: MetricsService) -> None:
    first = service.evaluate_framework("warwickshire", "2016-03")
    # the metric evaluations are reused (milestones and intentions are judged afresh on every call)
    assert all(a is b for a, b in zip(service.evaluate_framework("warwickshire", "2016-03").evaluations,
                                      first.evaluations))
    assert service.evaluate_framework("warwickshire", "2016-03", suppress=True).evaluations[0] \
        is not first.evaluations[0]
    service.registry.vintage = lambda source_id: "changed again"  # type: ignore[method-assign]
    try:
        again = service.evaluate_framework("warwickshire", "2016-03")
        assert again.evaluations[0] is not first.evaluations[0]
        assert [e.status for e in again.evaluations] == [e.status for e in first.evaluations]
    finally:
        del service.registry.vintage
