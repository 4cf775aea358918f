"""Hostile SQL at the engine layer, as if the config check had been bypassed: on every engine
a query cannot write, run a second statement, reach the host's files or outrun its limit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from datasources.engines import DataSourceError, run_query
from datasources.registry import DataSourceRegistry, SourceSettings

PROJECT = Path(__file__).resolve().parent.parent
LIMIT = 1.0  # seconds: every source below has this time limit


def registry_for(url: str, **settings) -> DataSourceRegistry:
    return DataSourceRegistry([SourceSettings("src", url, timeout_seconds=LIMIT, **settings)], PROJECT)


def timed_failure(registry: DataSourceRegistry, sql: str) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(DataSourceError) as info:
        registry.execute("src", text(sql))
    return str(info.value), time.monotonic() - started


# ------------------------------------------------------------------ PostgreSQL

@pytest.fixture(scope="module")
def pg_owner_url(postgres_url: str):
    """A database owned by a non-superuser role that could write its table (it owns it): only the
    engine's read-only transaction and time limit stand between a binding and the data."""
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS guard_db"))
        conn.execute(text("DROP ROLE IF EXISTS guard_owner"))
        conn.execute(text("CREATE ROLE guard_owner LOGIN NOSUPERUSER"))
        conn.execute(text("CREATE DATABASE guard_db OWNER guard_owner"))
    admin.dispose()
    url = sa.make_url(postgres_url).set(username="guard_owner", database="guard_db")
    owner = sa.create_engine(url)
    with owner.begin() as conn:
        conn.execute(text("CREATE TABLE t (id integer)"))
        conn.execute(text("INSERT INTO t SELECT generate_series(1, 10)"))
    # The role can write: the protection below is the engine's, not a missing grant.
    with owner.begin() as conn:
        conn.execute(text("UPDATE t SET id = id"))
    owner.dispose()
    yield url.render_as_string(hide_password=False)


