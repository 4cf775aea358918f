"""Deterministic generator of SYNTHETIC record-level sample data.

The data describe Warwickshire (county E10000031) and its five districts, using
the real area codes and names but entirely synthetic numbers.  Every figure is
drawn from ``numpy.random.default_rng(seed)``; nothing depends on the wall clock,
so the same arguments always give the same database.

Writes go through SQLAlchemy Core, so the same data can be built into SQLite,
DuckDB (``duckdb:///file.duckdb``) or PostgreSQL::

    from sample_data.generate import build
    build("sqlite:///sample_data/sample.db")            # full scale
    build("duckdb:///tmp/sample.duckdb", scale=0.05)     # 5% of the records

Command line::

    python -m sample_data.generate [--out sample_data/sample.db] [--scale 1.0]

Design notes
------------
* Expected counts are built cell by cell (month x district x age band x sex)
  from the synthetic population, an age gradient, seasonality, a trend by
  financial year and a COVID-19 factor.  For each financial year the county
  total is fixed at the rounded expected value and spread over the cells with a
  multinomial draw, so annual county rates sit on their design values for any
  seed or scale while monthly and district figures still vary realistically.
* ``scale`` multiplies record-level volumes (hospital and care home
  admissions) only; population and the dementia register are not scaled, so a
  rate computed from a scaled build is ``scale`` times the design rate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import sqlalchemy as sa

from datasources.months import parse_month

__all__ = ["build", "metadata", "TABLES", "AREAS", "AGE_BANDS", "main"]

DEFAULT_START = "2012-04"
DEFAULT_END = "2025-03"
DEFAULT_SEED = 42
CHUNK_ROWS = 10_000
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = PROJECT_ROOT / "sample_data" / "sample.db"

# --------------------------------------------------------------------------
# Reference lists
# --------------------------------------------------------------------------
COUNTY = ("E10000031", "Warwickshire")
DISTRICTS = [
    ("E07000218", "North Warwickshire"),
    ("E07000219", "Nuneaton and Bedworth"),
    ("E07000220", "Rugby"),
    ("E07000221", "Stratford-on-Avon"),
    ("E07000222", "Warwick"),
]
AREAS = [(code, name, "district") for code, name in DISTRICTS] + [(*COUNTY, "county")]
DISTRICT_CODES = [code for code, _ in DISTRICTS]

AGE_BANDS = [f"{lo}-{lo + 4}" for lo in range(0, 90, 5)] + ["90+"]
BAND_LO = np.array([5 * i for i in range(19)])
B65 = 13  # index of '65-69'
SEXES = ["F", "M"]

# Mid-2012 district totals (synthetic; roughly the published sizes) and
# district-specific annual growth on top of the age-band growth rates.
DISTRICT_BASE_2012 = np.array([62_500, 125_500, 101_500, 120_500, 137_000], float)
DISTRICT_GROWTH_DELTA = np.array([-0.002, -0.001, 0.003, 0.001, 0.0005])
# Relative weight of the 65+ bands and of the student ages per district.
DISTRICT_OLDER_TILT = np.array([1.10, 0.92, 0.90, 1.30, 0.88])
DISTRICT_STUDENT_TILT = np.array([0.85, 0.95, 0.95, 0.80, 1.40])
# Share of the population by age band in 2012 (England-like, 65+ ~ 19.7%).
BASE_AGE_SHARE = np.array(
    [6.0, 5.8, 5.7, 6.0, 6.2, 6.0, 5.9, 6.2, 7.0, 7.4, 7.0, 6.2, 6.2,
     6.0, 4.5, 3.7, 2.8, 1.8, 0.9]
)
# Annual growth of each band: 0.375% under 65, faster in the older bands,
# giving ~0.7% overall and ~2% for 65+.
BAND_GROWTH = np.array([0.00375] * 13 + [0.012, 0.012, 0.025, 0.025, 0.035, 0.035])
FEMALE_SHARE = np.array(
    [0.488, 0.488, 0.488, 0.488, 0.495, 0.50, 0.50, 0.50, 0.50, 0.505, 0.505,
     0.505, 0.51, 0.51, 0.52, 0.54, 0.57, 0.62, 0.70]
)

# --------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------
metadata = sa.MetaData()

areas = sa.Table(
    "areas", metadata,
    sa.Column("area_code", sa.Text, primary_key=True),
    sa.Column("area_name", sa.Text, nullable=False),
    sa.Column("area_type", sa.Text, nullable=False),
)

population = sa.Table(
    "population", metadata,
    sa.Column("year_start", sa.Date, primary_key=True),
    sa.Column("area_code", sa.Text, primary_key=True),
    sa.Column("age_band", sa.Text, primary_key=True),
    sa.Column("sex", sa.Text, primary_key=True),
    sa.Column("persons", sa.Integer, nullable=False),
)

hospital_admissions = sa.Table(
    "hospital_admissions", metadata,
    sa.Column("admission_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("admission_date", sa.Date, nullable=False),
    sa.Column("area_code", sa.Text, nullable=False),
    sa.Column("age", sa.Integer, nullable=False),
    sa.Column("age_band", sa.Text, nullable=False),
    sa.Column("sex", sa.Text, nullable=False),
    sa.Column("admission_method", sa.Text, nullable=False),
    sa.Column("cause", sa.Text, nullable=False),
    sa.Column("died_in_hospital", sa.Integer, nullable=False),
    # Covering indexes: a metric filtered by cause, method and age and grouped by month
    # and area is answered from the index alone, without touching the table.
    sa.Index("ix_hosp_cause_method_age_date_area", "cause", "admission_method", "age", "admission_date",
             "area_code"),
    sa.Index("ix_hosp_method_date_area", "admission_method", "admission_date", "area_code"),
    # Deaths in hospital (Warwickshire's acute deaths): without it SQLite skip-scans the index above
    # (581 ms; 45 ms with it).
    sa.Index("ix_hosp_method_died_age_date_area", "admission_method", "died_in_hospital", "age", "admission_date",
             "area_code"),
)

dementia_register = sa.Table(
    "dementia_register", metadata,
    sa.Column("month", sa.Date, primary_key=True),
    sa.Column("practice_code", sa.Text, primary_key=True),
    sa.Column("area_code", sa.Text, nullable=False),
    sa.Column("registered_65plus", sa.Integer, nullable=False),
    sa.Column("estimated_prevalence_65plus", sa.Integer, nullable=False),
    sa.Index("ix_dem_month_area", "month", "area_code"),
)

care_home_admissions = sa.Table(
    "care_home_admissions", metadata,
    sa.Column("admission_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("admission_date", sa.Date, nullable=False),
    sa.Column("area_code", sa.Text, nullable=False),
    sa.Column("age", sa.Integer, nullable=False),
    sa.Column("age_band", sa.Text, nullable=False),
    sa.Column("setting", sa.Text, nullable=False),
    sa.Column("permanent", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Index("ix_care_date_area", "admission_date", "area_code"),
)

dataset_info = sa.Table(
    "dataset_info", metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

TABLES = [t.name for t in metadata.sorted_tables]


# --------------------------------------------------------------------------
# Calendar helpers
# --------------------------------------------------------------------------
def _parse_month(value: str, name: str) -> tuple[int, int]:
    try:
        month = parse_month(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    return month.year, month.month


class _Calendar:
    """The months of the build and their financial years."""

    def __init__(self, start: str, end: str):
        y0, m0 = _parse_month(start, "start")
        y1, m1 = _parse_month(end, "end")
        i0, i1 = y0 * 12 + m0 - 1, y1 * 12 + m1 - 1
        if i1 < i0:
            raise ValueError(f"end ({end}) is before start ({start})")
        if y0 < 1990 or y1 > 2100:
            raise ValueError("start and end must lie between 1990 and 2100")
        self.label = f"{y0:04d}-{m0:02d} to {y1:04d}-{m1:02d}"
        idx = np.arange(i0, i1 + 1)
        self.year = idx // 12
        self.month = idx % 12 + 1
        self.n = len(idx)
        self.fy = np.where(self.month >= 4, self.year, self.year - 1)
        self.fys = np.unique(self.fy)
        self.fy_idx = self.fy - self.fys[0]
        firsts = [dt.date(int(y), int(m), 1) for y, m in zip(self.year, self.month)]
        self.first = firsts
        nxt = [dt.date(int(y) + (m == 12), int(m) % 12 + 1, 1) for y, m in zip(self.year, self.month)]
        self.days = np.array([(b - a).days for a, b in zip(firsts, nxt)])
        self.first_ord = np.array([d.toordinal() for d in firsts])
        self._ord0 = int(self.first_ord[0])
        self._dates = [dt.date.fromordinal(o) for o in range(self._ord0, nxt[-1].toordinal())]
        # Decimal time (years) at mid-month, used for smooth curves.
        self.t = self.year + (self.month - 0.5) / 12.0

    def random_dates(self, rng: np.random.Generator, month_idx: np.ndarray) -> np.ndarray:
        """Ordinals of a uniformly random day within each given month."""
        day = np.floor(rng.random(len(month_idx)) * self.days[month_idx]).astype(np.int64)
        return self.first_ord[month_idx] + day

    def to_dates(self, ordinals: np.ndarray) -> list[dt.date]:
        d = self._dates
        o = self._ord0
        return [d[i - o] for i in ordinals.tolist()]


def _month_index(year: int, month: int) -> float:
    return year + (month - 0.5) / 12.0


# --------------------------------------------------------------------------
# Population
# --------------------------------------------------------------------------
def _population(fys: np.ndarray) -> np.ndarray:
    """Persons by [fy, district, age band, sex] (floats, mid-year estimates)."""
    shares = np.empty((5, 19))
    for d in range(5):
        s = BASE_AGE_SHARE.copy()
        s[B65:] *= DISTRICT_OLDER_TILT[d]
        s[3:5] *= DISTRICT_STUDENT_TILT[d]
        shares[d] = s / s.sum()
    base = DISTRICT_BASE_2012[:, None] * shares  # [d, b] in 2012
    years = (fys - 2012).astype(float)
    growth = (1.0 + BAND_GROWTH[None, None, :] + DISTRICT_GROWTH_DELTA[None, :, None]) ** years[:, None, None]
    pop = base[None, :, :] * growth  # [fy, d, b]
    sex = np.stack([FEMALE_SHARE, 1.0 - FEMALE_SHARE], axis=-1)  # [b, s]
    return np.round(pop[..., None] * sex[None, None, :, :])


# --------------------------------------------------------------------------
# Record streams
# --------------------------------------------------------------------------
def _trend(table: dict[int, float], fys: np.ndarray) -> np.ndarray:
    """Step function: the value of the latest key <= fy (first key before it)."""
    keys = sorted(table)
    out = []
    for f in fys:
        k = [key for key in keys if key <= int(f)]
        out.append(table[k[-1] if k else keys[0]])
    return np.array(out)


def _season(winter: float, shoulder: float = 1.0) -> np.ndarray:
    """Monthly factors (index 0 = January) with mean 1; Dec-Feb = winter."""
    f = np.ones(12)
    f[[11, 0, 1]] = winter
    f[[10, 2]] = shoulder
    return f / f.mean()


def _covid(cal: _Calendar, spring: float, rest_2020: float = 1.0) -> np.ndarray:
    f = np.ones(cal.n)
    f[(cal.year == 2020) & (cal.month >= 4) & (cal.month <= 6)] = spring
    f[(cal.year == 2020) & (cal.month >= 7)] = rest_2020
    return f


def _expected(cal, pop, bands, band_weight, sex_factor, crude_rate, denom_weight,
              season, trend, covid, scale) -> np.ndarray:
    """Expected counts by [month, district, band, sex].

    ``crude_rate`` (per 100,000 per year, by financial year after ``trend``) is
    the county rate over the denominator population ``pop * denom_weight``;
    the age/sex gradient is renormalised each year so the crude rate holds.
    """
    p = pop[:, :, bands, :] * denom_weight[None, None, :, None]  # [fy, d, b, s]
    grad = band_weight[None, None, :, None] * sex_factor[None, None, None, :]
    norm = (p * grad).sum(axis=(1, 2, 3)) / p.sum(axis=(1, 2, 3))  # [fy]
    per_person = crude_rate * trend / norm / 1e5  # [fy]
    cell_year = p * grad * per_person[:, None, None, None]  # [fy, d, b, s]
    m = cell_year[cal.fy_idx] / 12.0  # [month, d, b, s]
    m *= season[cal.month - 1][:, None, None, None]
    m *= covid[:, None, None, None]
    return m * scale


def _draw(rng, cal, lam) -> np.ndarray:
    """Counts with the rounded expected county total in each financial year."""
    counts = np.zeros(lam.shape, dtype=np.int64)
    for k in range(len(cal.fys)):
        sel = cal.fy_idx == k
        block = lam[sel]
        total = block.sum()
        n = int(round(total))
        if n > 0:
            counts[sel] = rng.multinomial(n, (block / total).ravel()).reshape(block.shape)
    return counts


def _expand(rng, cal, counts, bands, min_age=None):
    """Records (month idx, district idx, band idx, sex idx, age, date ordinal)."""
    flat = counts.ravel()
    cell = np.repeat(np.arange(flat.size), flat)
    mi, di, bi, si = np.unravel_index(cell, counts.shape)
    band = np.asarray(bands)[bi]
    lo = BAND_LO[band]
    age = lo + np.floor(rng.random(len(cell)) * 5).astype(np.int64)
    old = band == 18
    age[old] = 90 + np.minimum(np.floor(rng.exponential(3.0, old.sum())), 14).astype(np.int64)
    if min_age is not None:
        # ages in a band that straddles min_age: spread over the allowed part
        low = lo < min_age
        k = low.sum()
        if k:
            hi = lo[low] + 5
            age[low] = min_age + np.floor(rng.random(k) * (hi - min_age)).astype(np.int64)
    ords = cal.random_dates(rng, mi)
    return {"month": mi, "district": di, "band": band, "sex": si, "age": age, "ord": ords}


def _concat(parts: list[dict]) -> dict:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


# Hospital admissions -------------------------------------------------------
OLD = list(range(B65, 19))
UNDER65 = list(range(0, B65))
ALL = list(range(19))

FALLS_TREND = {2012: 1.01, 2013: 1.00, 2014: 0.975, 2015: 0.95, 2016: 0.925,
               2017: 0.905, 2018: 0.91, 2019: 0.915, 2020: 0.92, 2021: 0.925,
               2022: 0.93, 2023: 0.935, 2024: 0.94}
FLAT = {2012: 1.0}

# name, method, cause, bands, band gradient, sex factor (F, M), crude rate per
# 100k of the bands' population, season, trend, covid spring factor,
# rest-of-2020 factor, base in-hospital death probability
HOSPITAL_STREAMS = [
    ("emergency", "falls", OLD, np.array([600, 1000, 1900, 3600, 6500, 10000.]),
     np.array([1.15, 0.85]), 2100.0, _season(1.15), FALLS_TREND, 0.70, 1.0, 0.045),
    ("emergency", "respiratory", OLD, np.array([0.55, 0.75, 1.0, 1.35, 1.8, 2.2]),
     np.array([0.95, 1.05]), 3200.0, _season(1.45, 1.15), {2012: 1.0, 2016: 1.03, 2020: 0.95, 2022: 1.05}, 0.70, 0.85, 0.12),
    ("emergency", "cardiovascular", OLD, np.array([0.6, 0.8, 1.0, 1.3, 1.6, 1.8]),
     np.array([0.9, 1.1]), 3600.0, _season(1.12), {2012: 1.0, 2016: 0.98, 2020: 0.97}, 0.70, 1.0, 0.08),
    ("emergency", "dementia", OLD, np.array([0.1, 0.3, 0.8, 1.6, 2.6, 3.2]),
     np.array([1.1, 0.9]), 500.0, _season(1.05), {2012: 1.0, 2016: 1.04, 2020: 1.02}, 0.70, 1.0, 0.07),
    ("emergency", "other", OLD, np.array([0.6, 0.8, 1.0, 1.3, 1.6, 1.8]),
     np.array([1.0, 1.0]), 12900.0, _season(1.06), FLAT, 0.70, 1.0, 0.05),
    # under-65 emergency admissions (a subset: ~3,000 a year)
    ("emergency", "falls", UNDER65, np.array([1.2, .5, .6, .8, .7, .6, .6, .6, .7, .8, 1.0, 1.3, 1.6]),
     np.array([0.9, 1.1]), 60.0, _season(1.08), FLAT, 0.70, 1.0, 0.004),
    ("emergency", "respiratory", UNDER65, np.array([3.0, 1.0, .6, .5, .5, .5, .6, .6, .7, .8, 1.0, 1.3, 1.6]),
     np.array([1.0, 1.0]), 140.0, _season(1.5, 1.2), FLAT, 0.70, 0.85, 0.01),
    ("emergency", "cardiovascular", UNDER65, np.array([.05, .05, .05, .1, .1, .2, .3, .5, .8, 1.2, 1.8, 2.6, 3.5]),
     np.array([0.6, 1.4]), 90.0, _season(1.1), FLAT, 0.70, 1.0, 0.02),
    ("emergency", "other", UNDER65, np.array([1.5, .7, .7, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.2, 1.3]),
     np.array([1.05, 0.95]), 400.0, _season(1.05), FLAT, 0.70, 1.0, 0.006),
    # elective admissions, all ages (a subset: ~2,500 a year)
    ("elective", "cardiovascular", ALL, np.array([.02] * 6 + [.1, .2, .4, .7, 1.0, 1.5, 2.0, 2.6, 3.0, 3.0, 2.5, 1.6, 1.0]),
     np.array([0.7, 1.3]), 70.0, _season(0.95), FLAT, 0.40, 0.80, 0.003),
    ("elective", "other", ALL, np.array([.5, .3, .3, .4, .5, .6, .7, .8, .9, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.0, 1.8, 1.4, 1.0]),
     np.array([1.05, 0.95]), 380.0, _season(0.95), FLAT, 0.40, 0.80, 0.002),
    ("elective", "respiratory", ALL, np.array([.8, .5, .3, .3, .3, .4, .5, .6, .7, .8, 1.0, 1.2, 1.4, 1.6, 1.6, 1.5, 1.2, .8, .5]),
     np.array([1.0, 1.0]), 12.0, _season(0.95), FLAT, 0.40, 0.80, 0.002),
]


def _death_factor(band: np.ndarray) -> np.ndarray:
    f = np.ones(len(band))
    f[band < 15] = 0.6
    f[band >= 17] = 1.6
    return f


def _hospital(rng, cal, pop, scale) -> dict:
    parts = []
    for method, cause, bands, grad, sexf, rate, season, trend, spring, rest, pdie in HOSPITAL_STREAMS:
        lam = _expected(cal, pop, bands, grad, sexf, rate, np.ones(len(bands)), season,
                        _trend(trend, cal.fys), _covid(cal, spring, rest), scale)
        rec = _expand(rng, cal, _draw(rng, cal, lam), bands)
        n = len(rec["age"])
        rec["method"] = np.full(n, method, dtype=object)
        rec["cause"] = np.full(n, cause, dtype=object)
        p = np.clip(pdie * _death_factor(rec["band"]), 0, 0.5)
        rec["died"] = (rng.random(n) < p).astype(np.int64)
        parts.append(rec)
    return _concat(parts)


# Care home admissions ------------------------------------------------------
CARE_TREND = {2012: 1.02, 2013: 1.00, 2014: 0.965, 2015: 0.925, 2016: 0.93,
              2017: 0.92, 2018: 0.925, 2019: 0.92, 2020: 0.91, 2021: 0.92,
              2022: 0.925, 2023: 0.92, 2024: 0.915}
CARE_OLD_GRAD = np.array([100, 200, 500, 1100, 2200, 3800.])
WORKING = list(range(3, B65))  # 15-19 .. 60-64, 15-19 counted as 2/5 (ages 18-19)
WORKING_DENOM = np.array([0.4] + [1.0] * 9)
REASONS = np.array(["carer_breakdown", "hospital_discharge", "community", "other"], dtype=object)
# permanent, bands, gradient, crude rate, trend, covid spring, reason probabilities
CARE_STREAMS = [
    (1, OLD, CARE_OLD_GRAD, 650.0, CARE_TREND, 0.70, [0.12, 0.38, 0.40, 0.10]),
    (0, OLD, CARE_OLD_GRAD, 260.0, FLAT, 0.60, [0.25, 0.45, 0.20, 0.10]),
    (1, WORKING, np.array([0.5, 0.6, .7, .8, .9, 1.0, 1.1, 1.2, 1.4, 1.6]), 14.0, FLAT, 0.70, [0.20, 0.25, 0.45, 0.10]),
    (0, WORKING, np.array([0.5, 0.6, .7, .8, .9, 1.0, 1.1, 1.2, 1.4, 1.6]), 6.0, FLAT, 0.60, [0.35, 0.30, 0.25, 0.10]),
]


def _care_homes(rng, cal, pop, scale) -> dict:
    parts = []
    for permanent, bands, grad, rate, trend, spring, reason_p in CARE_STREAMS:
        denom = WORKING_DENOM if bands is WORKING else np.ones(len(bands))
        lam = _expected(cal, pop, bands, grad, np.ones(2), rate, denom, _season(1.08),
                        _trend(trend, cal.fys), _covid(cal, spring), scale)
        rec = _expand(rng, cal, _draw(rng, cal, lam), bands, min_age=18)
        n = len(rec["age"])
        rec["permanent"] = np.full(n, permanent, dtype=np.int64)
        p_nursing = np.where(rec["band"] >= 17, 0.45, np.where(rec["band"] >= 15, 0.38, 0.28))
        if bands is WORKING:
            p_nursing = np.full(n, 0.25)
        rec["setting"] = np.where(rng.random(n) < p_nursing, "nursing", "residential").astype(object)
        rec["reason"] = REASONS[rng.choice(4, size=n, p=reason_p)]
        parts.append(rec)
    return _concat(parts)


# Dementia register ---------------------------------------------------------
PRACTICES_PER_DISTRICT = [7, 14, 11, 13, 15]
DEMENTIA_PREVALENCE = np.array([0.017, 0.030, 0.060, 0.110, 0.180, 0.320])
# County diagnosis rate (%) knots: (year, month) -> rate; linear in between.
DIAGNOSIS_KNOTS = [
    ((2012, 4), 40.0), ((2013, 10), 42.0), ((2014, 10), 50.0), ((2015, 10), 58.5),
    ((2016, 4), 61.5), ((2017, 3), 63.2), ((2018, 3), 63.8), ((2020, 2), 64.2),
    ((2020, 6), 60.3), ((2021, 3), 59.9), ((2021, 10), 61.2), ((2022, 10), 62.6),
    ((2024, 3), 63.6), ((2025, 3), 63.9),
]


def _dementia(rng, cal, pop) -> dict:
    codes = rng.choice(np.arange(1, 1000), size=sum(PRACTICES_PER_DISTRICT), replace=False)
    codes.sort()
    practice_codes = [f"M84{c:03d}" for c in codes.tolist()]
    district_of = np.repeat(np.arange(5), PRACTICES_PER_DISTRICT)
    n_p = len(practice_codes)

    # district estimated prevalence by financial year, placed at October and
    # interpolated monthly
    est_fy = (pop[:, :, OLD, :].sum(axis=3) * DEMENTIA_PREVALENCE[None, None, :]).sum(axis=2)  # [fy, d]
    t_fy = cal.fys + 0.5 + 0.25 / 12  # mid-October of the FY
    est_m = np.stack([np.interp(cal.t, t_fy, est_fy[:, d]) for d in range(5)], axis=1)  # [m, d]

    # practice shares of the district (list size x age mix)
    share = np.empty(n_p)
    for d in range(5):
        sel = district_of == d
        w = rng.dirichlet(np.full(sel.sum(), 4.0)) * rng.lognormal(0.0, 0.08, sel.sum())
        share[sel] = w / w.sum()
    drift = rng.normal(0.0, 0.004, n_p)  # slow change in each practice's share
    years = cal.t - cal.t[0]
    share_m = share[None, :] * np.exp(drift[None, :] * years[:, None])
    for d in range(5):
        sel = district_of == d
        share_m[:, sel] /= share_m[:, sel].sum(axis=1, keepdims=True)
    est = np.round(est_m[:, district_of] * share_m).astype(np.int64)  # [m, p]

    # diagnosis rates: county curve + fixed practice effect + AR(1) noise,
    # centred each month on the county curve
    kt = np.array([_month_index(y, m) for (y, m), _ in DIAGNOSIS_KNOTS])
    kv = np.array([v for _, v in DIAGNOSIS_KNOTS]) / 100.0
    county = np.interp(cal.t, kt, kv)
    offset = rng.normal(0.0, 0.07, n_p)
    ar = np.zeros((cal.n, n_p))
    eps = rng.normal(0.0, 0.008, (cal.n, n_p))
    ar[0] = eps[0]
    for i in range(1, cal.n):
        ar[i] = 0.85 * ar[i - 1] + eps[i]
    dev = offset[None, :] + ar
    w = est / np.maximum(est.sum(axis=1, keepdims=True), 1)
    dev -= (dev * w).sum(axis=1, keepdims=True)
    rate = np.clip(county[:, None] + dev, 0.15, 0.98)
    registered = np.round(est * rate).astype(np.int64)

    mi, pi = np.meshgrid(np.arange(cal.n), np.arange(n_p), indexing="ij")
    return {
        "month": mi.ravel(), "practice": np.array(practice_codes, dtype=object)[pi.ravel()],
        "district": district_of[pi.ravel()], "registered": registered.ravel(), "est": est.ravel(),
    }


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------
def _chunks(rows: Iterator[dict], size: int = CHUNK_ROWS) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(conn, table: sa.Table, columns: list[str], data: list) -> int:
    """Insert column-wise ``data`` in batches of CHUNK_ROWS (executemany).

    DuckDB's DB-API executemany runs row by row (~4,000 rows/s), so on DuckDB
    each batch is registered as a DataFrame on the same connection and copied
    with a Core ``INSERT ... SELECT`` inside the same transaction. SQLite gets
    tuples straight to its driver (``_insert_sqlite``).
    """
    if conn.dialect.name == "duckdb":
        return _insert_duckdb(conn, table, columns, data)
    if conn.dialect.name == "sqlite":
        return _insert_sqlite(conn, table, columns, data)
    return _insert_rows(conn, table, columns, data)


def _insert_rows(conn, table: sa.Table, columns: list[str], data: list) -> int:
    """Any other database (PostgreSQL): rows as dicts through SQLAlchemy's executemany."""
    n = 0
    stmt = table.insert()
    for batch in _chunks(dict(zip(columns, vals)) for vals in zip(*data)):
        conn.execute(stmt, batch)
        n += len(batch)
    return n


