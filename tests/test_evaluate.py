"""Evaluation arithmetic and status boundaries, on hand-built observations."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from metrics.definitions.models import Metric
from metrics.evaluation.evaluate import evaluate, progress, trajectory_at
from metrics.evaluation.observations import build_observations

BASE_METRIC = {
    "id": "falls", "title": "Falls admissions", "definition": "d", "unit": "count",
    "polarity": "lower_is_better", "frequency": "monthly", "method": "count", "source": {"name": "test"},
    "binding": {"type": "table", "datasource": "s", "table": "t", "date_column": "d", "numerator": {"count": "rows"}},
    # Baseline 100 in 2014-03; -20% (to 80) by 2016-03: the glide path falls 10 a year.
    "target": {"kind": "relative_change", "value": -20, "deadline": "2016-03",
               "baseline": {"period": "2014-03", "value": 100}, "amber_tolerance_pct": 5},
}


def metric(**changes) -> Metric:
    spec = {**BASE_METRIC, **changes}
    return Metric.model_validate(spec)


def observations(m: Metric, values: dict[str, float]) -> pd.DataFrame:
    aggregate = pd.DataFrame({
        "period_start": [date(int(k[:4]), int(k[5:]), 1) for k in values],
        "area": ["all"] * len(values),
        "numerator": list(values.values()),
        "denominator": [None] * len(values),
    })
    return build_observations(m, aggregate)


def judge(values: dict[str, float], at: str, **changes):
    m = metric(**changes)
    return evaluate(m, observations(m, values), date(int(at[:4]), int(at[5:]), 1))


def test_progress_formula_matches_contract() -> None:
    assert progress(90, 100, 80) == pytest.approx(50.0)
    assert progress(110, 100, 80) == pytest.approx(-50.0)  # moving away is negative
    assert progress(66.7, 42, 66.7) == pytest.approx(100.0)
    assert progress(5, 5, 5) is None


def test_glide_path_is_straight_from_baseline_to_target() -> None:
    m = metric()
    assert trajectory_at(m.target, 100, date(2014, 3, 1), m.polarity) == pytest.approx(100)
    assert trajectory_at(m.target, 100, date(2015, 3, 1), m.polarity) == pytest.approx(90)
    assert trajectory_at(m.target, 100, date(2016, 3, 1), m.polarity) == pytest.approx(80)
    assert trajectory_at(m.target, 100, date(2017, 3, 1), m.polarity) == pytest.approx(80)


def test_glide_path_follows_milestones() -> None:
    m = metric(target={**BASE_METRIC["target"], "milestones": [{"period": "2015-03", "value": 98}]})
    assert trajectory_at(m.target, 100, date(2015, 3, 1), m.polarity) == pytest.approx(98)
    assert trajectory_at(m.target, 100, date(2015, 9, 1), m.polarity) == pytest.approx(98 - 18 / 2)


def test_on_track_exactly_on_the_glide_path() -> None:
    e = judge({"2015-03": 90}, "2015-03")
    assert e.status == "on_track"
    assert e.trajectory_value == pytest.approx(90)
    assert e.progress_pct == pytest.approx(50)
    assert e.expected_progress_pct == pytest.approx(50)


def test_at_risk_within_tolerance_and_off_track_beyond() -> None:
    # Tolerance 5% of the glide path value (90) = 4.5.
    assert judge({"2015-03": 94.5}, "2015-03").status == "at_risk"
    assert judge({"2015-03": 94.6}, "2015-03").status == "off_track"
    assert judge({"2015-03": 90.1}, "2015-03").status == "at_risk"


def test_achieved_when_target_met_even_before_deadline() -> None:
    e = judge({"2015-03": 80}, "2015-03")
    assert e.status == "achieved"
    assert e.progress_pct == pytest.approx(100)


def test_deadline_passed_unmet_is_off_track() -> None:
    e = judge({"2016-04": 81}, "2016-04")
    assert e.status == "off_track"
    assert "deadline has passed" in e.status_reason


def test_old_figures_are_named_in_a_sentence_of_their_own() -> None:
    """Figures two periods or more behind the period judged are named after the judgement, as a sentence the
    next one (the forecast) can follow (it was a bracket after the full stop, with none of its own)."""
    e = judge({"2015-03": 88}, "2015-06")
    assert e.status_reason.endswith(": on track. The latest figures are for Mar 2015."), e.status_reason
    assert "(the latest" not in judge({"2015-03": 88}, "2015-06", target=None).status_reason
    assert "latest figures" not in judge({"2015-03": 88}, "2015-04").status_reason


def test_not_started_when_no_data_after_baseline() -> None:
    e = judge({"2014-02": 100, "2014-03": 101}, "2014-03")
    assert e.status == "not_started"


def test_no_data_when_nothing_by_the_period() -> None:
    e = judge({"2015-03": 90}, "2014-12")
    assert e.status == "no_data"
    assert "no figures" in e.status_reason


def test_source_error_gives_no_data_with_reason() -> None:
    m = metric()
    e = evaluate(m, pd.DataFrame(), date(2015, 3, 1), source_error="data source 's' query failed: no such table: t")
    assert e.status == "no_data"
    assert e.status_reason == "No data: data source 's' query failed: no such table: t"


def test_higher_is_better_level_target() -> None:
    spec = {"polarity": "higher_is_better", "unit": "percent", "method": "proportion",
            "binding": {**BASE_METRIC["binding"], "denominator": {"count": "rows"}},
            "target": {"kind": "level", "value": 66.7, "deadline": "2015-03",
                       "baseline": {"period": "2013-10", "value": 42.0}}}
    m = metric(**spec)
    aggregate = pd.DataFrame({"period_start": [date(2014, 4, 1)], "area": ["all"], "numerator": [600.0],
                              "denominator": [1000.0]})
    e = evaluate(m, build_observations(m, aggregate), date(2014, 4, 1))
    assert e.value == pytest.approx(60.0)
    # Glide path: 42 -> 66.7 over 17 months; at 6 months 42 + 24.7 * 6/17.
    expected = 42 + 24.7 * 6 / 17
    assert e.trajectory_value == pytest.approx(expected)
    assert e.status == "on_track"
    assert e.progress_pct == pytest.approx((60 - 42) / (66.7 - 42) * 100)
    assert e.ci_lower < 60 < e.ci_upper
    assert "up 18.0 percentage points from the Oct 2013 baseline of 42.0%" in e.status_reason


def test_baseline_window_mean_from_data() -> None:
    values = {f"2013-{m:02d}": 100.0 for m in range(4, 13)} | {f"2014-{m:02d}": 100.0 for m in range(1, 4)}
    values["2013-12"] = 112.0  # the mean of the year becomes 101
    values["2015-03"] = 91.0
    e = judge(values, "2015-03", target={**BASE_METRIC["target"], "baseline": {"start": "2013-04", "end": "2014-03"}})
    assert e.baseline_value == pytest.approx(101.0)
    assert e.baseline_label == "2013/14"
    assert e.target_value == pytest.approx(80.8)


def test_status_reason_reads_aloud() -> None:
    e = judge({"2015-03": 91}, "2015-03")
    assert e.status_reason == (
        "Falls admissions is 91 in Mar 2015, 9.0% below the Mar 2014 baseline; the target is 20% below "
        "baseline (80) by March 2016, and the glide path expects 10.0% below baseline by now: at risk.")


def test_latest_period_by_evaluation_month_for_quarters() -> None:
    m = metric(frequency="quarterly")
    obs = observations(m, {"2014-04": 30, "2014-07": 28, "2014-10": 27})
    # Q3 2014/15 (Oct-Dec) has not ended in November, so Q2 is the latest complete quarter.
    e = evaluate(m, obs, date(2014, 11, 1))
    assert e.period == "2014-09"
    assert e.period_label == "Q2 2014/15"


def test_contract_json_shape() -> None:
    e = judge({"2015-03": 90}, "2015-03")
    payload = e.to_contract()
    assert set(payload) == {"metric_id", "intention_id", "title", "unit", "polarity", "period", "value", "numerator",
                            "denominator", "ci_lower", "ci_upper", "baseline", "target", "trajectory_value",
                            "progress_pct", "status", "status_reason",
                            # added beside DESIGN.md's keys (issue 14): where each part of the target comes from
                            "target_provenance",
                            # added beside them (issue 20): the metric's figures are synthetic sample data
                            "synthetic"}
    assert payload["baseline"] == {"period": "2014-03", "value": 100}
    assert payload["target"] == {"kind": "relative_change", "value": pytest.approx(80), "deadline": "2016-03"}


def test_suppressed_value_is_not_revealed_by_the_sentence() -> None:
    m = metric(suppress_below=5)
    e = evaluate(m, observations(m, {"2015-03": 3}), date(2015, 3, 1), suppress=True)
    assert e.suppressed
    assert "3" not in e.status_reason.replace("2015", "").replace("Mar ", "")
    assert "below the" not in e.status_reason and "suppressed because it counts fewer than 5" in e.status_reason
    payload = e.to_contract()
    assert payload["value"] is None and payload["numerator"] is None and payload["progress_pct"] is None
