"""ASCOF across its 2023-24 renumbering: one series per measure, joined through the measure map
(sample_data/real/ascof_measure_map.csv), tested on rows copied from the published trend file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from datasources.ingest import IngestError, ingest
from datasources.measure_map import load_measure_map
from metrics.definitions.loader import load_config

PROJECT = Path(__file__).resolve().parent.parent
TREND = PROJECT / "sample_data" / "real" / "ascof_trend_data_all_councils_2017-18_to_2023-24.csv"
MAP = PROJECT / "sample_data" / "real" / "ascof_measure_map.csv"
WARWICKSHIRE, LANCASHIRE = "E10000031", "E10000017"
CONFIG = load_config(PROJECT / "config")
SPEC = next(s for s in CONFIG.ingest if s.id == "ascof_trend")
NATIONAL = sorted(m.id for m in CONFIG.metrics.values() if getattr(m.binding, "table", None) == "ascof_trend")


def _real_rows(path: Path, councils=(WARWICKSHIRE, LANCASHIRE)) -> Path:
    """The published rows of two councils, header and all, unchanged."""
    with TREND.open(newline="", encoding="utf-8-sig") as src, path.open("w", newline="") as out:
        reader = csv.reader(src)
        writer = csv.writer(out)
        writer.writerow(next(reader))
        writer.writerows(r for r in reader if r[2] in councils)
    return path


def _load(tmp_path: Path, spec=SPEC, notes=None) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'ascof.db'}")
    ingest(engine, [spec], PROJECT, {"ascof_trend": [_real_rows(tmp_path / "two_councils.csv")]}, notes=notes)
    return engine


def _series(engine, measure: str, area: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT substr(year_start, 1, 4), ascof_code, value, series_break FROM ascof_trend "
            "WHERE measure_id = :m AND ons_code = :a ORDER BY year_start"), {"m": measure, "a": area})]


def _with_map(tmp_path: Path, edit) -> object:
    rows = list(csv.DictReader(MAP.open(encoding="utf-8")))
    rows = edit(rows)
    path = tmp_path / "map.csv"
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return SPEC.model_copy(update={"measure_map": SPEC.measure_map.model_copy(update={"file": str(path)})})


def test_renumbered_measures_are_one_series_with_the_break_marked(tmp_path):
    engine = _load(tmp_path)
    ld_home = _series(engine, "ascof_ld_own_home", WARWICKSHIRE)
    assert [r[0] for r in ld_home] == ["2017", "2018", "2019", "2020", "2021", "2022", "2023"]
    # as published: Warwickshire 1G 2022-23 73.4%, 2E 2023-24 70.9%
    assert ld_home[-2:] == [("2022", "1G", 73.4, None), ("2023", "2E", 70.9, "renumbered 1G -> 2E from 2023-24")]
    for measure, old, new in [("ascof_dp_people", "1C2A", "3D2A"), ("ascof_control_daily_life", "1B", "3A"),
                              ("ascof_reablement_91_days", "2B1", "2D1"), ("ascof_carer_qol", "1D", "1C")]:
        codes = [r[1] for r in _series(engine, measure, LANCASHIRE)]
        assert codes[0] == old and codes[-1] == new, (measure, codes)
        assert codes.count(new) == 1


def test_a_reused_code_is_not_joined_to_the_measure_it_meant_before(tmp_path):
    engine = _load(tmp_path)
    employment = _series(engine, "ascof_ld_employment", WARWICKSHIRE)
    assert [r[1] for r in employment] == ["1E"] * 6 and employment[-1][0] == "2022"   # ends 2022-23
    with engine.connect() as conn:
        meaning = conn.execute(sa.text("SELECT measure_id FROM ascof_trend WHERE ascof_code = '1E' "
                                       "AND year_start LIKE '2023%' AND ons_code = :a"), {"a": WARWICKSHIRE}).scalar()
    assert meaning == "ascof_satisfaction_carers"


def test_rows_mislabelled_at_source_are_kept_under_their_code_and_reported(tmp_path):
    notes: list[str] = []
    engine = _load(tmp_path, notes=notes)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT description, measure_id, value, quality_note FROM ascof_trend "
                                   "WHERE ascof_code = '1C2B' AND year_start LIKE '2019%' AND ons_code = :a"),
                           {"a": WARWICKSHIRE}).one()
    assert row.description == "Proportion of people using social care who receive direct payments"
    assert row.measure_id == "ascof_dp_carers" and "kept under its code" in row.quality_note
    assert any("1C2B 2019-20" in n and "two_councils.csv, row" in n for n in notes)
    assert any("2A1 2017-18 published without a description" in n for n in notes)


def test_mapping_a_code_through_the_year_it_means_something_else_stops_the_ingest(tmp_path):
    def extend_1e(rows):
        for r in rows:
            if r["code"] == "1E" and r["measure_id"] == "ascof_ld_employment":
                r["last_year"] = "2023-24"
        return [r for r in rows if not (r["code"] == "1E" and r["measure_id"] == "ascof_satisfaction_carers")]

    with pytest.raises(IngestError) as err:
        _load(tmp_path, _with_map(tmp_path, extend_1e))
    text = str(err.value)
    assert "two_councils.csv, row" in text and "1E 2023-24 is described 'Overall satisfaction of carers" in text
    assert "Nothing was loaded" in text
    assert not sa.inspect(sa.create_engine(f"sqlite:///{tmp_path / 'ascof.db'}")).has_table("ascof_trend")


def test_one_code_mapped_to_two_measures_in_a_year_is_refused(tmp_path):
    spec = _with_map(tmp_path, lambda rows: rows + [dict(rows[0], measure_id="ascof_other")])
    mapping, problems = load_measure_map(spec.measure_map, PROJECT)
    assert mapping is None
    assert any("1A in 2017-18 is already mapped to ascof_scrqol" in p for p in problems)


def test_the_sample_database_holds_the_whole_trend_file_every_row_mapped(sample_db):
    engine = sa.create_engine(f"sqlite:///{sample_db}")
    with engine.connect() as conn:
        total, mapped, breaks = conn.execute(sa.text(
            "SELECT count(*), count(measure_id), count(DISTINCT series_break) FROM ascof_trend")).one()
    assert total == sum(1 for _ in TREND.open(encoding="utf-8-sig")) - 1 == 26498
    assert mapped == total
    assert breaks == 20  # one per renumbered measure (the map's code changes)


#: National measures whose council's document itself states a target (issue 23): Lancashire intention 7,
#: "Anyone requiring and eligible for long term social care support will have a personal budget".
DOCUMENT_TARGETS = {"lancs_ascof_sds_people"}


def test_there_is_one_template_per_measure_family_and_no_invented_target():
    assert len(NATIONAL) == 47
    for metric_id in NATIONAL:
        metric = CONFIG.metrics[metric_id]
        if metric_id in DOCUMENT_TARGETS:  # the figure is the document's; what it does not say is marked assumed
            assert metric.target is not None and metric.target.provenance.value.source == "document", metric_id
            continue
        assert metric.target is None, metric_id
        assert [c.label for c in metric.binding.comparators] == ["England", metric.binding.comparators[1].label]
        assert metric.binding.comparators[0].area == "E92000001"
        assert metric.binding.comparators[1].area.startswith("E12")


@pytest.mark.parametrize("metric_id", NATIONAL)
def test_every_national_metric_evaluates_on_the_sample_data(service, metric_id):
    evaluation = service.evaluate_metric(metric_id, "2025-03")
    assert evaluation.value is not None, evaluation.status_reason
    if metric_id not in DOCUMENT_TARGETS:  # a value and no target: monitored, never "no data"
        assert evaluation.status == "monitored" and "no target is set" in evaluation.status_reason
    ended = CONFIG.metrics[metric_id].binding.filters[0].value in (
        "ascof_ld_employment", "ascof_mh_employment", "ascof_mh_independent")
    assert str(evaluation.period)[:7] == ("2023-03" if ended else "2024-03")
    comparators = service.comparator_series(metric_id)
    assert set(comparators) == {c.label for c in CONFIG.metrics[metric_id].binding.comparators}
    assert all(len(frame) >= 3 for frame in comparators.values())  # the carers survey: three years
