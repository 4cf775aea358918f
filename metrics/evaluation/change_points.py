"""SPC change points: where an XmR chart's limits are recalculated, where the product suggests one, and how a
chart whose points are mostly special causes is read as one sustained signal.

Making Data Count (NHS England, 2019 and 2021) and NHSRplotthedots' ``rebase``: limits are recalculated from a
point at which the process is known to have changed (a new service, a definition change), never to make a
chart look better. A change point is either *declared in config* (reviewed with the definitions: a definition
change, or each series break a publisher records) or *recorded by a person* with a reason
(:mod:`review.change_points`). The product *suggests* candidates (:func:`suggest_change_points`) but never
applies one by itself: only the change points it is given are applied.

Conventions, as NHSRplotthedots (``rebase_group = cumsum(rebase)``): a change point is the first point of its
segment; each segment has its own mean and mean moving range (the range across the change point is not used)
and its rules are read within the segment. A change point names a month: its segment starts at the first
period of the series that ends in or after that month (for an annual metric ``2014-04`` is 2014/15).
"""

from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from metrics.definitions.models import Metric
from metrics.periods import month_key
from metrics.statistics.spc import RULE_SHIFT, RULE_TREND, RUN_POINTS, SpcResult, runs, xmr

__all__ = ["ChangePoint", "FROM_CONFIG", "MIN_SEGMENT_POINTS", "Suggestion", "Sustained", "declared_change_points",
           "merge_change_points", "positions", "suggest_change_points", "sustained_reading"]

#: ``recorded_by`` of a change point declared in config.
FROM_CONFIG = "config"
#: The fewest points a suggested change point leaves after it: NHSRplotthedots refuses to fix limits on fewer
#: than 12 (``fix_after_n_points >= 12``).
MIN_SEGMENT_POINTS = 12
#: A latest segment with more than this share of special-cause points is read as one sustained signal.
SUSTAINED_SHARE = 0.5
_IMPROVEMENT_SIGN = {"increase": 1, "decrease": -1, "neutral": 0}


@dataclass(frozen=True)
class ChangePoint:
    """A period from which a metric's SPC limits are recalculated, with the reason and who says so."""

    period: str                    # YYYY-MM: the segment starts at the first period ending in or after it
    reason: str
    recorded_by: str = FROM_CONFIG  # a username, or FROM_CONFIG when declared in config
    recorded_at: str | None = None  # ISO time it was recorded in the store
    id: int | None = None           # the store's id; None when declared in config

    @property
    def declared(self) -> bool:
        return self.id is None and self.recorded_by == FROM_CONFIG

    @property
    def attribution(self) -> str:
        """``declared in config`` or ``recorded by <username>``."""
        return "declared in config" if self.declared else f"recorded by {self.recorded_by}"

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "reason": self.reason, "recorded_by": self.recorded_by,
                "recorded_at": self.recorded_at, "id": self.id}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ChangePoint":
        return cls(data["period"], data["reason"], data.get("recorded_by", FROM_CONFIG), data.get("recorded_at"),
                   data.get("id"))


def declared_change_points(metric: Metric, breaks: Sequence[tuple[str, str, str]] = ()) -> tuple[ChangePoint, ...]:
    """The change points the metric's config declares, and, with ``spc.change_points_at_series_breaks``, each
    series break the publisher records (``breaks``: (period, label, words) as the service reads them)."""
    points = [ChangePoint(month_key(d.period), d.reason) for d in metric.spc.change_points]
    if metric.spc.change_points_at_series_breaks:
        points += [ChangePoint(period, f"the publisher's series break in {label} ({words})")
                   for period, label, words in breaks]
    return tuple(points)


def merge_change_points(declared: Sequence[ChangePoint], recorded: Sequence[ChangePoint]) -> tuple[ChangePoint, ...]:
    """Config's and people's change points in period order; config's first where both name a period."""
    taken = {p.period for p in declared}
    return tuple(sorted([*declared, *(p for p in recorded if p.period not in taken)],
                        key=lambda p: (p.period, not p.declared)))


def positions(periods: Sequence[str], points: Sequence[ChangePoint]) -> dict[int, ChangePoint]:
    """{index in ``periods`` (period keys in order): the change point that starts a segment there}. A change
    point at or before the first period, or after the last, starts nothing; of two at one index, the first."""
    found: dict[int, ChangePoint] = {}
    for point in points:
        at = bisect_left(periods, point.period)
        if 0 < at < len(periods) and at not in found:
            found[at] = point
    return dict(sorted(found.items()))


# ---------------------------------------------------------------- suggestions

@dataclass(frozen=True)
class Suggestion:
    """A candidate change point: where a sustained shift or trend starts, whose rebasing leaves the points
    from there stable. Only a suggestion: nothing applies it until a person records it."""

    period: str
    label: str
    rule: str            # RULE_SHIFT or RULE_TREND: the run that starts here
    direction: int       # +1 above the mean / rising, -1 below / falling
    run_points: int      # points in that run
    points_after: int    # points from here to the latest: the new segment
    words: str

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "label": self.label, "rule": self.rule, "direction": self.direction,
                "run_points": self.run_points, "points_after": self.points_after, "words": self.words}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Suggestion":
        return cls(data["period"], data["label"], data["rule"], int(data["direction"]), int(data["run_points"]),
                   int(data["points_after"]), data["words"])


