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

_FREQUENCIES = ("monthly", "quarterly", "annual")


class period_start(FunctionElement[Any]):  # noqa: N801 - reads as a SQL function
    """``period_start(column, 'monthly'|'quarterly'|'annual')`` -> DATE of the period's first day."""

    type = Date()
    inherit_cache = True
    name = "period_start"

    def __init__(self, expr: ColumnElement[Any], frequency: str):
        if frequency not in _FREQUENCIES:
            raise ValueError(f"unknown frequency {frequency!r}; expected one of {_FREQUENCIES}")
        self.frequency = frequency
        super().__init__(expr)


@compiles(period_start)
def _period_start_default(element: period_start, compiler: Any, **kw: Any) -> str:
    (expr,) = list(element.clauses)
    x = compiler.process(expr, **kw)
    if element.frequency == "monthly":
        return f"CAST(date_trunc('month', {x}) AS DATE)"
    if element.frequency == "quarterly":
        return f"CAST(date_trunc('quarter', {x}) AS DATE)"
    # Shift back three months, take the calendar year, shift forward again.
    return (f"CAST(date_trunc('year', CAST({x} AS DATE) - INTERVAL '3 months') "
            f"+ INTERVAL '3 months' AS DATE)")


@compiles(period_start, "sqlite")
def _period_start_sqlite(element: period_start, compiler: Any, **kw: Any) -> str:
    (expr,) = list(element.clauses)
    x = compiler.process(expr, **kw)
    if element.frequency == "monthly":
        return f"date({x}, 'start of month')"
    if element.frequency == "quarterly":
        return (f"date({x}, 'start of month', '-' || ((CAST(strftime('%m', {x}) AS INTEGER) - 1) % 3) "
                f"|| ' months')")
    return f"date({x}, 'start of month', '-3 months', 'start of year', '+3 months')"
