"""Compile a metric's binding to one SQLAlchemy Core ``Select`` that aggregates in the database.

The result has one row per period and area with columns ``period_start`` (a DATE),
``area``, ``numerator`` and ``denominator`` (and, for published figures, ``value``,
``ci_lower``, ``ci_upper``). Every value is a bound parameter; table and column names
are quoted by SQLAlchemy. Raw records never leave the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (BigInteger, Date, Float, String, and_, case, cast, column, func, literal, literal_column, null,
                        or_, select, table, text)
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.expression import TableClause

from datasources.sql_periods import period_start
from metrics.definitions.models import Denominator, Filter, Measure, Metric, PublishedBinding, SqlBinding, TableBinding

NO_AREA = "all"

#: Dialects with an aggregate's FILTER (WHERE ...) clause (SQLite from 3.30); others get a CASE.
FILTER_DIALECTS = ("sqlite", "postgresql", "duckdb", "databricks")


@dataclass(frozen=True)
class CombinedPart:
    """One question's share of a combined query: its rows are those where the count column ``present`` is
    above 0 (every row when None); its columns ``columns``, in the order of its own query's
    (period_start, area, numerator, denominator)."""

    present: str | None
    columns: tuple[str, str, str, str]


def _table(name: str) -> TableClause:
    schema, _, bare = name.rpartition(".")
    return table(bare, schema=schema or None)


def _col(tbl: TableClause, name: str) -> ColumnElement[Any]:
    return column(name, _selectable=tbl)


def _condition(tbl: TableClause, flt: Filter) -> ColumnElement[bool]:
    col = _col(tbl, flt.column)
    value = flt.value
    if flt.op == "eq":
        return col == value
    if flt.op == "ne":
        return col != value
    if flt.op == "lt":
        return col < value
    if flt.op == "le":
        return col <= value
    if flt.op == "gt":
        return col > value
    if flt.op == "ge":
        return col >= value
    if flt.op == "in":
        return col.in_(value)  # type: ignore[arg-type]
    if flt.op == "not_in":
        return col.not_in(value)  # type: ignore[arg-type]
    if flt.op == "between":
        low, high = value  # type: ignore[misc]
        return col.between(low, high)
    if flt.op == "is_null":
        return col.is_(None)
    return col.is_not(None)


def _all(tbl: TableClause, filters: tuple[Filter, ...]) -> ColumnElement[bool] | None:
    conditions = [_condition(tbl, f) for f in filters]
    return and_(*conditions) if conditions else None


def _aggregate(tbl: TableClause, measure: Measure) -> ColumnElement[Any]:
    """SUM of 1 or of the column, over the rows that pass the measure's own filters.

    A CASE inside the SUM lets numerator and denominator with different filters come
    from one scan of the same table."""
    only = _all(tbl, measure.filters)
    item: ColumnElement[Any] = literal(1) if measure.count else _col(tbl, measure.sum or "")
    if only is None:
        return func.sum(item) if measure.sum else func.count()
    return func.sum(case((only, item), else_=literal(0) if measure.count else None))


def _aggregate_where(tbl: TableClause, measure: Measure, where: ColumnElement[bool] | None,
                     dialect: str) -> ColumnElement[Any]:
    """:func:`_aggregate` over only the rows that pass ``where`` too (one question's WHERE in a combined
    query): the same count, or the same SUM (NULL when no passing row has a value), as the question's own.
    As the aggregate's FILTER where the dialect has it (the very expression of the question's own query, over
    its rows; SQLite skips the aggregate's step for the other rows), else as a CASE inside it."""
    if where is None:
        return _aggregate(tbl, measure)
    if dialect in FILTER_DIALECTS:
        return _aggregate(tbl, measure).filter(where)
    only = where if not measure.filters else and_(where, *(_condition(tbl, f) for f in measure.filters))
    if measure.count:
        return func.count(case((only, literal(1))))
    return func.sum(case((only, _col(tbl, measure.sum or ""))))


def _area(tbl: TableClause, area_column: str | None) -> ColumnElement[Any]:
    if area_column:
        return _col(tbl, area_column).label("area")
    return literal(NO_AREA, String).label("area")


