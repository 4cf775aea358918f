"""Numbers and words as a commissioner reads them (UK style: 1,702.3; 66.7%; £1,250)."""

from __future__ import annotations

import math

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


def _figure(value: float, metric: Metric, target: float | None) -> str:
    """The number: the metric's decimals (none for a whole count), and more where rounding would make a value
    worse than its ``target`` read as the target itself (69.96% against 70.0% is "69.96%", never "70.0%" beside
    "At risk"); after four more, it is rounded away from the target, so it can never read as it."""
    decimals = 0 if metric.unit == "count" and float(value).is_integer() else metric.decimals
    worse = target is not None and (value < target if metric.polarity == "higher_is_better" else value > target)
    if not worse:
        return number(value, decimals)
    for more in range(decimals, decimals + 4):
        if number(value, more) != number(target, more):
            return number(value, more)
    scale = 10 ** (decimals + 4)  # the 1e-9 keeps a decimal stored as 69.959999... at 69.96
    away = (math.floor(value * scale + 1e-9) if metric.polarity == "higher_is_better"
            else math.ceil(value * scale - 1e-9)) / scale
    return number(away, decimals + 4)


def value_parts(value: float, metric: Metric, target: float | None = None) -> tuple[str, str]:
    """A value as its figure and its unit words: ("197.1", " per 100,000 aged 65+"), ("63.9%", ""), ("£1,250", "").
    Pages keep the figure on one line and let the unit words wrap between words. With ``target``, a value worse
    than the target is never shown equal to it (``_figure``)."""
    text = _figure(value, metric, target)
    if metric.unit == "currency":  # the sign before the pound sign: -£1,250, never £-1,250
        return (f"-£{text[1:]}" if text.startswith("-") else f"£{text}"), ""
    suffix = metric.unit_label if metric.unit_label else UNIT_SUFFIX[metric.unit]
    if metric.unit_label and not suffix.startswith(("%", " ")):
        suffix = " " + suffix
    if suffix.startswith("%"):  # "63.9%" is one figure
        return text + "%", suffix[1:]
    return text, suffix


def format_value(value: float | None, metric: Metric, with_unit: bool = True, target: float | None = None) -> str:
    """A value as a person reads it; ``target``: the level it is judged against, see ``value_parts``."""
    if value is None:
        return "no value"
    figure, unit = value_parts(value, metric, target)
    if not with_unit:
        return figure if metric.unit != "percent" or figure.endswith("%") else figure + "%"
    return figure + unit
