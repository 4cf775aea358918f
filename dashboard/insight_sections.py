"""Metric page sections for SPC (Making Data Count), recent trend, benchmark and forecast.

Reads only ``Evaluation.insights`` (typed, computed and withheld for the audience by the service through
:func:`metrics.evaluation.insights.enrich`), so the page shows exactly what snapshots and exports record.
"""

from __future__ import annotations

import pandas as pd
from dash import html

from dashboard.components import chart, data_table
from dashboard.figures import spc_figure
from metrics.definitions.models import Metric
from metrics.evaluation.evaluate import Evaluation
from metrics.formatting import format_value, number, unit_words
from metrics.evaluation.insights import BENCHMARK_METHOD, RULE_WORDS, SpcInsight
from metrics.periods import month_label, parse_month

SPC_FIGURE_ID = "spc-figure"
SPC_SECTION_ID = "spc-section"

_VARIATION_CLASS = {"common_cause": "common", "improvement": "improvement", "concern": "concern",
                    "neutral_high": "neutral", "neutral_low": "neutral"}
_ASSURANCE_ICON = {"pass": ("P", "improvement"), "fail": ("F", "concern"), "hit_and_miss": ("?", "common")}


def variation_icon(variation: str, improvement: str) -> str:
    """The letter on the Making Data Count variation icon: H(igh) or L(ow) special cause, ~ common cause."""
    if variation == "common_cause":
        return "~"
    if variation in ("neutral_high", "neutral_low"):
        return "H" if variation == "neutral_high" else "L"
    high = (variation == "improvement") == (improvement == "increase")
    return "H" if high else "L"


def icon_badge(glyph: str, kind: str, label: str, role: str) -> html.Span:
    """An icon as text: the glyph is decorative (aria-hidden); the words carry the meaning."""
    return html.Span([html.Span(glyph, className=f"spc-icon spc-icon-{kind}", **{"aria-hidden": "true"}),
                      html.Span(label, className="spc-icon-label")],
                     className="spc-badge", **{"data-spc": role})


def _badges(spc: SpcInsight) -> html.Div:
    result = spc.result
    variation = result.variation
    if spc.segments and spc.segments[-1].lower is None:  # the latest point starts new limits: nothing to judge by
        badges = [icon_badge("–", "none", f"Not judged: new limits start at {spc.segments[-1].label} (a change "
                                          f"point)", "variation")]
    else:
        badges = [icon_badge(variation_icon(variation, result.improvement),
                             _VARIATION_CLASS.get(variation, "common"), result.variation_label, "variation")]
    glyph, kind = _ASSURANCE_ICON.get(result.assurance or "", ("–", "none"))
    badges.append(icon_badge(glyph, kind, result.assurance_label, "assurance"))
    return html.Div(badges, className="spc-badges")


def _cell(value: float | None, metric: Metric) -> str:
    return "–" if value is None else number(value, metric.decimals)


