"""Statistics about an evaluated metric's series: SPC, recent trend, forecast to the deadline, benchmark.

This module only *uses* the tested statistics in :mod:`metrics.statistics.spc` (XmR, Making Data Count)
and :mod:`metrics.statistics.trend` (Fingertips recent trend and benchmark, OLS forecast); it decides which
points they see and puts their results into words.

:func:`compute` is pure. :func:`enrich` returns a copy of an :class:`~metrics.evaluation.evaluate.Evaluation`
with ``extras["spc" | "trend" | "forecast" | "benchmark"]`` (JSON-safe dicts, or ``None``) and,
while the deadline is still ahead and the target not yet met, the forecast sentence appended to
``status_reason``. :func:`metrics.evaluation.evaluate.evaluate` stays a pure judgement of the value.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from metrics.definitions.models import Metric
from metrics.disclosure import suppress_frame
from metrics.evaluation.evaluate import Evaluation
from metrics.formatting import format_value, number
from metrics.periods import month_label, parse_month
from metrics.statistics.spc import SpcResult, xmr
from metrics.statistics.trend import ForecastResult, TrendResult, benchmark, forecast, recent_trend

__all__ = ["Insights", "compute", "enrich", "spc_from_dict", "FORECAST_POINTS", "TREND_POINTS",
           "POINT_TYPE_WORDS", "RULE_WORDS"]

#: How many recent points the forecast line is fitted to: two years of data (one for annual metrics
#: would be too few), so a monthly line spans two whole seasonal cycles.
FORECAST_POINTS = {"monthly": 24, "quarterly": 8, "annual": 5}
#: Fingertips recent trend: the last five points.
TREND_POINTS = 5
#: Statuses whose reason gains the forecast sentence (the target is not met yet).
FORECAST_STATUSES = ("on_track", "at_risk", "off_track")

_TREND_METHOD = {"proportion": "proportion", "crude_rate": "rate", "count": "count", "mean": "mean",
                 "published": "rate"}
_PERIOD_WORD = {"monthly": "months", "quarterly": "quarters", "annual": "years"}

POINT_TYPE_WORDS = {
    "common_cause": "Common cause",
    "improvement": "Special cause – improvement",
    "concern": "Special cause – concern",
    "neutral_high": "Special cause – neither (high)",
    "neutral_low": "Special cause – neither (low)",
}
RULE_WORDS = {
    "outside_limits": "outside the process limits",
    "trend": "run of seven rising or falling",
    "two_in_three": "two of three near a limit",
    "shift": "seven or more on one side of the mean",
}


@dataclass(frozen=True)
class Insights:
    """Plain results and words for one metric at one period."""

    spc: SpcResult | None
    spc_periods: list[str]
    spc_labels: list[str]
    spc_values: list[float]
    spc_ci_lower: list[float | None]
    spc_ci_upper: list[float | None]
    spc_words: str
    trend: TrendResult | None
    trend_words: str
    forecast: ForecastResult | None
    forecast_words: str  # the sentence, or why there is none
    forecast_sentence: str | None  # the sentence for status_reason, when there is a forecast
    deadline: str | None
    benchmark: str | None  # better | similar | worse | not_compared; None without a comparator
    benchmark_words: str | None
    comparator_name: str | None
    comparator_value: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: numbers or None (never NaN), strings, lists; keyed as ``Evaluation.extras``."""
        spc = None
        if self.spc is not None:
            spc = {k: _clean(v) for k, v in dataclasses.asdict(self.spc).items()}
            spc.update(periods=list(self.spc_periods), labels=list(self.spc_labels),
                       values=_clean(self.spc_values), ci_lower=_clean(self.spc_ci_lower),
                       ci_upper=_clean(self.spc_ci_upper), words=self.spc_words,
                       point_type_words=[POINT_TYPE_WORDS.get(t, t) for t in self.spc.point_types])
        trend = None
        if self.trend is not None:
            trend = {k: _clean(v) for k, v in dataclasses.asdict(self.trend).items()}
            trend["words"] = self.trend_words
        fc = None
        if self.forecast is not None:
            fc = {k: _clean(v) for k, v in dataclasses.asdict(self.forecast).items()}
            fc.update(deadline=self.deadline, words=self.forecast_words, status_sentence=self.forecast_sentence)
        bench = None
        if self.benchmark is not None:
            bench = {"verdict": self.benchmark, "comparator": self.comparator_name,
                     "comparator_value": _clean(self.comparator_value), "words": self.benchmark_words}
        return {"spc": spc, "trend": trend, "forecast": fc, "benchmark": bench}


def _clean(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) or hasattr(value, "__float__"):
        number_ = float(value)
        if math.isnan(number_) or math.isinf(number_):
            return None
        return int(number_) if isinstance(value, int) else number_
    return value


def _opt(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number_ = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number_) else number_


def _month_index(month: date) -> int:
    return month.year * 12 + month.month - 1


def spc_from_dict(data: dict[str, Any]) -> SpcResult:
    """Rebuild the :class:`SpcResult` from ``extras["spc"]`` (e.g. to draw the chart)."""
    names = {f.name for f in dataclasses.fields(SpcResult)}
    return SpcResult(**{k: v for k, v in data.items() if k in names})


# ---------------------------------------------------------------- pieces

