"""Numbers and words as a commissioner reads them (UK style: 1,702.3; 66.7%; £1,250)."""

from __future__ import annotations

from metrics.definitions.models import Metric

UNIT_SUFFIX: dict[str, str] = {
    "count": "",
    "percent": "%",
    "rate_per_1000": " per 1,000",
    "rate_per_100k": " per 100,000",
    "dsr_per_100k": " per 100,000 (age-standardised)",
    "currency": "",
    "mean": "",
}


def unit_words(metric: Metric) -> str:
    """The unit as words, for axis titles and definitions: 'per 100,000 aged 65+ (monthly)'."""
    return metric.unit_label or metric.unit.replace("_", " ")


def number(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{decimals}f}"


def format_value(value: float | None, metric: Metric, with_unit: bool = True) -> str:
    if value is None:
        return "no value"
    decimals = 0 if metric.unit == "count" and float(value).is_integer() else metric.decimals
    text = number(value, decimals)
    if metric.unit == "currency":  # the sign before the pound sign: -£1,250, never £-1,250
        return f"-£{text[1:]}" if text.startswith("-") else f"£{text}"
    if not with_unit:
        return text + ("%" if metric.unit == "percent" else "")
    suffix = metric.unit_label if metric.unit_label else UNIT_SUFFIX[metric.unit]
    if metric.unit_label and not suffix.startswith(("%", " ")):
        suffix = " " + suffix
    return text + suffix

