"""Tests for metrics.statistics.trend (recent trend, benchmarking, forecast).

Reference sources:

* Recent trend: the Fingertips method as coded in PHEindicatormethods
  ``assign_trend_markers`` (github.com/dhsc-govuk/PHEindicatormethods,
  ``R/TrendMarkers.R``, ``R/utils.R``): threshold 9.5495 (= chi-square(1)
  quantile at 99.8%), leave-one-out sign check. Its expected values live in
  ``tests/testthat/testdata_trend_markers.xlsx``, stored only as binary, so
  the statistics are checked here against independent textbook forms: the
  Armitage chi-square for trend (Armitage, Berry & Matthews 2002, s.15.7)
  and weighted least squares by numpy's lstsq.
* Forecast: OLS prediction interval recomputed with scipy.stats.linregress.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chi2, linregress, norm, t as student_t

from metrics.statistics.trend import benchmark, benchmark_direction, forecast, format_number, recent_trend

DATA = Path(__file__).parent / "data" / "ae_attendances_england_2016-04_to_2019-03.csv"


def armitage_chi2(r, n):
    """Chi-square for trend, Armitage's form with scores 0..k-1."""
    r, n = np.asarray(r, float), np.asarray(n, float)
    t = np.arange(len(r), dtype=float)
    N, R = n.sum(), r.sum()
    p = R / N
    num = ((t * (r - n * p)).sum()) ** 2
    den = p * (1 - p) * ((n * t * t).sum() - (n * t).sum() ** 2 / N)
    return num / den


def wls(y, var):
    t = np.arange(len(y), dtype=float)
    w = 1 / np.asarray(var, float)
    X = np.column_stack([np.ones_like(t), t]) * np.sqrt(w)[:, None]
    beta = np.linalg.lstsq(X, np.asarray(y, float) * np.sqrt(w), rcond=None)[0]
    cov = np.linalg.inv(X.T @ X)
    return beta[1], cov[1, 1]


# --- Recent trend -------------------------------------------------------------------

def test_threshold_is_fingertips_value():
    # PHEindicatormethods TrendMarkers.R hard-codes 9.5495.
    assert math.isclose(chi2.ppf(0.998, 1), 9.5495, rel_tol=1e-5)


def test_proportion_increasing_matches_armitage():
    num = [400, 430, 470, 520, 560]
    den = [1000] * 5
    r = recent_trend([n / d for n, d in zip(num, den)], num, den, "proportion", "higher")
    ref = armitage_chi2(num, den)
    assert math.isclose(r.statistic, ref, rel_tol=1e-9)
    assert math.isclose(r.p_value, chi2.sf(ref, 1), rel_tol=1e-9)
    assert r.direction == "increasing" and r.assessment == "improving"
    assert r.label == "Increasing and getting better"
    r = recent_trend([0] * 5, num, den, "proportion", "lower")
    assert r.assessment == "worsening" and r.label == "Increasing and getting worse"


def test_proportion_uses_last_five_points_only():
    num = [900, 100, 400, 430, 470, 520, 560]
    den = [1000] * 7
    a = recent_trend([0] * 7, num, den, "proportion")
    b = recent_trend([0] * 5, num[2:], den[2:], "proportion")
    assert a.statistic == b.statistic


def test_proportion_no_significant_change():
    num = [500, 505, 498, 502, 501]
    r = recent_trend([0] * 5, num, [1000] * 5, "proportion", "higher")
    assert r.direction == "no_significant_change"
    assert r.assessment == "no_significant_change" and r.label == "No significant change"
    assert math.isclose(r.statistic, armitage_chi2(num, [1000] * 5), rel_tol=1e-9)


def test_proportion_decreasing_lower_is_better():
    num = [300, 260, 230, 200, 170]
    r = recent_trend([0] * 5, num, [1000] * 5, "proportion", "lower")
    assert r.direction == "decreasing" and r.assessment == "improving"
    assert r.label == "Decreasing and getting better"


def test_proportion_with_zero_percent_point():
    r = recent_trend([0] * 5, [0, 20, 40, 60, 80], [1000] * 5, "proportion")
    assert r.direction == "increasing"


