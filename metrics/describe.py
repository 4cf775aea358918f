"""Metric definitions in plain words: what is counted, from where, and how the figure is computed."""

from __future__ import annotations

from metrics.definitions.models import Filter, Metric, PublishedBinding, SqlBinding, TableBinding
from metrics.evaluation.evaluate import baseline_label
from metrics.periods import month_label
from metrics.disclosure import rule_in_words
from metrics.evaluation.insights import FORECAST_POINTS, TREND_POINTS
from metrics.statistics.spc import LIMIT_FACTOR, SCREEN_FACTOR, TRIAL_LIMIT_POINTS

_OPS = {"eq": "is", "ne": "is not", "lt": "is below", "le": "is at most", "gt": "is above", "ge": "is at least",
        "in": "is one of", "not_in": "is not one of", "between": "is between", "is_null": "is empty",
        "not_null": "is not empty"}

_FREQUENCY = {"monthly": "each month", "quarterly": "each quarter (UK financial quarters)",
              "annual": "each financial year (April to March)",
              "calendar_year": "each calendar year (January to December)"}


def filter_words(flt: Filter) -> str:
    value = flt.value
    if isinstance(value, list):
        shown = " and ".join(str(v) for v in value) if flt.op == "between" else ", ".join(str(v) for v in value)
    else:
        shown = "" if value is None else str(value)
    return f"{flt.column} {_OPS[flt.op]} {shown}".strip()


def _measure_words(count: str | None, total: str | None) -> str:
    return "the number of records" if count else f"the sum of {total}"


def binding_in_words(metric: Metric) -> str:
    binding = metric.binding
    if isinstance(binding, SqlBinding):
        return (f"A SQL query on data source '{binding.datasource}', grouped "
                f"{_FREQUENCY[metric.frequency]} and by area in the database.")
    if isinstance(binding, PublishedBinding):
        return _published_in_words(metric, binding)
    assert isinstance(binding, TableBinding)
    parts = [f"From table '{binding.table}' in data source '{binding.datasource}', "
             f"{_measure_words(binding.numerator.count, binding.numerator.sum)}"]
    conditions = [filter_words(f) for f in binding.filters + binding.numerator.filters]
    if conditions:
        parts.append(" where " + "; ".join(conditions))
    parts.append(f", {_FREQUENCY[metric.frequency]} (dated by column {binding.date_column})")
    if binding.area_column:
        parts.append(f" and by area (column {binding.area_column})")
    parts.append(".")
    den = binding.denominator
    if den is not None:
        source = f"table '{den.table}'" if den.table else "the same table"
        words = f" Divided by {_measure_words(den.count, den.sum)} from {source}"
        den_conditions = [filter_words(f) for f in den.filters]
        if den_conditions:
            words += " where " + "; ".join(den_conditions)
        if den.period_join == "financial_year":
            words += ", taking the figure for the financial year each period falls in"
        parts.append(words + ".")
    return "".join(parts)


def _published_in_words(metric: Metric, binding: PublishedBinding) -> str:
    read = [f"the published value (column {binding.value_column})"]
    if binding.lower_column:
        read.append(f"its interval (columns {binding.lower_column} to {binding.upper_column})")
    if binding.numerator_column:
        read.append(f"numerator (column {binding.numerator_column})")
    if binding.denominator_column:
        read.append(f"denominator (column {binding.denominator_column})")
    words = (f"From table '{binding.table}' in data source '{binding.datasource}', "
             f"{', '.join(read)}, {_FREQUENCY[metric.frequency]} (dated by column {binding.date_column}) "
             f"and by area (column {binding.area_column})")
    conditions = [filter_words(f) for f in binding.filters]
    if binding.areas:
        conditions.append(f"{binding.area_column} is one of {', '.join(binding.areas)}")
    return words + (" where " + "; ".join(conditions) if conditions else "") + "."


