"""From the database's small aggregate to observations: value and confidence interval
per period and area, plus the headline (all areas) row.

The input is already aggregated (one row per period and area); nothing here reads
record-level data.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from metrics.definitions.models import Metric
from metrics.periods import period_end, period_key, period_label
from metrics.statistics.intervals import byar_interval, rate_interval, wilson_interval

HEADLINE = "_headline"
COLUMNS = ["period_start", "period", "period_end", "label", "area", "numerator", "denominator",
           "value", "ci_lower", "ci_upper"]


def as_period_start(value: object) -> date:
    if isinstance(value, date):
        return date(value.year, value.month, 1)
    return pd.Timestamp(str(value)).date().replace(day=1)


def _float(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # Decimals from PostgreSQL, numpy numbers from pandas
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def value_and_interval(metric: Metric, numerator: float | None, denominator: float | None,
                       confidence: float = 0.95) -> tuple[float | None, float | None, float | None]:
    """The metric's value and its confidence interval, by its statistical method."""
    if numerator is None:
        return None, None, None
    if metric.method == "count":
        lower, upper = byar_interval(numerator, confidence)
        return numerator, lower, upper
    if not denominator:
        return None, None, None
    if metric.method == "proportion":
        lower, upper = wilson_interval(numerator, denominator, confidence)
        scale = 100.0 if metric.unit == "percent" else 1.0
        return (numerator / denominator * scale,
                None if lower is None else lower * scale, None if upper is None else upper * scale)
    if metric.method == "crude_rate":
        multiplier = metric.multiplier or 1
        lower, upper = rate_interval(numerator, denominator, multiplier, confidence)
        return numerator / denominator * multiplier, lower, upper
    return numerator / denominator, None, None  # mean: no interval without the spread


def build_observations(metric: Metric, aggregate: pd.DataFrame, headline_area: str | None = None) -> pd.DataFrame:
    """One row per period and area plus a headline row per period.

    The headline is the sum of numerators over the sum of denominators (right for
    counts, proportions and crude rates), or the named ``headline_area``'s own row."""
    rows = []
    for record in aggregate.to_dict("records"):
        rows.append({
            "period_start": as_period_start(record["period_start"]),
            "area": str(record["area"]),
            "numerator": _float(record.get("numerator")),
            "denominator": _float(record.get("denominator")),
            "value": _float(record.get("value")),
            "ci_lower": _float(record.get("ci_lower")),
            "ci_upper": _float(record.get("ci_upper")),
        })
    frame = pd.DataFrame(rows, columns=["period_start", "area", "numerator", "denominator", "value",
                                        "ci_lower", "ci_upper"])
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    published = metric.method == "published"
    areas = frame["area"].unique()
    if headline_area is not None:
        headline = frame[frame["area"] == headline_area].copy()
    elif published and len(areas) > 1:
        headline = frame.iloc[0:0].copy()  # published figures cannot be summed across areas
    elif len(areas) == 1:
        headline = frame.copy()
    else:
        headline = (frame.groupby("period_start", as_index=False)
                    .agg(numerator=("numerator", lambda s: s.sum(min_count=1)),
                         denominator=("denominator", lambda s: s.sum(min_count=1))))
        headline["value"] = None
        headline["ci_lower"] = None
        headline["ci_upper"] = None
    headline["area"] = HEADLINE
    combined = pd.concat([frame, headline], ignore_index=True) if len(areas) > 1 or headline_area else headline
    if not published:
        computed = [value_and_interval(metric, _float(n), _float(d))
                    for n, d in zip(combined["numerator"], combined["denominator"])]
        combined["value"] = [c[0] for c in computed]
        combined["ci_lower"] = [c[1] for c in computed]
        combined["ci_upper"] = [c[2] for c in computed]
    combined["period"] = [period_key(p, metric.frequency) for p in combined["period_start"]]
    combined["period_end"] = [period_end(p, metric.frequency) for p in combined["period_start"]]
    combined["label"] = [period_label(p, metric.frequency) for p in combined["period_start"]]
    combined = combined.astype({"value": "float64", "ci_lower": "float64", "ci_upper": "float64",
                                "numerator": "float64", "denominator": "float64"})
    return combined[COLUMNS].sort_values(["area", "period_start"]).reset_index(drop=True)


def headline_series(observations: pd.DataFrame) -> pd.DataFrame:
    series = observations[observations["area"] == HEADLINE]
    return series.dropna(subset=["value"]).reset_index(drop=True)
