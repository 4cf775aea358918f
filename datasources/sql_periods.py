"""A portable SQL expression for the first day of a reporting period.

``date_trunc`` does not exist on SQLite and ``strftime`` does not exist on PostgreSQL,
and PostgreSQL's ``date_trunc`` returns a timestamp with time zone. One element,
compiled per dialect, gives the same ``DATE`` value on SQLite, DuckDB and PostgreSQL
(and on any other dialect that knows ``date_trunc``).

UK financial quarters (Apr-Jun, Jul-Sep, Oct-Dec, Jan-Mar) fall on calendar quarter
boundaries, so ``date_trunc('quarter')`` serves; a financial year starts on 1 April.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

_FREQUENCIES = ("monthly", "quarterly", "annual", "calendar_year")


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
