"""Tests for the synthetic sample-data generator (sample_data.generate).

One full-scale SQLite build (~15 s) is shared by the level checks; the other
builds use a small ``scale`` so the whole module runs in well under a minute.
PostgreSQL is not exercised here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from sample_data import generate as g

ROOT = Path(__file__).resolve().parent.parent
OLD_BANDS = ["65-69", "70-74", "75-79", "80-84", "85-89", "90+"]
SMALL = 0.05

ha = g.hospital_admissions
ch = g.care_home_admissions
dr = g.dementia_register
pop = g.population


def _fy(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 4, 1), dt.date(year + 1, 4, 1)


def _sqlite(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def full_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("sample_full") / "sample.db"
    counts = g.build(_sqlite(path))
    engine = sa.create_engine(_sqlite(path))
    yield engine, counts
    engine.dispose()


@pytest.fixture(scope="module")
def small_sqlite(tmp_path_factory):
    path = tmp_path_factory.mktemp("sample_small") / "small.db"
    counts = g.build(_sqlite(path), scale=SMALL)
    engine = sa.create_engine(_sqlite(path))
    yield engine, counts
    engine.dispose()


# ---------------------------------------------------------------- helpers
def pop65(conn, year: int) -> int:
    q = sa.select(sa.func.sum(pop.c.persons)).where(
        pop.c.year_start == dt.date(year, 4, 1), pop.c.age_band.in_(OLD_BANDS))
    return int(conn.execute(q).scalar_one())


def falls65_by_fy(conn) -> dict[int, int]:
    """Emergency falls admissions aged 65+ by financial year (SQL GROUP BY)."""
    y = sa.extract("year", ha.c.admission_date)
    m = sa.extract("month", ha.c.admission_date)
    fy = sa.case((m >= 4, y), else_=y - 1).label("fy")
    q = (sa.select(fy, sa.func.count()).where(
        ha.c.cause == "falls", ha.c.admission_method == "emergency", ha.c.age >= 65)
        .group_by(fy))
    return {int(f): int(n) for f, n in conn.execute(q)}


def monthly_falls(conn) -> list[tuple[int, int, str, int]]:
    y = sa.extract("year", ha.c.admission_date).label("y")
    m = sa.extract("month", ha.c.admission_date).label("m")
    q = (sa.select(y, m, ha.c.area_code, sa.func.count())
         .where(ha.c.cause == "falls", ha.c.admission_method == "emergency", ha.c.age >= 65)
         .group_by(y, m, ha.c.area_code).order_by(y, m, ha.c.area_code))
    return [(int(a), int(b), c, int(d)) for a, b, c, d in conn.execute(q)]


def fingerprint(engine) -> str:
    """Checksum of monthly falls counts plus whole-table aggregates."""
    with engine.connect() as conn:
        parts = [monthly_falls(conn)]
        for q in [
            sa.select(sa.func.count(), sa.func.sum(ha.c.age * (ha.c.admission_id % 97)),
                      sa.func.sum(ha.c.died_in_hospital), sa.func.min(ha.c.admission_date),
                      sa.func.max(ha.c.admission_date)),
            sa.select(sa.func.count(), sa.func.sum(ch.c.age * (ch.c.admission_id % 89)),
                      sa.func.sum(ch.c.permanent)),
            sa.select(sa.func.sum(dr.c.registered_65plus), sa.func.sum(dr.c.estimated_prevalence_65plus)),
            sa.select(sa.func.sum(pop.c.persons)),
        ]:
            parts.append([tuple(str(v) for v in row) for row in conn.execute(q)])
        rows = conn.execute(sa.select(ch).order_by(ch.c.admission_id)).all()
        parts.append([tuple(str(v) for v in r) for r in rows])
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def diagnosis_rate(conn, month: dt.date) -> float:
    q = sa.select(sa.func.sum(dr.c.registered_65plus), sa.func.sum(dr.c.estimated_prevalence_65plus)
                  ).where(dr.c.month == month)
    reg, est = conn.execute(q).one()
    return 100.0 * reg / est


def care_perm65(conn, year: int) -> int:
    a, b = _fy(year)
    q = sa.select(sa.func.count()).where(
        ch.c.permanent == 1, ch.c.age >= 65, ch.c.admission_date >= a, ch.c.admission_date < b)
    return int(conn.execute(q).scalar_one())


# ---------------------------------------------------------------- determinism
def test_build_is_deterministic(tmp_path, small_sqlite):
    engine1, counts1 = small_sqlite
    url2 = _sqlite(tmp_path / "again.db")
    counts2 = g.build(url2, scale=SMALL)
    assert counts1 == counts2
    engine2 = sa.create_engine(url2)
    try:
        assert fingerprint(engine1) == fingerprint(engine2)
        # rebuilding into an existing database replaces the tables
        assert g.build(url2, scale=SMALL) == counts1
        assert fingerprint(engine2) == fingerprint(engine1)
    finally:
        engine2.dispose()


def test_sqlite_gets_the_rows_the_generic_insert_writes(tmp_path, small_sqlite, monkeypatch):
    """SQLite's own insert (tuples straight to the driver, for time) writes the very database the generic
    insert through SQLAlchemy writes, schema, rows and values (dates as ISO text) alike."""
    import sqlite3

    monkeypatch.setattr(g, "_insert_sqlite", g._insert_rows)
    assert g.build(_sqlite(tmp_path / "generic.db"), scale=SMALL) == small_sqlite[1]
    dumps = []
    for path in (tmp_path / "generic.db", small_sqlite[0].url.database):
        conn = sqlite3.connect(path)
        dumps.append(list(conn.iterdump()))
        conn.close()
    assert len(dumps[0]) > 20_000 and dumps[0] == dumps[1]


def test_other_seed_differs_but_keeps_levels(tmp_path, small_sqlite):
    engine1, counts1 = small_sqlite
    url = _sqlite(tmp_path / "seed7.db")
    counts = g.build(url, scale=SMALL, seed=7)
    engine = sa.create_engine(url)
    try:
        assert fingerprint(engine) != fingerprint(engine1)
        # annual county totals are fixed at their expected values
        assert counts["hospital_admissions"] == counts1["hospital_admissions"]
        with engine.connect() as conn:
            assert conn.execute(sa.select(g.dataset_info.c.value).where(
                g.dataset_info.c.key == "seed")).scalar_one() == "7"
    finally:
        engine.dispose()


def test_duckdb_build_matches_sqlite(tmp_path, small_sqlite):
    pytest.importorskip("duckdb_engine")
    engine1, counts1 = small_sqlite
    url = f"duckdb:///{tmp_path / 'small.duckdb'}"
    counts = g.build(url, scale=SMALL)
    assert counts == counts1
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.min(ha.c.admission_date))).scalar_one() == dt.date(2012, 4, 1)
            types = dict(conn.execute(sa.text(
                "select column_name, data_type from information_schema.columns "
                "where table_name = 'dementia_register'")).all())
            assert types["month"] == "DATE"
        assert fingerprint(engine) == fingerprint(engine1)
    finally:
        engine.dispose()


# ---------------------------------------------------------------- full-scale levels
def test_row_counts_and_reference_tables(full_db):
    engine, counts = full_db
    assert counts["areas"] == 6
    assert counts["population"] == 13 * 5 * 19 * 2
    months = 13 * 12  # April 2012 to March 2025, as documented in sample_data/README.md
    assert counts["dementia_register"] == months * 60
    assert 350_000 <= counts["hospital_admissions"] <= 450_000
    assert 10_000 <= counts["care_home_admissions"] <= 20_000
    with engine.connect() as conn:
        info = dict(conn.execute(sa.select(g.dataset_info.c.key, g.dataset_info.c.value)).all())
        assert info["synthetic"] == "true"
        assert info["generator"] == "sample_data.generate"
        assert info["seed"] == "42"
        assert info["generated_range"] == "2012-04 to 2025-03"
        assert "not real" in info["description"]
        area_types = dict(conn.execute(sa.select(g.areas.c.area_code, g.areas.c.area_type)).all())
        assert area_types["E10000031"] == "county"
        assert sorted(k for k, v in area_types.items() if v == "district") == [
            "E07000218", "E07000219", "E07000220", "E07000221", "E07000222"]
        for table, counted in counts.items():
            assert conn.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one() == counted


def test_population_levels(full_db):
    engine, _ = full_db
    with engine.connect() as conn:
        q = (sa.select(pop.c.year_start, sa.func.sum(pop.c.persons)).group_by(pop.c.year_start)
             .order_by(pop.c.year_start))
        totals = dict(conn.execute(q).all())
        t13, t24 = totals[dt.date(2013, 4, 1)], totals[dt.date(2024, 4, 1)]
        assert 530_000 <= t13 <= 570_000
        assert 0.005 <= (t24 / t13) ** (1 / 11) - 1 <= 0.01  # ~0.7% a year
        o13, o24 = pop65(conn, 2013), pop65(conn, 2024)
        assert 0.18 <= o13 / t13 <= 0.22
        assert 0.015 <= (o24 / o13) ** (1 / 11) - 1 <= 0.025  # 65+ ~2% a year
        by_area = dict(conn.execute(sa.select(pop.c.area_code, sa.func.sum(pop.c.persons))
                                    .where(pop.c.year_start == dt.date(2016, 4, 1))
                                    .group_by(pop.c.area_code)).all())
        assert by_area["E07000222"] > by_area["E07000219"] > by_area["E07000221"] > by_area["E07000220"]
        assert 55_000 <= by_area["E07000218"] <= 70_000


def test_falls_levels_trend_and_seasonality(full_db):
    engine, _ = full_db
    with engine.connect() as conn:
        falls = falls65_by_fy(conn)
        rate = {fy: 1e5 * n / pop65(conn, fy) for fy, n in falls.items()}
        assert 1_900 <= rate[2013] <= 2_300
        change_1718 = rate[2017] / rate[2013] - 1
        assert -0.12 <= change_1718 <= -0.07  # falls ~9-10% by 2017/18
        assert rate[2024] > rate[2017]  # then drifts back up
        assert rate[2024] / rate[2013] - 1 > -0.20  # -20% target not met

        # winter peak: Dec-Feb ~15% above the other months (2013/14-2018/19)
        m = sa.extract("month", ha.c.admission_date)
        winter = sa.case((m.in_([12, 1, 2]), 1), else_=0).label("winter")
        q = (sa.select(winter, sa.func.count()).where(
            ha.c.cause == "falls", ha.c.age >= 65, ha.c.admission_method == "emergency",
            ha.c.admission_date >= dt.date(2013, 4, 1), ha.c.admission_date < dt.date(2019, 4, 1))
            .group_by(winter))
        n = dict(conn.execute(q).all())
        ratio = (n[1] / 3) / (n[0] / 9)
        assert 1.08 <= ratio <= 1.22

        # age gradient: 85+ far higher than 65-74
        a, b = _fy(2013)
        q = (sa.select(ha.c.age_band, sa.func.count()).where(
            ha.c.cause == "falls", ha.c.age >= 65, ha.c.admission_date >= a, ha.c.admission_date < b)
            .group_by(ha.c.age_band))
        by_band = dict(conn.execute(q).all())
        pb = dict(conn.execute(sa.select(pop.c.age_band, sa.func.sum(pop.c.persons)).where(
            pop.c.year_start == a).group_by(pop.c.age_band)).all())
        r = {k: by_band[k] / pb[k] for k in OLD_BANDS}
        assert r["85-89"] > 4 * r["65-69"] and r["90+"] > r["85-89"]


def test_emergency_65_total_and_covid_dip(full_db):
    engine, _ = full_db
    with engine.connect() as conn:
        a, b = _fy(2013)
        q = sa.select(sa.func.count()).where(
            ha.c.admission_method == "emergency", ha.c.age >= 65,
            ha.c.admission_date >= a, ha.c.admission_date < b)
        assert 22_000 <= conn.execute(q).scalar_one() <= 28_000

        def spring(year):
            return conn.execute(sa.select(sa.func.count()).where(
                ha.c.admission_method == "emergency",
                ha.c.admission_date >= dt.date(year, 4, 1),
                ha.c.admission_date < dt.date(year, 7, 1))).scalar_one()

        dip = spring(2020) / spring(2019) - 1
        assert -0.38 <= dip <= -0.22
        under65 = conn.execute(sa.select(sa.func.count()).where(ha.c.age < 65)).scalar_one()
        assert under65 > 10_000
        causes = set(conn.execute(sa.select(ha.c.cause).distinct()).scalars())
        assert causes == {"falls", "respiratory", "cardiovascular", "dementia", "other"}
        methods = set(conn.execute(sa.select(ha.c.admission_method).distinct()).scalars())
        assert methods == {"emergency", "elective"}


def test_dementia_diagnosis_rate(full_db):
    engine, _ = full_db
    with engine.connect() as conn:
        assert 40.0 <= diagnosis_rate(conn, dt.date(2013, 10, 1)) <= 44.0
        assert 61.0 <= diagnosis_rate(conn, dt.date(2017, 3, 1)) <= 65.0
        pre, covid = diagnosis_rate(conn, dt.date(2020, 2, 1)), diagnosis_rate(conn, dt.date(2021, 3, 1))
        assert 2.5 <= pre - covid <= 6.0
        mar24 = diagnosis_rate(conn, dt.date(2024, 3, 1))
        assert 60.0 <= mar24 <= 66.0
        assert mar24 < 66.7  # below the national ambition
        # practice-level variation
        q = sa.select(dr.c.registered_65plus, dr.c.estimated_prevalence_65plus).where(
            dr.c.month == dt.date(2024, 3, 1))
        rates = [r / e for r, e in conn.execute(q)]
        assert len(rates) == 60
        assert max(rates) - min(rates) > 0.2
        n_areas = conn.execute(sa.select(sa.func.count(sa.distinct(dr.c.area_code)))).scalar_one()
        assert n_areas == 5


def test_care_home_admissions(full_db):
    engine, _ = full_db
    with engine.connect() as conn:
        r13 = 1e5 * care_perm65(conn, 2013) / pop65(conn, 2013)
        r15 = 1e5 * care_perm65(conn, 2015) / pop65(conn, 2015)
        assert 600 <= r13 <= 700
        assert r15 / r13 - 1 <= -0.05  # the -5% target is met
        a, b = _fy(2013)
        q = (sa.select(ch.c.reason, sa.func.count()).where(
            ch.c.permanent == 1, ch.c.age >= 65, ch.c.admission_date >= a, ch.c.admission_date < b)
            .group_by(ch.c.reason))
        reasons = dict(conn.execute(q).all())
        share = reasons["carer_breakdown"] / sum(reasons.values())
        assert 0.08 <= share <= 0.16
        temp = conn.execute(sa.select(sa.func.count()).where(ch.c.permanent == 0)).scalar_one()
        assert temp > 1_000
        q = sa.select(sa.func.count(), sa.func.min(ch.c.age)).where(
            ch.c.permanent == 1, ch.c.age < 65, ch.c.admission_date >= a, ch.c.admission_date < b)
        n_young, min_age = conn.execute(q).one()
        pop_1864 = conn.execute(sa.select(sa.func.sum(pop.c.persons)).where(
            pop.c.year_start == a,
            pop.c.age_band.in_([f"{lo}-{lo + 4}" for lo in range(20, 65, 5)]))).scalar_one()
        assert min_age >= 18
        assert 8 <= 1e5 * n_young / pop_1864 <= 22  # ~14 per 100,000 aged 18-64
        settings = set(conn.execute(sa.select(ch.c.setting).distinct()).scalars())
        assert settings == {"residential", "nursing"}


def test_scale_scales_record_volumes(small_sqlite, full_db):
    (_, small), (_, full) = small_sqlite, full_db
    assert small["population"] == full["population"]
    assert small["dementia_register"] == full["dementia_register"]
    assert abs(small["hospital_admissions"] / full["hospital_admissions"] - SMALL) < 0.002
    assert abs(small["care_home_admissions"] / full["care_home_admissions"] - SMALL) < 0.005


# ---------------------------------------------------------------- API and CLI
@pytest.mark.parametrize("kwargs", [
    {"start": "2012-13"}, {"end": "March 2025"}, {"start": "2020-01", "end": "2019-12"},
    {"scale": 0}, {"scale": -1}, {"scale": "lots"}, {"seed": -3},
])
def test_bad_arguments_raise(tmp_path, kwargs):
    with pytest.raises(ValueError):
        g.build(_sqlite(tmp_path / "bad.db"), **kwargs)


def test_cli_builds_and_rejects_bad_arguments(tmp_path):
    assert g.DEFAULT_OUT == ROOT / "sample_data" / "sample.db"
    out = tmp_path / "cli.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "sample_data.generate"]
    done = subprocess.run(cmd + ["--out", str(out), "--scale", "0.01"], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.exists()
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and "hospital_admissions=" in lines[0] and " s" in lines[0]

    bad = subprocess.run(cmd + ["--scale", "zero"], cwd=tmp_path, capture_output=True,
                         text=True, env=env, timeout=60)
    assert bad.returncode != 0
    assert "--scale" in bad.stderr