def pg_rows(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM t")).scalar_one()
    engine.dispose()
    return count


@pytest.mark.postgres
@pytest.mark.parametrize("sql", [
    "SELECT 1 AS x; COMMIT; BEGIN READ WRITE; DROP TABLE t; COMMIT; SELECT 1 AS x",
    "COMMIT; BEGIN READ WRITE; DROP TABLE t; COMMIT; SELECT 1 AS x",
    "DROP TABLE t",
    "DELETE FROM t",
    "WITH d AS (DELETE FROM t RETURNING id) SELECT count(*) FROM d",
    "SELECT set_config('transaction_read_only', 'off', true) AS a, (SELECT count(*) FROM t) AS b; DELETE FROM t",
])
def test_postgresql_binding_cannot_write(pg_owner_url: str, sql: str) -> None:
    registry = registry_for(pg_owner_url)
    message, _ = timed_failure(registry, sql)
    assert "cannot insert multiple commands" in message or "read-only transaction" in message, message
    assert pg_rows(pg_owner_url) == 10
    registry.dispose()


@pytest.mark.postgres
def test_postgresql_binding_cannot_lift_the_time_limit(pg_owner_url: str) -> None:
    registry = registry_for(pg_owner_url)
    message, elapsed = timed_failure(registry, "SET statement_timeout = 0; SELECT pg_sleep(6)")
    assert "cannot insert multiple commands" in message and elapsed < LIMIT + 1
    # One statement that lifts the limit for the session: the running statement keeps its limit,
    # and the next query on the same pooled connection gets the limit again.
    message, elapsed = timed_failure(registry, "SELECT set_config('statement_timeout', '0', false), pg_sleep(6)")
    assert "statement timeout" in message and LIMIT - 0.2 < elapsed < LIMIT + 1.5
    message, elapsed = timed_failure(registry, "SELECT pg_sleep(6)")
    assert "statement timeout" in message and LIMIT - 0.2 < elapsed < LIMIT + 1.5
    registry.dispose()


@pytest.mark.postgres
def test_postgresql_session_settings_do_not_reach_the_next_query(pg_owner_url: str) -> None:
    registry = registry_for(pg_owner_url)
    registry.execute("src", text("SELECT set_config('search_path', 'nowhere', false) AS x"))
    # Every query's transaction is rolled back, and PostgreSQL undoes a setting changed inside a
    # rolled-back transaction: the next query on the same pooled connection starts as before.
    assert registry.execute("src", text("SELECT current_setting('search_path') AS p")).frame["p"].tolist() \
        == ['"$user", public']
    assert registry.execute("src", text("SELECT count(*) AS n FROM t")).frame["n"].tolist() == [10]
    registry.dispose()


@pytest.mark.postgres
def test_postgresql_explain_plans_without_running(pg_owner_url: str) -> None:
    registry = registry_for(pg_owner_url)
    assert registry.explain("src", text("SELECT count(*) FROM t WHERE id > :x").bindparams(x=3)) is None
    assert "does not exist" in registry.explain("src", text("SELECT nope FROM t"))
    assert registry.explain("src", text("SELECT pg_sleep(6)")) is None  # planned, not slept
    registry.dispose()


@pytest.mark.postgres
def test_postgresql_engine_layer_runs_one_prepared_statement(pg_owner_url: str) -> None:
    from datasources.engines import make_read_only_engine

    engine = make_read_only_engine(pg_owner_url, LIMIT)
    assert run_query(engine, text("SELECT count(*) AS n FROM t"), 100).frame["n"].tolist() == [10]
    with pytest.raises(sa.exc.DBAPIError, match="cannot insert multiple commands"):
        run_query(engine, text("SELECT 1; DROP TABLE t; SELECT 1"), 100)
    assert pg_rows(pg_owner_url) == 10
    engine.dispose()


# ------------------------------------------------------------------ DuckDB

@pytest.fixture
def duck_url(tmp_path: Path) -> str:
    import duckdb

    path = tmp_path / "src.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute("CREATE TABLE t AS SELECT range AS id FROM range(10)")
    conn.close()
    return f"duckdb:///{path}"


def test_duckdb_slow_query_is_stopped_near_the_limit(duck_url: str) -> None:
    registry = registry_for(duck_url)
    message, elapsed = timed_failure(registry, "SELECT sum(a.range * b.range) AS s FROM range(1000000) a, "
                                               "range(1000000) b")
    assert "time limit" in message and LIMIT - 0.1 < elapsed < LIMIT + 1.5, (message, elapsed)
    # The connection is usable afterwards, and a quick query is not stopped.
    assert registry.execute("src", text("SELECT count(*) AS n FROM t")).frame["n"].tolist() == [10]
    registry.dispose()


@pytest.mark.parametrize(("sql", "words"), [
    ("COPY t TO '{out}'", "disabled by configuration"),
    ("SELECT * FROM read_text('/etc/hostname')", "disabled by configuration"),
    ("SELECT * FROM read_csv('/etc/passwd')", "disabled by configuration"),
    ("SELECT * FROM '/etc/passwd'", "does not exist"),  # no replacement scan of files
    ("SET enable_external_access = true", "locked"),
    ("DROP TABLE t", "read-only"),
    ("SELECT 1 AS x; DROP TABLE t", "2 statements"),
])
def test_duckdb_refuses_files_settings_writes_and_second_statements(duck_url: str, tmp_path: Path, sql: str,
                                                                     words: str) -> None:
    out = tmp_path / "written.csv"
    registry = registry_for(duck_url)
    message, _ = timed_failure(registry, sql.format(out=out))
    assert words in message, message
    assert not out.exists()
    assert registry.execute("src", text("SELECT count(*) AS n FROM t")).frame["n"].tolist() == [10]
    registry.dispose()


def test_duckdb_rows_come_as_sqlalchemys_rows_would(duck_url: str) -> None:
    """DuckDB's rows are read as Arrow columns (issue 24), into the very frame SQLAlchemy's tuples made: dates as
    dates, text, integers (a HUGEINT sum too) as int64, decimals as Decimal, floats (FLOAT, 32 bits in Arrow, too)
    as float64, a NULL among integers as NaN, a column with no value at all as None, no rows as columns of no type;
    bound and expanding parameters."""
    import pandas as pd

    statement = sa.select(
        sa.literal_column("DATE '2024-04-01'").label("period_start"),
        sa.literal_column("'E0' || CAST(id AS VARCHAR)").label("area"),
        sa.cast(sa.column("id"), sa.Integer).label("small"),
        sa.func.sum(sa.cast(sa.column("id"), sa.Integer)).over().label("hugeint_sum"),
        (sa.column("id") * 0.5).label("half"),
        sa.literal_column("CAST(1.25 AS DECIMAL(10, 2))").label("exact"),
        sa.case((sa.column("id") > 4, sa.column("id"))).label("some_missing"),
        sa.literal_column("CAST(id AS FLOAT) / 4").label("single"),
        sa.literal_column("CAST(NULL AS FLOAT)").label("no_denominator"),
        (sa.column("id") > sa.bindparam("cut", 2)).label("flag"),
    ).select_from(sa.table("t")).where(sa.column("id").in_([1, 3, 5, 7])).order_by(sa.column("id"))
    registry = registry_for(duck_url)
    for asked in (statement, statement.where(sa.column("id") > 100)):
        frame = registry.execute("src", asked).frame
        with registry.engine("src").connect() as conn:  # the same engine, through SQLAlchemy's rows
            result = conn.execute(asked)
            expected = pd.DataFrame([tuple(r) for r in result.fetchall()], columns=list(result.keys()))
        assert frame.dtypes.to_dict() == expected.dtypes.to_dict()
        pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    assert frame.empty and all(kind == object for kind in frame.dtypes)
    frame = registry.execute("src", statement).frame
    assert frame["hugeint_sum"].tolist() == [16] * 4 and frame["some_missing"].isna().tolist() == [1, 1, 0, 0]
    assert frame["single"].dtype == "float64" and frame["single"].tolist() == [0.25, 0.75, 1.25, 1.75]
    assert frame["no_denominator"].tolist() == [None] * 4
    registry.dispose()


@pytest.mark.parametrize(("rows", "cap", "kept", "truncated"), [
    (10, 10, 10, False), (10, 9, 9, True), (150_000, 70_000, 70_000, True), (150_000, 150_000, 150_000, False)])
def test_duckdb_row_cap_keeps_the_first_rows_and_says_so(duck_url: str, rows: int, cap: int, kept: int,
                                                         truncated: bool) -> None:
    """The cap is checked between Arrow batches (65,536 rows): a cap inside a batch, across batches, and exactly
    the rows there are."""
    registry = registry_for(duck_url, row_cap=cap)
    result = registry.execute("src", text(f"SELECT range AS id FROM range({rows}) ORDER BY id DESC"))
    registry.dispose()
    assert result.truncated is truncated and len(result.frame) == kept
    assert result.frame["id"].tolist() == list(range(rows - 1, rows - 1 - kept, -1))


# ------------------------------------------------------------------ SQLite

@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    path = tmp_path / "src.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id integer)"))
        conn.execute(text("INSERT INTO t VALUES (1), (2), (3)"))
    engine.dispose()
    return f"sqlite:///{path}"


