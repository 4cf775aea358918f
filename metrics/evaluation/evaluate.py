"""Judge a metric at a period against its target: the Evaluation.

Status (a contract relied on by exports and operators' scripts) follows one decision table,
:data:`metrics.evaluation.status.STATUS_RULES`, which the About page shows as it is.

A target the baseline already meets is a *maintain* target (:class:`TargetMode`): judged against the
level, with a glide path flat at the level, no progress figure, and a sentence saying since when the
level has been kept or when it was lost. Progress and how it is shown: :mod:`metrics.evaluation.progress`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from metrics.definitions.models import Baseline, Metric, Target
from metrics.disclosure import WITHHELD, any_withheld, is_small, source_problem, withhold, withhold_baseline
from metrics.evaluation.insight_records import Insights
from metrics.evaluation.observations import HEADLINE, headline_series, values_and_intervals
from metrics.evaluation.progress import progress
from metrics.evaluation.status import Facts, Polarity, Status, TargetMode, decide
from metrics.formatting import format_value, number
from metrics.periods import MONTHS_PER_PERIOD, month_key, month_label, months_between, period_label


@dataclass(frozen=True)
class Evaluation:
    metric_id: str
    intention_id: str | None
    title: str
    unit: str
    polarity: Polarity
    period: str | None
    period_label: str | None
    value: float | None
    numerator: float | None
    denominator: float | None
    ci_lower: float | None
    ci_upper: float | None
    baseline_period: str | None
    baseline_value: float | None
    baseline_label: str | None
    target_kind: str | None
    target_stated: float | None
    target_value: float | None
    deadline: str | None
    trajectory_value: float | None
    progress_pct: float | None
    expected_progress_pct: float | None
    status: Status
    status_reason: str
    suppressed: bool = False
    #: Public audience only: the baseline came from a withheld period, so it and the glide path are not shown.
    baseline_suppressed: bool = False
    source_error: str | None = None
    #: ``improve`` or ``maintain`` (a level the baseline already meets); None without a judged target.
    target_mode: TargetMode | None = None
    #: SPC, trend, forecast and benchmark (:mod:`metrics.evaluation.insights`), filled by the service.
    insights: Insights | None = None
    #: Where each element of the target comes from (TargetProvenance.to_contract); None without a target.
    target_provenance: dict[str, Any] | None = None
    #: The metric's source declares its figures synthetic (generated sample data, not real statistics).
    synthetic: bool = False

    def to_contract(self) -> dict[str, Any]:
        """The JSON shape of ``outcomes evaluate`` (DESIGN.md)."""
        return {
            "metric_id": self.metric_id,
            "intention_id": self.intention_id,
            "title": self.title,
            "unit": self.unit,
            "polarity": self.polarity,
            "period": self.period,
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "ci_lower": self.ci_lower,
            "ci_upper": self.ci_upper,
            "baseline": {"period": self.baseline_period, "value": self.baseline_value},
            "target": {"kind": self.target_kind, "value": self.target_value, "deadline": self.deadline},
            "trajectory_value": self.trajectory_value,
            "progress_pct": self.progress_pct,
            "status": self.status,
            "status_reason": self.status_reason,
            "target_provenance": self.target_provenance,
            "synthetic": self.synthetic,
        }

    def to_record(self) -> dict[str, Any]:
        """Everything, JSON-safe apart from NaN (callers clean): the contract keys, the other fields, and
        the insights as :meth:`Insights.to_dict` gives them (what a snapshot stores)."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "insights"}
        return {**fields, **self.to_contract(),
                "insights": self.insights.to_dict() if self.insights is not None else None}


def target_value(target: Target, baseline_value: float) -> float:
    if target.kind == "relative_change":
        return baseline_value * (1 + target.value / 100)
    return target.value


def baseline_rows(series: pd.DataFrame, baseline: Baseline) -> pd.DataFrame:
    """The observed periods an observed baseline is taken from: its window, or the period holding its month."""
    if series.empty or baseline.value is not None:
        return series.iloc[0:0]
    return series.iloc[_baseline_positions(series, baseline)]