def _compile_table(metric: Metric, binding: TableBinding) -> Select[Any]:
    tbl = _table(binding.table)
    period = period_start(_col(tbl, binding.date_column), metric.frequency).label("period_start")
    area = _area(tbl, binding.area_column)
    where = _all(tbl, binding.filters)
    den = binding.denominator
    same_table_den = den is not None and den.table is None
    columns: list[ColumnElement[Any]] = [period, area, _aggregate(tbl, binding.numerator).label("numerator")]
    if same_table_den:
        columns.append(_aggregate(tbl, den).label("denominator"))  # type: ignore[arg-type]
    elif den is None:
        columns.append(cast(null(), Float).label("denominator"))
    group_by: list[ColumnElement[Any]] = [period_start(_col(tbl, binding.date_column), metric.frequency)]
    if binding.area_column:
        group_by.append(_col(tbl, binding.area_column))
    numerator_q = select(*columns).select_from(tbl).group_by(*group_by)
    if where is not None:
        numerator_q = numerator_q.where(where)
    if den is None or same_table_den:
        return numerator_q.order_by(period_start(_col(tbl, binding.date_column), metric.frequency),
                                    *(group_by[1:]))
    return _join_denominator(metric, binding, numerator_q.subquery("num"), den)


def _join_denominator(metric: Metric, binding: TableBinding, num: Any, den: Denominator) -> Select[Any]:
    """Numerator by period and area, LEFT JOINed to a denominator from another table.

    With ``period_join: financial_year`` a population held once a year divides every
    month or quarter of that financial year."""
    den_q = _denominator(metric, den, "den")
    return (select(num.c.period_start, num.c.area, num.c.numerator, den_q.c.denominator.label("denominator"))
            .select_from(num.outerjoin(den_q, _denominator_on(binding, num, den, den_q)))
            .order_by(num.c.period_start, num.c.area))


def _denominator(metric: Metric, den: Denominator, name: str) -> Any:
    """The denominator from another table by period (and area), as a subquery called ``name``."""
    dtbl = _table(den.table or "")
    den_frequency = "annual" if den.period_join == "financial_year" else metric.frequency
    den_period_expr = period_start(_col(dtbl, den.date_column or ""), den_frequency)
    den_cols: list[ColumnElement[Any]] = [den_period_expr.label("period_start")]
    den_group: list[ColumnElement[Any]] = [period_start(_col(dtbl, den.date_column or ""), den_frequency)]
    if den.area_column:
        den_cols.append(_col(dtbl, den.area_column).label("area"))
        den_group.append(_col(dtbl, den.area_column))
    den_cols.append(_aggregate(dtbl, Measure(count=den.count, sum=den.sum)).label("denominator"))
    den_q = select(*den_cols).select_from(dtbl).group_by(*den_group)
    den_where = _all(dtbl, den.filters)
    if den_where is not None:
        den_q = den_q.where(den_where)
    return den_q.subquery(name)


def _denominator_on(binding: TableBinding, num: Any, den: Denominator, den_q: Any) -> ColumnElement[bool]:
    num_period = num.c.period_start
    join_period = period_start(num_period, "annual") if den.period_join == "financial_year" else num_period
    on = den_q.c.period_start == join_period
    if den.area_column and binding.area_column:
        on = and_(on, den_q.c.area == num.c.area)
    return on


#: At most this many questions in one combined query (SQLite takes 32,766 parameters; each question
#: brings its filters' values two or three times).
MAX_COMBINED = 40


def combined_key(metric: Metric) -> tuple[str, ...] | None:
    """Table-bound metrics with the same key can be asked in one query (:func:`compile_combined`): the same
    source, table, date and area columns and frequency, so the same period and area groups. None for a
    metric asked on its own: other bindings, and a denominator by area for a metric without one (its own
    query gives a row per denominator area, which a combined query would multiply)."""
    binding = metric.binding
    if not isinstance(binding, TableBinding):
        return None
    den = binding.denominator
    if den is not None and den.table is not None and den.area_column and not binding.area_column:
        return None
    return binding.datasource, binding.table, binding.date_column, binding.area_column or "", metric.frequency