def _insert_sqlite(conn, table: sa.Table, columns: list[str], data: list) -> int:
    """On SQLite, rows handed to the driver as tuples, each column's values made what SQLAlchemy would bind
    (dates as ISO text) once per column: SQLAlchemy's per-row handling of each row's parameters was most of a
    full build (400,000 admissions). The same rows and values as the generic path; same transaction."""
    prepare = conn.dialect.identifier_preparer
    processors = [table.c[c].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for c in columns]
    cols = [list(map(p, v)) if p else v for p, v in zip(processors, data)]
    sql = (f"INSERT INTO {prepare.format_table(table)} ({', '.join(prepare.quote(c) for c in columns)}) "
           f"VALUES ({', '.join('?' * len(columns))})")
    rows = list(zip(*cols))
    for i in range(0, len(rows), CHUNK_ROWS):
        conn.exec_driver_sql(sql, rows[i:i + CHUNK_ROWS])
    return len(rows)


def _insert_duckdb(conn, table: sa.Table, columns: list[str], data: list) -> int:
    import pandas as pd

    duck = conn.connection.driver_connection
    view = f"_sample_data_{table.name}"
    stmt = table.insert().from_select(
        columns, sa.select(*(sa.column(c) for c in columns)).select_from(sa.table(view)))
    cols = [list(c) for c in data]
    n = len(cols[0]) if cols else 0
    for i in range(0, n, CHUNK_ROWS * 10):
        frame = pd.DataFrame({c: v[i:i + CHUNK_ROWS * 10] for c, v in zip(columns, cols)})
        duck.register(view, frame)
        try:
            conn.execute(stmt)
        finally:
            duck.unregister(view)
    return n


