"""Person-level meta outcomes: one person's reviews, distributions across people, and the exceptions.

Lewisham sets two or three of seven meta outcomes for each person with a learning disability and
reviews them every six months. The framework's metrics count only people with two or three set
(``outcomes_set in [2, 3]``); the reviews of people with one or four set are reported here as
exceptions, never dropped without a word.

Every figure across people is aggregated in the database (one GROUP BY per table); the only raw
rows that leave it are one person's own history, asked for by their pseudonymous id.

The record layout is the one ``config/ingest.yaml`` loads (``lewisham_ld_outcomes``): one row per
person, review and meta outcome, with ``person_id``, ``meta_outcome``, ``outcomes_set`` and
``achieved`` (0 or 1). Which table, data source, date and provider columns come from the binding of
the framework's headline person-level metric, so they are configured in one place only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import pandas as pd
from sqlalchemy import Date, Integer, String, cast, column, func, literal, select, table
from sqlalchemy.sql import ColumnElement, Executable
from sqlalchemy.sql.expression import TableClause

from metrics.definitions.models import Framework, Metric, TableBinding

#: Per framework, the metric whose table holds person-level records (its binding names the table).
PERSON_LEVEL_METRIC = {"lewisham": "lew_ld_meta_outcomes_achieved"}
#: The framework's rule: each person has two or three meta outcomes set.
RULE = (2, 3)
#: The sub-outcome codes of the meta outcomes are ``MO-`` and the record's value with hyphens.
OUTCOME_CODE_PREFIX = "MO-"


class Runs(Protocol):
    """What runs a statement on a named source (datasources.registry.DataSourceRegistry)."""

    def execute(self, source_id: str, statement: Executable) -> Any: ...


@dataclass(frozen=True)
class PersonRecords:
    """Where a framework's person-level records live."""

    framework: Framework
    metric: Metric
    datasource: str
    table: str
    date_column: str
    provider_column: str | None

    def outcome_title(self, meta_outcome: str) -> str:
        """'community_participation' -> 'Community participation' (the framework's own sub-outcome title)."""
        code = OUTCOME_CODE_PREFIX + meta_outcome.replace("_", "-")
        title = self.framework.outcome_title(code)
        return title if title and title != code else meta_outcome.replace("_", " ").capitalize()


@dataclass(frozen=True)
class ExceptionRow:
    """Reviews of people whose number of meta outcomes set is outside the rule."""

    outcomes_set: int
    people: int
    person_reviews: int       # a person at one review date
    outcome_reviews: int      # one meta outcome of a person at one review date (a record)
    achieved: int


def records_for(framework: Framework, metrics: dict[str, Metric]) -> PersonRecords | None:
    """The framework's person-level records, or None when it has none."""
    metric_id = PERSON_LEVEL_METRIC.get(framework.id)
    if metric_id is None or metric_id not in metrics:
        return None
    metric = metrics[metric_id]
    binding = metric.binding
    if not isinstance(binding, TableBinding):
        raise ValueError(f"metric '{metric_id}' must have a table binding to hold person-level records; "
                         f"it has a {binding.type} binding")
    return PersonRecords(framework, metric, binding.datasource, binding.table, binding.date_column,
                         binding.area_column)


def _tbl(records: PersonRecords) -> TableClause:
    schema, _, bare = records.table.rpartition(".")
    return table(bare, schema=schema or None)


def _col(tbl: TableClause, name: str) -> ColumnElement[Any]:
    return column(name, _selectable=tbl)


def latest_review(runner: Runs, records: PersonRecords) -> date | None:
    tbl = _tbl(records)
    frame = runner.execute(records.datasource, select(func.max(_col(tbl, records.date_column)).label("latest"))).frame
    value = frame["latest"].iloc[0] if not frame.empty else None
    return None if value is None or pd.isna(value) else as_day(value)


def as_day(value: object) -> date:
    """A review date as the database returns it (a date, a datetime or ISO text) as a date."""
    if isinstance(value, date):
        return value if type(value) is date else date(value.year, value.month, value.day)
    return pd.Timestamp(str(value)).date()


