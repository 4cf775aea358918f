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


def _usual_decimals(value: float, metric: Metric) -> int:
    return 0 if metric.unit == "count" and float(value).is_integer() else metric.decimals


def apart_decimals(value: float | None, metric: Metric, target: float | None) -> int | None:
    """The decimals at which a value worse than its ``target`` no longer reads as it, where the usual ones (the
    metric's; none for a whole count) would show them alike: 69.96% against 70.0% at two ("69.96%"), a count of 6
    against 5.95 at one ("6.0" against "5.9"). None when the usual decimals already tell them apart. Show the
    target at these decimals too; at four more than usual the value is rounded away from the target."""
    if value is None or target is None:
        return None
    if not (value < target if metric.polarity == "higher_is_better" else value > target):
        return None
    usual = _usual_decimals(value, metric)
    if number(value, usual) != number(target, _usual_decimals(target, metric)):
        return None
    return next((more for more in range(usual + 1, usual + 4) if number(value, more) != number(target, more)),
                usual + 4)


def _figure(value: float, metric: Metric, target: float | None) -> str:
    """The number, with more decimals where it would read as the ``target`` it falls short of (``apart_decimals``);
    at the last of them rounded away from the target, so it can never read as it."""
    usual, more = _usual_decimals(value, metric), apart_decimals(value, metric, target)
    if more is None:
        return number(value, usual)
    if more < usual + 4:
        return number(value, more)
    scale = 10 ** more  # the 1e-9 keeps a decimal stored as 69.959999... at 69.96
    away = (math.floor(value * scale + 1e-9) if metric.polarity == "higher_is_better"
            else math.ceil(value * scale - 1e-9)) / scale
    return number(away, more)


def value_parts(value: float, metric: Metric, target: float | None = None,
                decimals: int | None = None) -> tuple[str, str]:
    """A value as its figure and its unit words: ("197.1", " per 100,000 aged 65+"), ("63.9%", ""), ("£1,250", "").
    Pages keep the figure on one line and let the unit words wrap between words. With ``target``, a value worse
    than the target is never shown equal to it (``apart_decimals``); ``decimals`` overrides the usual ones (a
    target shown at the decimals its value needed)."""
    text = number(value, decimals) if decimals is not None else _figure(value, metric, target)
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
