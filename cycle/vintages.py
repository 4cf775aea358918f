"""The data check: for each published source that declares ``publication:`` in its ingest
spec, the latest period present and its row counts, against the latest period that should
have been published by today. A late source is reported (and recorded once a day); the
missing figures are never guessed."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy import delete, insert, select

from datasources.ingest_spec import IngestSpec, Publication
from datasources.registry import DataSourceRegistry
from datasources.store import Store, cycle_vintages, now
from metrics.service import MetricsService

_PERIOD_TYPES = ("month", "financial_year", "fy_start_year", "calendar_year", "date")
_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}


@dataclass(frozen=True)
class Vintage:
    source_id: str
    title: str
    latest_period: date | None
    rows: int | None
    rows_latest: int | None
    expected_period: date | None
    late: bool
    message: str


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_end(start: date, publication: Publication) -> date:
    return _add_months(start, _MONTHS[publication.frequency]) - timedelta(days=1)


def expected_latest(publication: Publication, today: date, anchor: date | None) -> date | None:
    """The latest period start whose figures should be out by ``today``: the period ends,
    then ``lag_days`` pass. Periods step from ``anchor`` (a period present, so quarters and
    financial years keep their own start month)."""
    step = _MONTHS[publication.frequency]
    start = anchor or today.replace(day=1)
    while period_end(start, publication) + timedelta(days=publication.lag_days) > today:
        start = _add_months(start, -step)
    while period_end(_add_months(start, step), publication) + timedelta(days=publication.lag_days) <= today:
        start = _add_months(start, step)
    return start


def period_column(spec: IngestSpec) -> str | None:
    """The column holding the period: the first period-typed key column, else the first period-typed column."""
    typed = [c.name for c in spec.columns if c.type in _PERIOD_TYPES]
    return next((k for k in spec.key if k in typed), typed[0] if typed else None)


def _as_date(value) -> date | None:
    if value is None:
        return None
    if hasattr(value, "date") and callable(value.date):  # a datetime or pandas Timestamp
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def label(day: date | None, publication: Publication) -> str:
    if day is None:
        return "none"
    if publication.frequency == "monthly":
        return day.strftime("%B %Y")
    if publication.frequency == "quarterly":
        return f"quarter from {day.strftime('%B %Y')}"
    return f"year from {day.strftime('%B %Y')}"


def check_source(registry: DataSourceRegistry, spec: IngestSpec, today: date) -> Vintage:
    publication = spec.publication
    column = period_column(spec)
    title = spec.title or spec.id
    if column is None:
        return Vintage(spec.id, title, None, None, None, None, False,
                       f"{spec.id}: no period column to check (declare a month, date or year column)")
    table = sa.table(spec.table, sa.column(column))
    try:
        frame = registry.execute(spec.datasource, select(sa.func.max(table.c[column]).label("latest"),
                                                                 sa.func.count().label("rows")).select_from(table)).frame
        latest = _as_date(frame["latest"].iloc[0]) if len(frame) and frame["latest"].iloc[0] is not None else None
        rows = int(frame["rows"].iloc[0]) if len(frame) else 0
        rows_latest = None
        if latest is not None:
            at = registry.execute(spec.datasource, select(sa.func.count().label("n")).select_from(table)
                                          .where(sa.func.substr(sa.cast(table.c[column], sa.String), 1, 10)
                                                 == latest.isoformat())).frame
            rows_latest = int(at["n"].iloc[0])
    except Exception as exc:  # an unreachable source is a finding of the check, not a crash of the cycle
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Vintage(spec.id, title, None, None, None, None, True,
                       f"{spec.id}: cannot read table {spec.table} ({first}); load it with 'outcomes ingest'")
    expected = expected_latest(publication, today, latest)
    if latest is None:
        return Vintage(spec.id, title, None, 0, 0, expected, True,
                       f"{spec.id}: no data loaded; {label(expected, publication)} was due "
                       f"{publication.lag_days} days after its end; load it with 'outcomes ingest'")
    late = expected is not None and latest < expected
    due = period_end(_add_months(latest, _MONTHS[publication.frequency]), publication) + \
        timedelta(days=publication.lag_days)
    if late:
        message = (f"{spec.id}: LATE: latest is {label(latest, publication)} ({rows_latest} rows, {rows} in all); "
                   f"{label(expected, publication)} was due by "
                   f"{(period_end(expected, publication) + timedelta(days=publication.lag_days)).isoformat()} "
                   f"({publication.frequency}, {publication.lag_days} days after the period ends)")
    else:
        message = (f"{spec.id}: up to date: latest is {label(latest, publication)} ({rows_latest} rows, "
                   f"{rows} in all); the next is expected by {due.isoformat()}")
    return Vintage(spec.id, title, latest, rows, rows_latest, expected, late, message)


def check(store: Store, service: MetricsService, today: date) -> list[Vintage]:
    """Every source with a declared publication; each result recorded once per day."""
    found = [check_source(service.registry, spec, today) for spec in service.config.ingest
             if spec.publication is not None]
    record(store, found, today)
    return found


def record(store: Store, found: list[Vintage], today: date, replace: bool = False) -> None:
    """Record each source's check for ``today``. The cycle keeps the day's first check (a second
    run the same day changes nothing); ``replace`` is for ``outcomes ingest``, whose load has
    just changed what the source holds, so the day's earlier check is out of date."""
    with store.engine.begin() as conn:
        if replace:
            conn.execute(delete(cycle_vintages).where(cycle_vintages.c.day == today,
                                                      cycle_vintages.c.source_id.in_([v.source_id for v in found])))
        done = {r.source_id for r in conn.execute(select(cycle_vintages.c.source_id)
                                                  .where(cycle_vintages.c.day == today))}
        for v in found:
            if v.source_id in done:
                continue
            conn.execute(insert(cycle_vintages).values(
                source_id=v.source_id, day=today, latest_period=v.latest_period.isoformat() if v.latest_period else None,
                rows=v.rows, rows_latest=v.rows_latest,
                expected_period=v.expected_period.isoformat() if v.expected_period else None,
                late=v.late, message=v.message, checked_at=now()))