def spc_section(metric: Metric, evaluation: Evaluation) -> html.Section:
    insights = evaluation.insights
    spc = insights.spc if insights else None
    heading = html.H2("Statistical process control", className="h4", id="spc-heading")
    if spc is None:
        reason = insights.spc_words if insights else "No SPC chart: there are not enough figures up to this period."
        return html.Section([heading, html.P(reason)], id=SPC_SECTION_ID, **{"aria-labelledby": "spc-heading"})
    result = spc.result
    labels = spc.labels
    figure = spc_figure(spc.frame(), result, f"{metric.display_title}: SPC chart", unit_words(metric))
    specials = sum(result.special_cause)
    latest = spc.segments[-1] if spc.segments else None
    if latest is not None and latest.lower is None and len(spc.segments) > 1:  # one point after a change point
        before = spc.segments[-2]
        limits = (f"mean {_cell(before.mean, metric)}, process limits {_cell(before.lower, metric)} to "
                  f"{_cell(before.upper, metric)} from the {before.points} points before {latest.label}, where "
                  f"the latest point starts new limits and has none yet")
    else:
        since = (f" (limits from the {latest.points} points since {latest.label})"
                 if latest is not None and latest.change_point is not None else "")
        limits = (f"mean {_cell(result.mean, metric)}, process limits {_cell(result.lower_limit, metric)} to "
                  f"{_cell(result.upper_limit, metric)}{since}")
    caption = (f"XmR chart of {metric.display_title} from {labels[0]} to {labels[-1]} ({len(labels)} points): "
               f"{limits}"
               + (f", target {_cell(result.target, metric)}" if result.target is not None else "")
               + f"; {specials} special cause point{'s' if specials != 1 else ''}"
               + (f", read as one signal: {spc.sustained.description}" if spc.sustained else "") + ". "
               + ("A vertical line marks each change point, where the limits are recalculated: "
                  + ", ".join(s.label for s in spc.segments if s.change_point is not None) + ". "
                  if spc.change_points else "")
               + "Points are coloured and shaped by type; the table gives every value.")
    type_words = spc.point_type_words
    rows = [(labels[i], format_value(spc.values[i], metric, with_unit=False), _cell(result.centre[i], metric),
             _cell(result.lower[i], metric), _cell(result.upper[i], metric),
             type_words[i] + (f" ({RULE_WORDS.get(result.rules[i], result.rules[i])})" if result.rules[i] else ""))
            for i in range(len(labels))]
    return html.Section([
        heading,
        _badges(spc),
        html.P(insights.spc_words, className="spc-words"),
        chart(figure, caption, f"SPC chart: {metric.display_title}", figure_id=SPC_FIGURE_ID),
        html.Details([html.Summary("Show the SPC figures as a table"),
                      data_table(["Period", "Value", "Mean", "Lower process limit", "Upper process limit",
                                  "Point type"], rows, f"{metric.display_title}: SPC values, limits and point types")]),
    ], id=SPC_SECTION_ID, **{"aria-labelledby": "spc-heading"})


def verdicts_section(metric: Metric, evaluation: Evaluation) -> html.Section:
    insights = evaluation.insights
    body: list = [html.H2("Trend, benchmark and forecast", className="h4 mt-3", id="verdicts-heading")]
    trend_words = insights.trend_words if insights else "Recent trend could not be calculated: no data."
    body += [html.H3("Recent trend", className="h6"), html.P(trend_words, id="recent-trend")]
    if insights and insights.benchmarks:
        body += [html.H3("Benchmark", className="h6"),
                 html.Ul([html.Li([html.Strong(b.verdict.words + ": "), b.words], **{"data-verdict": str(b.verdict),
                                                                                   "data-comparator": b.comparator})
                          for b in insights.benchmarks], id="benchmark"),
                 html.P(BENCHMARK_METHOD, className="small", id="benchmark-method")]
    if insights:
        forecast_words = insights.forecast_words
    elif evaluation.deadline and evaluation.period and evaluation.deadline <= evaluation.period:
        forecast_words = (f"No forecast: the deadline ({month_label(parse_month(evaluation.deadline))}) "
                          f"has been reached.")
    elif evaluation.suppressed:
        forecast_words = "No forecast: the latest value is suppressed (small numbers)."
    elif evaluation.deadline is None:
        forecast_words = "No forecast: the metric has no target with a deadline."
    else:
        forecast_words = "No forecast: there are too few figures to project."
    body += [html.H3("Forecast to the deadline", className="h6"), html.P(forecast_words, id="forecast")]
    return html.Section(body, **{"aria-labelledby": "verdicts-heading"})


def insight_sections(metric: Metric, evaluation: Evaluation) -> list:
    """The SPC section and the trend / benchmark / forecast verdicts, for the metric page."""
    return [spc_section(metric, evaluation), verdicts_section(metric, evaluation)]
