"""Questions of one table asked in one query (metrics.batch, metrics.compile.compile_combined): each metric's
rows are exactly what its own query gives (the same rows, columns, types and order), on SQLite, DuckDB and
PostgreSQL, for every table-bound metric of the sample config and of the 200-metric benchmark framework; a
metric whose query fails, or rows over the row cap, send the questions back to their own queries."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import inspect

from benchmarks.framework200 import write_framework
from datasources.engines import DataSourceError, QueryResult
from datasources.registry import DataSourceRegistry, SourceSettings
from metrics.batch import run_questions
from metrics.compile import compile_metric
from metrics.definitions.loader import load_config
from metrics.definitions.models import TableBinding
from metrics.service import MetricsService
from sample_data.generate import build

PROJECT = Path(__file__).resolve().parent.parent
SCALE = 0.05


def _combined_and_own(service: MetricsService, only_present: bool = False) -> tuple[dict, dict, list]:
    """Every table-bound metric's outcome asked together (as a framework is) and asked on its own; and
    each combined query's outcome (None: it fell back to the questions' own queries). ``only_present``: only
    the metrics whose table the source has (a generated sample lacks the ingested published tables)."""
    metrics = {m: metric for m, metric in service.config.metrics.items() if isinstance(metric.binding, TableBinding)}
    if only_present:
        tables = set(inspect(service.registry.engine("sample")).get_table_names())
        metrics = {m: metric for m, metric in metrics.items() if metric.binding.table in tables}
    jobs = {m: (metric.binding.datasource, compile_metric(metric)) for m, metric in metrics.items()}
    combined: list = []
    execute_parts = service.registry.execute_parts

    def recorded(source_id, statement, parts):
        try:
            results = execute_parts(source_id, statement, parts)
        except DataSourceError as exc:
            combined.append(exc)
            raise
        combined.append(results)
        return results

    service.registry.execute_parts = recorded  # type: ignore[method-assign]
    together = run_questions(service.registry, jobs, metrics)
    alone = run_questions(service.registry, jobs)
    return together, alone, combined


def _assert_the_same(together: dict, alone: dict) -> int:
    """Each metric's frame from the combined query equals its own query's, exactly; returns how many had rows."""
    with_rows = 0
    for metric_id, own in alone.items():
        got = together[metric_id]
        if isinstance(own, DataSourceError):
            assert isinstance(got, DataSourceError), metric_id
            continue
        assert isinstance(got, QueryResult), f"{metric_id}: {got}"
        pd.testing.assert_frame_equal(got.frame, own.frame, check_exact=True, obj=metric_id)
        assert (got.sql, got.truncated) == (own.sql, own.truncated), metric_id
        with_rows += not own.frame.empty
    return with_rows


def _service(config_dir: Path, url: str | None = None) -> MetricsService:
    config = load_config(config_dir)
    if url is None:
        return MetricsService(config)
    return MetricsService(config, DataSourceRegistry([SourceSettings("sample", url)], project_root=PROJECT))


@pytest.fixture(scope="module")
def bench_config(tmp_path_factory, sample_db: Path) -> Path:
    return write_framework(tmp_path_factory.mktemp("bench"), sample_db, 200)


def test_sample_config_on_sqlite(sample_db: Path) -> None:
    together, alone, combined = _combined_and_own(_service(PROJECT / "config"))
    assert combined and all(isinstance(c, dict) for c in combined), combined  # combined, none fell back
    assert sum(len(c) for c in combined) >= 60  # local_returns' measures, Lewisham's outcomes, admissions
    assert _assert_the_same(together, alone) >= 60


def test_benchmark_framework_on_sqlite(bench_config: Path) -> None:
    together, alone, combined = _combined_and_own(_service(bench_config))
    # 200 metrics, 79 distinct questions: three tables-by-frequency, one query each.
    assert len(combined) == 3 and sorted(len(c) for c in combined) == [10, 34, 35]
    assert _assert_the_same(together, alone) == 200


@pytest.fixture(scope="module")
def duckdb_url(tmp_path_factory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('duck') / 'sample.duckdb'}"
    build(url, scale=SCALE)
    return url


def test_sample_config_and_benchmark_on_duckdb(duckdb_url: str, bench_config: Path) -> None:
    for config_dir in (PROJECT / "config", bench_config):
        service = _service(config_dir, duckdb_url)
        together, alone, combined = _combined_and_own(service, only_present=True)
        assert combined and all(isinstance(c, dict) for c in combined), combined
        assert _assert_the_same(together, alone) == len(alone) >= 5  # every one has rows
        service.registry.dispose()


def test_duckdb_rows_through_arrow_are_the_rows_sqlalchemy_gives(duckdb_url: str, monkeypatch) -> None:
    """DuckDB's rows read as Arrow columns (issue 24) make the very frames SQLAlchemy's tuples make, dtypes
    included, for every table-bound metric of the sample config asked on its own and asked together, and so
    the same observations."""
    from datasources import engines
    from metrics.evaluation.observations import build_observations

    reads: dict[str, list] = {"arrow": [], "tuples": []}

    def counted(conn, compiled, row_cap):  # noqa: ANN001, ANN202
        reads["arrow"].append(str(compiled))
        return arrow_rows(conn, compiled, row_cap)

    def by_tuples(conn, compiled, row_cap):  # noqa: ANN001, ANN202 - the rows as SQLAlchemy gives any database's
        reads["tuples"].append(str(compiled))
        return engines._tuple_rows(conn, compiled.statement, row_cap)

    arrow_rows = engines._arrow_rows
    monkeypatch.setattr(engines, "_arrow_rows", counted)
    service = _service(PROJECT / "config", duckdb_url)
    arrow = _combined_and_own(service, only_present=True)
    service.registry.dispose()
    monkeypatch.setattr(engines, "_arrow_rows", by_tuples)
    service = _service(PROJECT / "config", duckdb_url)
    tuples = _combined_and_own(service, only_present=True)
    service.registry.dispose()

    # The same queries each way, combined ones among them: each read as Arrow, then through SQLAlchemy.
    assert sorted(reads["arrow"]) == sorted(reads["tuples"]) and len(reads["arrow"]) > len(tuples[1])
    assert all(isinstance(c, dict) for c in arrow[2] + tuples[2]) and len(arrow[2]) == len(tuples[2])
    compared = 0
    for asked_arrow, asked_tuples in zip(arrow[:2], tuples[:2], strict=True):
        assert asked_arrow.keys() == asked_tuples.keys()
        for metric_id, expected in asked_tuples.items():
            found = asked_arrow[metric_id]
            assert isinstance(found, QueryResult) and isinstance(expected, QueryResult), metric_id
            assert found.frame.dtypes.to_dict() == expected.frame.dtypes.to_dict(), metric_id
            pd.testing.assert_frame_equal(found.frame, expected.frame, check_exact=True, obj=metric_id)
            metric = service.metric(metric_id)
            pd.testing.assert_frame_equal(build_observations(metric, found.frame, metric.binding.headline_area),
                                          build_observations(metric, expected.frame, metric.binding.headline_area),
                                          check_exact=True, obj=metric_id)
            compared += not expected.frame.empty
    assert compared == 2 * len(tuples[1]) >= 10  # every metric has rows, alone and together


@pytest.mark.postgres
def test_sample_config_and_benchmark_on_postgresql(postgres_url: str, bench_config: Path) -> None:
    from tests.conftest import new_postgres_database

    url = new_postgres_database(postgres_url, "combined")
    build(url, scale=SCALE)
    for config_dir in (PROJECT / "config", bench_config):
        service = _service(config_dir, url)
        together, alone, combined = _combined_and_own(service, only_present=True)
        assert combined and all(isinstance(c, dict) for c in combined), combined
        assert _assert_the_same(together, alone) == len(alone) >= 5  # every one has rows
        service.registry.dispose()


# ---------------------------------------------------------------- failures and the row cap

def _falls(path: Path) -> None:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE falls (day TEXT, area TEXT, age INTEGER)")
        con.executemany("INSERT INTO falls VALUES (?, ?, ?)",
                        [(f"2024-{m:02d}-{d:02d}", area, 60 + (m * d) % 30)
                         for m in range(1, 13) for d in range(1, 1 + m) for area in ("E1", "E2")])


def _metric(metric_id: str, filters: list[dict]) -> dict:
    return {"id": metric_id, "title": f"Falls ({metric_id})", "definition": "Falls", "unit": "count",
            "polarity": "lower_is_better", "frequency": "monthly", "method": "count", "source": {"name": "test"},
            "binding": {"type": "table", "datasource": "local", "table": "falls", "date_column": "day",
                        "area_column": "area", "filters": filters, "numerator": {"count": "rows"}}}


def _config(tmp_path: Path, metrics: list[dict], row_cap: int = 200_000) -> Path:
    _falls(tmp_path / "falls.db")
    framework = {"id": "test", "title": "Test", "organisation": "Test",
                 "outcomes": [{"code": "T", "title": "Test", "sub_outcomes": [{"code": "T1", "title": "All"}]}],
                 "intentions": [{"id": "t-1", "title": "Fewer falls", "outcomes": ["T1"],
                                 "metrics": [m["id"] for m in metrics]}]}
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "datasources.yaml").write_text(json.dumps({"datasources": [
        {"id": "local", "title": "Local", "url": f"sqlite:///{tmp_path / 'falls.db'}", "row_cap": row_cap}]}))
    (tmp_path / "config" / "framework.yaml").write_text(json.dumps({"framework": framework, "metrics": metrics}))
    return tmp_path / "config"


def test_a_broken_metric_fails_alone_and_the_others_keep_their_figures(tmp_path: Path) -> None:
    config = _config(tmp_path, [_metric("falls_65", [{"column": "age", "op": "ge", "value": 65}]),
                                _metric("misspelt", [{"column": "agee", "op": "ge", "value": 65}]),
                                _metric("falls_75", [{"column": "age", "op": "ge", "value": 75}])])
    together, alone, combined = _combined_and_own(_service(config))
    assert len(combined) == 1 and isinstance(combined[0], DataSourceError)  # the one query failed ...
    assert isinstance(together["misspelt"], DataSourceError) and "agee" in str(together["misspelt"])
    assert _assert_the_same(together, alone) == 2  # ... and each question was asked on its own
    falls_65 = together["falls_65"].frame
    assert list(falls_65.columns) == ["period_start", "area", "numerator", "denominator"]
    assert falls_65["numerator"].sum() == sum(1 for m in range(1, 13) for d in range(1, 1 + m)
                                              if 60 + (m * d) % 30 >= 65) * 2
    service = _service(config)
    failed, kept = service.observations("misspelt"), service.observations("falls_75")
    assert failed.frame.empty and "agee" in failed.error
    assert kept.error is None and not kept.frame.empty


def test_rows_over_the_row_cap_together_are_asked_alone(tmp_path: Path) -> None:
    """Each area's metric has 12 rows, within the cap of 20; together they have 24, over it: each is then
    asked on its own and is complete, not truncated."""
    config = _config(tmp_path, [_metric("e1", [{"column": "area", "value": "E1"}]),
                                _metric("e2", [{"column": "area", "value": "E2"}])], row_cap=20)
    together, alone, combined = _combined_and_own(_service(config))
    assert combined == [None]
    assert _assert_the_same(together, alone) == 2
    assert [len(together[m].frame) for m in ("e1", "e2")] == [12, 12]
    assert not any(together[m].truncated for m in ("e1", "e2"))


# ---------------------------------------------------------------- the judgements built from them

def _records(evaluations) -> list[dict]:
    return [json.loads(json.dumps(e.to_record(), sort_keys=True, default=str)) for e in evaluations]


@pytest.mark.parametrize("framework_id", ["cornwall", "lancashire", "lewisham", "warwickshire", "wigan"])
def test_a_framework_judged_together_as_each_metric_alone(sample_db: Path, framework_id: str) -> None:
    """The overview's path (every query of the framework at once, combined; observations and headlines shared
    by metrics alike) judges every metric as a service asked for one metric at a time does (its own query,
    nothing shared): the whole record, insights included."""
    together = MetricsService.from_config_dir(PROJECT / "config").evaluate_framework(framework_id)
    alone = MetricsService.from_config_dir(PROJECT / "config")
    one_by_one = [alone.evaluate_metric(e.metric_id, together.period, e.intention_id) for e in together.evaluations]
    assert len(together.evaluations) >= 10
    assert _records(together.evaluations) == _records(one_by_one)


def test_the_benchmark_framework_judged_together_as_each_metric_alone(bench_config: Path) -> None:
    together = MetricsService.from_config_dir(bench_config).evaluate_framework("bench")
    alone = MetricsService.from_config_dir(bench_config)
    one_by_one = [alone.evaluate_metric(e.metric_id, together.period, e.intention_id) for e in together.evaluations]
    assert len(together.evaluations) == 200 and {e.status for e in together.evaluations} != {"no_data"}
    assert _records(together.evaluations) == _records(one_by_one)
