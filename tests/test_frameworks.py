"""The five councils' frameworks: listed, valid, evaluated, and equal to the published figures.

Published values are read here straight from the files copied into sample_data/real (the
workbooks with openpyxl, the CSVs with csv), independently of the ingestion code, and
compared with what `outcomes evaluate` reports.
"""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cli.main import app

PROJECT = Path(__file__).resolve().parent.parent
REAL = PROJECT / "sample_data" / "real"
FRAMEWORKS = {"lancashire", "warwickshire", "wigan", "cornwall", "lewisham"}
STATUSES = {"achieved", "on_track", "at_risk", "off_track", "not_started", "monitored", "no_data"}  # DESIGN.md
runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def ingested(sample_db):
    """The sample database with the published files loaded (as `make sample` does)."""
    engine = sa.create_engine(f"sqlite:///{sample_db}")
    if not sa.inspect(engine).has_table("pcdd_dementia_65plus"):
        result = runner.invoke(app, ["ingest"])
        assert result.exit_code == 0, result.output
    engine.dispose()
    return sample_db


@lru_cache(maxsize=None)
def evaluate(framework: str, period: str) -> dict:
    result = runner.invoke(app, ["evaluate", "--framework", framework, "--period", period, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def metric(payload: dict, metric_id: str) -> dict:
    return next(m for m in payload["metrics"] if m["metric_id"] == metric_id)


def pcdd(month: str, org_type: str, ons: str) -> tuple[float, int, float]:
    """(rate, recorded, estimated) from Table 4 of the month's workbook."""
    book = openpyxl.load_workbook(REAL / "nhs_pcdd_workbooks" / f"pcdd-summary-{month}.xlsx", read_only=True,
                                  data_only=True)
    for row in book["Table 4"].iter_rows(min_row=11, values_only=True):
        if row[0] == org_type and row[2] == ons:
            return row[6], row[4], row[5]
    raise AssertionError(f"{ons} not in {month}")


def ascof(year: str, ons: str, age: str) -> float:
    with (REAL / "ascof_care_home_admissions_per100k_2017-18_to_2023-24.csv").open() as f:
        for r in csv.DictReader(f):
            if r["year"] == year and r["ons_code"] == ons and r["age_group"] == age:
                return float(r["rate_per_100k"])
    raise AssertionError((year, ons, age))


def fingertips(year: int, area: str) -> dict:
    with (REAL / "fingertips_falls_65plus_22401.csv").open(encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            if r["Year"] == str(year) and r["AreaCode"] == area and r["Sex"] == "Persons":
                return r
    raise AssertionError((year, area))


def test_frameworks_lists_the_five_councils():
    result = runner.invoke(app, ["frameworks", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert set(rows) >= FRAMEWORKS
    assert rows["lancashire"]["intentions"] == 17     # the document's 16, and one of added context (falls)
    assert rows["wigan"]["intentions"] == 36          # IH1 .. PD3, one per coded outcome; PD1 is "As ECC4": one
    assert rows["warwickshire"]["intentions"] == 81   # 13 + 19 + 21 + 22 + 5 numbered intentions + the savings programme
    assert rows["cornwall"]["intentions"] == 5          # the four intention areas, and one of added context
    assert all(rows[f]["metrics"] > 0 for f in FRAMEWORKS)


def test_check_is_clean():
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    assert "config OK: " in result.output


def test_wigan_every_coded_outcome_has_an_indicator(service):
    fw = service.framework("wigan")
    codes = {s.code for o in fw.outcomes for s in o.sub_outcomes}
    assert len(codes) == 37 and {"IH1", "IH9", "IQL6", "MPC4", "ECC6", "FDH5", "EW4", "PD3"} <= codes
    covered = {c for i in fw.intentions if i.metrics for c in i.outcomes}
    assert codes <= covered


def test_warwickshire_numeric_targets_are_metric_targets(service):
    targets = {m: service.metric(m).target for m in service.framework("warwickshire").metric_ids()}
    expected = {"falls_admissions_65plus": ("relative_change", -20), "dementia_diagnosis_rate_65plus": ("level", 67),
                "permanent_care_home_admissions_65plus": ("relative_change", -5),
                "warks_acute_deaths_65plus": ("relative_change", -10),
                "warks_carer_breakdown_admissions": ("relative_change", -5), "warks_extra_care_units": ("count", 1500),
                "warks_out_of_county_16plus": ("count", 50), "warks_fostering_framework_share": ("level", 85),
                "warks_supported_living_rate_saving": ("level", 5), "warks_isf_saving": ("level", 2),
                "warks_waking_nights_at": ("level", 25), "warks_shared_lives_placements": ("count", 15)}
    for metric_id, (kind, value) in expected.items():
        assert (targets[metric_id].kind, targets[metric_id].value) == (kind, value), metric_id


@pytest.mark.parametrize("framework,period", [("lancashire", "2024-03"), ("warwickshire", "2025-01"),
                                              ("wigan", "2025-01"), ("cornwall", "2025-01"),
                                              ("lewisham", "2025-01"), ("wigan", "2008-03")])
def test_every_metric_with_data_has_a_status(framework, period):
    payload = evaluate(framework, period)
    assert payload["framework"] == framework and payload["period"] == period
    assert payload["metrics"]
    for m in payload["metrics"]:
        assert m["status"] in STATUSES and m["status_reason"]
        if m["value"] is not None and m["target"]["kind"] is not None:
            assert m["status"] != "no_data", (m["metric_id"], m["status_reason"])
        elif m["value"] is not None:  # a metric without a target (the document states none): monitored, never no data
            assert m["status"] == "monitored" and "no target is set" in m["status_reason"], m["metric_id"]
        if m["value"] is not None:
            assert m["status"] != "no_data", (m["metric_id"], m["status_reason"])


DEMENTIA = [  # framework, metric, org type, ONS code
    ("wigan", "wig_dementia_diagnosis_rate_65plus", "Upper Tier Local Authority", "E08000010"),
    ("cornwall", "corn_dementia_diagnosis_rate_65plus", "Upper Tier Local Authority", "E06000052"),
    ("lewisham", "lew_dementia_diagnosis_rate_65plus", "Upper Tier Local Authority", "E09000023"),
    ("warwickshire", "warks_dementia_diagnosis_cw_subicb", "SUB_ICB_LOC", "E38000251"),
]


@pytest.mark.parametrize("framework,metric_id,org_type,ons", DEMENTIA)
@pytest.mark.parametrize("period,month", [("2024-01", "January-2024"), ("2024-07", "July-2024"),
                                          ("2025-01", "January-2025")])
def test_dementia_rates_equal_the_workbooks(framework, metric_id, org_type, ons, period, month):
    rate, recorded, estimated = pcdd(month, org_type, ons)
    m = metric(evaluate(framework, period), metric_id)
    assert m["period"] == period
    assert m["value"] == pytest.approx(rate, abs=1e-9)
    assert m["numerator"] == recorded and m["denominator"] == pytest.approx(estimated)


ASCOF = [("lancashire", "lancs", "E10000017"), ("warwickshire", "warks", "E10000031"), ("wigan", "wig", "E08000010"),
         ("cornwall", "corn", "E06000052"), ("lewisham", "lew", "E09000023")]


@pytest.mark.parametrize("framework,prefix,ons", ASCOF)
@pytest.mark.parametrize("period,year", [("2018-03", "2017-18"), ("2021-03", "2020-21"), ("2024-03", "2023-24")])
def test_ascof_care_home_admissions_equal_the_published_file(framework, prefix, ons, period, year):
    payload = evaluate(framework, period)
    older = metric(payload, f"{prefix}_care_home_admissions_65plus")
    younger = metric(payload, f"{prefix}_care_home_admissions_18to64")
    assert older["period"] == period and younger["period"] == period
    assert older["value"] == pytest.approx(ascof(year, ons, "65+"))      # 2A2, or 2C from 2023-24
    assert younger["value"] == pytest.approx(ascof(year, ons, "18-64"))  # 2A1, or 2B from 2023-24


@pytest.mark.parametrize("framework,metric_id,area", [("lancashire", "lancs_falls_admissions_65plus", "E10000017"),
                                                      ("wigan", "wig_falls_admissions_65plus", "E08000010")])
@pytest.mark.parametrize("period,year", [("2019-03", 2018), ("2021-03", 2020), ("2024-03", 2023)])
def test_falls_admissions_equal_fingertips(framework, metric_id, area, period, year):
    row = fingertips(year, area)
    m = metric(evaluate(framework, period), metric_id)
    assert m["period"] == period
    assert m["value"] == pytest.approx(float(row["Value"]))
    assert m["numerator"] == pytest.approx(float(row["Count"]))
    assert m["denominator"] == pytest.approx(float(row["Denominator"]))
    assert m["ci_lower"] == pytest.approx(float(row["LowerCI"])) and m["ci_upper"] == pytest.approx(float(row["UpperCI"]))


def test_comparators_come_from_the_same_published_files(service):
    series = service.comparator_series("wig_dementia_diagnosis_rate_65plus")
    assert set(series) == {"England", "North West"}
    jan25 = series["England"][series["England"]["period"] == "2025-01"]["value"].iloc[0]
    assert jan25 == pytest.approx(pcdd("January-2025", "National", "E92000001")[0])
    ascof_cmp = service.comparator_series("lew_care_home_admissions_65plus")
    london = ascof_cmp["London"]
    assert london[london["period"] == "2024-03"]["value"].iloc[0] == pytest.approx(ascof("2023-24", "E12000007", "65+"))


def test_lewisham_individual_outcomes_by_meta_outcome_and_provider(service):
    fw = service.framework("lewisham")
    ld = fw.intention("lew-ld-meta-outcomes")
    assert len([m for m in ld.metrics if m.startswith("lew_ld_mo_")]) == 7
    obs = service.observations("lew_ld_meta_outcomes_achieved").frame
    providers = set(obs["area"]) - {"_headline"}
    assert providers == {"P01", "P02", "P03", "P04", "P05", "P06"}
    assert all(service.metric(m).source.synthetic for m in ld.metrics if m.startswith("lew_ld_"))
    # the published ASCOF measures beside them are real
    assert not any(service.metric(m).source.synthetic for m in ld.metrics if "_ascof_" in m)
    # recompute one provider's share from the person-level file: people with two or three set only
    with (PROJECT / "sample_data" / "synthetic" / "lewisham_ld_outcomes.csv").open() as f:
        rows = [r for r in csv.DictReader(f) if r["provider"] == "P03" and r["review_date"] == "2015-03-01"
                and r["outcomes_set"] in ("2", "3")]
    share = 100 * sum(int(r["achieved"]) for r in rows) / len(rows)
    at = obs[(obs["area"] == "P03") & (obs["period"] == "2015-03")]["value"].iloc[0]
    assert at == pytest.approx(share)


def test_milestones_are_counted_and_late_when_past_due(service):
    result = service.evaluate_framework("warwickshire", "2025-01")
    # dated by the document ("over the next four years", October 2013), not done: late in 2025
    shared_lives = [m for m in result.milestones if m.title.startswith("Commission a minimum of 10 Shared Lives")]
    assert shared_lives and shared_lives[0].state == "late"
    # the document gives no date for this one: to be confirmed, never late
    changing = [m for m in result.milestones if m.title == "Commission 5 Changing Places"]
    assert changing and changing[0].due is None and changing[0].state == "not_started"
    lew = service.evaluate_framework("lewisham", "2025-01")
    assert any(m.state == "done" for m in lew.milestones)
