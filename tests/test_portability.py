"""The same definitions give the same figures on SQLite, DuckDB and PostgreSQL.

Each database gets the same seeded sample data (at a small scale for speed); every
Warwickshire metric is computed in each database and the observations must agree."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from datasources.registry import DataSourceRegistry, SourceSettings
from metrics.definitions.loader import load_config
from metrics.service import MetricsService
from sample_data.generate import build

PROJECT = Path(__file__).resolve().parent.parent
SCALE = 0.05
METRICS = ["falls_admissions_65plus", "dementia_diagnosis_rate_65plus", "permanent_care_home_admissions_65plus"]


def service_on(url: str) -> MetricsService:
    config = load_config(PROJECT / "config")
    registry = DataSourceRegistry([SourceSettings("sample", url)], project_root=PROJECT)
    return MetricsService(config, registry)


def observations(url: str) -> dict[str, pd.DataFrame]:
    service = service_on(url)
    out = {}
    for metric_id in METRICS:
        obs = service.observations(metric_id)
        assert obs.error is None, obs.error
        out[metric_id] = obs.frame.reset_index(drop=True)
    service.registry.dispose()
    return out


@pytest.fixture(scope="module")
def sqlite_result(tmp_path_factory) -> dict[str, pd.DataFrame]:
    path = tmp_path_factory.mktemp("sqlite") / "sample.db"
    build(f"sqlite:///{path}", scale=SCALE)
    return observations(f"sqlite:///{path}")


def assert_same(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    for metric_id in METRICS:
        assert len(left[metric_id]) > 100
        pd.testing.assert_frame_equal(left[metric_id], right[metric_id], check_exact=False, rtol=1e-9)


def test_sqlite_figures_are_sensible(sqlite_result) -> None:
    falls = sqlite_result["falls_admissions_65plus"]
    headline = falls[falls["area"] == "_headline"]
    assert headline["period"].min() == "2012-04" and headline["period"].max() == "2025-03"
    quarters = sqlite_result["permanent_care_home_admissions_65plus"]
    assert set(quarters["period"].str[5:]) == {"03", "06", "09", "12"}


def test_duckdb_matches_sqlite(tmp_path, sqlite_result) -> None:
    path = tmp_path / "sample.duckdb"
    build(f"duckdb:///{path}", scale=SCALE)
    assert_same(sqlite_result, observations(f"duckdb:///{path}"))


@pytest.mark.postgres
def test_postgresql_matches_sqlite(postgres_url: str, sqlite_result) -> None:
    build(postgres_url, scale=SCALE)
    assert_same(sqlite_result, observations(postgres_url))


@pytest.mark.postgres
def test_postgresql_connections_are_read_only(postgres_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    build(postgres_url, scale=0.01)
    engine = service_on(postgres_url).registry.engine("sample")
    with pytest.raises(DBAPIError, match="read-only"):
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM areas"))
    engine.dispose()


def test_sqlite_connections_are_read_only(tmp_path) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    path = tmp_path / "ro.db"
    build(f"sqlite:///{path}", scale=0.01)
    engine = service_on(f"sqlite:///{path}").registry.engine("sample")
    with pytest.raises(OperationalError, match="readonly"):
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM areas"))
