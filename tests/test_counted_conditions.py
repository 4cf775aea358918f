"""Counts asked together by their conditions (metrics.compile._Conditions): rows counted once by month, area and
which of the questions' filter conditions they pass, then each question's count summed from those groups, must
give each metric exactly its own query's rows (the same rows, columns, types and order) for every filter
operator, NULLs in the filtered columns, more conditions than one key holds, every frequency, a table without
an area column, and a question that reads every row; on SQLite (with dates written with a time, or not dates
at all), DuckDB and PostgreSQL. A sum is still asked through each aggregate's FILTER, with the same figures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, create_engine, text

from tests.test_combined_queries import _assert_the_same, _combined_and_own, _service

FREQUENCIES = ("monthly", "quarterly", "annual", "calendar_year")
#: Days with a time, or no day at all (a NULL period), each with a kind and an age.
ODD_SQLITE_ROWS = ("('2024-03-31 23:59:59', 'E1', 'a', 70, 1)", "('2024-04-01T00:00:00', 'E1', 'a', 70, 1)",
                   "('not a date', 'E2', 'b', 40, 0)", "(NULL, 'E2', 'a', 80, 1)")


def _rows() -> list[dict]:
    """Visits over three years in three areas (one unknown); kind, age and flag are sometimes NULL."""
    rows = []
    for i in range(3000):
        rows.append({"day": dt.date(2022, 1, 1) + dt.timedelta(days=i * 7 % 1100),
                     "area": ["E1", "E2", "E3", None][i % 4 if i % 9 == 0 else i % 3],
                     "kind": ["a", "b", "c", None][i % 4], "age": None if i % 17 == 0 else i * 13 % 100,
                     "flag": None if i % 11 == 0 else i % 3})
    return rows


def _fill(url: str) -> None:
    engine = create_engine(url)
    visits = Table("visits", MetaData(), Column("day", Date), Column("area", String), Column("kind", String),
                   Column("age", Integer), Column("flag", Integer))
    with engine.begin() as conn:
        visits.create(conn)
        conn.execute(visits.insert(), _rows())
        if engine.dialect.name == "sqlite":  # SQLite keeps whatever text it is given in a DATE column
            conn.execute(text(f"INSERT INTO visits VALUES {', '.join(ODD_SQLITE_ROWS)}"))
    engine.dispose()


def _metric(metric_id: str, frequency: str, filters: list[dict], numerator: dict | None = None,
            denominator: dict | None = None, area: bool = True) -> dict:
    binding = {"type": "table", "datasource": "local", "table": "visits", "date_column": "day",
               "filters": filters, "numerator": numerator or {"count": "rows"}}
    if area:
        binding["area_column"] = "area"
    if denominator is not None:
        binding["denominator"] = denominator
    return {"id": metric_id, "title": metric_id, "definition": "Visits", "unit": "count" if denominator is None
            else "percent", "polarity": "lower_is_better", "frequency": frequency,
            "method": "count" if denominator is None else "proportion", "source": {"name": "test"},
            "binding": binding}


def _metrics() -> list[dict]:
    every_op = [
        [{"column": "kind", "value": "a"}], [{"column": "kind", "op": "ne", "value": "a"}],
        [{"column": "kind", "op": "in", "value": ["a", "b"]}], [{"column": "kind", "op": "not_in", "value": ["c"]}],
        [{"column": "kind", "op": "is_null"}], [{"column": "kind", "op": "not_null"}],
        [{"column": "kind", "op": "not_null"}, {"column": "age", "op": "lt", "value": 30}],
        [{"column": "kind", "value": "b"}, {"column": "age", "op": "le", "value": 30}],
        [{"column": "kind", "value": "b"}, {"column": "age", "op": "gt", "value": 60}],
        [{"column": "kind", "value": "c"}, {"column": "age", "op": "ge", "value": 60},
         {"column": "flag", "op": "ne", "value": 2}],
        [{"column": "kind", "op": "in", "value": ["a", "c"]}, {"column": "age", "op": "between", "value": [20, 40]}],
    ]
    metrics = []
    for frequency in FREQUENCIES:
        short = frequency[:2]
        metrics += [_metric(f"{short}_op{i}", frequency, filters) for i, filters in enumerate(every_op)]
        # A numerator's own filter, and same-table denominators with and without filters.
        metrics.append(_metric(f"{short}_numerator_filter", frequency, [{"column": "kind", "value": "b"}],
                               {"count": "rows", "filters": [{"column": "flag", "value": 1}]}))
        metrics.append(_metric(f"{short}_denominator", frequency, [{"column": "kind", "op": "in", "value": ["a", "b"]}],
                               {"count": "rows", "filters": [{"column": "flag", "value": 1}]},
                               {"count": "rows", "filters": [{"column": "flag", "op": "ne", "value": 2}]}))
        metrics.append(_metric(f"{short}_all_rows_den", frequency, [{"column": "kind", "value": "a"}],
                               {"count": "rows", "filters": [{"column": "age", "op": "ge", "value": 50}]},
                               {"count": "rows"}))
    # Monthly: 30 ages more, so the conditions take two keys, and every question filters kind (a shared
    # column, whose values make the WHERE of the whole).
    metrics += [_metric(f"mo_age{age}", "monthly", [{"column": "kind", "op": "not_null"},
                                                    {"column": "age", "op": "ge", "value": age}])
                for age in range(0, 90, 3)]
    # Quarterly: one question reads every row (no WHERE of the whole).
    metrics.append(_metric("qu_every_row", "quarterly", []))
    # Annual, without an area column; and sums (by calendar year, without one), still asked through the
    # aggregates' FILTER.
    metrics += [_metric(f"an_no_area{i}", "annual", filters, area=False) for i, filters in enumerate(every_op[:4])]
    metrics += [_metric(f"ca_sum{i}", "calendar_year", filters, {"sum": "age"}, area=False)
                for i, filters in enumerate(every_op[:4])]
    return metrics


def _config(folder: Path, url: str) -> Path:
    metrics = _metrics()
    framework = {"id": "test", "title": "Test", "organisation": "Test",
                 "outcomes": [{"code": "T", "title": "Test", "sub_outcomes": [{"code": "T1", "title": "All"}]}],
                 "intentions": [{"id": "t-1", "title": "Fewer visits", "outcomes": ["T1"],
                                 "metrics": [m["id"] for m in metrics]}]}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "datasources.yaml").write_text(json.dumps({"datasources": [
        {"id": "local", "title": "Local", "url": url, "row_cap": 200_000}]}))
    (folder / "framework.yaml").write_text(json.dumps({"framework": framework, "metrics": metrics}))
    return folder


def _check(config: Path, odd_rows: int = 0) -> int:
    """Checks the combined queries and returns how many metrics' frames were the same as their own queries'."""
    service = _service(config)
    asked: list[str] = []
    execute_parts = service.registry.execute_parts

    def spied(source_id, statement, parts):
        asked.append(str(statement.compile(service.registry.engine(source_id))))
        return execute_parts(source_id, statement, parts)

    service.registry.execute_parts = spied  # type: ignore[method-assign]
    together, alone, combined = _combined_and_own(service)
    assert combined and all(isinstance(c, dict) for c in combined), combined  # none fell back
    # Two monthly queries (44 questions; at most 40 in one), one for each other frequency, annual and calendar
    # years also without an area column.
    assert len(combined) == 7
    counted = [sql for sql in asked if " & " in sql]
    assert len(counted) == 6  # all but the sums: the counts were asked by their conditions
    assert any("k1" in sql for sql in counted)  # more conditions than one key holds
    same = _assert_the_same(together, alone)
    frame = together["mo_age0"].frame
    known = sum(1 for r in _rows() if r["kind"] is not None and r["age"] is not None)
    assert frame["numerator"].sum() == known + odd_rows
    service.registry.dispose()
    return same


def test_counted_by_their_conditions_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'visits.db'}"
    _fill(url)
    assert _check(_config(tmp_path / "config", url), odd_rows=len(ODD_SQLITE_ROWS)) == len(_metrics())


def test_counted_by_their_conditions_on_duckdb(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'visits.duckdb'}"
    _fill(url)
    assert _check(_config(tmp_path / "config", url)) == len(_metrics())  # every metric has rows


@pytest.mark.postgres
def test_counted_by_their_conditions_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    from tests.conftest import new_postgres_database

    url = new_postgres_database(postgres_url, "counted")
    _fill(url)
    assert _check(_config(tmp_path / "config", url)) == len(_metrics())  # every metric has rows
