"""The Databricks SQL the product compiles, run on Spark: Databricks SQL is Spark SQL, so a local Spark
session is the engine a council's Databricks warehouse would run it on. ``test_warehouse_periods`` checks
the same SQL through sqlglot's translation to DuckDB; this runs it as written, with no translation between.

One Spark session serves the whole run of a process (a JVM start costs 10-40 s): two tests, few queries. Spark needs the
``spark`` extra (pyspark) and a Java 17 runtime (Debian's openjdk-17-jre-headless); where either is missing
the tests skip on a developer's machine and fail in CI."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Date, column, select, table

from conftest import unavailable
from datasources.sql_periods import period_start
from metrics.compile import compile_metric, render_sql
from metrics.definitions.loader import load_config
from metrics.periods import period_start_of

PROJECT = Path(__file__).resolve().parent.parent
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "sql"
FREQUENCIES = ("monthly", "quarterly", "annual", "calendar_year")
DAYS = [date(2014, 1, 1) + timedelta(days=n) for n in range(3 * 366)]  # three years, a leap day among them
A, B = "E07000218", "E07000219"


# pyspark warns that it does not yet support pandas 3 when it makes a DataFrame; no pandas data is handed
# to Spark here (rows are tuples, results Row objects).
pytestmark = [pytest.mark.spark,
              pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")]


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        unavailable("pyspark is not installed; pip install -e '.[test,spark]'")
    if not shutil.which("java"):
        unavailable("no Java runtime for Spark; apt-get install openjdk-17-jre-headless")
    scratch = tmp_path_factory.mktemp("spark")
    session = (SparkSession.builder.master("local[1]").appName("outcomes-databricks-sql")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "1")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.local.dir", str(scratch))
               .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
               # A few small queries: the JVM's quick compiler alone starts faster than its optimising one.
               .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def databricks_sql(statement: Any) -> tuple[str, dict[str, Any]]:
    """The statement as Databricks receives it: the IN lists expanded into one named marker per value, as
    SQLAlchemy does when it executes, and the values to bind to the markers."""
    from databricks.sqlalchemy import DatabricksDialect

    compiled = statement.compile(dialect=DatabricksDialect(), compile_kwargs={"render_postcompile": True})
    return str(compiled), dict(compiled.params)


def test_period_sql_gives_the_first_day_of_each_period_on_spark(spark: Any) -> None:
    days = table("days", column("d", Date))
    sql, params = databricks_sql(select(days.c.d, *(period_start(days.c.d, f).label(f) for f in FREQUENCIES)))
    assert "date_trunc" not in sql.lower() and not params  # Databricks' own rule, not the generic one
    # Made in Spark rather than sent from Python: a thousand rows through the Python bridge take seconds.
    spark.sql(f"SELECT explode(sequence(DATE'{DAYS[0]}', DATE'{DAYS[-1]}', INTERVAL 1 DAY)) AS d") \
        .createOrReplaceTempView("days")
    rows = spark.sql(f"SELECT * FROM ({sql}) ORDER BY d").collect()
    assert [r.d for r in rows] == DAYS
    wrong = [(r.d, f, r[f]) for r in rows for f in FREQUENCIES if r[f] != period_start_of(r.d, f)]
    assert wrong == [], (sql, wrong[:5])
    # The days a person would check by hand: the financial year turns on 1 April, not 1 January.
    by_day = {r.d: r for r in rows}
    assert by_day[date(2015, 3, 31)].annual == date(2014, 4, 1)
    assert by_day[date(2015, 4, 1)].annual == date(2015, 4, 1)
    assert by_day[date(2016, 2, 29)].quarterly == date(2016, 1, 1)


TABLES = {
    # Counted for falls: emergency, a fall, aged 65 or over. The rest are each left out by one filter.
    "hospital_admissions": ("admission_date DATE, area_code STRING, age INT, admission_method STRING, cause STRING", [
        (date(2015, 3, 31), A, 80, "emergency", "falls"),   # March 2015: financial year 2014/15
        (date(2015, 4, 1), A, 70, "emergency", "falls"),    # April 2015: financial year 2015/16
        (date(2015, 4, 30), A, 65, "emergency", "falls"),   # 65 is counted
        (date(2015, 4, 15), A, 64, "emergency", "falls"),   # too young
        (date(2015, 4, 15), A, 90, "elective", "falls"),    # not an emergency
        (date(2015, 4, 15), A, 90, "emergency", "other"),   # not a fall
        (date(2016, 1, 10), B, 75, "emergency", "falls"),   # January 2016: still financial year 2015/16
    ]),
    # Mid-year estimates by financial year; only the age bands from 65 count.
    "population": ("year_start DATE, area_code STRING, age_band STRING, persons INT", [
        (date(2014, 4, 1), A, "65-69", 1000), (date(2014, 4, 1), A, "90+", 500), (date(2014, 4, 1), A, "0-4", 9999),
        (date(2015, 4, 1), A, "65-69", 1100), (date(2015, 4, 1), A, "70-74", 400),
        (date(2015, 4, 1), B, "80-84", 2000), (date(2015, 4, 1), B, "60-64", 7777),
    ]),
    "care_home_admissions": ("admission_date DATE, area_code STRING, age INT, permanent INT", [
        (date(2015, 3, 31), A, 80, 1),   # January-March 2015
        (date(2015, 4, 1), A, 85, 1),    # April-June 2015
        (date(2015, 6, 30), A, 65, 1),   # April-June 2015
        (date(2015, 5, 5), A, 90, 0),    # not permanent
        (date(2015, 12, 31), B, 70, 1),  # October-December 2015
        (date(2016, 1, 1), B, 70, 1),    # January-March 2016, financial year 2015/16
    ]),
    "dementia_register": ("month DATE, area_code STRING, registered_65plus INT, estimated_prevalence_65plus INT", [
        (date(2015, 2, 1), A, 50, 100), (date(2015, 2, 1), A, 30, 60), (date(2015, 3, 1), B, 10, 20),
    ]),
}

# Period start, area, numerator, denominator: what a person works out from the rows above.
EXPECTED = {
    "falls_admissions_65plus": [
        (date(2015, 3, 1), A, 1, 1500),   # 2014/15's population aged 65+ in A: 1000 + 500
        (date(2015, 4, 1), A, 2, 1500),   # 2015/16's: 1100 + 400
        (date(2016, 1, 1), B, 1, 2000),
    ],
    "permanent_care_home_admissions_65plus": [
        (date(2015, 1, 1), A, 1, 1500),
        (date(2015, 4, 1), A, 2, 1500),
        (date(2015, 10, 1), B, 1, 2000),
        (date(2016, 1, 1), B, 1, 2000),
    ],
    "dementia_diagnosis_rate_65plus": [
        (date(2015, 2, 1), A, 80, 160),
        (date(2015, 3, 1), B, 10, 20),
    ],
}


def test_snapshot_sql_gives_each_metrics_periods_and_values_on_spark(spark: Any) -> None:
    """The three metrics whose Databricks SQL is pinned in tests/snapshots/sql, run as compiled: the
    filters, each month or quarter, and each period's denominator from its financial year's population."""
    config = load_config(PROJECT / "config")
    for name, (schema, rows) in TABLES.items():
        spark.createDataFrame(rows, schema).createOrReplaceTempView(name)
    got = {}
    for metric_id in EXPECTED:
        statement = compile_metric(config.metrics[metric_id])
        # What runs here is the SQL the snapshot test pins (with its IN list expanded as on execution).
        assert render_sql(statement, "databricks").strip() + "\n" == (SNAPSHOTS / f"{metric_id}.databricks.sql").read_text()
        sql, params = databricks_sql(statement)
        got[metric_id] = [(r.period_start, r.area, r.numerator, r.denominator)
                          for r in spark.sql(sql, args=params).collect()]
    assert got == EXPECTED
