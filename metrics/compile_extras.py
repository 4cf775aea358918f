"""The peer values and series breaks of several published metrics in one scan of their table.

A published metric that declares its peers (for its rank and quartile) or its series breaks asks two small
questions beside its figures (:func:`compile_peer_values`, :func:`compile_series_breaks`).
A council's ASCOF measures all read one table, so a framework asked about a dozen such questions of it, each
a scan of the whole table for a few rows (about 10 ms each on the sample's 26,000 rows, most of a cold
``outcomes evaluate``'s queries). Here the questions of one kind that read the same table by the same date
(and, for peers, area) column at the same frequency are asked together: each question's value is the same
aggregate over its own rows (its WHERE as the aggregate's FILTER, or a CASE inside it on a dialect without
FILTER), beside a count of those rows, and its rows are the groups where that count is above 0, which are
exactly the groups its own query gives, in the same order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, String, and_, case, func, literal, or_, select
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.expression import TableClause

from metrics.compile import FILTER_DIALECTS, _col, _condition, _table
from metrics.definitions.models import Metric, PublishedBinding
from datasources.sql_periods import period_start

PEERS, BREAKS = "peers", "breaks"

#: The columns of each kind's own query, in its order (what each question's share is named).
COLUMNS = {PEERS: ("period_start", "area", "value"), BREAKS: ("period_start", "words")}


def extras_key(kind: str, metric: Metric) -> tuple[str, ...] | None:
    """Questions of ``kind`` with the same key can be asked together: the same source, table, date column,
    frequency and, for peers (grouped by area too), area column. None when the metric does not ask it."""
    binding = metric.binding
    if not isinstance(binding, PublishedBinding):
        return None
    if kind == PEERS and binding.peers is not None:
        return binding.datasource, binding.table, binding.date_column, binding.area_column, metric.frequency
    if kind == BREAKS and binding.break_column is not None:
        return binding.datasource, binding.table, binding.date_column, metric.frequency
    return None


def _where(kind: str, metric: Metric, tbl: TableClause) -> ColumnElement[bool]:
    """The question's own WHERE, as its own query has it, on ``tbl`` (the one table clause its query reads)."""
    binding = metric.binding
    assert isinstance(binding, PublishedBinding)
    if kind == PEERS:
        assert binding.peers is not None
        conditions = [_condition(tbl, f) for f in (*binding.filters, *binding.peers.filters)]
        conditions.append(_col(tbl, binding.value_column).is_not(None))
    else:
        assert binding.break_column is not None
        conditions = [_condition(tbl, f) for f in binding.filters]
        conditions.append(_col(tbl, binding.break_column).is_not(None))
        if binding.headline_area is not None:
            conditions.append(_col(tbl, binding.area_column) == binding.headline_area)
    return and_(*conditions)


def extra_questions(metric: Metric) -> dict[str, Select[Any]]:
    """The queries of a published binding's peer values and series breaks, by kind, where it declares them."""
    return {kind: compile_(metric) for kind, compile_ in ((PEERS, compile_peer_values), (BREAKS, compile_series_breaks))
            if extras_key(kind, metric) is not None}


def compile_peer_values(metric: Metric) -> Select[Any]:
    """Every peer area's published value per period (one row per council and year: about 160
    a year for ASCOF), for its rank, quartile and the distribution chart."""
    binding = metric.binding
    assert isinstance(binding, PublishedBinding)
    tbl = _table(binding.table)
    group = [period_start(_col(tbl, binding.date_column), metric.frequency), _col(tbl, binding.area_column)]
    return (select(group[0].label("period_start"), group[1].label("area"),
                   func.max(_col(tbl, binding.value_column), type_=Float).label("value"))
            .select_from(tbl).where(_where(PEERS, metric, tbl)).group_by(*group).order_by(*group))


def compile_series_breaks(metric: Metric) -> Select[Any]:
    """The periods where the publisher marks a break in the council's series (a renumbering),
    with its words: a handful of rows at most."""
    binding = metric.binding
    assert isinstance(binding, PublishedBinding) and binding.break_column is not None
    tbl = _table(binding.table)
    period = period_start(_col(tbl, binding.date_column), metric.frequency)
    return (select(period.label("period_start"), func.max(_col(tbl, binding.break_column), type_=String).label("words"))
            .select_from(tbl).where(_where(BREAKS, metric, tbl)).group_by(period).order_by(period))


def _max_where(item: ColumnElement[Any], where: ColumnElement[bool], type_: Any, dialect: str) -> ColumnElement[Any]:
    if dialect in FILTER_DIALECTS:
        return func.max(item, type_=type_).filter(where)
    return func.max(case((where, item)), type_=type_)


def _count_where(where: ColumnElement[bool], dialect: str) -> ColumnElement[Any]:
    if dialect in FILTER_DIALECTS:
        return func.count(literal(1)).filter(where)
    return func.count(case((where, literal(1))))


def compile_extras_together(kind: str, questions: dict[str, Metric],
                            dialect: str) -> tuple[Select[Any], dict[str, tuple[str, tuple[str, ...]]]]:
    """Questions of ``kind`` with one :func:`extras_key` in one query, and each question's share of it:
    {name: (the count column that is above 0 on its rows, its columns in its own query's order)}."""
    first = next(iter(questions.values()))
    binding = first.binding
    assert isinstance(binding, PublishedBinding)
    tbl = _table(binding.table)
    group: list[ColumnElement[Any]] = [period_start(_col(tbl, binding.date_column), first.frequency)]
    columns: list[ColumnElement[Any]] = [group[0].label("period_start")]
    if kind == PEERS:
        group.append(_col(tbl, binding.area_column))
        columns.append(group[1].label("area"))
    shares: dict[str, tuple[str, tuple[str, ...]]] = {}
    wheres = []
    for i, (name, metric) in enumerate(questions.items()):
        own = metric.binding
        assert isinstance(own, PublishedBinding) and extras_key(kind, metric) == extras_key(kind, first)
        where = _where(kind, metric, tbl)
        wheres.append(where)
        if kind == PEERS:
            columns.append(_max_where(_col(tbl, own.value_column), where, Float, dialect).label(f"v{i}"))
        else:
            columns.append(_max_where(_col(tbl, own.break_column or ""), where, String, dialect).label(f"v{i}"))
        columns.append(_count_where(where, dialect).label(f"c{i}"))
        shares[name] = (f"c{i}", (*(("period_start", "area") if kind == PEERS else ("period_start",)), f"v{i}"))
    statement = select(*columns).select_from(tbl).where(or_(*wheres)).group_by(*group).order_by(*group)
    return statement, shares
