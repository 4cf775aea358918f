"""Statistical process control (XmR charts) as NHS England "Making Data Count".

Method sources:

* NHS England / NHS Improvement, *Making Data Count: Getting started* (2019)
  and *Making Data Count: strengthening your decisions* (2021): XmR chart,
  limits at mean +/- 2.66 x mean moving range, the four special-cause rules
  and the variation / assurance icons.
* The R package NHSRplotthedots (github.com/nhs-r-community/NHSRplotthedots),
  ``R/ptd_spc_standard.R`` and ``R/ptd_calculate_point_type.R``, whose exact
  conventions are followed here:

  - the centre line is the mean of the points used for the limits;
  - outlier screening drops moving ranges that are *not strictly below*
    3.267 x the mean moving range, then recomputes the mean moving range
    (the centre line is unchanged);
  - ``fix_after_n_points`` (here ``baseline_points``) and rebasing apply per
    segment, and every rule is evaluated within a segment;
  - rule 1, outside the limits: strictly above the upper / below the lower
    limit;
  - rule 2, trend: seven consecutive points each strictly higher (or lower)
    than the one before, i.e. six successive rises/falls; a tie breaks it;
    all seven points are flagged and a trend point takes the trend's
    direction;
  - rule 3, two out of three: in a window of three consecutive points all on
    the same side of the mean, at least two lie beyond two-sigma
    (mean +/- 2/3 of the distance to the limit) but inside the limits; only
    those near-limit points are flagged;
  - rule 4, shift: seven or more consecutive points on the same side of the
    mean; a point exactly on the mean breaks the run;
  - a point flagged by several rules is labelled by the first in that order.

Assurance (NHSRplotthedots ``ptd_calculate_assurance_type``): with the latest
segment's limits, a target beyond the limits on the good side means the
process consistently passes, on the bad side consistently fails, otherwise it
is hit and miss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy as np

__all__ = ["Run", "SpcResult", "runs", "xmr", "LIMIT_FACTOR", "RUN_POINTS", "SCREEN_FACTOR", "TRIAL_LIMIT_POINTS"]

#: 2.66 = 3 / d2 with d2 = 1.128 for moving ranges of two (Wheeler).
LIMIT_FACTOR = 2.66
#: Upper range limit for a moving-range chart, D4 = 3.267 (Wheeler).
SCREEN_FACTOR = 3.267
#: Making Data Count treats limits from fewer points than this as trial limits.
TRIAL_LIMIT_POINTS = 13

#: Rules 2 and 4: seven points in a row (rising or falling; on one side of the mean).
RUN_POINTS = 7

_IMPROVEMENT_SIGN = {"increase": 1, "decrease": -1, "neutral": 0}

RULE_OUTSIDE = "outside_limits"
RULE_TREND = "trend"
RULE_TWO_IN_THREE = "two_in_three"
RULE_SHIFT = "shift"


@dataclass(frozen=True)
class SpcResult:
    """Outcome of :func:`xmr`.

    Scalars describe the latest segment; per-point lists cover every input
    point so that rebased limits can be drawn.
    """

    mean: Optional[float]
    lower_limit: Optional[float]
    upper_limit: Optional[float]
    mean_moving_range: Optional[float]
    centre: List[Optional[float]]
    lower: List[Optional[float]]
    upper: List[Optional[float]]
    point_types: List[str]
    special_cause: List[bool]
    rules: List[Optional[str]]
    variation: str
    assurance: Optional[str]
    trial_limits: bool
    variation_label: str
    assurance_label: str
    improvement: str
    target: Optional[float]
    segment_starts: List[int]


@dataclass(frozen=True)
class _Segment:
    mean: Optional[float]
    amr: Optional[float]
    n_used: int

    @property
    def lpl(self) -> Optional[float]:
        if self.mean is None or self.amr is None:
            return None
        return self.mean - LIMIT_FACTOR * self.amr

    @property
    def upl(self) -> Optional[float]:
        if self.mean is None or self.amr is None:
            return None
        return self.mean + LIMIT_FACTOR * self.amr


def _segment_limits(y: np.ndarray, baseline_points: Optional[int], screen: bool) -> _Segment:
    used = y if baseline_points is None else y[:baseline_points]
    if used.size == 0:
        return _Segment(None, None, 0)
    mean = float(used.mean())
    if used.size < 2:
        # One point has no moving range, so no limits can be drawn.
        return _Segment(mean, None, int(used.size))
    mr = np.abs(np.diff(used))
    amr = float(mr.mean())
    if screen:
        # NHSRplotthedots keeps only mr < 3.267 * amr (strict), so a range
        # equal to the cut-off is also dropped.
        kept = mr[mr < SCREEN_FACTOR * amr]
        if kept.size:
            amr = float(kept.mean())
    return _Segment(mean, amr, int(used.size))


def _sign(v: float) -> int:
    return (v > 0) - (v < 0)


def _signs(values: np.ndarray) -> np.ndarray:
    """:func:`_sign` of every element (NaN gives 0, as its comparisons are false)."""
    return (values > 0).astype(np.int64) - (values < 0).astype(np.int64)


def _windows(flags: np.ndarray, width: int, n: int) -> np.ndarray:
    """Every point inside some window of ``width`` points that starts where ``flags`` is set (``flags[s]``
    is window ``s .. s + width - 1``), for ``n`` points."""
    if flags.size == 0:
        return np.zeros(n, dtype=bool)
    return np.convolve(flags.astype(np.int64), np.ones(width, dtype=np.int64))[:n] > 0


def _classify_segment(y: np.ndarray, seg: _Segment) -> Tuple[List[Optional[str]], List[int]]:
    """Return per-point (rule, direction) for one segment; direction +1/-1/0. Whole arrays at once: a
    framework of 200 metrics classifies some 800 segments on every cold page."""
    n = y.size
    rules: List[Optional[str]] = [None] * n
    dirs: List[int] = [0] * n
    if seg.mean is None or seg.amr is None:
        return rules, dirs
    mean, lpl, upl = seg.mean, seg.lpl, seg.upl
    assert lpl is not None and upl is not None
    near = 2 * (LIMIT_FACTOR / 3) * seg.amr
    nlpl, nupl = mean - near, mean + near
    y = np.asarray(y, dtype=np.float64)

    outside = (y > upl) | (y < lpl)
    rtm = _signs(y - mean)
    close = ~outside & ((y < nlpl) | (y > nupl))
    diffs = _signs(np.diff(y))

    # Rule 2 - trend: windows of seven whose six steps all share a strict sign.
    if n >= RUN_POINTS:
        steps = np.lib.stride_tricks.sliding_window_view(diffs, RUN_POINTS - 1)
        trending = (steps == 1).all(axis=1) | (steps == -1).all(axis=1)
    else:
        trending = np.zeros(0, dtype=bool)
    in_trend = _windows(trending, RUN_POINTS, n)
    # As NHSRplotthedots: use the step to the right when the next point is in the trend too, otherwise
    # the step from the left (the first point, with none to its left, takes the first step).
    right = np.append(diffs, 0)
    left = np.concatenate(([diffs[0] if diffs.size else 0], diffs))
    next_in_trend = np.append(in_trend[1:], False)
    trend_dir = np.where(in_trend, np.where(next_in_trend, right, left), 0)

    # Rule 3 - two of three near the limit, all three on one side.
    if n >= 3:
        near_three = np.lib.stride_tricks.sliding_window_view(close, 3).sum(axis=1) >= 2
        one_side = np.abs(np.lib.stride_tricks.sliding_window_view(rtm, 3).sum(axis=1)) == 3
        two_three = close & _windows(near_three & one_side, 3, n)
    else:
        two_three = np.zeros(n, dtype=bool)

    # Rule 4 - shift: seven consecutive non-zero, equal sides of the mean.
    if n >= RUN_POINTS:
        sides = np.lib.stride_tricks.sliding_window_view(rtm, RUN_POINTS)
        shifted = (sides == 1).all(axis=1) | (sides == -1).all(axis=1)
    else:
        shifted = np.zeros(0, dtype=bool)
    in_shift = _windows(shifted, RUN_POINTS, n)

    for i in np.flatnonzero(outside | in_trend | two_three | in_shift).tolist():
        if outside[i]:
            rules[i], dirs[i] = RULE_OUTSIDE, int(rtm[i])
        elif in_trend[i]:
            rules[i], dirs[i] = RULE_TREND, int(trend_dir[i])
        elif two_three[i]:
            rules[i], dirs[i] = RULE_TWO_IN_THREE, int(rtm[i])
        else:
            rules[i], dirs[i] = RULE_SHIFT, int(rtm[i])
    return rules, dirs


@dataclass(frozen=True)
class Run:
    """A maximal run that rule 2 (trend) or rule 4 (shift) detects: ``start`` and ``end`` (inclusive) index the
    values given to :func:`runs`; ``direction`` is +1 (rising / above the mean) or -1."""

    start: int
    end: int
    rule: str
    direction: int

    @property
    def points(self) -> int:
        return self.end - self.start + 1


def runs(values: Sequence[float], mean: float) -> List[Run]:
    """Every maximal shift (seven or more points on one side of ``mean``; a point on the mean breaks it) and
    trend (seven or more points each strictly higher, or lower, than the one before; a tie breaks it) in
    ``values``, in order of their start (a shift before a trend starting at the same point)."""
    y = [float(v) for v in values]
    found: List[Run] = []
    side = [_sign(v - mean) for v in y]
    i = 0
    while i < len(y):
        j = i
        while side[i] != 0 and j + 1 < len(y) and side[j + 1] == side[i]:
            j += 1
        if side[i] != 0 and j - i + 1 >= RUN_POINTS:
            found.append(Run(i, j, RULE_SHIFT, side[i]))
        i = j + 1
    steps = [_sign(b - a) for a, b in zip(y, y[1:])]
    i = 0
    while i < len(steps):
        j = i
        while steps[i] != 0 and j + 1 < len(steps) and steps[j + 1] == steps[i]:
            j += 1
        if steps[i] != 0 and j - i + 1 >= RUN_POINTS - 1:  # six steps join seven points
            found.append(Run(i, j + 1, RULE_TREND, steps[i]))
        i = j + 1
    return sorted(found, key=lambda r: (r.start, r.rule != RULE_SHIFT))


def _point_type(direction: int, improvement_sign: int) -> str:
    if direction == 0:
        return "common_cause"
    if improvement_sign == 0:
        return "neutral_high" if direction > 0 else "neutral_low"
    return "improvement" if direction * improvement_sign > 0 else "concern"


def _variation_label(variation: str, improvement: str) -> str:
    better = "higher is better" if improvement == "increase" else "lower is better"
    if variation == "improvement":
        return f"Special cause variation – improvement ({better})"
    if variation == "concern":
        return f"Special cause variation – concern ({better})"
    if variation == "neutral_high":
        return "Special cause variation – neither improvement nor concern (higher values)"
    if variation == "neutral_low":
        return "Special cause variation – neither improvement nor concern (lower values)"
    return "Common cause variation"


def _assurance_label(assurance: Optional[str], target: Optional[float], improvement: str) -> str:
    if assurance == "pass":
        return "Assurance: consistently passes the target"
    if assurance == "fail":
        return "Assurance: consistently fails the target"
    if assurance == "hit_and_miss":
        return "Assurance: hit and miss – the target may or may not be met"
    if target is None:
        return "No assurance assessment: no target set"
    if improvement == "neutral":
        return "No assurance assessment: no improvement direction"
    return "No assurance assessment: limits could not be calculated"


def xmr(
    values: Sequence[float],
    improvement: str = "increase",
    target: Optional[float] = None,
    screen_outliers: bool = True,
    baseline_points: Optional[int] = None,
    rebase_at: Optional[Iterable[int]] = None,
) -> SpcResult:
    """XmR (individuals) chart with Making Data Count rules and icons.

    Method: NHS England *Making Data Count* (2019, 2021) as implemented by
    NHSRplotthedots ``ptd_spc`` (see module docstring for every convention).

    Args:
        values: the series in time order, with no gaps.
        improvement: ``"increase"``, ``"decrease"`` or ``"neutral"``.
        target: optional target used for the assurance icon.
        screen_outliers: drop moving ranges >= 3.267 x mean moving range
            before computing the limits.
        baseline_points: fix each segment's limits from its first ``k`` points.
        rebase_at: indices at which a new segment (recalculated limits) starts.
    """
    if improvement not in _IMPROVEMENT_SIGN:
        raise ValueError("improvement must be 'increase', 'decrease' or 'neutral'")
    y = np.asarray([float(v) for v in values], dtype=float)
    if not np.all(np.isfinite(y)):
        raise ValueError("values must be finite numbers with no gaps")
    if baseline_points is not None and baseline_points < 1:
        raise ValueError("baseline_points must be at least 1")
    n = y.size
    rebase = [int(i) for i in (rebase_at or ())]
    if any(i < 0 or i >= n for i in rebase):
        raise ValueError("rebase_at indices must lie within the series")
    starts = sorted({0, *(i for i in rebase if i > 0)})
    bounds = list(zip(starts, starts[1:] + [n]))

    imp = _IMPROVEMENT_SIGN[improvement]
    centre: List[Optional[float]] = []
    lower: List[Optional[float]] = []
    upper: List[Optional[float]] = []
    rules: List[Optional[str]] = []
    types: List[str] = []
    last = _Segment(None, None, 0)
    for a, b in bounds:
        seg = _segment_limits(y[a:b], baseline_points, screen_outliers)
        seg_rules, seg_dirs = _classify_segment(y[a:b], seg)
        centre += [seg.mean] * (b - a)
        lower += [seg.lpl] * (b - a)
        upper += [seg.upl] * (b - a)
        rules += seg_rules
        types += [_point_type(d, imp) if r else "common_cause" for r, d in zip(seg_rules, seg_dirs)]
        last = seg

    variation = types[-1] if types else "common_cause"
    assurance: Optional[str] = None
    if target is not None and imp != 0 and last.lpl is not None and last.upl is not None:
        t = float(target)
        if t > last.upl:
            assurance = "fail" if imp > 0 else "pass"
        elif t < last.lpl:
            assurance = "pass" if imp > 0 else "fail"
        else:
            assurance = "hit_and_miss"

    return SpcResult(
        mean=last.mean,
        lower_limit=last.lpl,
        upper_limit=last.upl,
        mean_moving_range=last.amr,
        centre=centre,
        lower=lower,
        upper=upper,
        point_types=types,
        special_cause=[r is not None for r in rules],
        rules=rules,
        variation=variation,
        assurance=assurance,
        trial_limits=last.n_used < TRIAL_LIMIT_POINTS,
        variation_label=_variation_label(variation, improvement),
        assurance_label=_assurance_label(assurance, target, improvement),
        improvement=improvement,
        target=None if target is None else float(target),
        segment_starts=starts,
    )