def _sorted(rec: dict, rng) -> dict:
    order = np.lexsort((rng.random(len(rec["ord"])), rec["district"], rec["ord"]))
    return {k: v[order] for k, v in rec.items()}


def build(url: str, *, start: str = DEFAULT_START, end: str = DEFAULT_END,
          seed: int = DEFAULT_SEED, scale: float = 1.0) -> dict[str, int]:
    """(Re)build the sample tables at ``url``; returns row counts per table.

    Drops and recreates only the tables defined here (see ``TABLES``); all
    writes happen in one transaction.
    """
    cal = _Calendar(start, end)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    try:
        scale = float(scale)
    except (TypeError, ValueError):
        raise ValueError(f"scale must be a number, got {scale!r}") from None
    if not (0.0 < scale <= 10.0):
        raise ValueError(f"scale must be > 0 and <= 10, got {scale}")

    rng = np.random.default_rng(int(seed))
    pop = _population(cal.fys)  # [fy, d, b, s]
    hosp = _sorted(_hospital(rng, cal, pop, scale), rng)
    care = _sorted(_care_homes(rng, cal, pop, scale), rng)
    dem = _dementia(rng, cal, pop)

    codes = np.array(DISTRICT_CODES, dtype=object)
    bands = np.array(AGE_BANDS, dtype=object)
    sexes = np.array(SEXES, dtype=object)

    engine = sa.create_engine(url)
    counts: dict[str, int] = {}
    try:
        with engine.begin() as conn:
            metadata.drop_all(conn, checkfirst=True)
            metadata.create_all(conn)

            counts["areas"] = _insert(conn, areas, ["area_code", "area_name", "area_type"],
                                      [list(c) for c in zip(*AREAS)])

            fy_i, d_i, b_i, s_i = np.meshgrid(*(np.arange(n) for n in pop.shape), indexing="ij")
            counts["population"] = _insert(
                conn, population, ["year_start", "area_code", "age_band", "sex", "persons"],
                [[dt.date(int(cal.fys[i]), 4, 1) for i in fy_i.ravel().tolist()],
                 codes[d_i.ravel()].tolist(), bands[b_i.ravel()].tolist(),
                 sexes[s_i.ravel()].tolist(), pop.ravel().astype(np.int64).tolist()])

            n = len(hosp["ord"])
            counts["hospital_admissions"] = _insert(
                conn, hospital_admissions,
                ["admission_id", "admission_date", "area_code", "age", "age_band", "sex",
                 "admission_method", "cause", "died_in_hospital"],
                [range(1, n + 1), cal.to_dates(hosp["ord"]), codes[hosp["district"]].tolist(),
                 hosp["age"].tolist(), bands[hosp["band"]].tolist(), sexes[hosp["sex"]].tolist(),
                 hosp["method"].tolist(), hosp["cause"].tolist(), hosp["died"].tolist()])

            counts["dementia_register"] = _insert(
                conn, dementia_register,
                ["month", "practice_code", "area_code", "registered_65plus",
                 "estimated_prevalence_65plus"],
                [[cal.first[i] for i in dem["month"].tolist()], dem["practice"].tolist(),
                 codes[dem["district"]].tolist(), dem["registered"].tolist(), dem["est"].tolist()])

            n = len(care["ord"])
            counts["care_home_admissions"] = _insert(
                conn, care_home_admissions,
                ["admission_id", "admission_date", "area_code", "age", "age_band", "setting",
                 "permanent", "reason"],
                [range(1, n + 1), cal.to_dates(care["ord"]), codes[care["district"]].tolist(),
                 care["age"].tolist(), bands[care["band"]].tolist(), care["setting"].tolist(),
                 care["permanent"].tolist(), care["reason"].tolist()])

            info = {
                "synthetic": "true",
                "generator": "sample_data.generate",
                "seed": str(int(seed)),
                "scale": repr(scale),
                "generated_range": cal.label,
                "description": "Synthetic sample data; not real figures",
            }
            counts["dataset_info"] = _insert(conn, dataset_info, ["key", "value"],
                                             [list(info), list(info.values())])
        if engine.dialect.name in ("sqlite", "postgresql"):
            # Planner statistics, so the covering indexes are chosen.
            with engine.begin() as conn:
                conn.execute(sa.text("ANALYZE"))
    finally:
        engine.dispose()
    return counts


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------
def _positive_scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (0.0 < value <= 10.0):
        raise argparse.ArgumentTypeError(f"must be > 0 and <= 10, got {text}")
    return value


