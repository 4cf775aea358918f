"""Property tests: for any baseline, target, polarity, values and date, the status, the progress figure
and the sentence agree with each other (the decision table in metrics/evaluation/status.py)."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
from hypothesis import given, settings, strategies as st

from metrics.definitions.models import Metric
from metrics.evaluation.evaluate import evaluate
from metrics.evaluation.observations import build_observations
from metrics.evaluation.progress import PROGRESS_CEILING, PROGRESS_FLOOR, progress_text
from metrics.evaluation.status import Polarity, Status, TargetMode

FIRST = date(2013, 10, 1)  # the series starts before the 2014-03 baseline


def month(index: int) -> date:
    return date(FIRST.year + (FIRST.month - 1 + index) // 12, (FIRST.month - 1 + index) % 12 + 1, 1)


@st.composite
def cases(draw):
    polarity = draw(st.sampled_from(list(Polarity)))
    baseline = draw(st.integers(1, 2_000))
    if draw(st.booleans()):
        target = {"kind": "level", "value": draw(st.integers(0, 2_000))}
    else:
        target = {"kind": "relative_change", "value": draw(st.integers(-90, 90))}
    deadline = month(draw(st.integers(6, 60)))
    values = draw(st.lists(st.integers(0, 2_000), min_size=1, max_size=72))
    at = month(draw(st.integers(0, 80)))
    spec = {
        "id": "m", "title": "A count", "definition": "d", "unit": "count", "polarity": polarity,
        "frequency": "monthly", "method": "count", "source": {"name": "test"},
        "binding": {"type": "table", "datasource": "s", "table": "t", "date_column": "d",
                    "numerator": {"count": "rows"}},
        "target": {**target, "deadline": deadline.strftime("%Y-%m"),
                   "baseline": {"period": "2014-03", "value": baseline},
                   "amber_tolerance_pct": draw(st.sampled_from([0, 5, 10]))},
    }
    metric = Metric.model_validate(spec)
    aggregate = pd.DataFrame({"period_start": [month(i) for i in range(len(values))], "area": "all",
                              "numerator": values, "denominator": None})
    return metric, build_observations(metric, aggregate), at


@settings(max_examples=400, deadline=None)
@given(cases())
def test_status_progress_and_sentence_agree(case) -> None:
    metric, observations, at = case
    e = evaluate(metric, observations, at)
    polarity = Polarity(metric.polarity)
    if e.status is Status.NO_DATA:  # nothing ending by then: nothing to judge
        assert e.value is None and e.status_reason.startswith("No data")
        return
    # The sentence ends on the status, in the status's own words.
    assert re.search(rf": {re.escape(e.status.words.lower())}\.( |$)", e.status_reason) or \
        e.status is Status.NOT_STARTED
    met = polarity.meets(e.value, e.target_value)
    assert e.target_mode is TargetMode.of(polarity, e.baseline_value, e.target_value)
    if e.status is Status.NOT_STARTED:
        assert e.period <= "2014-03" and "no figures after" in e.status_reason
        return
    assert (e.status is Status.ACHIEVED) == met
    if e.deadline < e.period and not met:
        assert e.status is Status.OFF_TRACK and "deadline has passed" in e.status_reason
    if e.target_mode is TargetMode.MAINTAIN:
        # Judged against the level: no progress, a flat glide path, "kept" or "fell/rose" in words.
        assert e.progress_pct is None and progress_text(e.progress_pct, e.target_mode).startswith("not shown")
        assert e.trajectory_value == e.target_value
        assert e.status is not Status.ON_TRACK
        assert ("kept at or" in e.status_reason) == met
        assert (("fell below" in e.status_reason) or ("rose above" in e.status_reason)) == (not met)
        return
    # Improve: progress is the share of the distance, 100% exactly where the target is met.
    assert e.progress_pct is not None
    assert (e.progress_pct >= 100 - 1e-9) if met else (e.progress_pct <= 100 + 1e-9)
    if e.status is Status.ON_TRACK:
        assert e.progress_pct >= e.expected_progress_pct - 1e-9
    if e.status in (Status.AT_RISK, Status.OFF_TRACK) and e.period <= e.deadline:
        assert e.progress_pct < e.expected_progress_pct + 1e-9
    # The glide path runs from the baseline toward the target, never away from it.
    low, high = sorted((e.baseline_value, e.target_value))
    assert low - 1e-9 <= e.trajectory_value <= high + 1e-9
    shown = progress_text(e.progress_pct, e.target_mode)
    figure = float(re.search(r"-?[\d,]+", shown).group().replace(",", ""))
    assert PROGRESS_FLOOR <= figure <= PROGRESS_CEILING
    assert ("capped" in shown) == (not PROGRESS_FLOOR <= e.progress_pct <= PROGRESS_CEILING)