def compile_combined(questions: dict[str, Metric], dialect: str) -> tuple[Select[Any], dict[str, CombinedPart]]:
    """Metrics of one :func:`combined_key` in one scan of their table: by period and area, each question's
    numerator (and a same-table denominator) is aggregated over the rows that pass its own WHERE, and the
    WHERE of the whole is one that every row of every question passes (:func:`_covering`). Each question's
    rows are the groups where at least one row passes its WHERE: its numerator when that counts those rows,
    else a count of its own. A denominator from another table is aggregated once per distinct denominator and
    LEFT JOINed as in the question's own query. Every value is a bound parameter, as in :func:`compile_metric`.

    Where every aggregate is a count and the dialect has FILTER, the rows are counted by their conditions
    first (:class:`_Conditions`), else each aggregate reads the rows through the aggregate's FILTER (WHERE
    ...) or a CASE inside it on ``dialect`` without one."""
    first = next(iter(questions.values()))
    binding = first.binding
    assert isinstance(binding, TableBinding)
    tbl = _table(binding.table)
    for metric in questions.values():
        assert isinstance(metric.binding, TableBinding) and combined_key(metric) == combined_key(first)
    keyed = _Conditions(tbl, questions) if dialect in FILTER_DIALECTS and all(
        _counts_only(m) for m in questions.values()) else None
    if keyed is None:
        group_by: list[ColumnElement[Any]] = [period_start(_col(tbl, binding.date_column), first.frequency)]
        if binding.area_column:
            group_by.append(_col(tbl, binding.area_column))
        columns: list[ColumnElement[Any]] = [group_by[0].label("period_start"), _area(tbl, binding.area_column)]
    else:
        grouped = keyed.grouped(binding, _covering(tbl, questions)).subquery("grouped")
        group_by = [period_start(grouped.c.period_start, first.frequency)
                    if first.frequency != "monthly" else grouped.c.period_start]
        if binding.area_column:
            group_by.append(grouped.c.area)
        columns = [group_by[0].label("period_start"),
                   grouped.c.area if binding.area_column else literal(NO_AREA, String).label("area")]

    def aggregate(measure: Measure, filters: tuple[Filter, ...]) -> ColumnElement[Any]:
        if keyed is not None:
            return keyed.count(grouped, (*filters, *measure.filters))
        return _aggregate_where(tbl, measure, _all(tbl, filters), dialect)

    others: dict[str, tuple[str, Denominator]] = {}  # each distinct denominator from another table, its column
    parts: dict[str, CombinedPart] = {}
    for i, (name, metric) in enumerate(questions.items()):
        own = metric.binding
        assert isinstance(own, TableBinding)
        columns.append(aggregate(own.numerator, own.filters).label(f"n{i}"))
        present = None if not own.filters else f"n{i}" if own.numerator.count and not own.numerator.filters else ""
        den = own.denominator
        if den is None:
            if "no_denominator" not in {c.name for c in columns}:
                columns.append(cast(null(), Float).label("no_denominator"))
            den_column = "no_denominator"
        elif den.table is None:
            den_column = f"d{i}"
            columns.append(aggregate(den, own.filters).label(den_column))
            if present == "" and den.count and not den.filters:
                present = den_column
        else:
            # Filters may hold lists (not hashable): the same declaration is the same denominator.
            den_column = others.setdefault(den.model_dump_json(), (f"od{len(others)}", den))[0]
        if present == "":
            present = f"r{i}"
            columns.append(aggregate(Measure(count="rows"), own.filters).label(present))
        parts[name] = CombinedPart(present, ("period_start", "area", f"n{i}", den_column))
    statement = select(*columns).group_by(*group_by)
    if keyed is None:
        statement = statement.select_from(tbl)
        where = _covering(tbl, questions)
        if where is not None:
            statement = statement.where(where)
    if not others:
        return statement.order_by(*group_by), parts
    num = statement.subquery("num")
    joined, picked = num, [num.c[c.name] for c in columns]
    for den_column, den in others.values():
        den_q = _denominator(first, den, f"den{den_column[2:]}")
        joined = joined.outerjoin(den_q, _denominator_on(binding, num, den, den_q))
        picked.append(den_q.c.denominator.label(den_column))
    return select(*picked).select_from(joined).order_by(num.c.period_start, num.c.area), parts


def _counts_only(metric: Metric) -> bool:
    """Every figure the metric reads from its own table is a count of rows."""
    binding = metric.binding
    assert isinstance(binding, TableBinding)
    den = binding.denominator
    return binding.numerator.count is not None and (den is None or den.table is not None or den.count is not None)


def _covering(tbl: TableClause, questions: dict[str, Metric]) -> ColumnElement[bool] | None:
    """A WHERE that every row of every question passes, to leave out of the scan's groups the rows none of them
    reads; None when one question reads every row. Each column that every question filters is asked once, for
    the values any of them take (a row that passes a question's filters passes that question's filters of each
    column); without such a column, the OR of the questions' WHEREs. Rows it lets through that no question
    reads count in no question's figures, and a group with only such rows is no question's row (its part's
    ``present`` count is 0)."""
    by_column: list[dict[str, tuple[Filter, ...]]] = []
    for metric in questions.values():
        own = metric.binding
        assert isinstance(own, TableBinding)
        if not own.filters:
            return None
        by_column.append({name: tuple(f for f in own.filters if f.column == name) for name in
                          dict.fromkeys(f.column for f in own.filters)})
    shared = [name for name in by_column[0] if all(name in columns for columns in by_column)]
    if not shared:
        return or_(*(_all(tbl, sum(columns.values(), ())) for columns in by_column))  # type: ignore[arg-type]
    conditions = []
    for name in shared:
        # The same filters (as declared) on a column are one alternative: 40 questions often ask 3 ages.
        alternatives = {"".join(f.model_dump_json() for f in columns[name]): columns[name] for columns in by_column}
        conditions.append(or_(*(_all(tbl, filters) for filters in alternatives.values())))  # type: ignore[arg-type]
    return and_(*conditions)


