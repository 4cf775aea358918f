"""Tests for metrics.statistics.spc (XmR charts, NHS England Making Data Count).

Reference sources:

* [PTD-snap] github.com/nhs-r-community/NHSRplotthedots,
  ``tests/testthat/_snaps/ptd_spc.md`` and ``_snaps/ptd_spc_standard.md``:
  for ``set.seed(123); y <- rnorm(20)`` mean_col 0.142, lpl -3.01, upl 3.29,
  20 common-cause points; split into two facets of 10: 0.0746 / -2.60 / 2.75
  and 0.209 / -3.28 / 3.70. Published to 3 significant figures only, so they
  are compared at half a unit in the last published digit.
* [PTD-std] ``tests/testthat/test-ptd_spc_standard.R``: symmetrical +/-1
  series with 5.5 and -5.5 as the last two points -> both common cause
  (two-in-three needs all three points on one side).
* [PTD-type] ``tests/testthat/test-ptd_calculate_point_type.R``: unit cases for
  the seven-point trend (1:7 flagged; c(1:3, 3:6) not; c(2, 1:7, 3) flags
  exactly 1:7), the shift and two-in-three helpers.
* Real data: NHS England monthly A&E attendances Apr 2016 - Mar 2019
  (tests/data, via NHS-R Community NHSRdatasets); reference limits are
  recomputed in this file from the Making Data Count definition.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from metrics.statistics.spc import SpcResult, xmr

DATA = Path(__file__).parent / "data" / "ae_attendances_england_2016-04_to_2019-03.csv"

# R: set.seed(123); rnorm(20) (values as printed by R to 8 dp).
RNORM_123 = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774,
             1.71506499, 0.46091621, -1.26506123, -0.68685285, -0.44566197,
             1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113,
             1.78691314, 0.49785048, -1.96661716, 0.70135590, -0.47279141]


def ref_limits(y, screen=True):
    """Making Data Count limits written directly from the definition."""
    y = [float(v) for v in y]
    mean = sum(y) / len(y)
    mr = [abs(b - a) for a, b in zip(y, y[1:])]
    amr = sum(mr) / len(mr)
    if screen:
        kept = [m for m in mr if m < 3.267 * amr]
        amr = sum(kept) / len(kept)
    return mean, mean - 2.66 * amr, mean + 2.66 * amr


def flagged(res: SpcResult, rule=None):
    return [i for i, r in enumerate(res.rules) if r is not None and (rule is None or r == rule)]


# --- Published NHSRplotthedots cases ----------------------------------------

@pytest.mark.parametrize("series,mean,lpl,upl", [
    (RNORM_123, 0.142, -3.01, 3.29),            # [PTD-snap] ptd_spc.md, first tibble
    (RNORM_123[:10], 0.0746, -2.60, 2.75),      # [PTD-snap] facet 0 row
    (RNORM_123[10:], 0.209, -3.28, 3.70),       # [PTD-snap] facet 1 row
])
def test_nhsrplotthedots_snapshots(series, mean, lpl, upl):
    r = xmr(series)
    for got, pub in ((r.mean, mean), (r.lower_limit, lpl), (r.upper_limit, upl)):
        digits = 3 - int(math.floor(math.log10(abs(pub)))) - 1
        assert abs(got - pub) <= 0.5 * 10 ** -digits + 1e-12
    assert r.point_types == ["common_cause"] * len(series)
    assert r.assurance is None


def test_nhsrplotthedots_two_in_three_opposite_sides():
    # [PTD-std] "only reports special cause for 2 of 3 points close to limits
    # when they are on the same side of the mean".
    d = [1.0, -1.0] * 8
    d[14], d[15] = 5.5, -5.5
    r = xmr(d)
    assert r.point_types[-2:] == ["common_cause", "common_cause"]


@pytest.mark.parametrize("series,expected", [
    (list(range(1, 7)), []),                        # [PTD-type] 1:6 -> none
    ([1, 2, 3, 3, 4, 5, 6], []),                    # [PTD-type] c(1:3, 3:6): tie breaks it
    (list(range(1, 8)), list(range(7))),            # [PTD-type] 1:7 -> all seven
    ([2, 1, 2, 3, 4, 5, 6, 7, 3], list(range(1, 8))),  # [PTD-type] c(2, 1:7, 3)
    (list(range(7, 0, -1)), list(range(7))),        # [PTD-type] 7:1
])
def test_nhsrplotthedots_seven_point_trend_cases(series, expected):
    # The unit cases are placed after a wide fixed baseline (mean 10, limits
    # 10 +/- 53.2) so that only the trend rule can label them "trend".
    # The baseline's last step is chosen against the run so it cannot extend it.
    base = [20.0, 0.0] * 4 if series[0] > series[-1] else [0.0, 20.0] * 4
    r = xmr(base + series, baseline_points=8)
    assert [i - 8 for i, x in enumerate(r.rules) if x == "trend"] == expected


# --- Limits and screening -----------------------------------------------------

def test_limits_and_screening_follow_definition():
    y = [10, 11, 10, 12, 11, 10, 11, 30, 11, 10, 12, 11, 10, 11, 12]
    for screen in (True, False):
        r = xmr(y, screen_outliers=screen)
        m, lo, hi = ref_limits(y, screen)
        assert math.isclose(r.mean, m, rel_tol=1e-12)
        assert math.isclose(r.lower_limit, lo, rel_tol=1e-12)
        assert math.isclose(r.upper_limit, hi, rel_tol=1e-12)
    # Screening narrows the limits but leaves the centre line alone.
    a, b = xmr(y, screen_outliers=True), xmr(y, screen_outliers=False)
    assert a.mean == b.mean
    assert a.upper_limit - a.lower_limit < b.upper_limit - b.lower_limit


def test_baseline_points_fix_limits():
    y = [5, 7, 5, 7, 5, 7, 5, 7, 20, 21, 22, 20]
    r = xmr(y, baseline_points=8)
    assert r.mean == 6.0
    assert math.isclose(r.upper_limit, 6 + 2.66 * 2, rel_tol=1e-12)
    assert r.centre == [6.0] * len(y)
    assert flagged(r, "outside_limits") == [8, 9, 10, 11]
    assert r.trial_limits  # 8 points used


def test_rebase_creates_segments():
    y = [5, 7] * 6 + [20, 22] * 6
    r = xmr(y, rebase_at=[12])
    assert r.centre[:12] == [6.0] * 12 and r.centre[12:] == [21.0] * 12
    assert r.mean == 21.0
    assert math.isclose(r.lower[0], 6 - 2.66 * 2) and math.isclose(r.lower[-1], 21 - 2.66 * 2)
    assert not any(r.special_cause)  # each segment judged against its own limits
    assert r.segment_starts == [0, 12]
    unrebased = xmr(y)
    assert any(unrebased.special_cause)


def test_trial_limits_flag_thirteen_points():
    base = [5, 7] * 10
    assert xmr(base[:12]).trial_limits is True
    assert xmr(base[:13]).trial_limits is False
    assert xmr(base, baseline_points=12).trial_limits is True
    assert xmr(base, baseline_points=13).trial_limits is False
    # Latest segment decides.
    assert xmr(base, rebase_at=[10]).trial_limits is True


# --- Rule 1: outside limits ---------------------------------------------------

def test_rule_outside_limits_and_point_type():
    y = [10, 11] * 8 + [20]
    r = xmr(y, improvement="increase", baseline_points=16)
    assert flagged(r) == [16] and r.rules[16] == "outside_limits"
    assert r.variation == "improvement"
    assert r.variation_label == "Special cause variation – improvement (higher is better)"
    r = xmr(y, improvement="decrease", baseline_points=16)
    assert r.variation == "concern"
    assert r.variation_label == "Special cause variation – concern (lower is better)"
    r = xmr(y, improvement="neutral", baseline_points=16)
    assert r.variation == "neutral_high"
    low = xmr([10, 11] * 8 + [0], improvement="neutral", baseline_points=16)
    assert low.variation == "neutral_low"
    assert xmr([10, 11] * 8 + [0], baseline_points=16).variation == "concern"


def test_rule_outside_is_strict():
    # A point exactly on the limit is not outside it.
    y = [0.0, 2.0] * 8
    r = xmr(y + [1 + 2.66 * 2], baseline_points=16)
    assert math.isclose(r.upper_limit, 1 + 2.66 * 2, rel_tol=1e-15)
    assert r.rules[-1] != "outside_limits"


# --- Rule 2: trend ------------------------------------------------------------

TREND_BASE = [0.0, 2.0] * 5


def test_rule_trend_seven_rising():
    y = TREND_BASE + [0.0, 0.3, 0.6, 0.9, 1.2, 1.5, 1.8] + [0.0, 2.0]
    r = xmr(y)
    assert flagged(r) == list(range(10, 17))
    assert all(r.rules[i] == "trend" for i in range(10, 17))
    # Trend points take the trend's direction even when below the mean.
    assert all(r.point_types[i] == "improvement" for i in range(10, 17))
    assert all(t == "concern" for t in xmr(y, improvement="decrease").point_types[10:17])


def test_rule_trend_needs_seven_and_no_ties():
    six = TREND_BASE + [0.0, 0.3, 0.6, 0.9, 1.2, 1.5] + [0.0, 2.0]
    assert flagged(xmr(six)) == []
    tie = TREND_BASE + [0.0, 0.3, 0.6, 0.9, 0.9, 1.2, 1.5] + [0.0, 2.0]
    assert flagged(xmr(tie)) == []


def test_rule_trend_falling_direction():
    # Base ends high so that the step into the run is a rise, not a fall.
    y = [2.0, 0.0] * 5 + [1.8, 1.5, 1.2, 0.9, 0.6, 0.3, 0.0] + [2.0, 0.0]
    r = xmr(y)
    assert flagged(r, "trend") == list(range(10, 17))
    assert all(t == "concern" for t in r.point_types[10:17])


# --- Rule 3: two out of three beyond two sigma --------------------------------

def _two_three_series(middle: float) -> list[float]:
    # Baseline fixed to mean 1, mean moving range 2: limits 1 +/- 5.32,
    # two-sigma lines 1 +/- 3.5467.
    return [0.0, 2.0] * 8 + [5.0, middle, 5.0, 1.5, 0.5]


def test_rule_two_in_three_same_side():
    r = xmr(_two_three_series(1.5), baseline_points=16)
    assert r.mean == 1.0
    assert flagged(r) == [16, 18]
    assert r.rules[16] == r.rules[18] == "two_in_three"
    assert r.point_types[16] == "improvement"
    assert r.rules[17] is None  # the in-between point is not near the limit


def test_rule_two_in_three_not_when_middle_on_other_side():
    r = xmr(_two_three_series(0.5), baseline_points=16)
    assert flagged(r) == []


def test_rule_two_in_three_below_mean():
    y = [0.0, 2.0] * 8 + [-3.0, 0.5, -3.0, 1.5, 0.5]
    r = xmr(y, baseline_points=16)
    assert flagged(r, "two_in_three") == [16, 18]
    assert r.point_types[16] == "concern"


def test_rule_two_in_three_single_point_not_enough():
    y = [0.0, 2.0] * 8 + [5.0, 1.5, 1.5, 1.5, 0.5]
    assert flagged(xmr(y, baseline_points=16)) == []


# --- Rule 4: shift --------------------------------------------------------------

# Mean exactly 1.0; ends below the mean so an upward run starts cleanly.
SHIFT_BASE = [2.0, 0.0] * 4


def test_rule_shift_seven_above():
    y = SHIFT_BASE + [1.5, 1.6] * 3 + [1.5] + [0.5]
    r = xmr(y, baseline_points=8)
    assert flagged(r) == list(range(8, 15))
    assert all(r.rules[i] == "shift" for i in range(8, 15))
    assert all(r.point_types[i] == "improvement" for i in range(8, 15))


def test_rule_shift_point_on_mean_breaks_run():
    run = [1.5, 1.6] * 3 + [1.5]
    run[3] = 1.0  # exactly on the centre line
    r = xmr(SHIFT_BASE + run + [0.5], baseline_points=8)
    assert flagged(r) == []


def test_rule_shift_six_is_not_enough_eight_all_flagged():
    assert flagged(xmr(SHIFT_BASE + [1.5, 1.6] * 3 + [0.5], baseline_points=8)) == []
    r = xmr([0.0, 2.0] * 4 + [0.5, 0.4] * 4 + [1.5], baseline_points=8)
    assert flagged(r, "shift") == list(range(8, 16))
    assert r.point_types[8] == "concern"


# --- Priority -----------------------------------------------------------------

def test_rule_priority_outside_over_shift():
    y = SHIFT_BASE + [1.5, 1.6, 1.5, 9.0, 1.5, 1.6, 1.5] + [0.5]
    r = xmr(y, baseline_points=8)
    assert r.rules[11] == "outside_limits"
    assert [r.rules[i] for i in (8, 9, 10, 12, 13, 14)] == ["shift"] * 6


# --- Assurance --------------------------------------------------------------------

@pytest.mark.parametrize("improvement,target,expected", [
    ("increase", -10, "pass"), ("increase", 10, "fail"), ("increase", 1, "hit_and_miss"),
    ("decrease", -10, "fail"), ("decrease", 10, "pass"), ("decrease", 1, "hit_and_miss"),
    ("neutral", 10, None), ("increase", None, None),
])
def test_assurance(improvement, target, expected):
    r = xmr([0.0, 2.0] * 8, improvement=improvement, target=target)
    assert r.assurance == expected
    labels = {
        "pass": "Assurance: consistently passes the target",
        "fail": "Assurance: consistently fails the target",
    }
    if expected in labels:
        assert r.assurance_label == labels[expected]
    elif expected == "hit_and_miss":
        assert "hit and miss" in r.assurance_label
    else:
        assert r.assurance_label.startswith("No assurance")


def test_common_cause_label_and_validation():
    r = xmr([0.0, 2.0] * 8)
    assert r.variation == "common_cause" and r.variation_label == "Common cause variation"
    with pytest.raises(ValueError):
        xmr([1, 2, 3], improvement="up")
    with pytest.raises(ValueError):
        xmr([1, float("nan"), 3])
    with pytest.raises(ValueError):
        xmr([1, 2, 3], rebase_at=[5])


def test_single_point_has_no_limits():
    r = xmr([4.0])
    assert r.mean == 4.0 and r.lower_limit is None and r.special_cause == [False]


def test_result_is_frozen():
    r = xmr([1.0, 2.0, 3.0])
    with pytest.raises(Exception):
        r.mean = 3  # type: ignore[misc]


# --- Real data: NHS England A&E, Apr 2016 - Mar 2019 ------------------------------

def _england_monthly():
    att: dict[str, int] = defaultdict(int)
    br: dict[str, int] = defaultdict(int)
    with DATA.open(newline="") as fh:
        for row in csv.DictReader(fh):
            att[row["period"]] += int(row["attendances"])
            br[row["period"]] += int(row["breaches"])
    periods = sorted(att)
    return periods, [att[p] for p in periods], [1 - br[p] / att[p] for p in periods]


def _ref_rules(y, mean, lo, hi):
    """Independent flags for rules 1 and 4 straight from their definitions."""
    outside = {i for i, v in enumerate(y) if v > hi or v < lo}
    side = [np.sign(v - mean) for v in y]
    shift = set()
    for end in range(6, len(y)):
        w = side[end - 6:end + 1]
        if w[0] != 0 and all(s == w[0] for s in w):
            shift.update(range(end - 6, end + 1))
    return outside, shift


def _ref_all_rules(y, mean, lo, hi):
    """Independent, deliberately plain restatement of all four rules."""
    n = len(y)
    two_sigma = (hi - mean) * 2 / 3
    outside, shift = _ref_rules(y, mean, lo, hi)
    trend = set()
    for s in range(n - 6):
        w = y[s:s + 7]
        if all(b > a for a, b in zip(w, w[1:])) or all(b < a for a, b in zip(w, w[1:])):
            trend.update(range(s, s + 7))
    near = [i not in outside and abs(y[i] - mean) > two_sigma for i in range(n)]
    two3 = set()
    for s in range(n - 2):
        idx = range(s, s + 3)
        same_side = all(y[i] > mean for i in idx) or all(y[i] < mean for i in idx)
        if same_side and sum(near[i] for i in idx) >= 2:
            two3.update(i for i in idx if near[i])
    out = []
    for i in range(n):
        for name, hits in (("outside_limits", outside), ("trend", trend),
                           ("two_in_three", two3), ("shift", shift)):
            if i in hits:
                out.append(name)
                break
        else:
            out.append(None)
    return out


def test_ae_england_attendances_common_cause():
    periods, att, _ = _england_monthly()
    assert len(periods) == 36 and periods[0] == "2016-04-01" and periods[-1] == "2019-03-01"
    assert att[0] == 1867781 and att[-1] == 2167550
    r = xmr(att, improvement="neutral")
    m, lo, hi = ref_limits(att)
    assert math.isclose(r.mean, m, rel_tol=1e-9)
    assert math.isclose(r.lower_limit, lo, rel_tol=1e-9)
    assert math.isclose(r.upper_limit, hi, rel_tol=1e-9)
    assert not any(r.special_cause) and r.variation == "common_cause"
    assert r.trial_limits is False


def test_ae_england_four_hour_performance():
    _, _, perf = _england_monthly()
    r = xmr(perf, improvement="increase", target=0.95)
    m, lo, hi = ref_limits(perf)
    assert math.isclose(r.mean, m, rel_tol=1e-9)
    assert math.isclose(r.lower_limit, lo, rel_tol=1e-9)
    assert math.isclose(r.upper_limit, hi, rel_tol=1e-9)
    outside, shift = _ref_rules(perf, m, lo, hi)
    assert set(flagged(r, "outside_limits")) == outside == {4, 9, 20, 21, 22, 23, 33, 34}
    # Every independently found shift point is flagged (perhaps by a rule of
    # higher priority).
    assert shift <= set(flagged(r))
    # Full per-point result: equals the independent restatement above and is
    # pinned literally so any behaviour change is visible.
    assert r.rules == _ref_all_rules(perf, m, lo, hi)
    assert r.rules == [
        "shift", "two_in_three", "two_in_three", "two_in_three", "outside_limits",
        "two_in_three", "shift", None, None, "outside_limits", None, "shift",
        "two_in_three", "shift", "two_in_three", "two_in_three", "two_in_three",
        "shift", "shift", "shift", "outside_limits", "outside_limits",
        "outside_limits", "outside_limits", "shift", "two_in_three", "two_in_three",
        "shift", "shift", "shift", "shift", None, None, "outside_limits",
        "outside_limits", None,
    ]
    assert r.variation == "common_cause"
    # The 95% standard lies above the upper limit: the process cannot meet it.
    assert r.target == 0.95 and hi < 0.95
    assert r.assurance == "fail"
    assert r.assurance_label == "Assurance: consistently fails the target"
