"""The whole Fingertips extract through the all-or-nothing ingest: its indicator lookup, rows the
extract repeats (loaded once and reported), indicators it cannot hold correctly (not loaded, and
reported with the reason), calendar-year periods, and Lancashire's alcohol intention evidenced."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from datasources.ingest import IngestError, ingest
from datasources.ingest_spec import IngestSpec
from metrics.definitions.loader import load_config

PROJECT = Path(__file__).resolve().parent.parent
EXTRACT = PROJECT / "sample_data" / "real" / "fingertips_healthdata_north_west_2018-2024.csv"
CONFIG = load_config(PROJECT / "config")
SPECS = {s.id: s for s in CONFIG.ingest}


def _count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    engine = sa.create_engine(f"sqlite:///{tmp_path_factory.mktemp('ft') / 'ft.db'}")
    notes: list[str] = []
    ingest(engine, [SPECS["fingertips_indicators"], SPECS["fingertips_healthdata"]], PROJECT, notes=notes)
    yield engine, notes
    engine.dispose()


def test_every_row_is_loaded_once_or_reported(loaded) -> None:
    engine, notes = loaded
    with EXTRACT.open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    dropped = sum(1 for r in rows if r["IndicatorId"] in {"91040", "91344", "94063", "352", "383", "90453"})
    kept = [r for r in rows if r["IndicatorId"] not in {"91040", "91344", "94063", "352", "383", "90453"}]
    distinct = {tuple(r.values()) for r in kept}
    loaded_rows = _count(engine, "SELECT count(*) FROM fingertips_healthdata")
    assert loaded_rows == len(distinct) == 38_804
    [repeats] = [n for n in notes if "repeat an earlier row" in n]
    assert f"{len(kept) - len(distinct)} row(s)" in repeats and EXTRACT.name in repeats
    dropped_notes = [n for n in notes if "not loaded" in n]
    assert sum(int(n.split(": ", 1)[1].split(" ")[0]) for n in dropped_notes) == dropped
    assert any("[91040]" in n and "no quarter column" in n for n in dropped_notes)


def test_the_lookup_gives_each_indicator_its_polarity_and_period_type(loaded) -> None:
    engine, _ = loaded
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT name, polarity, value_type, period_type FROM fingertips_indicators "
                                   "WHERE indicator_id = 93763")).one()
    assert tuple(row) == ("Alcohol-related mortality", "Low is good", "Directly standardised rate", "Calendar")
    assert _count(engine, "SELECT count(*) FROM fingertips_indicators") == 37


def test_a_year_is_stored_as_both_period_starts(loaded) -> None:
    engine, _ = loaded
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT year, calendar_year_start, financial_year_start FROM fingertips_healthdata "
                                   "WHERE indicator_id = 93763 AND area_code = 'E10000017' AND year = 2023 "
                                   "AND sex = 'Persons'")).one()
    assert tuple(map(str, row)) == ("2023", "2023-01-01", "2023-04-01")


def _spec(tmp_path: Path, lines: list[str], **extra) -> tuple[IngestSpec, Path]:
    path = tmp_path / "rows.csv"
    path.write_text("\n".join(["code,year,value"] + lines) + "\n", encoding="utf-8")
    spec = IngestSpec(id="t", files=(str(path),), format="csv", table="t", key=("code", "year"),
                      columns=({"name": "code", "header": "code", "type": "integer"},
                               {"name": "year", "header": "year", "type": "calendar_year"},
                               {"name": "value", "header": "value", "type": "number"}), **extra)
    return spec, path


def test_a_repeat_at_another_rounding_is_loaded_once(tmp_path) -> None:
    spec, _ = _spec(tmp_path, ["1,2023,20.0558045901172", "1,2023,20.0558", "2,2023,5", "2,2023,5"],
                    repeated_rows="once")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    notes: list[str] = []
    ingest(engine, [spec], tmp_path, notes=notes)
    assert _count(engine, "SELECT count(*) FROM t") == 2
    assert _count(engine, "SELECT count(*) FROM t WHERE value = 20.0558045901172") == 1  # the first, more precise
    assert notes == ["rows.csv: 2 row(s) repeat an earlier row with the same figures (exactly, or at another "
                     "rounding) and were loaded once: rows 3, 5"]


@pytest.mark.parametrize("policy", ["once", "refuse"])
def test_a_repeat_with_other_figures_stops_the_ingest_with_file_and_row(tmp_path, policy) -> None:
    spec, _ = _spec(tmp_path, ["1,2023,0.4344", "1,2023,0.45"], repeated_rows=policy)
    with pytest.raises(IngestError) as err:
        ingest(sa.create_engine(f"sqlite:///{tmp_path / 'r.db'}"), [spec], tmp_path)
    assert "rows.csv, row 3: duplicate row for" in str(err.value) and "(first at row 2)" in str(err.value)
    assert ("with different figures" in str(err.value)) == (policy == "once")


def test_dropped_rows_are_reported_with_the_reason(tmp_path) -> None:
    spec, _ = _spec(tmp_path, ["1,2023,1", "7,2023,2", "7,2024,3"],
                    drop_rows=({"column": "code", "values": (7,), "reason": "no quarter column"},))
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    notes: list[str] = []
    ingest(engine, [spec], tmp_path, notes=notes)
    assert _count(engine, "SELECT count(*) FROM t") == 1
    assert notes == ["rows.csv: 2 row(s) with code in [7] not loaded: no quarter column (rows 3, 4)"]


def test_drop_rows_must_name_a_declared_column(tmp_path) -> None:
    with pytest.raises(ValueError, match="drop_rows column 'nope' is not among the declared columns"):
        _spec(tmp_path, ["1,2023,1"], drop_rows=({"column": "nope", "values": (1,), "reason": "r"},))


def test_lancashire_alcohol_related_deaths_are_added_context_by_calendar_year(service) -> None:
    framework = service.framework("lancashire")
    # intention 6 names alcohol-related A&E attendances and admissions, not deaths (issue 23)
    assert framework.intention("lcc-06-alcohol-outreach").metrics == ()
    assert "lancs_alcohol_related_mortality" in framework.intention("lcc-added-context").metrics
    evaluation = service.evaluate_metric("lancs_alcohol_related_mortality", "2025-03")
    # as published: Lancashire 46.7 (43.1 to 50.6) per 100,000 in 2023; England 40.7
    assert (evaluation.period, evaluation.period_label) == ("2023-12", "2023")
    assert round(evaluation.value, 1) == 46.7 and round(evaluation.ci_lower, 1) == 43.1
    assert evaluation.target_value is None and "no target is set" in evaluation.status_reason
    [england] = evaluation.insights.benchmarks
    assert england.comparator == "England" and round(england.comparator_value, 1) == 40.7
    assert str(england.verdict) == "worse"
    # judged in 2023 (not yet December): the latest full year is 2022
    assert service.evaluate_metric("lancs_alcohol_related_mortality", "2023-06").period_label == "2022"
