"""A suppressed figure's status and sentence never give its count away (issue 22, finding 7).

"Suppressed ... the target is 0 ... achieved" said the count was exactly 0. A public reader sees the words
"suppressed", the status, the metric's sentence and its intention's status and sentence; for every count
below the threshold that those could stand for, at least one other count must read the same."""

from __future__ import annotations

from datetime import date

import pandas as pd
from hypothesis import given, settings, strategies as st

from metrics.definitions.models import Intention, Metric
from metrics.evaluation.evaluate import evaluate
from metrics.evaluation.intentions import judge_intention
from metrics.evaluation.observations import build_observations
from metrics.evaluation.status import Status

THRESHOLD = 5
FIRST = date(2013, 10, 1)


def month(index: int) -> date:
    return date(FIRST.year + (FIRST.month - 1 + index) // 12, (FIRST.month - 1 + index) % 12 + 1, 1)


def metric_of(method: str, polarity: str, target: dict) -> Metric:
    unit = "percent" if method == "proportion" else "count"
    binding = {"type": "table", "datasource": "s", "table": "t", "date_column": "d", "numerator": {"count": "rows"}}
    if method == "proportion":
        binding["denominator"] = {"count": "rows"}
    return Metric.model_validate({
        "id": "m", "title": "A small measure", "definition": "d", "unit": unit, "polarity": polarity,
        "frequency": "monthly", "method": method, "source": {"name": "test"}, "binding": binding,
        "target": target})


def readings(metric: Metric, history: list[int], denominators: list[int], at: date) -> dict[int, tuple]:
    """What a public reader sees for each count the latest period could hold (below the threshold)."""
    seen = {}
    intention = Intention(id="i", title="An intention", metrics=("m",))
    top = min(THRESHOLD - 1, denominators[-1]) if metric.method == "proportion" else THRESHOLD - 1
    for count in range(0, top + 1):
        aggregate = pd.DataFrame({"period_start": [month(i) for i in range(len(history) + 1)], "area": "all",
                                  "numerator": history + [count],
                                  "denominator": denominators if metric.method == "proportion" else None})
        e = evaluate(metric, build_observations(metric, aggregate), at, "i", suppress=True)
        assert e.suppressed and e.value is None
        judged = judge_intention(intention, [e], [])
        seen[count] = (e.status, e.status_reason, judged.status, judged.status_reason)
    return seen


def assert_no_count_stands_alone(seen: dict[int, tuple]) -> None:
    for count, words in seen.items():
        alike = [other for other, said in seen.items() if said == words]
        assert len(alike) >= 2, f"count {count} alone reads {words}"


def test_a_zero_target_met_by_a_suppressed_zero_says_nothing_of_the_count() -> None:
    """The red team's case: a count whose target is 0, lower is better, its latest count suppressed."""
    metric = metric_of("count", "lower_is_better", {"kind": "level", "value": 0, "deadline": "2016-03",
                                                    "baseline": {"period": "2014-03", "value": 20}})
    seen = readings(metric, [20] * 15, [], month(15))
    assert_no_count_stands_alone(seen)
    assert {s[0] for s in seen.values()} == {Status.NO_DATA}
    assert "Its status is not shown either" in seen[0][1] and "achieved" not in seen[0][1]
    # The operators' evaluation still says it was achieved.
    aggregate = pd.DataFrame({"period_start": [month(i) for i in range(16)], "area": "all",
                              "numerator": [20] * 15 + [0], "denominator": None})
    assert evaluate(metric, build_observations(metric, aggregate), month(15)).status is Status.ACHIEVED


def test_a_status_that_fits_several_counts_is_still_shown() -> None:
    metric = metric_of("count", "lower_is_better", {"kind": "level", "value": 2, "deadline": "2030-03",
                                                    "baseline": {"period": "2014-03", "value": 200}})
    seen = readings(metric, [200] * 15, [], month(15))  # 0 to 2 achieved; 3 and 4 under the glide path from 200
    assert [s[0] for s in seen.values()] == [Status.ACHIEVED] * 3 + [Status.ON_TRACK] * 2


@st.composite
def cases(draw):
    method = draw(st.sampled_from(["count", "proportion"]))
    polarity = draw(st.sampled_from(["higher_is_better", "lower_is_better"]))
    if method == "proportion":
        target = {"kind": "level", "value": draw(st.integers(0, 100))}
        baseline = draw(st.integers(0, 100))
    elif draw(st.booleans()):
        target = {"kind": "level", "value": draw(st.integers(0, 12))}
        baseline = draw(st.integers(0, 30))
    else:
        target = {"kind": "relative_change", "value": draw(st.integers(-90, 90))}
        baseline = draw(st.integers(1, 30))
    deadline = month(draw(st.integers(6, 40)))
    metric = metric_of(method, polarity, {**target, "deadline": deadline.strftime("%Y-%m"),
                                          "baseline": {"period": "2014-03", "value": baseline},
                                          "amber_tolerance_pct": draw(st.sampled_from([0, 5, 20, 60]))})
    length = draw(st.integers(6, 40))
    history = draw(st.lists(st.integers(0, 30), min_size=length, max_size=length))
    denominators = draw(st.lists(st.integers(1, 40), min_size=length + 1, max_size=length + 1))
    history = [min(h, d) for h, d in zip(history, denominators)] if method == "proportion" else history
    return metric, history, denominators, month(length)


@settings(max_examples=60, deadline=None)
@given(cases())
def test_no_status_or_sentence_gives_a_suppressed_count_away(case) -> None:
    metric, history, denominators, at = case
    assert_no_count_stands_alone(readings(metric, history, denominators, at))
