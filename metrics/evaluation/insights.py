"""Statistics about an evaluated metric's series: SPC, recent trend, forecast to the deadline, benchmark.

This module only *uses* the tested statistics in :mod:`metrics.statistics.spc` (XmR, Making Data Count)
and :mod:`metrics.statistics.trend` (Fingertips recent trend and benchmark, OLS forecast); it decides which
points they see and puts their results into words.

:func:`compute` is pure. :func:`enrich` returns a copy of an :class:`~metrics.evaluation.evaluate.Evaluation`
whose ``insights`` is a typed :class:`Insights` (computed from the series as the audience may see it:
small numbers withheld first when ``suppress``) and, while the deadline is still ahead and the target not yet
met, with the forecast sentence appended to ``status_reason``. The records themselves and their JSON form
(what snapshots store) are in :mod:`metrics.evaluation.insight_records`, below this module and ``evaluate``. :func:`metrics.evaluation.evaluate.evaluate` stays a pure judgement of the value.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date
from typing import Any, Mapping, Sequence

import pandas as pd

from metrics.definitions.models import Metric
from metrics.disclosure import suppress_frame
from metrics.evaluation.change_points import (ChangePoint, Suggestion, Sustained, positions, suggest_change_points,
                                              sustained_reading)
from metrics.evaluation.evaluate import Evaluation
from metrics.evaluation.insight_records import (BENCHMARK_METHOD, POINT_TYPE_WORDS, Benchmark, Insights, SpcInsight,
                                                SpcSegment, Verdict, latest_summary)
from metrics.evaluation.ranking import Ranking, rank_among
from metrics.evaluation.status import Polarity, Status
from metrics.formatting import format_value, number
from metrics.periods import month_label, parse_month
from metrics.statistics.spc import SpcResult, xmr
from metrics.statistics.trend import ForecastResult, TrendResult, benchmark, forecast, recent_trend

__all__ = ["Benchmark", "BENCHMARK_METHOD", "Insights", "SpcInsight", "SpcSegment", "Verdict", "compute", "enrich",
           "with_reason", "FORECAST_POINTS", "TREND_POINTS", "POINT_TYPE_WORDS", "RULE_WORDS"]

#: How many recent points the forecast line is fitted to: two years of data (one for annual metrics
#: would be too few), so a monthly line spans two whole seasonal cycles.
FORECAST_POINTS = {"monthly": 24, "quarterly": 8, "annual": 5, "calendar_year": 5}
#: Fingertips recent trend: the last five points.
TREND_POINTS = 5
#: Statuses whose reason gains the forecast sentence (the target is not met yet).
FORECAST_STATUSES = (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK)

_TREND_METHOD = {"proportion": "proportion", "crude_rate": "rate", "count": "count", "mean": "mean",
                 "published": "rate"}
_PERIOD_WORD = {"monthly": "months", "quarterly": "quarters", "annual": "years", "calendar_year": "years"}

RULE_WORDS = {
    "outside_limits": "outside the process limits",
    "trend": "run of seven rising or falling",
    "two_in_three": "two of three near a limit",
    "shift": "seven or more on one side of the mean",
}

def _opt(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number_ = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number_) else number_


def _floats(column: pd.Series) -> list[float | None]:
    """``[_opt(v) for v in column]``; for a float64 column (the observations' figures) from its array at once,
    NaN as None (a framework's insights convert some hundred thousand values)."""
    if column.dtype == "float64":
        return [None if v != v else v for v in column.to_numpy().tolist()]
    return [_opt(v) for v in column]


def _month_index(month: date) -> int:
    return month.year * 12 + month.month - 1


# ---------------------------------------------------------------- pieces

def _segments(result: SpcResult, run: pd.DataFrame, applied: Mapping[int, ChangePoint]) -> tuple[SpcSegment, ...]:
    starts = result.segment_starts
    return tuple(SpcSegment(run["period"].iloc[a], run["label"].iloc[a], b - a, result.centre[a], result.lower[a],
                            result.upper[a], applied.get(a))
                 for a, b in zip(starts, [*starts[1:], len(run)]))


def _segment_words(segments: Sequence[SpcSegment], labels: Sequence[str]) -> str:
    """Which segment the limits come from, and every change point applied, in words."""
    latest = segments[-1]
    if latest.change_point is None:
        return f"Limits from all {latest.points} points ({labels[0]} to {labels[-1]}); no change point applies."
    point = latest.change_point
    if latest.lower is None:
        words = (f"The latest point starts new limits at {latest.label}, a change point {point.attribution}: "
                 f"{point.reason.rstrip('.')}. One point gives no limits, so it is not judged yet.")
    else:
        words = (f"Limits from the {latest.points} points since {latest.label}, recalculated at a change point "
                 f"{point.attribution}: {point.reason.rstrip('.')}.")
    earlier = [s for s in segments[1:-1] if s.change_point is not None]
    if earlier:
        words += " Earlier change points: " + "; ".join(
            f"{s.label} ({s.change_point.attribution}: {s.change_point.reason.rstrip('.')})" for s in earlier) + "."
    return words


def _sustained_words(metric: Metric, sustained: Sustained, result: SpcResult, run: pd.DataFrame,
                     suggestions: Sequence[Suggestion]) -> tuple[str, str]:
    """(the sentence for the SPC words, the phrase for exception lists)."""
    part = run.iloc[sustained.start:]
    first, last = part["label"].iloc[0], part["label"].iloc[-1]
    fmt = lambda v: format_value(float(v), metric, with_unit=False)  # noqa: E731
    span = (f"from {fmt(part['value'].iloc[0])} in {first} to {fmt(part['value'].iloc[-1])} in {last}"
            if sustained.direction else f"{first} to {last}")
    what = f"{sustained.description} across {sustained.points} points"
    words = (f"{what[0].upper()}{what[1:]} ({span}): the limits ({fmt(result.lower_limit)} to "
             f"{fmt(result.upper_limit)}) describe no stable process, so its {sustained.special} special-cause "
             f"points are one signal, not {sustained.special}, and no single point is read against them.")
    if suggestions:
        words += (" Consider recording a change point: the product suggests "
                  + ", ".join(s.label for s in suggestions) + " (see the change points).")
    else:
        words += (" Consider recording a change point where the process is known to have changed (none is "
                  "suggested: no change point here would leave at least 12 stable points after it).")
    summary = f"{what} ({first} to {last}), one signal rather than {sustained.special} special-cause points"
    return words, summary


def _spc(metric: Metric, series: pd.DataFrame, target: float | None,
         change_points: Sequence[ChangePoint] = ()) -> tuple[SpcInsight | None, str]:
    """``change_points``: recorded by a person or declared in config (never applied without one of those);
    each starts a segment at the first period of the run ending in or after its month."""
    # XmR needs an unbroken run: after suppression, use the run since the last withheld value.
    values = series["value"]
    missing = [i for i, v in enumerate(_floats(values)) if v is None]
    run = series.iloc[(missing[-1] + 1) if missing else 0:].reset_index(drop=True)
    note = ""
    if missing and not run.empty:
        note = (f" Values before {run['label'].iloc[0]} include suppressed small numbers, so the chart uses the "
                f"{len(run)} points since then.")
    if len(run) < 2:
        why = ("the latest value is suppressed (small numbers)" if missing and run.empty
               else "fewer than two data points")
        return None, f"No SPC chart: {why}."
    improvement = Polarity(metric.polarity).improvement
    # Columns to lists at once (iterating a text column asks its Arrow array one value at a time).
    periods, labels = run["period"].tolist(), run["label"].tolist()
    y = [float(v) for v in run["value"].tolist()]
    applied = positions(periods, change_points)
    result = xmr(y, improvement=improvement, target=target, rebase_at=list(applied))
    segments = _segments(result, run, applied)
    suggestions = suggest_change_points(y, periods, labels, improvement, list(applied))
    sustained = sustained_reading(result, y)
    judged = segments[-1].lower is not None  # one point after a change point has no limits yet
    if sustained is not None:
        said, summary = _sustained_words(metric, sustained, result, run, suggestions)
        parts = [said, f"{result.assurance_label} (read with care: the limits describe no stable process)."]
    else:
        summary = latest_summary(result, segments)
        specials = sum(result.special_cause)
        counted = f"{len(run)} points" if judged else f"{len(run) - 1} points before it"
        parts = [f"{result.variation_label} at the latest point ({labels[-1]})." if judged else
                 _segment_words(segments, labels), f"{result.assurance_label}.",
                 f"{specials} of the {counted} {'shows' if specials == 1 else 'show'} special cause variation."
                 if specials else f"None of the {counted} shows special cause variation."]
        if suggestions:
            parts.append("A change point is suggested at " + ", ".join(s.label for s in suggestions)
                         + " (see the change points); it applies only when a performance officer records it.")
    if judged:  # else said first
        parts.append(_segment_words(segments, labels))
    if result.trial_limits and judged:
        parts.append("The limits are trial limits: they come from fewer than 13 points.")
    if metric.frequency == "monthly":
        parts.append("Monthly figures can be seasonal (for example winter peaks); the limits do not adjust for "
                     "season, so seasonal peaks and troughs may show as special causes.")
    insight = SpcInsight(result, tuple(periods), tuple(labels), tuple(y), tuple(_floats(run["ci_lower"])),
                         tuple(_floats(run["ci_upper"])), segments, sustained, suggestions, summary)
    return insight, " ".join(parts) + note


def _trend(metric: Metric, series: pd.DataFrame) -> tuple[TrendResult, str]:
    polarity = Polarity(metric.polarity).better
    method = _TREND_METHOD.get(metric.method, "rate")
    listed = lambda column: _floats(series[column])  # noqa: E731
    result = recent_trend(listed("value"), listed("numerator"), listed("denominator"), method=method,
                          polarity=polarity, points=TREND_POINTS, lower=listed("ci_lower"),
                          upper=listed("ci_upper"))
    if result.direction == "could_not_be_calculated":
        reason = ("a recent value is suppressed (small numbers)" if result.reason == "missing values"
                  else result.reason)
        return result, f"Recent trend could not be calculated: {reason}."
    tail = series.iloc[-TREND_POINTS:]
    span = f"the last {TREND_POINTS} {_PERIOD_WORD[metric.frequency]} ({tail['label'].iloc[0]} to {tail['label'].iloc[-1]})"
    if result.direction == "no_significant_change":
        return result, f"No significant change over {span}."
    return result, f"{result.label} over {span}: a statistically significant {'rise' if result.direction == 'increasing' else 'fall'} at the 99.8% level."


def _forecast(metric: Metric, series: pd.DataFrame, evaluation: Evaluation) -> tuple[ForecastResult | None, str, str | None]:
    deadline = parse_month(evaluation.deadline) if evaluation.deadline else None
    if deadline is None or evaluation.target_value is None or evaluation.period is None:
        return None, "No forecast: the metric has no target with a deadline.", None
    if deadline <= parse_month(evaluation.period):
        return None, f"No forecast: the deadline ({month_label(deadline)}) has been reached.", None
    if evaluation.suppressed:
        return None, "No forecast: the latest value is suppressed (small numbers).", None
    points = FORECAST_POINTS[metric.frequency]
    x = [_month_index(d) for d in series["period_end"]]
    y = _floats(series["value"])
    kept = [(a, b) for a, b in zip(x, y) if b is not None]
    polarity = Polarity(metric.polarity).better
    fmt = lambda v: format_value(v, metric, with_unit=False)  # noqa: E731
    result = forecast([a for a, _ in kept], [b for _, b in kept], _month_index(deadline),
                      float(evaluation.target_value), polarity, points=points, formatter=fmt,
                      deadline_label=month_label(deadline))
    if result.value is None:
        return result, "No forecast: too few recent data points to project a trend.", None
    projected = (f"On the current trend it is projected to be {fmt(result.value)} ({fmt(result.lower)} to "
                 f"{fmt(result.upper)}) by {month_label(deadline)}")
    if result.likely == "uncertain":
        sentence = f"{projected}, so it is uncertain whether the target will be met."
    else:
        sentence = f"{projected}, so the target is {result.likely} to be met."
    words = (f"{sentence} The projection is a straight line through the last {result.n_points} points with a "
             f"95% prediction interval; the target is {fmt(float(evaluation.target_value))}.")
    return result, words, sentence


def _comparator_at(frame: pd.DataFrame, period: str) -> float | None:
    """The comparator's value for the same period as the evaluated figure, if it has one."""
    if frame is None or frame.empty:
        return None
    hit = frame[frame["period"] == period]
    return _opt(hit["value"].iloc[-1]) if not hit.empty else None


def _benchmark(metric: Metric, evaluation: Evaluation, name: str, value: float | None) -> Benchmark:
    polarity = Polarity(metric.polarity).better
    label = evaluation.period_label or evaluation.period
    if evaluation.suppressed:
        return Benchmark(name, None, Verdict.NOT_COMPARED,
                         f"Not compared with {name}: the figure is suppressed (small numbers).")
    if value is None:
        return Benchmark(name, None, Verdict.NOT_COMPARED, f"Not compared with {name}: it has no figure for {label}.")
    verdict = Verdict(benchmark(evaluation.value, evaluation.ci_lower, evaluation.ci_upper, value,
                                polarity=polarity))
    shown = format_value(value, metric)
    if verdict is Verdict.NOT_COMPARED:
        return Benchmark(name, value, verdict,
                         f"Not compared with {name} ({shown}): this figure has no confidence interval.")
    interval = (f"({number(evaluation.ci_lower, metric.decimals)} to "
                f"{number(evaluation.ci_upper, metric.decimals)})")
    if verdict is Verdict.SIMILAR:
        return Benchmark(name, value, verdict,
                         f"Similar to {name} ({shown}): the 95% confidence interval {interval} includes it.")
    side = "above" if (verdict is Verdict.BETTER) == (polarity == "higher") else "below"
    return Benchmark(name, value, verdict, f"Significantly {verdict} than {name} ({shown}): the whole 95% "
                                           f"confidence interval {interval} lies {side} it.")


# ---------------------------------------------------------------- entry points

def _ranking(metric: Metric, evaluation: Evaluation, peers: pd.DataFrame | None) -> Ranking | None:
    binding_peers = getattr(metric.binding, "peers", None)
    if peers is None or binding_peers is None or evaluation.value is None or evaluation.suppressed:
        return None
    year = peers[peers["period"] == evaluation.period]
    return rank_among(evaluation.value, list(year["value"]), Polarity(metric.polarity).higher_is_better,
                      binding_peers.label, evaluation.period_label or evaluation.period)


def break_sentence(breaks: Sequence[tuple[str, str, str]]) -> str:
    """The breaks in words, for the status sentence and the reports."""
    return " ".join(f"Series break in {label}: {words}; figures either side are not directly comparable."
                    for _period, label, words in breaks)


def compute(metric: Metric, series: pd.DataFrame, evaluation: Evaluation, suppress: bool = False,
            comparators: Mapping[str, pd.DataFrame] | None = None, peers: pd.DataFrame | None = None,
            breaks: Sequence[tuple[str, str, str]] = (), change_points: Sequence[ChangePoint] = ()) -> Insights:
    """Insights from the headline ``series`` (period_start, period_end, period, label, value, numerator,
    denominator, ci_lower, ci_upper) up to the evaluated period. ``suppress`` withholds small counts first.
    ``comparators`` ({label: series}, e.g. from ``MetricsService.comparator_series``) give one benchmark
    verdict each, at the evaluated period. ``change_points`` (config's and people's, merged by the service)
    start new SPC limits."""
    series, evaluation = _as_seen(metric, series, evaluation, suppress)
    empty = series.empty
    spc_insight, spc_words = (None, "No SPC chart: no data.") if empty else _spc(
        metric, series, evaluation.target_value, change_points)
    trend, trend_words = (None, "Recent trend could not be calculated: no data.") if empty else _trend(metric, series)
    fc, fc_words, sentence = (None, "No forecast: no data.", None) if empty else _forecast(metric, series, evaluation)
    benchmarks = ()
    if evaluation.period is not None:
        benchmarks = tuple(_benchmark(metric, evaluation, name, _comparator_at(frame, evaluation.period))
                           for name, frame in (comparators or {}).items())
    return Insights(spc=spc_insight, spc_words=spc_words, trend=trend, trend_words=trend_words, forecast=fc,
                    forecast_words=fc_words, forecast_sentence=sentence, deadline=evaluation.deadline,
                    benchmarks=benchmarks, ranking=_ranking(metric, evaluation, peers),
                    series_breaks=_breaks_until(breaks, evaluation.period))


def _as_seen(metric: Metric, series: pd.DataFrame, evaluation: Evaluation,
             suppress: bool) -> tuple[pd.DataFrame, Evaluation]:
    """The series up to the evaluated period as the audience sees it, and the evaluation marked suppressed
    when its latest point is withheld there."""
    if evaluation.period is not None and not series.empty:
        series = series[series["period"] <= evaluation.period]
    series = series.reset_index(drop=True)
    if suppress and not series.empty:
        series = suppress_frame(series, metric)
        suppressed_latest = bool(series["suppressed"].iloc[-1])
    else:
        suppressed_latest = False
    if evaluation.suppressed or suppressed_latest:
        evaluation = dataclasses.replace(evaluation, suppressed=True)
    return series, evaluation


def _breaks_until(breaks: Sequence[tuple[str, str, str]], period: str | None) -> tuple[tuple[str, str, str], ...]:
    return tuple((b[0], b[1], b[2]) for b in breaks if period is None or b[0] <= period)


def _reason(evaluation: Evaluation, forecast_sentence: str | None, series_breaks: Sequence[tuple[str, str, str]]) -> str:
    """The status sentence with the forecast (while the target is not met yet) and the series breaks."""
    reason = evaluation.status_reason
    if forecast_sentence and evaluation.status in FORECAST_STATUSES:
        reason = f"{reason.rstrip()} {forecast_sentence}"
    if series_breaks:
        reason = f"{reason.rstrip()} {break_sentence(series_breaks)}"
    return reason


def enrich(evaluation: Evaluation, metric: Metric, series: pd.DataFrame, suppress: bool = False,
           comparators: Mapping[str, pd.DataFrame] | None = None, peers: pd.DataFrame | None = None,
           breaks: Sequence[tuple[str, str, str]] = (), change_points: Sequence[ChangePoint] = ()) -> Evaluation:
    """A copy of ``evaluation`` with its typed ``insights`` and, when the deadline is still ahead and the
    target not yet met, the forecast sentence in ``status_reason``."""
    if evaluation.source_error or evaluation.period is None or series is None or series.empty:
        return evaluation
    found = compute(metric, series, evaluation, suppress, comparators, peers, breaks, change_points)
    return dataclasses.replace(evaluation, status_reason=_reason(evaluation, found.forecast_sentence,
                                                                 found.series_breaks), insights=found)


def with_reason(evaluation: Evaluation, metric: Metric, series: pd.DataFrame, suppress: bool = False,
                breaks: Sequence[tuple[str, str, str]] = ()) -> Evaluation:
    """A copy of ``evaluation`` with the status sentence :func:`enrich` gives it, and no ``insights``: the
    forecast only where the sentence carries it, no SPC, trend, benchmark or ranking (for a reader that shows
    the judgement alone, as ``outcomes evaluate`` does)."""
    if evaluation.source_error or evaluation.period is None or series is None or series.empty:
        return evaluation
    sentence = None
    if evaluation.status in FORECAST_STATUSES:
        seen, judged = _as_seen(metric, series, evaluation, suppress)
        if not seen.empty:
            sentence = _forecast(metric, seen, judged)[2]
    return dataclasses.replace(evaluation, status_reason=_reason(evaluation, sentence,
                                                                 _breaks_until(breaks, evaluation.period)))
