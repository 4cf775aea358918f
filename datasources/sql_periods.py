"""A portable SQL expression for the first day of a reporting period.

``date_trunc`` does not exist on SQLite or SQL Server, ``strftime`` does not exist on PostgreSQL,
and PostgreSQL's ``date_trunc`` of a date returns a timestamp with time zone. One element,
compiled per dialect, gives the same ``DATE`` value on SQLite, DuckDB, PostgreSQL, SQL Server
and Azure Synapse (T-SQL) and Databricks SQL. ``outcomes check`` names a data source on any
other dialect (:data:`PERIOD_DIALECTS`), which would get ``date_trunc`` and may fail at query time.

UK financial quarters (Apr-Jun, Jul-Sep, Oct-Dec, Jan-Mar) fall on calendar quarter
boundaries, so ``date_trunc('quarter')`` serves; a financial year starts on 1 April.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

_FREQUENCIES = ("monthly", "quarterly", "annual", "calendar_year")

#: SQLAlchemy backend names whose period SQL is written out here (and tested as compiled SQL).
PERIOD_DIALECTS = ("sqlite", "duckdb", "postgresql", "mssql", "databricks")


class _PeriodStart(FunctionElement[Any]):
    """Base of the three period elements. Each frequency is its own class: SQLAlchemy
    caches compiled SQL by element type and arguments, so a frequency held as an
    attribute would be left out of the cache key and the wrong SQL reused."""

    type = Date()
    inherit_cache = True
    frequency = ""


class month_start(_PeriodStart):  # noqa: N801 - reads as a SQL function
    inherit_cache = True
    name = "month_start"
    frequency = "monthly"


class quarter_start(_PeriodStart):  # noqa: N801
    inherit_cache = True
    name = "quarter_start"
    frequency = "quarterly"


class financial_year_start(_PeriodStart):  # noqa: N801
    inherit_cache = True
    name = "financial_year_start"
    frequency = "annual"


class calendar_year_start(_PeriodStart):  # noqa: N801
    inherit_cache = True
    name = "calendar_year_start"
    frequency = "calendar_year"


_ELEMENTS: dict[str, type[_PeriodStart]] = {"monthly": month_start, "quarterly": quarter_start,
                                            "annual": financial_year_start, "calendar_year": calendar_year_start}


def period_start(expr: ColumnElement[Any], frequency: str) -> _PeriodStart:
    """``period_start(column, 'monthly'|'quarterly'|'annual'|'calendar_year')`` -> DATE of the period's first day."""
    if frequency not in _ELEMENTS:
        raise ValueError(f"unknown frequency {frequency!r}; expected one of {_FREQUENCIES}")
    return _ELEMENTS[frequency](expr)


@compiles(_PeriodStart)
def _period_start_default(element: _PeriodStart, compiler: Any, **kw: Any) -> str:
    (expr,) = list(element.clauses)
    x = compiler.process(expr, **kw)
    if element.frequency == "monthly":
        return f"CAST(date_trunc('month', {x}) AS DATE)"
    if element.frequency == "quarterly":
        return f"CAST(date_trunc('quarter', {x}) AS DATE)"
    if element.frequency == "calendar_year":
        return f"CAST(date_trunc('year', {x}) AS DATE)"
    # Shift back three months, take the calendar year, shift forward again.
    return (f"CAST(date_trunc('year', CAST({x} AS DATE) - INTERVAL '3 months') "
            f"+ INTERVAL '3 months' AS DATE)")


@compiles(_PeriodStart, "sqlite")
def _period_start_sqlite(element: _PeriodStart, compiler: Any, **kw: Any) -> str:
    (expr,) = list(element.clauses)
    x = compiler.process(expr, **kw)
    if element.frequency == "monthly":
        return f"date({x}, 'start of month')"
    if element.frequency == "quarterly":
        return (f"date({x}, 'start of month', '-' || ((CAST(strftime('%m', {x}) AS INTEGER) - 1) % 3) "
                f"|| ' months')")
    if element.frequency == "calendar_year":
        return f"date({x}, 'start of year')"
    return f"date({x}, 'start of month', '-3 months', 'start of year', '+3 months')"


@compiles(_PeriodStart, "postgresql")
def _period_start_postgresql(element: _PeriodStart, compiler: Any, **kw: Any) -> str:
    # On a date, date_trunc resolves to its timestamptz form (a time zone lookup per row); the
    # column cast to timestamp first gives the same day about 19% faster (measured on 10M rows).
    (expr,) = list(element.clauses)
    x = f"CAST({compiler.process(expr, **kw)} AS TIMESTAMP)"
    if element.frequency == "annual":
        return f"CAST(date_trunc('year', {x} - INTERVAL '3 months') + INTERVAL '3 months' AS DATE)"
    unit = {"monthly": "month", "quarterly": "quarter", "calendar_year": "year"}[element.frequency]
    return f"CAST(date_trunc('{unit}', {x}) AS DATE)"


@compiles(_PeriodStart, "mssql")
def _period_start_mssql(element: _PeriodStart, compiler: Any, **kw: Any) -> str:
    # T-SQL (SQL Server 2012+, Azure SQL, Synapse): no date_trunc before 2022, so the day is built
    # from its parts. A quarter's first month is the month less (month - 1) mod 3: no division,
    # whose integer-or-not meaning differs between engines.
    (expr,) = list(element.clauses)
    x = compiler.process(expr, **kw)
    if element.frequency == "monthly":
        return f"DATEFROMPARTS(YEAR({x}), MONTH({x}), 1)"
    if element.frequency == "quarterly":
        return f"DATEFROMPARTS(YEAR({x}), MONTH({x}) - (MONTH({x}) - 1) % 3, 1)"
    if element.frequency == "calendar_year":
        return f"DATEFROMPARTS(YEAR({x}), 1, 1)"
    return f"DATEFROMPARTS(YEAR(DATEADD(month, -3, {x})), 4, 1)"


@compiles(_PeriodStart, "databricks")
def _period_start_databricks(element: _PeriodStart, compiler: Any, **kw: Any) -> str:
    # Databricks SQL (Spark): trunc(date, unit) returns a DATE (date_trunc a TIMESTAMP).
    (expr,) = list(element.clauses)
    x = f"CAST({compiler.process(expr, **kw)} AS DATE)"
    if element.frequency == "annual":
        return f"add_months(trunc(add_months({x}, -3), 'YEAR'), 3)"
    unit = {"monthly": "MONTH", "quarterly": "QUARTER", "calendar_year": "YEAR"}[element.frequency]
    return f"trunc({x}, '{unit}')"