def _month_arg(text: str) -> str:
    try:
        _parse_month(text, "month")
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a month as YYYY-MM, got {text!r}") from None
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sample_data.generate",
        description="Build the SYNTHETIC sample database (SQLite) for the outcomes dashboard.",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"SQLite file to (re)build (default: {DEFAULT_OUT.relative_to(PROJECT_ROOT)} "
                             "in the project root)")
    parser.add_argument("--scale", type=_positive_scale, default=1.0,
                        help="multiplier for record-level volumes (default 1.0)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default 42)")
    parser.add_argument("--start", type=_month_arg, default=DEFAULT_START, help="first month, YYYY-MM")
    parser.add_argument("--end", type=_month_arg, default=DEFAULT_END, help="last month, YYYY-MM")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error("--seed must be a non-negative integer")

    out = args.out.expanduser()
    if out.exists() and out.is_dir():
        parser.error(f"--out is a directory: {out}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        parser.error(f"cannot create the directory for --out: {exc}")

    t0 = time.perf_counter()
    try:
        counts = build(f"sqlite:///{out.resolve()}", start=args.start, end=args.end,
                       seed=args.seed, scale=args.scale)
    except ValueError as exc:
        parser.error(str(exc))
    except sa.exc.SQLAlchemyError as exc:
        parser.exit(1, f"{parser.prog}: error: could not build {out}: {exc.orig or exc}\n")
    seconds = time.perf_counter() - t0
    summary = " ".join(f"{k}={v}" for k, v in counts.items())
    print(f"built {out} (synthetic, seed {args.seed}, scale {args.scale:g}): {summary} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