def _stable(result: SpcResult, start: int) -> bool:
    """From ``start`` on: no shift or trend, and at most one other special-cause point."""
    later = result.rules[start:]
    return not any(r in (RULE_SHIFT, RULE_TREND) for r in later) and sum(r is not None for r in later) <= 1


def suggest_change_points(values: Sequence[float], periods: Sequence[str], labels: Sequence[str],
                          improvement: str = "increase", rebase_at: Sequence[int] = ()) -> tuple[Suggestion, ...]:
    """Candidate change points in the latest segment of the XmR chart of ``values`` (rebased at ``rebase_at``,
    the change points already applied): the first point of each shift (seven or more on one side of the mean)
    or trend (seven or more rising or falling) that the Making Data Count rules detect, where recalculating the
    limits would leave at least :data:`MIN_SEGMENT_POINTS` points after it and those points stable (no shift
    or trend, at most one other special-cause point). As Wheeler advises, the new limits start with the first
    point of the run. Pure: it applies nothing."""
    return _suggested(tuple(float(v) for v in values), tuple(periods), tuple(labels), improvement,
                      tuple(rebase_at))


@lru_cache(maxsize=1024)
def _suggested(values: tuple[float, ...], periods: tuple[str, ...], labels: tuple[str, ...], improvement: str,
               rebase_at: tuple[int, ...]) -> tuple[Suggestion, ...]:
    """:func:`suggest_change_points`, remembered: near-duplicate measures (alike but for a target) ask it of the
    very same series, and each answer is a trial XmR chart per run (a fifth of a cold framework's SPC)."""
    y = list(values)
    base = xmr(y, improvement=improvement, rebase_at=rebase_at)
    start = base.segment_starts[-1]
    if base.mean is None or base.mean_moving_range is None:
        return ()
    found: list[Suggestion] = []
    for run in runs(y[start:], base.mean):
        at = start + run.start
        after = len(y) - at
        if run.start == 0 or after < MIN_SEGMENT_POINTS or any(s.period == periods[at] for s in found):
            continue
        trial = xmr(y, improvement=improvement, rebase_at=[*rebase_at, at])
        if not _stable(trial, at):
            continue
        specials = sum(trial.special_cause[at:])
        if run.rule == RULE_SHIFT:
            what = f"{run.points} points in a row {'above' if run.direction > 0 else 'below'} the mean (a shift)"
        else:
            what = f"{run.points} points in a row {'rising' if run.direction > 0 else 'falling'} (a trend)"
        stable = ("show only common cause variation" if not specials
                  else "show only common cause variation but for one point")
        found.append(Suggestion(periods[at], labels[at], run.rule, run.direction, run.points, after,
                                f"{labels[at]}: {what} start here; with the limits recalculated from {labels[at]}, "
                                f"the {after} points since then {stable}."))
    return tuple(found)


# ---------------------------------------------------------------- a sustained signal

@dataclass(frozen=True)
class Sustained:
    """Most points of the latest segment are special causes: one sustained movement, not many signals."""

    shape: str        # "trend" (a straight line fits better than one step), "shift" (one step fits better),
                      # "runs" (long runs above and below the mean, no overall direction)
    direction: int    # +1 upward, -1 downward, 0 none
    reading: str      # "improvement", "concern" or "neutral" (the direction against the metric's polarity)
    points: int       # points in the latest segment
    special: int      # of which special cause
    start: int        # index of the segment's first point

    @property
    def description(self) -> str:
        """``a sustained upward trend`` / ``a sustained downward shift`` / ``sustained runs``."""
        if self.direction == 0:
            return "sustained runs above and below the mean"
        return f"a sustained {'upward' if self.direction > 0 else 'downward'} {self.shape}"

    def to_dict(self) -> dict[str, Any]:
        return {"shape": self.shape, "direction": self.direction, "reading": self.reading, "points": self.points,
                "special": self.special, "start": self.start}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Sustained":
        return cls(data["shape"], int(data["direction"]), data["reading"], int(data["points"]),
                   int(data["special"]), int(data["start"]))


def _step_fits_better(y: np.ndarray) -> bool:
    """One step (two means) leaves less squared error than one straight line."""
    x = np.arange(y.size, dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    line = float(((y - (slope * x + intercept)) ** 2).sum())
    step = min(float(((y[:k] - y[:k].mean()) ** 2).sum() + ((y[k:] - y[k:].mean()) ** 2).sum())
               for k in range(1, y.size))
    return step < line


def sustained_reading(result: SpcResult, values: Sequence[float]) -> Sustained | None:
    """The latest segment read as one sustained signal when more than half of its points (and at least seven)
    are special causes; None otherwise. Its direction is that of the change from its first third to its last
    third when that change is larger than the distance from the mean to a limit."""
    start = result.segment_starts[-1]
    y = np.asarray([float(v) for v in values[start:]], dtype=float)
    special = sum(result.special_cause[start:])
    if (y.size < RUN_POINTS or result.mean is None or result.upper_limit is None
            or special <= SUSTAINED_SHARE * y.size):
        return None
    third = max(1, y.size // 3)
    change = float(y[-third:].mean() - y[:third].mean())
    direction = int(np.sign(change)) if abs(change) > result.upper_limit - result.mean else 0
    shape = "runs" if direction == 0 else ("shift" if _step_fits_better(y) else "trend")
    better = _IMPROVEMENT_SIGN.get(result.improvement, 0)
    reading = ("neutral" if direction == 0 or better == 0
               else "improvement" if direction == better else "concern")
    return Sustained(shape, direction, reading, int(y.size), int(special), start)