def method_in_words(metric: Metric) -> list[str]:
    """How the figure and its interval are computed, naming each method and its source."""
    lines: list[str] = []
    if metric.method == "proportion":
        lines.append("Value: numerator divided by denominator, as a percentage.")
        lines.append("95% confidence interval: Wilson score method (as in OHID Fingertips and the "
                     "PHEindicatormethods package, phe_proportion).")
    elif metric.method == "crude_rate":
        lines.append(f"Value: numerator divided by denominator, multiplied by {metric.multiplier:,}.")
        lines.append("95% confidence interval: Byar's method for the count, or the exact Poisson interval when "
                     "the count is below 10 (as in PHEindicatormethods, phe_rate), divided by the denominator.")
    elif metric.method == "count":
        lines.append("Value: the count itself.")
        lines.append("95% confidence interval: Byar's method (exact Poisson below 10).")
    elif metric.method == "mean":
        lines.append("Value: the sum divided by the number of records (a mean). No interval is shown.")
    else:
        lines.append("Value and confidence interval: as published by the source; not recomputed.")
        if metric.unit == "dsr_per_100k":
            lines.append("A directly standardised rate whose published count is below 10 is not shown, nor its "
                         "interval, as PHEindicatormethods (phe_dsr) withholds it.")
    lines.append("The whole-area figure adds up numerators and denominators over all areas before dividing.")
    if metric.target is not None:
        target = metric.target
        lines.append(
            f"Baseline: {baseline_label(target.baseline)}"
            + (" (stated)." if target.baseline.value is not None else
               " (the mean over that window)." if target.baseline.start else " (the value observed then).")
        )
        lines.append(
            f"Glide path: a straight line from the baseline to the target at the deadline ({month_label(target.deadline)})"
            + (", through the stated milestones." if target.milestones else ".")
        )
        lines.append(
            f"Status: achieved when the target is met; on track when at or better than the glide path; at risk when "
            f"worse by no more than {target.amber_tolerance_pct:g}% of the glide path value; off track otherwise, "
            f"or when the deadline has passed unmet."
        )
        lines.append("Progress: (value − baseline) ÷ (target − baseline) × 100, negative when moving away.")
    lines += statistics_in_words(metric)
    lines.append(rule_in_words(metric))
    return lines


def statistics_in_words(metric: Metric) -> list[str]:
    """The SPC, recent trend, benchmark and forecast methods, each with its source."""
    lines = [
        "Statistical process control (SPC): an XmR (individuals) chart. The centre line is the mean; the process "
        f"limits are the mean ± {LIMIT_FACTOR} × the mean moving range, after screening out moving ranges of "
        f"{SCREEN_FACTOR} × the mean moving range or more. Special cause variation is flagged by four rules: a point "
        "outside the limits; a run of seven points each higher (or each lower) than the one before; two of three "
        "points beyond two-thirds of the way to a limit, all on one side of the mean; seven or more points in a "
        f"row on one side of the mean. Limits from fewer than {TRIAL_LIMIT_POINTS} points are trial limits. The "
        "variation and assurance icons and their rules are NHS England's Making Data Count (2019, 2021), "
        "following the NHSRplotthedots package.",
    ]
    if metric.frequency == "monthly":
        lines.append("SPC and seasonality: the limits do not adjust for season, so regular seasonal peaks (for "
                     "example in winter) can show as special cause variation.")
    test = ("the chi-square test for trend (Cochran-Armitage), with the direction from the slope of the log odds"
            if metric.method == "proportion" else
            "an inverse-variance weighted least-squares regression of the value on time")
    lines.append(f"Recent trend: the last {TREND_POINTS} points, tested with {test}; a change counts as significant "
                 "at the 99.8% level, and not if dropping any one point reverses the direction. Source: OHID "
                 "Fingertips recent trends, as coded in PHEindicatormethods (assign_trend_markers).")
    lines.append("Benchmarking (when a comparator such as England is available): significantly better or worse "
                 "when this area's whole 95% confidence interval lies on one side of the comparator's value, "
                 "similar when the interval includes it. Source: OHID Fingertips 'compare with benchmark' and "
                 "PHE Technical Guide: Confidence Intervals.")
    if metric.target is not None:
        points = FORECAST_POINTS[metric.frequency]
        lines.append(f"Forecast to the deadline: an ordinary least squares straight line through the last {points} "
                     "points, projected to the deadline with a 95% prediction interval for a single value; the "
                     "target is likely to be met when the whole interval is on the right side of it, unlikely when "
                     "the whole interval is on the wrong side, and uncertain otherwise. Made only while the deadline "
                     "is ahead. Source: the classical prediction interval (Draper & Smith, Applied Regression "
                     "Analysis, 3rd edition, section 3.1).")
    return lines