def _baseline_positions(series: pd.DataFrame, baseline: Baseline) -> np.ndarray:
    """Where :func:`baseline_rows` are in ``series`` (not empty, baseline observed): compared as arrays, the
    same rows as pandas' boolean selection without two Series made per comparison."""
    starts, ends = series["period_start"].to_numpy(), series["period_end"].to_numpy()
    if baseline.start is not None and baseline.end is not None:
        return np.flatnonzero((starts >= baseline.start) & (ends <= baseline.end))
    month = baseline.period
    return np.flatnonzero((starts <= month) & (ends >= month))[:1]


def baseline_value_from(series: pd.DataFrame, baseline: Baseline) -> float | None:
    """The stated value, the value observed in the baseline period, or the mean over the window."""
    if baseline.value is not None:
        return baseline.value
    if series.empty:
        return None
    # The value column alone at the baseline's rows: the same mean as of those rows' frame, without taking
    # every column of them.
    rows = _baseline_positions(series, baseline)
    if rows.size == 1:  # a baseline period: its value is the mean (NaN as pandas' mean of one NaN gives)
        return float(series["value"].iat[int(rows[0])])
    return float(series["value"].iloc[rows].mean()) if rows.size else None


def baseline_label(baseline: Baseline) -> str:
    if baseline.label:
        return baseline.label
    if baseline.start is not None and baseline.end is not None:
        if baseline.start.month == 4 and months_between(baseline.start, baseline.end) == 11:
            return f"{baseline.start.year}/{(baseline.start.year + 1) % 100:02d}"
        return f"{period_label(baseline.start, 'monthly')} to {period_label(baseline.end, 'monthly')}"
    return period_label(baseline.period, "monthly")  # type: ignore[arg-type]


def glide_path(target: Target, baseline_value: float, polarity: Polarity) -> list[tuple[date, float]]:
    """The glide path's corners: baseline, any milestones, and the target at the deadline. A maintain
    target's path is flat at the level: there is no distance to close, only a level to keep."""
    goal = target_value(target, baseline_value)
    if TargetMode.of(Polarity(polarity), baseline_value, goal) is TargetMode.MAINTAIN:
        return [(target.baseline.month, goal), (target.deadline, goal)]
    points = [(target.baseline.month, baseline_value)]
    points += [(m.period, m.value) for m in sorted(target.milestones, key=lambda m: m.period)]
    points.append((target.deadline, goal))
    return points


def metric_glide_path(metric: Metric, baseline_value: float | None) -> list[tuple[date, float]]:
    """The glide path's corners to draw for ``metric``: none without a target, or without a baseline value
    (unknown, or withheld with everything built from it)."""
    if metric.target is None or baseline_value is None:
        return []
    return glide_path(metric.target, baseline_value, Polarity(metric.polarity))


def trajectory_at(target: Target, baseline_value: float, month: date, polarity: Polarity) -> float:
    """The glide path's value at ``month``: straight lines between its corners."""
    points = glide_path(target, baseline_value, polarity)
    if month <= points[0][0]:
        return points[0][1]
    for (m0, v0), (m1, v1) in zip(points, points[1:]):
        if month <= m1:
            span = months_between(m0, m1)
            return v0 + (v1 - v0) * (months_between(m0, month) / span if span else 1.0)
    return points[-1][1]


def _change_phrase(metric: Metric, value: float, base: float, base_label: str) -> str:
    if metric.unit == "percent":
        diff = value - base
        direction = "up" if diff > 0 else "down"
        if abs(diff) < 0.05:
            return f"level with the {base_label} baseline of {format_value(base, metric)}"
        return (f"{direction} {number(abs(diff), 1)} percentage points from the {base_label} baseline "
                f"of {format_value(base, metric)}")
    if base == 0:
        return f"against a {base_label} baseline of {format_value(0.0, metric)}"  # "£0" for money, not "0"
    pct = (value - base) / base * 100
    if abs(pct) < 0.5:
        return f"level with the {base_label} baseline"
    return f"{number(abs(pct), 1)}% {'above' if pct > 0 else 'below'} the {base_label} baseline"


