"""The `outcomes` command: the JSON contract, formats, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()
CONTRACT_KEYS = {"metric_id", "intention_id", "title", "unit", "polarity", "period", "value", "numerator",
                 "denominator", "ci_lower", "ci_upper", "baseline", "target", "trajectory_value", "progress_pct",
                 "status", "status_reason"}
STATUSES = {"achieved", "on_track", "at_risk", "off_track", "not_started", "monitored", "no_data"}  # DESIGN.md


@pytest.fixture(scope="module")
def evaluated(sample_db: Path) -> dict:
    result = runner.invoke(app, ["evaluate", "--framework", "warwickshire", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_evaluate_json_follows_contract(evaluated: dict) -> None:
    assert evaluated["framework"] == "warwickshire"
    assert evaluated["period"] == "2025-03"
    assert len(evaluated["metrics"]) >= 3
    for item in evaluated["metrics"]:
        assert set(item) >= CONTRACT_KEYS
        assert item["status"] in STATUSES
        assert isinstance(item["status_reason"], str) and item["status_reason"]
        assert set(item["baseline"]) == {"period", "value"} and set(item["target"]) == {"kind", "value", "deadline"}
        for key in ("value", "numerator", "ci_lower", "ci_upper", "trajectory_value", "progress_pct"):
            assert item[key] is None or isinstance(item[key], (int, float))
        if item["period"] is not None:
            assert len(item["period"]) == 7 and item["period"][4] == "-"


def test_progress_pct_agrees_with_value_baseline_and_target(evaluated: dict) -> None:
    checked = 0
    for item in evaluated["metrics"]:
        value, base, goal = item["value"], item["baseline"]["value"], item["target"]["value"]
        if None in (value, base, goal, item["progress_pct"]):
            continue
        assert item["progress_pct"] == pytest.approx((value - base) / (goal - base) * 100, rel=1e-9)
        checked += 1
    assert checked >= 3


def test_headline_statuses_at_2016(sample_db: Path) -> None:
    result = runner.invoke(app, ["evaluate", "--framework", "warwickshire", "--period", "2016-03", "--format", "json"])
    payload = json.loads(result.stdout)
    by_id = {m["metric_id"]: m for m in payload["metrics"]}
    assert payload["period"] == "2016-03"
    assert by_id["falls_admissions_65plus"]["period"] == "2016-03"
    assert by_id["permanent_care_home_admissions_65plus"]["period"] == "2016-03"
    assert by_id["permanent_care_home_admissions_65plus"]["status"] == "achieved"
    # The dementia deadline (March 2015) has passed with the rate still below the document's 67%.
    assert by_id["dementia_diagnosis_rate_65plus"]["status"] == "off_track"


def test_evaluate_csv_and_table(sample_db: Path) -> None:
    result = runner.invoke(app, ["evaluate", "--format", "csv", "--period", "2016-03"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["metric_id"] for r in rows} >= {"falls_admissions_65plus", "dementia_diagnosis_rate_65plus"}
    table = runner.invoke(app, ["evaluate", "--format", "table", "--period", "2016-03"])
    assert table.exit_code == 0 and "Falls admissions 65+" in table.stdout


def test_frameworks_json(sample_db: Path) -> None:
    result = runner.invoke(app, ["frameworks", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    warks = next(r for r in rows if r["id"] == "warwickshire")
    assert set(warks) == {"id", "title", "organisation", "intentions", "metrics"}
    assert warks["organisation"] == "Warwickshire County Council"
    assert warks["intentions"] >= 3 and warks["metrics"] >= 3


@pytest.mark.parametrize("args, message", [
    (["evaluate", "--period", "2024-13"], "--period: '2024-13' has month 13"),
    (["evaluate", "--period", "March"], "--period: 'March' is not a month"),
    (["evaluate", "--framework", "nowhere"], "no framework 'nowhere'"),
    (["evaluate", "--format", "xml"], "unknown --format 'xml'"),
    (["frameworks", "--format", "xml"], "unknown --format 'xml'"),
])
def test_bad_input_exits_one_with_a_clear_message(sample_db: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.stderr


def test_bad_config_stops_evaluate_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("framework:\n  id: x\n  colour: red\n")
    result = runner.invoke(app, ["evaluate", "--config", str(tmp_path)])
    assert result.exit_code == 1
    assert "bad.yaml:3: framework.colour: unknown key 'colour'" in result.stderr