def test_sqlite_slow_query_is_stopped_near_the_limit(sqlite_url: str) -> None:
    registry = registry_for(sqlite_url)
    message, elapsed = timed_failure(registry, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                                               "SELECT count(*) FROM c")
    assert "interrupted" in message and LIMIT - 0.1 < elapsed < LIMIT + 1.5, (message, elapsed)
    registry.dispose()


@pytest.mark.parametrize("sql", ["DELETE FROM t", "SELECT 1 AS x; DROP TABLE t",
                                 "ATTACH DATABASE '/tmp/elsewhere.db' AS x"])
def test_sqlite_refuses_writes_and_second_statements(sqlite_url: str, sql: str) -> None:
    registry = registry_for(sqlite_url)
    timed_failure(registry, sql)
    assert registry.execute("src", text("SELECT count(*) AS n FROM t")).frame["n"].tolist() == [3]
    registry.dispose()


# ------------------------------------------------------------------ failures and truncation

def test_failure_is_retried_after_the_back_off_and_says_when_it_was_tried(sqlite_url: str, monkeypatch) -> None:
    from types import SimpleNamespace

    from datasources import registry as registry_module

    now = [1_800_000_000.0]  # the registry's clock, moved by the test: 2027-01-15 08:00:00 UTC
    monkeypatch.setattr(registry_module, "time", SimpleNamespace(time=lambda: now[0]))
    registry = registry_for(sqlite_url, retry_seconds=1.5)
    before = registry.vintage("src")
    message, _ = timed_failure(registry, "SELECT * FROM missing_table")
    assert "no such table" in message and "last tried 2027-01-15 08:00:00 UTC" in message
    failed = registry.vintage("src")
    assert failed != before
    now[0] += 1.0
    timed_failure(registry, "SELECT * FROM missing_table")
    assert registry.vintage("src") == failed  # failing again within the back-off does not bring the retry forward
    now[0] += 0.4
    assert registry.vintage("src") == failed  # 1.4 s after the first failure: not yet
    now[0] += 0.2
    assert registry.vintage("src") != failed  # 1.6 s: a cached failure is looked at again
    registry.execute("src", text("SELECT 1 AS x"))
    assert registry.vintage("src") == before  # a success forgets the failure
    registry.dispose()


def test_truncated_result_says_so(sqlite_url: str) -> None:
    registry = registry_for(sqlite_url, row_cap=2)
    result = registry.execute("src", text("SELECT id FROM t"))
    assert result.truncated and len(result.frame) == 2
    assert "more than 2 rows" in result.truncation_reason
    assert registry_for(sqlite_url).execute("src", text("SELECT id FROM t")).truncation_reason is None


def test_truncated_source_makes_its_metrics_no_data_with_the_reason(sample_db) -> None:
    from metrics.definitions.loader import load_config
    from metrics.service import MetricsService

    config = load_config(PROJECT / "config")
    capped = DataSourceRegistry([SourceSettings("sample", f"sqlite:///{sample_db}", row_cap=5)], PROJECT)
    evaluation = MetricsService(config, capped).evaluate_metric("falls_admissions_65plus")
    assert evaluation.status.value == "no_data"
    assert "more than 5 rows" in evaluation.status_reason and "row_cap" in evaluation.status_reason
    capped.dispose()