def test_outlier_reversal_gives_no_significant_change():
    # One big final jump makes X^2 large, but dropping it reverses the slope.
    num = [500, 490, 480, 470, 900]
    r = recent_trend([0] * 5, num, [1000] * 5, "proportion")
    assert r.statistic > 9.5495
    assert r.direction == "no_significant_change"
    assert "outlier" in r.reason


def test_rate_weighted_regression_from_counts():
    counts = np.array([200, 230, 260, 300, 340], float)
    pop = np.array([100000] * 5, float)
    rates = counts / pop * 100000
    r = recent_trend(list(rates), list(counts), list(pop), "rate", "lower")
    beta, vb = wls(rates, rates ** 2 / counts)
    assert math.isclose(r.slope, beta, rel_tol=1e-9)
    assert math.isclose(r.statistic, beta ** 2 / vb, rel_tol=1e-9)
    assert r.direction == "increasing" and r.assessment == "worsening"
    assert r.label == "Increasing and getting worse"


def test_rate_with_confidence_limits_as_fingertips():
    vals = [50.0, 48.0, 45.0, 41.0, 38.0]
    lows = [v - 2.0 for v in vals]
    ups = [v + 2.0 for v in vals]
    r = recent_trend(vals, method="rate", polarity="lower", lower=lows, upper=ups)
    sigma = 4.0 / (2 * norm.ppf(0.975))
    beta, vb = wls(vals, [sigma ** 2] * 5)
    assert math.isclose(r.statistic, beta ** 2 / vb, rel_tol=1e-9)
    assert r.direction == "decreasing" and r.assessment == "improving"


def test_count_method_and_mean_needs_limits():
    r = recent_trend([100, 130, 170, 210, 260], method="count", polarity="neutral")
    beta, vb = wls([100, 130, 170, 210, 260], [100, 130, 170, 210, 260])
    assert math.isclose(r.statistic, beta ** 2 / vb, rel_tol=1e-9)
    assert r.direction == "increasing" and r.assessment == "not_applicable"
    assert r.label == "Increasing"
    m = recent_trend([1.0, 2.0, 3.0, 4.0, 5.0], method="mean")
    assert m.direction == "could_not_be_calculated"


def test_trend_cannot_be_calculated():
    r = recent_trend([0.1, 0.2, 0.3, 0.4], [1, 2, 3, 4], [10] * 4)
    assert r.direction == "could_not_be_calculated" and r.assessment == "not_applicable"
    assert r.p_value is None
    r = recent_trend([0] * 5, [1, None, 3, 4, 5], [10] * 5)
    assert r.direction == "could_not_be_calculated"
    r = recent_trend([0] * 5, [0] * 5, [10] * 5)
    assert r.direction == "could_not_be_calculated"
    with pytest.raises(ValueError):
        recent_trend([0] * 5, method="median")


# --- Benchmark ----------------------------------------------------------------------

@pytest.mark.parametrize("value,lo,hi,comp,polarity,expected", [
    (60, 55, 65, 50, "higher", "better"),
    (60, 55, 65, 50, "lower", "worse"),
    (40, 35, 45, 50, "higher", "worse"),
    (40, 35, 45, 50, "lower", "better"),
    (48, 45, 52, 50, "higher", "similar"),
    (55, 50, 60, 50, "higher", "similar"),  # limit touching the comparator: similar
    (45, 40, 50, 50, "lower", "similar"),
    (60, 55, 65, 50, "neutral", "not_compared"),
    (60, None, 65, 50, "higher", "not_compared"),
    (60, 55, 65, None, "higher", "not_compared"),
])
def test_benchmark_fingertips_rule(value, lo, hi, comp, polarity, expected):
    assert benchmark(value, lo, hi, comp, polarity=polarity) == expected


