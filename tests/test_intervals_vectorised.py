"""Intervals on whole columns: the same figures as one at a time (to 1e-9), scipy called once per
metric rather than once per row, and phe_dsr's rule that a DSR from fewer than 10 events has no value."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaincinv as scipy_gammaincinv

from metrics.definitions.models import Metric
from metrics.evaluation.observations import HEADLINE, build_observations
from metrics.statistics import intervals
from metrics.statistics.intervals import (byar_interval, byar_intervals, dsr_withheld, rate_interval,
                                          rate_intervals, wilson_interval, wilson_intervals)

COUNTS = [0, 1, 2, 5, 9, 9.5, 10, 11, 57, 1_000, 123_456]


def _spec(method: str, unit: str, **extra) -> Metric:
    binding = {"type": "table", "datasource": "s", "table": "t", "date_column": "d", "area_column": "a",
               "numerator": {"count": "rows"}}
    if method in ("proportion", "crude_rate"):
        binding["denominator"] = {"sum": "n"}
    if method == "published":
        binding = {"type": "published", "datasource": "s", "table": "t", "date_column": "d",
                   "area_column": "a", "value_column": "v", "lower_column": "lo", "upper_column": "hi",
                   "numerator_column": "count", "headline_area": "E1"}
    return Metric.model_validate({"id": "m", "title": "T", "definition": "d", "unit": unit,
                                  "polarity": "lower_is_better", "frequency": "annual", "method": method,
                                  "source": {"name": "test"}, "binding": binding, **extra})


def _same(array_value: float, scalar: float | None) -> bool:
    if scalar is None:
        return bool(np.isnan(array_value))
    return array_value == pytest.approx(scalar, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("confidence", [0.95, 0.998, 99.8])
def test_arrays_give_the_same_limits_as_one_figure_at_a_time(confidence) -> None:
    x = np.array(COUNTS, dtype=float)
    n = x * 3 + 7
    for (lo, hi), one in [(byar_intervals(x, confidence), lambda i: byar_interval(x[i], confidence)),
                          (wilson_intervals(x, n, confidence), lambda i: wilson_interval(x[i], n[i], confidence)),
                          (rate_intervals(x, n, 1000, confidence), lambda i: rate_interval(x[i], n[i], 1000, confidence))]:
        differ = [(i, lo[i], hi[i], one(i)) for i in range(len(x))
                  if not (_same(lo[i], one(i)[0]) and _same(hi[i], one(i)[1]))]
        assert differ == []


def test_missing_and_zero_denominators_give_no_interval() -> None:
    lo, hi = wilson_intervals([1, np.nan, 3], [0, 5, np.nan])
    assert np.isnan(lo).all() and np.isnan(hi).all()
    lo, hi = rate_intervals([4, 4], [0, np.nan])
    assert np.isnan(lo).all() and np.isnan(hi).all()
    with pytest.raises(ValueError, match="must not exceed n"):
        wilson_intervals([6], [5])


def test_scipy_is_called_once_per_metric_not_once_per_row(monkeypatch) -> None:
    calls = []

    def counting(*args):
        calls.append(args)
        return scipy_gammaincinv(*args)

    monkeypatch.setattr(intervals, "gammaincinv", counting)
    metric = _spec("crude_rate", "rate_per_1000", multiplier=1000)
    rows = 2_000  # every count below 10: every row needs the exact (chi-square) interval
    aggregate = pd.DataFrame({"period_start": [date(2000 + i % 20, 4, 1) for i in range(rows)],
                              "area": [f"A{i // 20}" for i in range(rows)],
                              "numerator": [i % 10 for i in range(rows)], "denominator": [500] * rows})
    observations = build_observations(metric, aggregate)
    assert len(observations) == rows + 20
    assert len(calls) <= 2  # lower and upper limits, once each (it was 2 per row: 4,040 calls)


def test_decimals_and_missing_numbers_from_the_database() -> None:
    metric = _spec("proportion", "percent")
    aggregate = pd.DataFrame({"period_start": ["2020-04-01", "2021-04-01"], "area": ["A", "A"],
                              "numerator": [Decimal("30"), None], "denominator": [Decimal("120"), Decimal("5")]})
    obs = build_observations(metric, aggregate)
    assert obs["value"].iloc[0] == pytest.approx(25.0)
    assert obs["ci_lower"].iloc[0] == pytest.approx(wilson_interval(30, 120)[0] * 100, rel=1e-12)
    assert np.isnan(obs["value"].iloc[1]) and np.isnan(obs["ci_upper"].iloc[1])
    assert list(obs["period"]) == ["2021-03", "2022-03"] and obs["period_start"].iloc[0] == date(2020, 4, 1)


def test_a_dsr_from_fewer_than_10_events_has_no_value_as_in_phe_dsr() -> None:
    metric = _spec("published", "dsr_per_100k")
    aggregate = pd.DataFrame({"period_start": [date(2020, 4, 1), date(2021, 4, 1), date(2022, 4, 1)],
                              "area": ["E1"] * 3, "numerator": [9, 10, None], "value": [812.4, 901.0, 777.0],
                              "ci_lower": [371.0, 431.2, 700.0], "ci_upper": [1542.0, 1657.9, 850.0]})
    obs = build_observations(metric, aggregate)
    headline = obs[obs["area"] == HEADLINE].set_index("period")
    assert headline.loc["2021-03", ["value", "ci_lower", "ci_upper"]].isna().all()  # 9 events: withheld
    assert headline.loc["2022-03", "value"] == pytest.approx(901.0)  # 10 events: shown
    assert headline.loc["2023-03", "value"] == pytest.approx(777.0)  # count not published: as published
    assert list(dsr_withheld([0, 9.99, 10, np.nan])) == [True, True, False, False]