def _target_phrase(metric: Metric, target: Target, goal: float, mode: TargetMode, base_label: str,
                   base_hidden: bool = False) -> str:
    """``base_hidden``: the baseline is suppressed, so a goal computed from it is not named."""
    deadline = month_label(target.deadline)
    goal_hidden = base_hidden and target.kind == "relative_change"
    if mode is TargetMode.MAINTAIN and target.kind == "relative_change" and target.value == 0:
        # a document asking for a fall (or rise) with no number: judged on direction, not on a benchmark
        side = "above" if Polarity(metric.polarity).higher_is_better else "below"
        level = "suppressed" if goal_hidden else format_value(goal, metric)
        return (f"no number is set, so it is judged on direction: to stay at or {side} the {base_label} "
                f"baseline ({level}) by {deadline}")
    if mode is TargetMode.MAINTAIN:
        side = "above" if Polarity(metric.polarity).higher_is_better else "below"
        level = "the level of the baseline" if goal_hidden else format_value(goal, metric)
        return (f"the target is to keep it at or {side} {level} by {deadline}, "
                f"a level the {base_label} baseline already met")
    if target.kind == "relative_change":
        direction = "below" if target.value < 0 else "above"
        goal_words = "" if goal_hidden else f" ({format_value(goal, metric, with_unit=False)})"
        return (f"the target is {number(abs(target.value), 0)}% {direction} baseline{goal_words} by {deadline}")
    return f"the target is {format_value(goal, metric)} by {deadline}"


def _maintain_phrase(metric: Metric, series: pd.DataFrame, goal: float, since_month: date,
                     base_label: str, level_hidden: bool = False, public: bool = False) -> str:
    """Since when the level has been kept, or when it was lost: the start of the latest unbroken run of
    periods on the same side of the level (periods after the baseline only). For the ``public``, a run
    stops at a withheld figure: which side of the level a small count lies on is not told."""
    polarity = Polarity(metric.polarity)
    after = series[series["period_end"] > since_month]
    met = [polarity.meets(float(v), goal) for v in after["value"]]
    withheld = list(after[WITHHELD].fillna(False).astype(bool)) if public and WITHHELD in after else [False] * len(met)
    labels = list(after["label"])
    start = len(met) - 1
    while start > 0 and met[start - 1] == met[-1] and not withheld[start - 1]:
        start -= 1
    # The unit was said with the target; a level computed from a suppressed baseline is not named.
    level = "that level" if level_hidden else format_value(goal, metric, with_unit=False)
    if met[-1]:
        side = "above" if polarity.higher_is_better else "below"
        since = f"the {base_label} baseline" if start == 0 else labels[start]
        return f"it has been kept at or {side} {level} since {since}"
    side = "below" if polarity.higher_is_better else "above"
    return f"it {'fell' if polarity.higher_is_better else 'rose'} {side} {level} in {labels[start]}"


def _expected_phrase(metric: Metric, target: Target, base: float, expected: float) -> str:
    if target.kind == "relative_change" and metric.unit != "percent" and base:
        pct = (expected - base) / base * 100
        return f"{number(abs(pct), 1)}% {'below' if pct < 0 else 'above'} baseline"
    return format_value(expected, metric)