def test_benchmark_ignores_comparator_interval_and_direction_helper():
    # Fingertips compares the area's CI with the comparator *value* only.
    assert benchmark(60, 55, 65, 50, 40, 70, polarity="higher") == "better"
    assert benchmark_direction(60, 55, 65, 50) == "higher"
    assert benchmark_direction(40, 35, 45, 50) == "lower"
    assert benchmark_direction(None, 35, 45, 50) is None


# --- Forecast -----------------------------------------------------------------------

def _ref_forecast(x, y, x0, conf):
    lr = linregress(x, y)
    n = len(x)
    yhat = lr.intercept + lr.slope * x0
    resid = np.asarray(y) - (lr.intercept + lr.slope * np.asarray(x))
    s = math.sqrt((resid ** 2).sum() / (n - 2))
    xbar = np.mean(x)
    sxx = ((np.asarray(x) - xbar) ** 2).sum()
    half = student_t.ppf(1 - (1 - conf) / 2, n - 2) * s * math.sqrt(1 + 1 / n + (x0 - xbar) ** 2 / sxx)
    return yhat, yhat - half, yhat + half


def test_forecast_matches_ols_prediction_interval():
    x = list(range(20))
    y = [1000 + 30 * i + (7 if i % 3 == 0 else -4) for i in x]
    f = forecast(x, y, 30, target=1800, polarity="higher", points=12, confidence=0.95)
    ref = _ref_forecast(x[-12:], y[-12:], 30, 0.95)
    for got, want in zip((f.value, f.lower, f.upper), ref):
        assert math.isclose(got, want, rel_tol=1e-12)
    assert f.n_points == 12
    assert f.likely == "likely"  # whole interval above 1,800
    f = forecast(x, y, 30, target=1800, polarity="lower")
    assert f.likely == "unlikely"


def test_forecast_uncertain_when_target_inside():
    x = list(range(12))
    y = [100, 104, 97, 108, 101, 99, 110, 96, 103, 107, 98, 105]
    f = forecast(x, y, 18, target=103, polarity="higher")
    assert f.lower < 103 < f.upper and f.likely == "uncertain"
    assert "it is uncertain whether the target of 103 will be met." in f.sentence


def test_forecast_sentence_format():
    x = list(range(12))
    y = [1500 + 12 * i for i in x]
    y[3] += 9
    y[8] -= 7
    f = forecast(x, y, 23, target=1496, polarity="lower", deadline_label="March 2018")
    assert f.likely == "unlikely"
    assert f.sentence == (
        f"On the current trend the value is projected to be {f.value:,.0f} "
        f"({f.lower:,.0f} to {f.upper:,.0f}) by March 2018; "
        "the target of 1,496 is unlikely to be met."
    )
    pct = forecast(x, [v / 2000 for v in y], 23, target=0.75, polarity="lower",
                   formatter=lambda v: f"{v:.1%}", deadline_label="March 2018")
    assert "the target of 75.0% is unlikely to be met." in pct.sentence


def test_forecast_too_few_points_and_validation():
    f = forecast([0, 1], [1.0, 2.0], 5, 3.0, "higher")
    assert f.value is None and f.likely == "uncertain"
    with pytest.raises(ValueError):
        forecast([0, 1, 2], [1.0, 2.0, 3.0], 5, 3.0, "up")
    assert format_number(1650.4) == "1,650" and format_number(12.345) == "12.3"


def test_forecast_on_real_ae_performance():
    att: dict[str, int] = defaultdict(int)
    br: dict[str, int] = defaultdict(int)
    with DATA.open(newline="") as fh:
        for row in csv.DictReader(fh):
            att[row["period"]] += int(row["attendances"])
            br[row["period"]] += int(row["breaches"])
    periods = sorted(att)
    perf = [1 - br[p] / att[p] for p in periods]
    idx = list(range(len(perf)))
    f = forecast(idx, perf, 47, target=0.95, polarity="higher",
                 formatter=lambda v: f"{v:.1%}", deadline_label="March 2020")
    ref = _ref_forecast(idx[-12:], perf[-12:], 47, 0.95)
    assert math.isclose(f.value, ref[0], rel_tol=1e-12)
    assert f.likely == "unlikely"  # England never came close to 95% in this period