def _spc(metric: Metric, series: pd.DataFrame, target: float | None) -> tuple[SpcResult | None, pd.DataFrame, str]:
    # XmR needs an unbroken run: after suppression, use the run since the last withheld value.
    values = series["value"]
    missing = [i for i, v in enumerate(values) if _opt(v) is None]
    run = series.iloc[(missing[-1] + 1) if missing else 0:]
    note = ""
    if missing and not run.empty:
        note = (f" Values before {run['label'].iloc[0]} include suppressed small numbers, so the chart uses the "
                f"{len(run)} points since then.")
    if len(run) < 2:
        why = ("the latest value is suppressed (small numbers)" if missing and run.empty
               else "fewer than two data points")
        return None, run, f"No SPC chart: {why}."
    improvement = "increase" if metric.polarity == "higher_is_better" else "decrease"
    result = xmr([float(v) for v in run["value"]], improvement=improvement, target=target)
    specials = sum(result.special_cause)
    parts = [f"{result.variation_label} at the latest point ({run['label'].iloc[-1]}).",
             f"{result.assurance_label}."]
    parts.append(f"{specials} of {len(run)} points {'shows' if specials == 1 else 'show'} special cause variation."
                 if specials
                 else f"None of the {len(run)} points shows special cause variation.")
    if result.trial_limits:
        parts.append("The limits are trial limits: they come from fewer than 13 points.")
    if metric.frequency == "monthly":
        parts.append("Monthly figures can be seasonal (for example winter peaks); the limits do not adjust for "
                     "season, so seasonal peaks and troughs may show as special causes.")
    return result, run, " ".join(parts) + note


def _trend(metric: Metric, series: pd.DataFrame) -> tuple[TrendResult, str]:
    polarity = "higher" if metric.polarity == "higher_is_better" else "lower"
    method = _TREND_METHOD.get(metric.method, "rate")
    listed = lambda column: [_opt(v) for v in series[column]]  # noqa: E731
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
    y = [_opt(v) for v in series["value"]]
    kept = [(a, b) for a, b in zip(x, y) if b is not None]
    polarity = "higher" if metric.polarity == "higher_is_better" else "lower"
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


def _benchmark(metric: Metric, evaluation: Evaluation, name: str, value: float) -> tuple[str, str]:
    polarity = "higher" if metric.polarity == "higher_is_better" else "lower"
    verdict = benchmark(evaluation.value, evaluation.ci_lower, evaluation.ci_upper, value, polarity=polarity)
    shown = format_value(value, metric)
    if verdict == "not_compared":
        return verdict, f"Not compared with {name} ({shown}): this figure has no confidence interval."
    if verdict == "similar":
        return verdict, (f"Similar to {name} ({shown}): the 95% confidence interval "
                         f"({number(evaluation.ci_lower, metric.decimals)} to "
                         f"{number(evaluation.ci_upper, metric.decimals)}) includes it.")
    side = "above" if (verdict == "better") == (polarity == "higher") else "below"
    return verdict, (f"Significantly {verdict} than {name} ({shown}): the whole 95% confidence interval "
                     f"({number(evaluation.ci_lower, metric.decimals)} to "
                     f"{number(evaluation.ci_upper, metric.decimals)}) lies {side} it.")


# ---------------------------------------------------------------- entry points

def compute(metric: Metric, series: pd.DataFrame, evaluation: Evaluation, suppress: bool = False,
            comparator: float | None = None, comparator_name: str = "the comparator") -> Insights:
    """Insights from the headline ``series`` (period_start, period_end, period, label, value, numerator,
    denominator, ci_lower, ci_upper) up to the evaluated period. ``suppress`` withholds small counts first."""
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
    empty = series.empty
    spc, run, spc_words = (None, series, "No SPC chart: no data.") if empty else _spc(
        metric, series, evaluation.target_value)
    trend, trend_words = (None, "Recent trend could not be calculated: no data.") if empty else _trend(metric, series)
    fc, fc_words, sentence = (None, "No forecast: no data.", None) if empty else _forecast(metric, series, evaluation)
    verdict = bench_words = None
    comparator = _opt(comparator)
    if comparator is not None and evaluation.value is not None and not evaluation.suppressed:
        verdict, bench_words = _benchmark(metric, evaluation, comparator_name, comparator)
    run_ok = spc is not None
    return Insights(
        spc=spc,
        spc_periods=list(run["period"]) if run_ok else [],
        spc_labels=list(run["label"]) if run_ok else [],
        spc_values=[float(v) for v in run["value"]] if run_ok else [],
        spc_ci_lower=[_opt(v) for v in run["ci_lower"]] if run_ok else [],
        spc_ci_upper=[_opt(v) for v in run["ci_upper"]] if run_ok else [],
        spc_words=spc_words, trend=trend, trend_words=trend_words, forecast=fc, forecast_words=fc_words,
        forecast_sentence=sentence, deadline=evaluation.deadline, benchmark=verdict, benchmark_words=bench_words,
        comparator_name=comparator_name if verdict else None, comparator_value=comparator if verdict else None,
    )


def enrich(evaluation: Evaluation, metric: Metric, series: pd.DataFrame, suppress: bool = False,
           comparator: float | None = None, comparator_name: str = "the comparator") -> Evaluation:
    """A copy of ``evaluation`` with SPC, trend, forecast and benchmark in ``extras`` and, when the
    deadline is still ahead and the target not yet met, the forecast sentence in ``status_reason``."""
    if evaluation.source_error or evaluation.period is None or series is None or series.empty:
        return evaluation
    found = compute(metric, series, evaluation, suppress, comparator, comparator_name)
    reason = evaluation.status_reason
    if found.forecast_sentence and evaluation.status in FORECAST_STATUSES:
        reason = f"{reason.rstrip()} {found.forecast_sentence}"
    return dataclasses.replace(evaluation, status_reason=reason, extras={**evaluation.extras, **found.to_dict()})