def _status_gives_away(metric: Metric, latest: Mapping[str, Any], judge: Callable[[float], Status],
                       edges: tuple[float, ...]) -> bool:
    """Could a suppressed figure's status give its count away? A reader knows the count is below the
    threshold (or, withheld beside a small one, at least the threshold), never above a proportion's
    denominator; with the status, a count is given away when it alone, of all those, has that status.
    Decided on what the reader knows (never on the count itself, or withholding the status would tell it):
    True when any count they cannot tell apart would be the only one with its status. A status changes only
    where the value crosses one of ``edges`` (the target, the glide path, the edge of its tolerance), so
    the counts next to those and to the ends of the range are the only ones that can stand alone."""
    count = latest["numerator"]
    if pd.isna(count):
        return False  # no count to give away
    count = float(count)
    threshold = int(math.ceil(metric.suppress_below))
    denominator = float(latest["denominator"]) if not pd.isna(latest["denominator"]) else math.nan
    if metric.method == "published":  # a published value beside its count: the same rate for other counts
        if count <= 0:
            return True
        per_count = float(latest["value"]) / count
    else:
        per_count = float(values_and_intervals(metric, np.array([1.0]), np.array([denominator]))[0][0])
    if math.isnan(per_count):
        return False
    low, high = (0, threshold - 1) if count < metric.suppress_below else (threshold, math.inf)
    if metric.method == "proportion" and not math.isnan(denominator):
        high = min(high, denominator)
    near = {low, low + 1, high - 1, high}
    for edge in edges:
        if per_count > 0 and math.isfinite(edge):
            middle = math.floor(edge / per_count)
            near.update(range(middle - 1, middle + 3))
    candidates = sorted(k for k in near if math.isfinite(k) and low <= k <= high)

    def status(k: float) -> Status | None:
        return judge(k * per_count) if low <= k <= high else None

    return any(status(k) not in (status(k - 1), status(k + 1)) for k in candidates)


def no_data_evaluation(metric: Metric, intention_id: str | None, reason: str,
                       source_error: str | None = None, base: dict[str, Any] | None = None) -> Evaluation:
    target = metric.target
    fields: dict[str, Any] = dict(
        metric_id=metric.id, intention_id=intention_id, title=metric.title, unit=metric.unit,
        polarity=Polarity(metric.polarity), period=None, period_label=None, value=None, numerator=None,
        denominator=None, ci_lower=None, ci_upper=None,
        baseline_period=month_key(target.baseline.month) if target else None,
        baseline_value=target.baseline.value if target else None,
        baseline_label=baseline_label(target.baseline) if target else None,
        target_kind=target.kind if target else None, target_stated=target.value if target else None,
        target_value=target.value if target and target.kind != "relative_change" else None,
        deadline=month_key(target.deadline) if target else None, trajectory_value=None,
        progress_pct=None, expected_progress_pct=None, status=Status.NO_DATA, status_reason=reason,
        source_error=source_error, synthetic=metric.source.synthetic)
    fields.update(base or {})
    return Evaluation(**fields)


def why_no_figure(metric: Metric, observations: pd.DataFrame, at: date) -> str:
    """Why no period ending by ``at`` has a figure: no rows at all, or rows whose figure cannot be
    computed (a zero or missing denominator, a missing numerator), named by their latest period."""
    name = metric.display_title
    rows = observations[(observations["area"] == HEADLINE) & (observations["period_end"] <= at)] \
        if not observations.empty else observations
    if rows.empty:
        return f"{name} has no figures for any period ending by {month_label(at)}."
    latest = rows.sort_values("period_end").iloc[-1]
    periods = f"{len(rows)} period(s) of rows up to {latest['label']}"
    if pd.isna(latest["numerator"]) and pd.isna(latest["value"]):
        return f"{name} has {periods}, but the source gives no numerator for them, so no figure can be computed."
    if metric.method not in ("count", "published"):
        if pd.isna(latest["denominator"]):
            return (f"{name} has {periods}, but the source gives no denominator for them, and a "
                    f"{metric.method.replace('_', ' ')} needs one; return a denominator column from the binding.")
        if latest["denominator"] == 0:
            return (f"{name} has {periods}, but the denominator is 0 in {latest['label']}"
                    + (" and every earlier period" if (rows["denominator"].fillna(0) == 0).all() else "")
                    + f", so no {metric.method.replace('_', ' ')} can be computed (it would divide by zero).")
    return f"{name} has {periods}, but none of them has a figure the source could give."


