"""metrics.evaluation.insights (SPC, trend, forecast, benchmark attached to evaluations), disclosure control,
and the SPC figure. The statistics themselves are tested in test_spc.py and test_trend.py."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.figures import spc_figure
from metrics.definitions.models import Metric
from metrics.describe import method_in_words
from metrics.disclosure import mark_suppressed, suppress_frame
from metrics.evaluation.evaluate import evaluate
from metrics.evaluation.insights import Insights, Verdict, compute, enrich
from metrics.evaluation.observations import build_observations, headline_series
from metrics.statistics.spc import xmr

BASE = {
    "id": "tiny", "title": "Tiny count", "definition": "d", "unit": "count",
    "polarity": "lower_is_better", "frequency": "monthly", "method": "count", "source": {"name": "test"},
    "binding": {"type": "table", "datasource": "s", "table": "t", "date_column": "d", "numerator": {"count": "rows"}},
    "target": {"kind": "level", "value": 2, "deadline": "2017-03",
               "baseline": {"period": "2014-03", "value": 10}, "amber_tolerance_pct": 5},
}


def metric(**changes) -> Metric:
    return Metric.model_validate({**BASE, **changes})


def months(start: date, n: int) -> list[date]:
    out = []
    y, m = start.year, start.month
    for _ in range(n):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def observations(m: Metric, values: list[float], start: date = date(2014, 1, 1)) -> pd.DataFrame:
    aggregate = pd.DataFrame({"period_start": months(start, len(values)), "area": ["all"] * len(values),
                              "numerator": values, "denominator": [None] * len(values)})
    return build_observations(m, aggregate)


# 24 months of counts, falling slowly from 12 to about 7, with the last three small (< 5).
COUNTS = [12, 11, 12, 10, 11, 10, 9, 11, 10, 9, 9, 8, 9, 8, 8, 7, 8, 7, 6, 7, 6, 4, 3, 4]


# ---------------------------------------------------------------- the service on the sample data

def test_falls_at_2016_03_gains_the_forecast_sentence(service) -> None:
    e = service.evaluate_metric("falls_admissions_65plus", "2016-03")
    assert e.deadline == "2018-03" and e.status in {"on_track", "at_risk", "off_track"}
    assert "On the current trend it is projected to be" in e.status_reason
    assert "by March 2018" in e.status_reason
    assert e.status_reason.rstrip().endswith(("to be met.", "will be met."))
    fc = e.insights.forecast
    assert fc.lower < fc.value < fc.upper
    assert fc.likely in {"likely", "unlikely", "uncertain"}
    assert fc.n_points == 24
    # SPC over every month from the first (2012-04) to the evaluated one.
    series = service.series("falls_admissions_65plus")
    expected = int((series["period"] <= "2016-03").sum())
    spc = e.insights.spc
    assert expected == 48
    assert len(spc.values) == len(spc.result.point_types) == len(spc.result.lower) == expected
    assert spc.periods[-1] == "2016-03"
    assert spc.result.improvement == "decrease" and spc.result.target == pytest.approx(e.target_value)
    assert e.insights.trend.label
    assert e.insights.benchmarks == ()  # the falls binding declares no comparator
    stored = e.insights.to_dict()
    json.dumps(stored, allow_nan=False)  # JSON-safe for snapshots and exports
    assert Insights.from_dict(json.loads(json.dumps(stored))) == e.insights


def test_no_forecast_once_the_deadline_has_passed(service) -> None:
    e = service.evaluate_metric("falls_admissions_65plus", "2019-03")
    assert "projected" not in e.status_reason
    assert e.insights.forecast is None and "deadline" in e.insights.forecast_words
    assert e.insights.spc is not None


def test_contract_is_unchanged(service) -> None:
    contract = service.evaluate_framework("warwickshire", "2016-03").to_contract()
    keys = {"metric_id", "intention_id", "title", "unit", "polarity", "period", "value", "numerator", "denominator",
            "ci_lower", "ci_upper", "baseline", "target", "trajectory_value", "progress_pct", "status",
            "status_reason",
            "target_provenance",  # added beside DESIGN.md's keys (issue 14); none renamed or dropped
            "synthetic"}  # added beside them (issue 20): the metric's figures are synthetic sample data
    for row in contract["metrics"]:
        assert set(row) == keys
    falls = next(r for r in contract["metrics"] if r["metric_id"] == "falls_admissions_65plus")
    assert "On the current trend" in falls["status_reason"]


def test_framework_and_metric_evaluations_agree(service) -> None:
    fw = service.evaluate_framework("warwickshire", "2016-03")
    for e in fw.evaluations:
        one = service.evaluate_metric(e.metric_id, "2016-03")
        assert one.status_reason == e.status_reason
        assert one.insights == e.insights


# ---------------------------------------------------------------- enrich on a tiny in-memory case

def test_enrich_is_a_copy_and_evaluate_stays_pure() -> None:
    m = metric()
    obs = observations(m, COUNTS[:18])
    plain = evaluate(m, obs, date(2015, 6, 1))
    assert plain.insights is None and "projected" not in plain.status_reason
    rich = enrich(plain, m, headline_series(obs))
    assert plain.insights is None  # not mutated
    assert rich.insights.spc and rich.insights.trend and rich.insights.forecast
    assert rich.status_reason.startswith(plain.status_reason.rstrip())
    assert "by March 2017" in rich.status_reason


def test_spc_matches_xmr_on_the_same_points() -> None:
    m = metric()
    obs = observations(m, COUNTS)
    e = evaluate(m, obs, date(2015, 12, 1))
    found = compute(m, headline_series(obs), e)
    ref = xmr(COUNTS, improvement="decrease", target=2)
    assert found.spc.result.upper_limit == pytest.approx(ref.upper_limit)
    assert found.spc.result.point_types == ref.point_types
    assert Insights.from_dict(found.to_dict()).spc == found.spc


def test_small_counts_are_suppressed_when_asked() -> None:
    m = metric()  # suppress_below defaults to 5
    obs = observations(m, COUNTS)
    at = date(2015, 12, 1)  # latest count 4
    shown = enrich(evaluate(m, obs, at), m, headline_series(obs))
    hidden = enrich(evaluate(m, obs, at, suppress=True), m, headline_series(obs), suppress=True)
    assert not shown.suppressed and shown.to_contract()["value"] == 4
    assert hidden.suppressed
    contract = hidden.to_contract()
    assert contract["value"] is None and contract["numerator"] is None and contract["ci_lower"] is None
    assert "suppressed" in hidden.status_reason
    # No forecast from a suppressed latest value, and the SPC chart never contains a small count.
    assert hidden.insights.forecast is None and "projected" not in hidden.status_reason
    assert hidden.insights.spc is None  # the last value is suppressed: nothing to chart since then
    assert hidden.insights.trend.direction == "could_not_be_calculated"
    # A month after the small numbers end, the chart restarts from the unbroken run.
    counts = COUNTS + [6, 7, 6]
    obs2 = observations(m, counts)
    later = enrich(evaluate(m, obs2, date(2016, 3, 1), suppress=True), m, headline_series(obs2), suppress=True)
    assert later.insights.spc.values == (6.0, 7.0, 6.0)
    assert all(v >= 5 for v in later.insights.spc.values)


def test_suppress_frame_and_table_marking() -> None:
    m = metric(suppress_below=10)
    obs = headline_series(observations(m, [12, 9, 10, 0]))
    frame = suppress_frame(obs, m)
    assert list(frame["suppressed"]) == [False, True, False, True]
    assert frame.loc[1, ["value", "numerator", "ci_lower", "ci_upper"]].isna().all()
    assert frame.loc[2, "value"] == 10
    marked = mark_suppressed(obs, m)
    assert list(marked["value"]) == [12.0, "suppressed", 10.0, "suppressed"]
    assert marked.loc[1, "ci_upper"] == "suppressed"


def test_benchmark_is_attached_when_a_comparator_is_given() -> None:
    m = metric()
    obs = observations(m, COUNTS[:18])
    e = evaluate(m, obs, date(2015, 6, 1))
    england = pd.DataFrame({"period": ["2015-05", "2015-06"], "value": [2.0, 30.0]})
    region = pd.DataFrame({"period": ["2015-06"], "value": [6.5]})
    rich = enrich(e, m, headline_series(obs), comparators={"England": england, "North West": region,
                                                           "Peers": england.iloc[:1]})
    first, second, third = rich.insights.benchmarks
    # The latest count is 6 (Byar 95% CI about 2.2 to 13.1): wholly below 30 (the same month's
    # England figure, not May's 2.0), lower is better.
    assert first.verdict is Verdict.BETTER and "England" in first.words and first.comparator_value == 30.0
    assert rich.insights.benchmark is first and first.compact == "Better than England"
    assert second.verdict is Verdict.SIMILAR and second.compact == "Similar to North West"
    # No peer figure for June 2015: not compared, and it says why.
    assert third.verdict is Verdict.NOT_COMPARED and "no figure for" in third.words
    # Public: a suppressed figure is never compared (a verdict could reveal it).
    small = enrich(evaluate(m, observations(m, COUNTS), date(2015, 12, 1), suppress=True), m,
                   headline_series(observations(m, COUNTS)), suppress=True,
                   comparators={"England": pd.DataFrame({"period": ["2015-12"], "value": [30.0]})})
    assert small.insights.benchmark.verdict is Verdict.NOT_COMPARED and "suppressed" in small.insights.benchmark.words


def test_method_text_names_each_method_and_source() -> None:
    text = " ".join(method_in_words(metric()))
    for words in ("Making Data Count", "2.66", "Fingertips", "PHEindicatormethods", "99.8%",
                  "prediction interval", "threshold for this metric is 5", "trial limits"):
        assert words in text


# ---------------------------------------------------------------- the figure (no callbacks)

def test_spc_figure_traces() -> None:
    values = [10, 11, 9, 10, 12, 10, 9, 11, 10, 30, 10, 11, 9, 10]
    res = xmr(values, improvement="decrease", target=8)
    n = len(values)
    series = pd.DataFrame({"period_end": months(date(2020, 1, 1), n), "value": values,
                           "ci_lower": np.array(values) - 2.0, "ci_upper": np.array(values) + 2.0})
    fig = spc_figure(series, res, "T", "count")
    names = [t.name for t in fig.data]
    assert names == ["95% confidence interval", "Value", "Mean", "Lower process limit", "Upper process limit",
                     "Target", "Common cause", "Special cause – concern"]
    concern = fig.data[-1]
    assert list(concern.y) == [30] and concern.marker.symbol == "square"
    assert fig.data[-2].marker.symbol == "circle"
    assert len(fig.data[2].y) == n and fig.data[4].y[0] == pytest.approx(res.upper_limit)
    # Without a target or intervals, only the line, mean, limits and point types remain.
    bare = spc_figure(series[["period_end", "value"]], xmr(values, improvement="decrease"), "T", "count")
    assert [t.name for t in bare.data] == ["Value", "Mean", "Lower process limit", "Upper process limit",
                                           "Common cause", "Special cause – concern"]
