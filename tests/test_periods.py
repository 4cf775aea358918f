"""Reporting periods in Python and in SQL: months, UK financial quarters and years."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Date, Column, MetaData, Table, create_engine, insert, select

from datasources.sql_periods import period_start
from metrics.periods import parse_month, period_key, period_label, period_start_of

DAYS = [date(2024, 1, 31), date(2024, 3, 15), date(2024, 4, 1), date(2024, 6, 30), date(2024, 12, 31),
        date(2025, 2, 28)]


@pytest.mark.parametrize("day, monthly, quarterly, annual", [
    (date(2024, 1, 31), date(2024, 1, 1), date(2024, 1, 1), date(2023, 4, 1)),
    (date(2024, 3, 15), date(2024, 3, 1), date(2024, 1, 1), date(2023, 4, 1)),
    (date(2024, 4, 1), date(2024, 4, 1), date(2024, 4, 1), date(2024, 4, 1)),
    (date(2024, 6, 30), date(2024, 6, 1), date(2024, 4, 1), date(2024, 4, 1)),
    (date(2024, 12, 31), date(2024, 12, 1), date(2024, 10, 1), date(2024, 4, 1)),
])
def test_period_start_in_python(day: date, monthly: date, quarterly: date, annual: date) -> None:
    assert period_start_of(day, "monthly") == monthly
    assert period_start_of(day, "quarterly") == quarterly
    assert period_start_of(day, "annual") == annual
    assert period_start_of(day, "calendar_year") == date(day.year, 1, 1)


def test_labels_and_keys() -> None:
    assert period_label(date(2024, 1, 1), "quarterly") == "Q4 2023/24"
    assert period_label(date(2023, 4, 1), "annual") == "2023/24"
    assert period_label(date(2024, 3, 1), "monthly") == "Mar 2024"
    assert period_key(date(2023, 4, 1), "annual") == "2024-03"
    assert period_key(date(2024, 1, 1), "quarterly") == "2024-03"
    # Fingertips publishes mortality by calendar year: named by December, labelled by the year alone
    assert period_label(date(2023, 1, 1), "calendar_year") == "2023"
    assert period_key(date(2023, 1, 1), "calendar_year") == "2023-12"


@pytest.mark.parametrize("written, month", [
    ("January 2024", date(2024, 1, 1)), ("Jan 2024", date(2024, 1, 1)), ("Sept. 2023", None),
    ("sep 2023", date(2023, 9, 1)), ("2024-03-31", date(2024, 3, 1)), ("Smarch 2024", None),
    ("2024-13", None), ("2024-02-30", None),
])
def test_month_names_as_published_files_write_them(written: str, month: date | None) -> None:
    # Published workbooks name months in words; config and the command line do not.
    if month is None:
        with pytest.raises(ValueError, match=f"'{written}'"):
            parse_month(written, names=True)
    else:
        assert parse_month(written, names=True) == month
        if not written[0].isdigit():
            with pytest.raises(ValueError, match="YYYY-MM"):
                parse_month(written)


def test_parse_month_rejects_with_the_expected_form() -> None:
    assert parse_month("2024-03") == date(2024, 3, 1)
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month("03/2024")
    with pytest.raises(ValueError, match="months run from 01 to 12"):
        parse_month("2024-13")


def sql_buckets(url: str) -> dict[str, list[date]]:
    engine = create_engine(url)
    meta = MetaData()
    days = Table("days", meta, Column("d", Date))
    meta.drop_all(engine)
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(days), [{"d": d} for d in DAYS])
    out = {}
    with engine.connect() as conn:
        for frequency in ("monthly", "quarterly", "annual", "calendar_year"):
            rows = conn.execute(select(period_start(days.c.d, frequency)).order_by(days.c.d)).scalars().all()
            out[frequency] = [r if isinstance(r, date) else date.fromisoformat(str(r)) for r in rows]
    engine.dispose()
    return out


def expected() -> dict[str, list[date]]:
    return {f: [period_start_of(d, f) for d in DAYS] for f in ("monthly", "quarterly", "annual", "calendar_year")}


def test_sql_period_start_sqlite(tmp_path) -> None:
    assert sql_buckets(f"sqlite:///{tmp_path}/p.db") == expected()


def test_sql_period_start_duckdb(tmp_path) -> None:
    assert sql_buckets(f"duckdb:///{tmp_path}/p.duckdb") == expected()


@pytest.mark.postgres
def test_sql_period_start_postgresql(postgres_url: str) -> None:
    assert sql_buckets(postgres_url) == expected()