def evaluate(metric: Metric, observations: pd.DataFrame, at: date, intention_id: str | None = None,
             source_error: str | None = None, suppress: bool = False, error_is_ours: bool = False,
             headline: bool = False) -> Evaluation:
    """The metric's evaluation at month ``at``: its latest period that has ended by then, carrying
    where each element of its target comes from (so every page and export can say "assumed").
    ``error_is_ours``: ``source_error`` is the product's own sentence (a row cap reached), safe to tell
    the public as it is. ``headline``: ``observations`` are already :func:`headline_series`' rows (the
    service's cached headline), not picked out again."""
    judged = _judge(metric, observations, at, intention_id, source_error, suppress, error_is_ours, headline)
    if metric.target is None:
        return dataclasses.replace(judged, synthetic=metric.source.synthetic)
    return dataclasses.replace(judged, synthetic=metric.source.synthetic,
                               target_provenance=metric.target.provenance.to_contract())


#: The latest period's figures a judgement reads.
_LATEST_COLUMNS = ("period", "label", "period_end", "value", "numerator", "denominator", "ci_lower", "ci_upper")


def _judge(metric: Metric, observations: pd.DataFrame, at: date, intention_id: str | None,
           source_error: str | None, suppress: bool, error_is_ours: bool = False, headline: bool = False) -> Evaluation:
    name = metric.display_title
    if source_error:
        told = source_problem(source_error, suppress, error_is_ours)  # ``suppress`` is the public audience
        return no_data_evaluation(metric, intention_id, f"No data: {told}", told)
    series = observations if headline else headline_series(observations)
    # Where the periods ended by ``at`` are, compared as an array, and the latest one's figures read column by
    # column: the same rows and values as ``series[series["period_end"] <= at].iloc[-1]`` without a frame and a
    # row of mixed types made for each of a framework's metrics (most of the judgement's time).
    ended = np.flatnonzero(series["period_end"].to_numpy() <= at) if not series.empty else np.array([], dtype=int)
    if not ended.size:
        return no_data_evaluation(metric, intention_id, f"No data: {why_no_figure(metric, observations, at)}")
    last = int(ended[-1])
    latest = {column: series[column].iat[last] for column in _LATEST_COLUMNS}
    value = float(latest["value"])
    current = dict(
        period=latest["period"], period_label=latest["label"], value=value,
        numerator=None if pd.isna(latest["numerator"]) else float(latest["numerator"]),
        denominator=None if pd.isna(latest["denominator"]) else float(latest["denominator"]),
        ci_lower=None if pd.isna(latest["ci_lower"]) else float(latest["ci_lower"]),
        ci_upper=None if pd.isna(latest["ci_upper"]) else float(latest["ci_upper"]),
        suppressed=suppress and any_withheld(series.iloc[last:last + 1], metric),
    )
    stale = months_between(latest["period_end"], at)
    staleness = (f" The latest figures are for {latest['label']}."
                 if stale >= 2 * MONTHS_PER_PERIOD[metric.frequency] else "")
    value_text = "suppressed (small numbers)" if current["suppressed"] else format_value(value, metric)
    shown = withhold(current) if current["suppressed"] else current
    target = metric.target
    if target is None:
        return no_data_evaluation(metric, intention_id, "", base={
            **shown, "status": Status.MONITORED,
            "status_reason": f"{name} is {value_text} in {latest['label']}; no target is set, so it is "
                             f"monitored: judged on its trend, SPC and benchmark only.{staleness}"})
    base = baseline_value_from(series, target.baseline)
    b_label = baseline_label(target.baseline)
    # A baseline observed in a withheld period would give the small count back (and so would the
    # glide path, progress and a relative target built from it): public figures leave them out.
    base_hidden = suppress and any_withheld(baseline_rows(series, target.baseline), metric)
    if base is None:
        return no_data_evaluation(metric, intention_id, "", base={
            **shown, "status": Status.MONITORED,
            "status_reason": f"{name} is {value_text} in {latest['label']}, but there are no figures for the "
                             f"{b_label} baseline, so progress against the target cannot be judged and it is "
                             f"monitored: give the baseline value in the target or load data for that period."
                             f"{staleness}"})
    goal = target_value(target, base)
    polarity = Polarity(metric.polarity)
    mode = TargetMode.of(polarity, base, goal)
    month = latest["period_end"]
    expected = trajectory_at(target, base, month, polarity)
    maintain = mode is TargetMode.MAINTAIN
    judged = dict(
        **current, baseline_period=month_key(target.baseline.month), baseline_value=base,
        baseline_label=b_label, target_kind=target.kind, target_stated=target.value, target_value=goal,
        deadline=month_key(target.deadline), trajectory_value=expected, target_mode=mode,
        # A maintain target has no distance to cover, so no share of it (metrics.evaluation.progress).
        progress_pct=None if maintain else progress(value, base, goal),
        expected_progress_pct=None if maintain else progress(expected, base, goal),
    )
    change = (f"and the {b_label} baseline is suppressed (small numbers)" if base_hidden
              else _change_phrase(metric, value, base, b_label))
    target_words = _target_phrase(metric, target, goal, mode, b_label, base_hidden)
    if current["suppressed"]:
        # No value and no change from baseline: either would reveal the small number.
        why = (f"it counts fewer than {metric.suppress_below} events" if is_small(latest["numerator"], metric)
               else "with it a small number could be worked out (in one of its areas, or in a metric it is a "
               "whole or a part of)")
        opening = f"{name} in {latest['label']} is suppressed because {why}; {target_words}"
    else:
        opening = f"{name} is {value_text} in {latest['label']}, {change}; {target_words}"

    def facts_at(figure: float) -> Facts:
        return Facts(has_figure=True, has_target=True, started=month > target.baseline.month,
                     met=polarity.meets(figure, goal), past_deadline=month > target.deadline,
                     shortfall=polarity.shortfall(figure, expected),
                     tolerance=abs(expected) * target.amber_tolerance_pct / 100)

    facts = facts_at(value)
    status = decide(facts)
    worse = -1 if polarity.higher_is_better else 1
    tolerance_edge = expected + worse * abs(expected) * target.amber_tolerance_pct / 100
    if current["suppressed"] and status.judged and _status_gives_away(
            metric, latest, lambda v: decide(facts_at(v)), (goal, expected, tolerance_edge)):
        # "Suppressed ... the target is 0 ... achieved" would say the count is 0: the status is withheld too.
        reason = (f"{opening}. Its status is not shown either: with the target, it would give the small number "
                  f"away.{staleness}")
        judged = withhold(judged)
        if base_hidden:
            judged = withhold_baseline(judged)
        return Evaluation(metric_id=metric.id, intention_id=intention_id, title=metric.title, unit=metric.unit,
                          polarity=polarity, status=Status.NO_DATA, status_reason=reason, source_error=None,
                          **judged)
    if status is Status.NOT_STARTED:
        reason = f"{name} has no figures after the {b_label} baseline yet; {target_words}."
    elif maintain:
        kept = _maintain_phrase(metric, series.iloc[ended], goal, target.baseline.month, b_label,
                                level_hidden=base_hidden and target.kind == "relative_change", public=suppress)
        past = ", and the deadline has passed" if facts.past_deadline and not facts.met else ""
        reason = f"{opening}; {kept}{past}: {status.words.lower()}.{staleness}"
    elif status is Status.ACHIEVED:
        reason = f"{opening}: achieved.{staleness}"
    elif facts.past_deadline:
        reason = f"{opening}, and that deadline has passed: off track.{staleness}"
    elif base_hidden:
        reason = f"{opening}; against the glide path from that baseline: {status.words.lower()}.{staleness}"
    else:
        expected_words = _expected_phrase(metric, target, base, expected)
        reason = (f"{opening}, and the glide path expects {expected_words} by now: "
                  f"{status.words.lower()}.{staleness}")
    if current["suppressed"]:
        judged = withhold(judged)
    if base_hidden:
        judged = withhold_baseline(judged)
    return Evaluation(metric_id=metric.id, intention_id=intention_id, title=metric.title, unit=metric.unit,
                      polarity=polarity, status=status, status_reason=reason, source_error=None,
                      **judged)
