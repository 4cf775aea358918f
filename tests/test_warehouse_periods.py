"""The period SQL of the warehouses councils and the NHS run: SQL Server / Azure Synapse (T-SQL) and
Databricks SQL. Each compiled expression is translated by sqlglot (an independent parser of both
dialects) to DuckDB and run on every day of three years; the first day of each period must be the one
the product's own calendar gives. Databricks SQL also runs as written on Spark, its engine
(tests/test_databricks_spark.py); no SQL Server runs here. A data source on a dialect with no rule
is named by ``outcomes check``."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlalchemy import Date, column, select, table
from sqlalchemy.dialects import mssql

from datasources.sql_periods import period_start
from metrics.definitions.loader import ConfigError, load_config

PROJECT = Path(__file__).resolve().parent.parent
DAYS = [date(2014, 1, 1) + timedelta(days=n) for n in range(3 * 366)]
SQLGLOT = {"mssql": "tsql", "databricks": "databricks"}


def expected(day: date, frequency: str) -> date:
    if frequency == "monthly":
        return day.replace(day=1)
    if frequency == "quarterly":
        return date(day.year, day.month - (day.month - 1) % 3, 1)
    if frequency == "calendar_year":
        return date(day.year, 1, 1)
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)  # UK financial year from 1 April


def dialect(name: str):
    if name == "mssql":
        return mssql.dialect()
    from databricks.sqlalchemy import DatabricksDialect

    return DatabricksDialect()


@pytest.mark.parametrize("name", ["mssql", "databricks"])
@pytest.mark.parametrize("frequency", ["monthly", "quarterly", "annual", "calendar_year"])
def test_warehouse_period_sql_gives_the_first_day_of_each_period(name: str, frequency: str) -> None:
    days = table("days", column("d", Date))
    compiled = str(select(days.c.d, period_start(days.c.d, frequency).label("start"))
                   .compile(dialect=dialect(name)))
    assert "date_trunc" not in compiled.lower()  # neither leans on the generic rule
    translated = sqlglot.transpile(compiled, read=SQLGLOT[name], write="duckdb")[0]
    with duckdb.connect() as conn:
        conn.execute("CREATE TABLE days (d DATE)")
        conn.executemany("INSERT INTO days VALUES (?)", [[d] for d in DAYS])
        rows = conn.execute(f"SELECT d, CAST(start AS DATE) FROM ({translated}) ORDER BY d").fetchall()
    wrong = [(d, got) for d, got in rows if got != expected(d, frequency)]
    assert len(rows) == len(DAYS) and wrong == [], (compiled, wrong[:3])


def config_with(tmp_path: Path, sources: str) -> Path:
    """The project's config with one more file of data sources."""
    root = tmp_path / "config"
    shutil.copytree(PROJECT / "config", root)
    (root / "ingest.yaml").unlink()  # its file paths are relative to the real project folder
    (root / "warehouse.yaml").write_text(sources)
    return root


def test_check_names_a_data_source_on_a_dialect_with_no_period_sql(tmp_path) -> None:
    root = config_with(tmp_path, 
        "datasources:\n"
        "  - id: council_mysql\n"
        "    url: mysql+pymysql://reader@warehouse/care\n")
    with pytest.raises(ConfigError) as raised:
        load_config(root)
    text = str(raised.value)
    assert "warehouse.yaml:3" in text and "council_mysql" in text and "'mysql' dialect" in text
    assert "mssql" in text and "datasources/sql_periods.py" in text


@pytest.mark.parametrize("url", ["mssql+pyodbc://reader@warehouse/care?driver=ODBC+Driver+18+for+SQL+Server",
                                 "databricks://token:x@adb.example.net?http_path=/sql/1.0/warehouses/w"])
def test_check_accepts_the_warehouses_with_a_rule(tmp_path, url: str) -> None:
    root = config_with(tmp_path, f"datasources:\n  - id: warehouse\n    url: \"{url}\"\n")
    assert "warehouse" in load_config(root).datasources
