"""Published metrics' peer values and series breaks of one table are asked in one query per kind, and each
metric's share is exactly the frame its own query gives (issue 24), on SQLite, DuckDB and PostgreSQL: values of
0 and below, missing values, several rows in a group, rows of areas the peers leave out, breaks of other areas
and a measure with no rows at all."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from datasources.registry import DataSourceRegistry, SourceSettings
from metrics.batch import run_questions
from metrics.compile_extras import BREAKS, PEERS, extra_questions
from metrics.definitions.loader import load_config
from tests.conftest import CONFIG_DIR

PROJECT = Path(__file__).resolve().parent.parent
#: Two Wigan measures and one of Warwickshire's (another headline area), all reading ascof_trend.
METRICS = ("wig_ascof_feel_safe", "wig_ascof_ld_own_home", "warks_ascof_ld_own_home", "wig_ascof_carer_qol")
WIGAN, WARKS, OTHER = "E08000010", "E10000031", "E06000052"


def _rows() -> list[dict]:
    def row(year, area, measure, value, level="Council", words=None):
        return {"year_start": date(year, 4, 1), "ons_code": area, "measure_id": measure, "geo_level": level,
                "value": value, "series_break": words}

    return [
        row(2021, WIGAN, "ascof_feel_safe", 70.5), row(2021, OTHER, "ascof_feel_safe", 0.0),
        row(2021, WARKS, "ascof_feel_safe", -1.5), row(2021, "E12000002", "ascof_feel_safe", 68.0, "Region"),
        row(2022, WIGAN, "ascof_feel_safe", None), row(2022, OTHER, "ascof_feel_safe", 66.0),
        row(2022, OTHER, "ascof_feel_safe", 67.25),  # two rows in one group: the larger
        row(2023, WIGAN, "ascof_feel_safe", 71.0, words="renumbered 1G -> 2E"),
        row(2023, OTHER, "ascof_feel_safe", 69.0, words="a break of another council"),
        row(2021, WIGAN, "ascof_ld_own_home", 80.0), row(2021, WARKS, "ascof_ld_own_home", 0.0),
        row(2022, WARKS, "ascof_ld_own_home", None, words="a break with no value"),
        row(2023, WARKS, "ascof_ld_own_home", 75.0, words="renumbered 1G -> 2E"),
        row(2023, WARKS, "ascof_ld_own_home", 76.0, words="renumbered again"),  # the larger words
    ]  # no row of ascof_carer_qol: its questions have no rows


def _database(url: str) -> None:
    engine = sa.create_engine(url)
    table = sa.Table("ascof_trend", sa.MetaData(), sa.Column("year_start", sa.Date), sa.Column("ons_code", sa.Text),
                     sa.Column("measure_id", sa.Text), sa.Column("geo_level", sa.Text),
                     sa.Column("value", sa.Float), sa.Column("series_break", sa.Text))
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert(), _rows())
    engine.dispose()


@pytest.fixture(params=["sqlite", "duckdb", "postgresql"])
def url(request, tmp_path: Path) -> str:
    if request.param == "postgresql":
        from tests.conftest import new_postgres_database

        url = new_postgres_database(request.getfixturevalue("postgres_url"), "extras")
    else:
        url = f"{request.param}:///{tmp_path / 'extras.db'}"
    _database(url)
    return url


def test_each_metrics_extras_asked_together_are_its_own_querys_rows(url: str, monkeypatch) -> None:
    config = load_config(CONFIG_DIR)
    metrics = [config.metrics[m] for m in METRICS]
    registry = DataSourceRegistry([SourceSettings("sample", url)], project_root=PROJECT)
    jobs, extras = {}, {}
    for metric in metrics:
        for kind, statement in extra_questions(metric).items():
            jobs[f"{metric.id} {kind}"] = ("sample", statement)
            extras[f"{metric.id} {kind}"] = (kind, metric)
    assert len(jobs) == 2 * len(METRICS)  # each asks both
    combined = []
    execute_parts = registry.execute_parts
    monkeypatch.setattr(registry, "execute_parts", lambda *a: combined.append(a[2]) or execute_parts(*a))
    together = run_questions(registry, jobs, extras=extras)
    monkeypatch.undo()
    # One query for each kind, none fell back: four breaks, and three peers (both councils' ld_own_home peers
    # are one question, asked once).
    assert sorted(len(parts) for parts in combined) == [3, 4]

    shown = {}
    for name, (source_id, statement) in jobs.items():
        own = registry.execute(source_id, statement)
        pd.testing.assert_frame_equal(together[name].frame, own.frame, obj=name)
        assert together[name].sql == own.sql and not together[name].truncated
        shown[name] = own.frame
    registry.dispose()
    # What a person would check, from the rows above: Wigan's peers in 2021 (the region left out, 0 and -1.5
    # kept), the larger of two values, a missing value leaving no row; breaks of the headline area only.
    peers = shown[f"wig_ascof_feel_safe {PEERS}"]
    assert [(str(p)[:10], a, v) for p, a, v in peers.itertuples(index=False)] == [
        ("2021-04-01", OTHER, 0.0), ("2021-04-01", WIGAN, 70.5), ("2021-04-01", WARKS, -1.5),
        ("2022-04-01", OTHER, 67.25), ("2023-04-01", OTHER, 69.0), ("2023-04-01", WIGAN, 71.0)]
    assert [w for w in shown[f"wig_ascof_feel_safe {BREAKS}"]["words"]] == ["renumbered 1G -> 2E"]
    assert [w for w in shown[f"warks_ascof_ld_own_home {BREAKS}"]["words"]] == ["a break with no value",
                                                                               "renumbered again"]
    assert shown[f"wig_ascof_ld_own_home {BREAKS}"].empty and shown[f"wig_ascof_carer_qol {PEERS}"].empty
