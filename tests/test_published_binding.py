"""``type: published`` reads a publisher's table (value, interval, counts) in one portable
query, and gives the same figures as the hand-written SQL it replaces, on SQLite, DuckDB
and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from metrics.compile import compile_metric, render_sql
from metrics.definitions.models import Metric
from metrics.evaluation.observations import build_observations

OWN, ENGLAND, REGION, NEIGHBOUR = "E08000010", "E92000001", "E12000002", "E08000001"

# A publisher's table: one row per month, organisation type and area. The council's
# figure appears twice (upper and lower tier, different counts), England and the region
# once, and a neighbour is published but not asked for.
ROWS = [
    (dt.date(2024, month, 1), org_type, code, recorded, estimated, rate, rate - 1.5, rate + 1.5)
    for month in (1, 2, 3)
    for org_type, code, recorded, estimated, rate in [
        ("Upper Tier Local Authority", OWN, 2000 + month, 3000, 66.0 + month / 10),
        ("Lower Tier Local Authority", OWN, 99, 100, 99.0),
        ("National", ENGLAND, 500_000 + month, 780_000, 64.0 + month / 10),
        ("Government Office Region", REGION, 70_000, 100_000, 70.0),
        ("Upper Tier Local Authority", NEIGHBOUR, 1000, 1500, 66.7),
    ]
]

METRIC = {
    "id": "dementia", "title": "Dementia diagnosis rate", "definition": "d", "unit": "percent",
    "polarity": "higher_is_better", "frequency": "monthly", "method": "published", "source": {"name": "s"},
}
COMPARATORS = [{"area": ENGLAND, "label": "England"}, {"area": REGION, "label": "North West"}]
PUBLISHED = {
    "type": "published", "datasource": "db", "table": "pcdd", "date_column": "period", "area_column": "ons_code",
    "value_column": "rate_pct", "lower_column": "ci_low", "upper_column": "ci_high",
    "numerator_column": "recorded", "denominator_column": "estimated",
    "filters": [{"column": "org_type", "op": "in",
                 "value": ["Upper Tier Local Authority", "National", "Government Office Region"]}],
    "headline_area": OWN, "comparators": COMPARATORS,
}
HAND_WRITTEN = {
    "type": "sql", "datasource": "db", "returns_published_values": True, "headline_area": OWN,
    "comparators": COMPARATORS,
    "sql": "SELECT period AS period_date, ons_code AS area, recorded AS numerator, estimated AS denominator, "
           "rate_pct AS value, ci_low AS ci_lower, ci_high AS ci_upper FROM pcdd "
           "WHERE (org_type = :own_type AND ons_code = :own) OR (org_type = :national AND ons_code = :england) "
           "OR (org_type = :gor AND ons_code = :region)",
    "params": {"own_type": "Upper Tier Local Authority", "own": OWN, "national": "National", "england": ENGLAND,
               "gor": "Government Office Region", "region": REGION},
}


def metric(binding: dict) -> Metric:
    return Metric.model_validate({**METRIC, "binding": binding})


def seed(url: str) -> sa.Engine:
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    pcdd = sa.Table("pcdd", meta, sa.Column("period", sa.Date), sa.Column("org_type", sa.String(40)),
                    sa.Column("ons_code", sa.String(9)), sa.Column("recorded", sa.Integer),
                    sa.Column("estimated", sa.Integer), sa.Column("rate_pct", sa.Float),
                    sa.Column("ci_low", sa.Float), sa.Column("ci_high", sa.Float))
    with engine.begin() as conn:
        meta.drop_all(conn)
        meta.create_all(conn)
        conn.execute(pcdd.insert(), [dict(zip(pcdd.c.keys(), row)) for row in ROWS])
    return engine


def observations(engine: sa.Engine, binding: dict) -> pd.DataFrame:
    definition = metric(binding)
    with engine.connect() as conn:
        aggregate = pd.DataFrame(conn.execute(compile_metric(definition)).mappings().all())
    return build_observations(definition, aggregate, definition.binding.headline_area)


def check(engine: sa.Engine) -> tuple[float, float, float]:
    """Checks the published binding against the hand-written SQL; returns March 2024's value and interval."""
    published = observations(engine, PUBLISHED)
    # only the asked-for areas, the council's upper-tier row only (not summed with the lower tier)
    assert sorted(published["area"].unique()) == sorted(["_headline", OWN, ENGLAND, REGION])
    march = published[(published["area"] == "_headline") & (published["period"] == "2024-03")].iloc[0]
    assert (march["value"], march["ci_lower"], march["ci_upper"]) == pytest.approx((66.3, 64.8, 67.8))
    assert (march["numerator"], march["denominator"]) == (2003, 3000)
    pd.testing.assert_frame_equal(published, observations(engine, HAND_WRITTEN))
    engine.dispose()
    return float(march["value"]), float(march["ci_lower"]), float(march["ci_upper"])


MARCH_2024 = pytest.approx((66.3, 64.8, 67.8))


def test_sqlite(tmp_path: Path) -> None:
    assert check(seed(f"sqlite:///{tmp_path / 'published.db'}")) == MARCH_2024


def test_duckdb(tmp_path: Path) -> None:
    assert check(seed(f"duckdb:///{tmp_path / 'published.duckdb'}")) == MARCH_2024


@pytest.mark.postgres
def test_postgresql(postgres_url: str) -> None:
    assert check(seed(postgres_url)) == MARCH_2024


@pytest.mark.parametrize("dialect", ["sqlite", "duckdb", "postgresql"])
def test_values_are_bound_parameters(dialect: str) -> None:
    statement = compile_metric(metric(PUBLISHED))
    sql = render_sql(statement, dialect)
    for value in (OWN, ENGLAND, "National"):
        assert value not in sql
    bound = [v for p in statement.compile().params.values() for v in (p if isinstance(p, (list, tuple)) else [p])]
    assert {OWN, ENGLAND, REGION, "National"} <= set(bound)


def test_without_interval_or_counts_they_are_empty(tmp_path: Path) -> None:
    binding = {k: v for k, v in PUBLISHED.items()
               if k not in ("lower_column", "upper_column", "numerator_column", "denominator_column")}
    frame = observations(seed(f"sqlite:///{tmp_path / 'published.db'}"), binding)
    assert frame["value"].notna().all()
    assert frame[["ci_lower", "ci_upper", "numerator", "denominator"]].isna().all().all()


def test_all_areas_without_a_headline_area(tmp_path: Path) -> None:
    binding = {k: v for k, v in PUBLISHED.items() if k not in ("headline_area", "comparators")}
    frame = observations(seed(f"sqlite:///{tmp_path / 'published.db'}"), binding)
    assert NEIGHBOUR in set(frame["area"])


def test_interval_needs_both_ends() -> None:
    with pytest.raises(ValueError, match="both 'lower_column' and 'upper_column'"):
        metric({k: v for k, v in PUBLISHED.items() if k != "upper_column"})


def test_published_binding_needs_method_published() -> None:
    with pytest.raises(ValueError, match="use method 'published'"):
        Metric.model_validate({**METRIC, "method": "proportion", "binding": PUBLISHED})
