"""Seeded record-level data at scale in DuckDB, for the benchmarks (never for tests).

``rows`` hospital admissions over 150 areas and 13 financial years (April 2012 to March 2025), with
the columns the falls metric reads, and a population table by financial year, area and age band.
Every value is a hash of the row number and the seed, so the same seed gives the same database on
any machine and with any number of threads (DuckDB's ``random()`` is not reproducible in parallel).
"""

from __future__ import annotations

from pathlib import Path

AREAS = 150
FIRST_YEAR, YEARS = 2012, 13
DAYS = 4748  # 2012-04-01 to 2025-03-31
AGE_BANDS = ["0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54",
             "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+"]


def build_duckdb(path: Path, rows: int, seed: int = 42) -> Path:
    """Write the database at ``path`` (replacing it) and return the path."""
    import duckdb

    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        # h(k): a deterministic pseudo-random 0..2^64 for row i and stream k.
        con.execute(f"""
            CREATE TABLE hospital_admissions AS
            SELECT i AS admission_id,
                   DATE '2012-04-01' + CAST(hash(i, {seed}, 1) % {DAYS} AS INTEGER) AS admission_date,
                   'A' || lpad(CAST(hash(i, {seed}, 2) % {AREAS} AS VARCHAR), 3, '0') AS area_code,
                   CAST(hash(i, {seed}, 3) % 100 AS INTEGER) AS age,
                   CASE WHEN hash(i, {seed}, 4) % 2 = 0 THEN 'F' ELSE 'M' END AS sex,
                   CASE WHEN hash(i, {seed}, 5) % 10 < 7 THEN 'emergency' ELSE 'elective' END AS admission_method,
                   ['falls', 'cardiovascular', 'respiratory', 'dementia', 'other'][
                       CAST(hash(i, {seed}, 6) % 5 AS INTEGER) + 1] AS cause,
                   CAST(hash(i, {seed}, 7) % 20 = 0 AS INTEGER) AS died_in_hospital
            FROM range({rows}) t(i)
        """)
        bands = ", ".join(f"('{b}')" for b in AGE_BANDS)
        con.execute(f"""
            CREATE TABLE population AS
            SELECT make_date({FIRST_YEAR} + y, 4, 1) AS year_start,
                   'A' || lpad(CAST(a AS VARCHAR), 3, '0') AS area_code, band AS age_band, sex,
                   CAST(4000 + hash(y, a, band, sex, {seed}) % 2000 AS INTEGER) AS persons
            FROM range({YEARS}) ys(y), range({AREAS}) aa(a), (VALUES {bands}) b(band), (VALUES ('F'), ('M')) s(sex)
        """)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path