#: Conditions held in one key column, each a bit: a key stays within a 32-bit integer on every engine.
KEY_BITS = 30


class _Conditions:
    """The rows of one table counted by period, area and which of the questions' distinct filter conditions
    they pass, a bit each (an integer key per :data:`KEY_BITS` conditions), then each question's count summed
    over the groups whose key has its conditions' bits.

    A count is exact however it is summed, and the conditions are evaluated once a row rather than once a
    row for each question (40 questions of a table mostly share a dozen conditions: 3 causes, 2 methods, 5
    ages): on SQLite this halved a 200-metric framework's queries. A row that does not pass a condition
    (false, or NULL: unknown) has its bit clear, and a question's FILTER is the AND of its conditions, where
    NULL does not pass either. The rows are grouped by month, and the months by the question's period, which
    is the same period (a month lies within one quarter or year) for a cheaper expression on every row."""

    def __init__(self, tbl: TableClause, questions: dict[str, Metric]) -> None:
        self.tbl = tbl
        self.bits: dict[str, tuple[int, int, Filter]] = {}  # a filter as declared -> its key column, bit, itself
        for metric in questions.values():
            own = metric.binding
            assert isinstance(own, TableBinding)
            den = own.denominator
            same_table = den.filters if den is not None and den.table is None else ()
            for flt in (*own.filters, *own.numerator.filters, *same_table):
                declared = flt.model_dump_json()
                if declared not in self.bits:
                    self.bits[declared] = (len(self.bits) // KEY_BITS, 1 << (len(self.bits) % KEY_BITS), flt)

    def grouped(self, binding: TableBinding, where: ColumnElement[bool] | None) -> Select[Any]:
        """The rows counted by month, area and keys: ``period_start``, ``area``, ``k0``..., ``counted``."""
        keys: list[ColumnElement[Any]] = []
        for key, bit, flt in self.bits.values():
            # The bits are this module's own numbers, not values from config: written into the SQL.
            term = case((_condition(self.tbl, flt), literal_column(str(bit))), else_=literal_column("0"))
            if key == len(keys):
                keys.append(term)
            else:
                keys[key] = keys[key] + term
        columns: list[ColumnElement[Any]] = [
            period_start(_col(self.tbl, binding.date_column), "monthly").label("period_start")]
        if binding.area_column:
            columns.append(_col(self.tbl, binding.area_column).label("area"))
        columns += [key.label(f"k{i}") for i, key in enumerate(keys)]
        rows = select(*columns).select_from(self.tbl)
        # Grouped by the columns of a subquery: the keys hold bound values, which PostgreSQL would not match
        # between a select list and a GROUP BY written out twice.
        rows = (rows if where is None else rows.where(where)).subquery("keyed")
        return select(*rows.c, func.count().label("counted")).group_by(*rows.c)

    def count(self, grouped: Any, filters: tuple[Filter, ...]) -> ColumnElement[Any]:
        """The rows passing all of ``filters``, as ``count(*) FILTER (WHERE ...)`` of the question's own
        columns gives it (a BIGINT, 0 for none)."""
        masks: dict[int, int] = {}
        for flt in filters:
            key, bit, _ = self.bits[flt.model_dump_json()]
            masks[key] = masks.get(key, 0) | bit
        total = func.sum(grouped.c.counted)
        if masks:
            total = total.filter(and_(*(grouped.c[f"k{key}"].op("&")(literal_column(str(mask)))
                                        == literal_column(str(mask)) for key, mask in masks.items())))
        return cast(func.coalesce(total, literal_column("0")), BigInteger)


def returned_columns(sql: str) -> set[str] | None:
    """The names of the columns the binding's SELECT returns, lower case; None when they cannot be
    known from the text (``SELECT *``, or SQL only the source's own dialect parses), and then every
    column is taken as returned, as the database will say otherwise."""
    import sqlglot  # here: only SQL bindings need it, and it is a tenth of a second of every command's start
    from sqlglot import expressions as exp
    from sqlglot.errors import ParseError, TokenError

    try:
        tree = sqlglot.parse_one(sql)
    except (ParseError, TokenError):
        return None
    if not isinstance(tree, exp.Query) or any(s.is_star for s in tree.selects):
        return None
    return {name.lower() for name in tree.named_selects}


def _compile_sql(metric: Metric, binding: SqlBinding) -> Select[Any]:
    """Wrap the user's query and bucket it by period in the database. The columns the README calls
    optional (``denominator``; for published figures the numerator, denominator and interval) are
    NULL when the query does not return them, rather than an error about a missing column."""
    published = binding.returns_published_values
    typed = {"period_date": Date, "area": String, "numerator": Float, "denominator": Float}
    if published:
        typed.update({"value": Float, "ci_lower": Float, "ci_upper": Float})
    returned = returned_columns(binding.sql)
    required = {"period_date", "area", "value" if published else "numerator"}
    present = {name: kind for name, kind in typed.items()
               if returned is None or name in returned or name in required}
    raw = text(binding.sql).bindparams(**binding.params).columns(**present).subquery("raw")

    def given(name: str) -> ColumnElement[Any]:
        return raw.c[name] if name in present else cast(null(), Float)

    period = period_start(raw.c.period_date, metric.frequency)
    columns: list[ColumnElement[Any]] = [
        period.label("period_start"), raw.c.area.label("area"),
        func.sum(given("numerator")).label("numerator"), func.sum(given("denominator")).label("denominator"),
    ]
    if published:
        # A published figure is one row per period and area; MAX only collapses the group.
        columns += [func.max(raw.c.value).label("value"), func.max(given("ci_lower")).label("ci_lower"),
                    func.max(given("ci_upper")).label("ci_upper")]
    group = [period_start(raw.c.period_date, metric.frequency), raw.c.area]
    return select(*columns).group_by(*group).order_by(*group)


def _compile_published(metric: Metric, binding: PublishedBinding) -> Select[Any]:
    """Published figures read as they are, in the shape of a published SQL binding:
    numerator and denominator summed, value and interval by MAX, which only collapses
    the one row a publisher gives per period and area."""
    tbl = _table(binding.table)
    period = period_start(_col(tbl, binding.date_column), metric.frequency)
    area = _col(tbl, binding.area_column)

    def column_or_null(name: str | None, aggregate: Any, label: str) -> ColumnElement[Any]:
        if name is None:
            return cast(null(), Float).label(label)
        return aggregate(_col(tbl, name), type_=Float).label(label)

    columns: list[ColumnElement[Any]] = [
        period.label("period_start"), area.label("area"),
        column_or_null(binding.numerator_column, func.sum, "numerator"),
        column_or_null(binding.denominator_column, func.sum, "denominator"),
        column_or_null(binding.value_column, func.max, "value"),
        column_or_null(binding.lower_column, func.max, "ci_lower"),
        column_or_null(binding.upper_column, func.max, "ci_upper"),
    ]
    conditions = [_condition(tbl, f) for f in binding.filters]
    if binding.areas:
        conditions.append(area.in_(binding.areas))
    statement = select(*columns).select_from(tbl)
    if conditions:
        statement = statement.where(and_(*conditions))
    group = [period_start(_col(tbl, binding.date_column), metric.frequency), _col(tbl, binding.area_column)]
    return statement.group_by(*group).order_by(*group)


def compile_metric(metric: Metric) -> Select[Any]:
    binding = metric.binding
    if isinstance(binding, TableBinding):
        return _compile_table(metric, binding)
    if isinstance(binding, PublishedBinding):
        return _compile_published(metric, binding)
    return _compile_sql(metric, binding)


def render_sql(statement: Select[Any], dialect_name: str) -> str:
    """The statement as a dialect would run it, parameters shown as placeholders (for review and tests)."""
    from sqlalchemy.dialects import mssql, postgresql, sqlite

    dialects = {"sqlite": sqlite.dialect, "postgresql": postgresql.dialect, "mssql": mssql.dialect}
    if dialect_name == "duckdb":
        from duckdb_engine import Dialect as DuckDBDialect

        dialect: Any = DuckDBDialect()
    elif dialect_name == "databricks":
        from databricks.sqlalchemy import DatabricksDialect  # the 'databricks' extra

        dialect = DatabricksDialect()
    else:
        dialect = dialects[dialect_name]()
    return str(statement.compile(dialect=dialect))