def people_by_outcomes(runner: Runs, records: PersonRecords, review: date) -> pd.DataFrame:
    """At one review: people by provider, meta outcomes set and meta outcomes achieved. Columns
    ``provider`` (empty when the records name none), ``outcomes_set``, ``achieved``, ``people``;
    aggregated in the database (a per-person subquery, then a count), a few dozen rows at most."""
    tbl = _tbl(records)
    day = _col(tbl, records.date_column)
    person = _col(tbl, "person_id")
    provider = (_col(tbl, records.provider_column) if records.provider_column else literal("", String))
    per_person = (select(person.label("person_id"), func.max(provider).label("provider"),
                         func.max(_col(tbl, "outcomes_set")).label("outcomes_set"),
                         func.sum(cast(_col(tbl, "achieved"), Integer)).label("achieved"))
                  .where(day >= literal(review, Date), day < literal(_next_day(review), Date))
                  .group_by(person).subquery())
    keys = (per_person.c.provider, per_person.c.outcomes_set, per_person.c.achieved)
    statement = select(*keys, func.count().label("people")).group_by(*keys).order_by(*keys)
    frame = runner.execute(records.datasource, statement).frame
    return frame.astype({"provider": str, "outcomes_set": int, "achieved": int, "people": int})


def _next_day(day: date) -> date:
    """The day after ``day``: a review date stored with a time of day still falls inside [day, next day)."""
    return date.fromordinal(day.toordinal() + 1)


def exceptions(runner: Runs, records: PersonRecords) -> list[ExceptionRow]:
    """Every review (all dates) of people whose number of meta outcomes set is outside RULE."""
    tbl = _tbl(records)
    n_set = _col(tbl, "outcomes_set")
    statement = (select(n_set.label("outcomes_set"),
                        func.count(func.distinct(_col(tbl, "person_id"))).label("people"),
                        func.count().label("outcome_reviews"),
                        func.sum(cast(_col(tbl, "achieved"), Integer)).label("achieved"))
                 .where(n_set.not_in(RULE)).group_by(n_set).order_by(n_set))
    frame = runner.execute(records.datasource, statement).frame
    # Each review of a person holds one record per meta outcome set, so records / outcomes set = reviews.
    return [ExceptionRow(int(r.outcomes_set), int(r.people), int(r.outcome_reviews) // max(int(r.outcomes_set), 1),
                         int(r.outcome_reviews), int(r.achieved or 0)) for r in frame.itertuples()]


def person_ids(runner: Runs, records: PersonRecords) -> list[str]:
    """The pseudonymous ids, for choosing one person (internal pages only)."""
    tbl = _tbl(records)
    pid = _col(tbl, "person_id")
    frame = runner.execute(records.datasource, select(pid.label("person_id")).distinct().order_by(pid)).frame
    return [str(v) for v in frame["person_id"]]


def person_history(runner: Runs, records: PersonRecords, person_id: str) -> pd.DataFrame:
    """One person's own records, oldest review first: ``review_date``, ``provider``, ``meta_outcome``,
    ``outcomes_set``, ``achieved``. Empty for an id that is not there."""
    tbl = _tbl(records)
    day = _col(tbl, records.date_column)
    provider = _col(tbl, records.provider_column) if records.provider_column else None
    columns = [day.label("review_date"), _col(tbl, "meta_outcome").label("meta_outcome"),
               _col(tbl, "outcomes_set").label("outcomes_set"), _col(tbl, "achieved").label("achieved")]
    if provider is not None:
        columns.append(provider.label("provider"))
    statement = (select(*columns).where(_col(tbl, "person_id") == person_id)
                 .order_by(day, _col(tbl, "meta_outcome")))
    frame = runner.execute(records.datasource, statement).frame
    if frame.empty:
        return frame
    frame["review_date"] = [as_day(v) for v in frame["review_date"]]
    return frame.astype({"outcomes_set": int, "achieved": int})
