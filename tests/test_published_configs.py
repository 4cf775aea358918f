"""Every project metric on a ``type: published`` binding gives the figures the hand-written
SQL it replaced gave (the queries below are the ones the config held before), on the
ingested sample database."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cli.main import app
from metrics.compile import compile_metric
from metrics.definitions.loader import load_config
from metrics.definitions.models import Metric, PublishedBinding
from metrics.evaluation.observations import build_observations

PROJECT = Path(__file__).resolve().parent.parent
CONFIG = load_config(PROJECT / "config")
# the metrics that were written with pasted SQL before bindings were declarative (the ASCOF trend
# measures were published bindings from the start; tests/test_national_measures.py covers them)
PASTED_BEFORE = ("ascof_care_home_admissions", "pcdd_dementia_65plus", "fingertips_falls_65plus")
PUBLISHED = sorted(m.id for m in CONFIG.metrics.values()
                   if isinstance(m.binding, PublishedBinding) and m.binding.table in PASTED_BEFORE)

ASCOF = """SELECT year_start AS period_date, ons_code AS area, NULL AS numerator, NULL AS denominator,
rate_per_100k AS value, NULL AS ci_lower, NULL AS ci_upper FROM ascof_care_home_admissions
WHERE age_group = :age AND ascof_code IN (:code_to_2023, :code_from_2024) AND ons_code IN (:own, :england, :region)"""
PCDD = """SELECT period AS period_date, ons_code AS area, recorded_65plus AS numerator,
estimated_65plus AS denominator, diagnosis_rate_pct AS value, ci95_lower AS ci_lower, ci95_upper AS ci_upper
FROM pcdd_dementia_65plus WHERE (org_type = :own_type AND ons_code = :own)
OR (org_type = :national AND ons_code = :england) OR (org_type = :gor AND ons_code = :region)"""
FALLS = """SELECT year_start AS period_date, area_code AS area, count AS numerator, denominator,
value, lower_ci AS ci_lower, upper_ci AS ci_upper FROM fingertips_falls_65plus
WHERE indicator_id = :indicator AND sex = :sex AND area_code IN (:own, :england, :peer)"""


def hand_written(metric: Metric) -> Metric:
    """The metric as it was written before, with its query pasted in."""
    binding = metric.binding
    own, first, second = binding.areas
    filters = {f.column: f.value for f in binding.filters}
    if binding.table == "ascof_care_home_admissions":
        sql, params = ASCOF, {"age": filters["age_group"], "code_to_2023": filters["ascof_code"][0],
                              "code_from_2024": filters["ascof_code"][1], "own": own, "england": first,
                              "region": second}
    elif binding.table == "pcdd_dementia_65plus":
        sql, params = PCDD, {"own_type": filters["org_type"][0], "own": own, "national": "National",
                             "england": first, "gor": "Government Office Region", "region": second}
    else:
        sql, params = FALLS, {"indicator": filters["indicator_id"], "sex": filters["sex"], "own": own,
                              "england": first, "peer": second}
    old = {"type": "sql", "datasource": binding.datasource, "returns_published_values": True, "sql": sql,
           "params": params, "headline_area": binding.headline_area,
           "comparators": [c.model_dump() for c in binding.comparators]}
    return Metric.model_validate({**metric.model_dump(exclude={"binding"}), "binding": old})


@pytest.fixture(scope="module")
def engine(sample_db):
    engine = sa.create_engine(f"sqlite:///{sample_db}")
    if not sa.inspect(engine).has_table("pcdd_dementia_65plus"):
        result = CliRunner().invoke(app, ["ingest"])
        assert result.exit_code == 0, result.output
    yield engine
    engine.dispose()


def observations(engine: sa.Engine, metric: Metric) -> pd.DataFrame:
    with engine.connect() as conn:
        aggregate = pd.DataFrame(conn.execute(compile_metric(metric)).mappings().all())
    return build_observations(metric, aggregate, metric.binding.headline_area)


def test_the_published_tables_are_all_declarative() -> None:
    assert len(PUBLISHED) == 16
    assert not [m.id for m in CONFIG.metrics.values() if m.binding.type == "sql"]


@pytest.mark.parametrize("metric_id", PUBLISHED)
def test_same_figures_as_the_sql_it_replaced(engine, metric_id: str) -> None:
    metric = CONFIG.metrics[metric_id]
    new = observations(engine, metric)
    assert len(new[new["area"] == "_headline"]) >= 5
    pd.testing.assert_frame_equal(new, observations(engine, hand_written(metric)))
