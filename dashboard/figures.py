"""Figures: pure functions from DataFrames to Plotly figures (no data access here).

Every label that comes from config or data (titles, area and comparator names, units) goes through
``as_text``: Plotly reads a subset of HTML in any text it draws (``<a href>``, ``<b>``, ``<br>``), so
an area named ``<a href="https://evil.example">Click</a>`` would otherwise be a live link in a tick,
a legend or a hover label."""

from __future__ import annotations

import html
from datetime import date
from typing import Callable, Sequence

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from metrics.definitions.models import Metric
from metrics.evaluation.evaluate import glide_path
from metrics.evaluation.status import Polarity
from metrics.formatting import unit_words

ACTUAL = "#1d70b8"
TARGET = "#b10e1e"
GLIDE = "#505a5f"
BASELINE = "#0b0c0c"
FONT = dict(family="Arial, Helvetica, sans-serif", size=14, color="#0b0c0c")
#: plotly_white's layout without its defaults for every trace type (the charts set their own colours): a
#: figure copies its template when made, and the whole one cost more than drawing the figure (a 200-metric
#: report built 400 of them) and some 4 KB in every chart sent to a page. The default for every figure, so no
#: figure names it (naming it again in update_layout built the template a second time: 2.1 -> 1.2 s for 200).
pio.templates["outcomes"] = go.layout.Template(layout=pio.templates["plotly_white"].layout)
pio.templates.default = "outcomes"


def as_text(label: object) -> str:
    """A label as Plotly should show it: literally. Plotly turns the entities back into the characters
    (``&lt;`` shows as ``<``) but never into tags."""
    return html.escape(str(label), quote=False)


def _layout(fig: go.Figure, title: str, y_title: str) -> go.Figure:
    fig.update_layout(
        title=dict(text=as_text(title), x=0, xanchor="left"), font=FONT,
        margin=dict(l=60, r=20, t=60, b=50), legend=dict(orientation="h", y=-0.15), hovermode="x unified",
        yaxis_title=as_text(y_title), height=380,
    )
    return fig


def trajectory_figure(series: pd.DataFrame, title: str, y_title: str,
                      glide: Sequence[tuple[date, float]] | None = None,
                      baseline: tuple[date, float] | None = None,
                      target: tuple[date, float] | None = None,
                      comparators: dict[str, pd.DataFrame] | None = None,
                      breaks: Sequence[Sequence[str]] = ()) -> go.Figure:
    """Actual values with their confidence interval, the baseline, the glide path and the target.

    ``series`` has columns period_end (date), value, ci_lower, ci_upper (and period, for ``breaks``:
    (period, label, words) of a publisher's renumbering, drawn as a line before that period)."""
    fig = go.Figure()
    x = [pd.Timestamp(d) for d in series["period_end"]]
    has_ci = series["ci_lower"].notna().any() if "ci_lower" in series else False
    if has_ci:
        fig.add_trace(go.Scatter(x=x + x[::-1], y=list(series["ci_upper"]) + list(series["ci_lower"])[::-1],
                                 fill="toself", fillcolor="rgba(29,112,184,0.15)", line=dict(width=0),
                                 name="95% confidence interval", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=series["value"], mode="lines+markers", name="Actual",
                             line=dict(color=ACTUAL, width=2), marker=dict(size=4)))
    for name, frame in (comparators or {}).items():
        fig.add_trace(go.Scatter(x=[pd.Timestamp(d) for d in frame["period_end"]], y=frame["value"],
                                 mode="lines", name=as_text(name), line=dict(width=1.5, dash="dot")))
    if glide:
        fig.add_trace(go.Scatter(x=[pd.Timestamp(d) for d, _ in glide], y=[v for _, v in glide],
                                 mode="lines", name="Glide path", line=dict(color=GLIDE, dash="dash", width=2)))
    if baseline:
        fig.add_trace(go.Scatter(x=[pd.Timestamp(baseline[0])], y=[baseline[1]], mode="markers",
                                 name="Baseline", marker=dict(symbol="square", size=11, color=BASELINE)))
    if target:
        fig.add_trace(go.Scatter(x=[pd.Timestamp(target[0])], y=[target[1]], mode="markers",
                                 name="Target at deadline", marker=dict(symbol="star", size=16, color=TARGET)))
        fig.add_vline(x=pd.Timestamp(target[0]).timestamp() * 1000, line=dict(color=TARGET, dash="dot", width=1),
                      annotation_text="Deadline", annotation_position="top left")
    for at in _break_positions(series, x, breaks):
        fig.add_vline(x=at.timestamp() * 1000, line=dict(color="#0b0c0c", dash="dashdot", width=1.5),
                      annotation_text="Series break", annotation_position="top right")
    return _layout(fig, title, y_title)


def _break_positions(series: pd.DataFrame, x: list[pd.Timestamp], breaks: Sequence[Sequence[str]]) -> list[pd.Timestamp]:
    """Halfway between the last period before each break and the first after it."""
    if not breaks or "period" not in series:
        return []
    periods = list(series["period"])
    found = []
    for period, *_ in breaks:
        if period in periods:
            i = periods.index(period)
            found.append(x[i] if i == 0 else x[i - 1] + (x[i] - x[i - 1]) / 2)
    return found


def metric_trajectory_figure(metric: Metric, series: pd.DataFrame, baseline_value: float | None,
                             comparators: dict[str, pd.DataFrame] | None = None,
                             title: str | None = None, breaks: Sequence[Sequence[str]] = ()) -> go.Figure:
    """A metric's series against its glide path (baseline, milestones, target), as the intention page and
    the reports draw it. ``baseline_value`` is the evaluation's (a stated or observed baseline)."""
    glide = baseline = target = None
    if metric.target is not None and baseline_value is not None:
        glide = glide_path(metric.target, baseline_value, Polarity(metric.polarity))
        baseline, target = glide[0], glide[-1]
    return trajectory_figure(series, title or metric.display_title, unit_words(metric), glide, baseline, target,
                             comparators, breaks)


def progress_figure(series: pd.DataFrame, title: str, y_title: str, deadline: date, *,
                    glide: Sequence[tuple[date, float]] = (), baseline: tuple[date, float] | None = None,
                    target: float | None = None, latest: tuple[date, float] | None = None,
                    maintain: bool = False, assumed: str = "", breaks: Sequence[Sequence[str]] = (),
                    number_format: Callable[[float], str] = "{:,.1f}".format) -> go.Figure:
    """Progress to a target: the value over time (line and markers, with its 95% confidence interval as a
    band when the series has one), the baseline, the glide path (dashed; flat at the level for a maintain
    target), the target at the deadline, a vertical line at the deadline, and the latest period.

    Every element is named in words, in the legend and, with its value, in a label pointing at it ("Baseline
    175.0"), and has a shape or dash of its own, so nothing relies on colour. ``series``: period_end (date),
    value and, if known, ci_lower, ci_upper (and period, for ``breaks``); a withheld value is NaN and is not
    drawn, nor is a withheld baseline or target (None). ``assumed``: which elements of the target are assumptions, in
    words ("baseline; deadline"), said under the title."""
    fig = go.Figure()
    x = [pd.Timestamp(d) for d in series["period_end"]]
    if "ci_lower" in series and "ci_upper" in series:
        band = series[series["ci_lower"].notna() & series["ci_upper"].notna()]
        if not band.empty:
            bx = [pd.Timestamp(d) for d in band["period_end"]]
            fig.add_trace(go.Scatter(x=bx + bx[::-1], y=list(band["ci_upper"]) + list(band["ci_lower"])[::-1],
                                     fill="toself", fillcolor="rgba(29,112,184,0.15)", line=dict(width=0),
                                     name="95% confidence interval", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=series["value"], mode="lines+markers", name="Value",
                             line=dict(color=ACTUAL, width=2), marker=dict(size=4, symbol="circle")))
    if glide:  # over the values, black and thick enough to be told from them by its dashes
        fig.add_trace(go.Scatter(x=[pd.Timestamp(d) for d, _ in glide], y=[v for _, v in glide], mode="lines",
                                 name="Glide path: level to keep" if maintain else "Glide path",
                                 line=dict(color=BASELINE, dash="dash", width=3)))
    # Labels point inward, so that none runs off the chart at either edge: a point in the right half has its
    # label on its left, one in the upper half has it below (the target's away from the values, above or below).
    known = [float(v) for v in series["value"] if pd.notna(v)] + [v for _, v in glide]
    known += [p[1] for p in (baseline, latest) if p is not None] + ([target] if target is not None else [])
    middle = (min(known) + max(known)) / 2 if known else 0.0
    times = x + [pd.Timestamp(d) for d, _ in glide] + [pd.Timestamp(deadline)]
    centre = min(times) + (max(times) - min(times)) / 2

    def side(when: date) -> int:
        return -1 if pd.Timestamp(when) > centre else 1

    up = target is not None and target >= middle  # the target in the upper half: its label above it
    marked = [("Baseline", baseline, "square", BASELINE, 35 if up else -35)]
    if target is not None:
        marked.append(("Level to keep" if maintain else "Target", (deadline, target), "star", TARGET,
                       -35 if up else 35))
    if latest is not None:
        marked.append(("Latest", latest, "diamond", ACTUAL, 35 if latest[1] >= middle else -35))
    for name, point, symbol, colour, ay in marked:
        if point is None:
            continue
        fig.add_trace(go.Scatter(x=[pd.Timestamp(point[0])], y=[point[1]], mode="markers", name=name,
                                 marker=dict(symbol=symbol, size=13, color=colour,
                                             line=dict(color="#ffffff", width=1))))
        words = f"{name} {number_format(point[1])}"
        fig.add_annotation(x=pd.Timestamp(point[0]), y=point[1], text=as_text(words), ax=40 * side(point[0]),
                           ay=ay, xanchor="left" if side(point[0]) > 0 else "right", showarrow=True, arrowhead=0,
                           arrowcolor="#0b0c0c", bgcolor="rgba(255,255,255,0.9)", bordercolor="#0b0c0c",
                           borderwidth=1, borderpad=2, font=dict(size=12))
    # The line at the deadline is named in the legend (a label on the line itself ran into the others' labels).
    fig.add_vline(x=pd.Timestamp(deadline).timestamp() * 1000, line=dict(color=TARGET, dash="dot", width=1.5))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=f"Deadline ({deadline:%b %Y})",
                             line=dict(color=TARGET, dash="dot", width=1.5), hoverinfo="skip"))
    for at in _break_positions(series, x, breaks):
        fig.add_vline(x=at.timestamp() * 1000, line=dict(color="#0b0c0c", dash="dashdot", width=1.5),
                      annotation_text="Series break", annotation_position="top right")
    fig = _layout(fig, title, y_title)
    if assumed:  # a second line of the title: "Assumed" is said on the chart itself, not only beside it
        # (the unit in smaller type: a long one, upright beside a plot lowered by that line, reached into it)
        fig.update_layout(title_text=f"{as_text(title)}<br>{as_text(f'(Assumed: {assumed})')}", margin_t=80,
                          yaxis_title_font_size=12)
    return fig


def breakdown_figure(frame: pd.DataFrame, title: str, x_title: str) -> go.Figure:
    """Horizontal bars by area with confidence intervals; ``frame``: area_name, value, ci_lower, ci_upper."""
    ordered = frame.sort_values("value")
    error = None
    if ordered["ci_upper"].notna().any():
        error = dict(type="data", symmetric=False, array=ordered["ci_upper"] - ordered["value"],
                     arrayminus=ordered["value"] - ordered["ci_lower"], color="#0b0c0c")
    fig = go.Figure(go.Bar(x=ordered["value"], y=[as_text(n) for n in ordered["area_name"]], orientation="h",
                           marker_color=ACTUAL, error_x=error, name="Value"))
    fig = _layout(fig, title, "")
    fig.update_layout(xaxis_title=as_text(x_title), height=max(260, 60 + 40 * len(ordered)), hovermode="closest")
    return fig


# ---------------------------------------------------------------- headline (reports' first page)

#: Status colours as on the pages (outcomes.css); each bar is also labelled with its word and count.
STATUS_COLOURS = {"achieved": "#00703c", "on_track": "#00703c", "at_risk": "#8a4a00", "off_track": "#b10e1e",
                  "monitored": "#1d4f91", "not_started": "#505a5f", "no_data": "#505a5f", "not_assessed": "#505a5f"}


def status_figure(counts: Sequence[tuple[str, str, int]], title: str) -> go.Figure:
    """Horizontal bars of how many metrics have each status, worst at the top; ``counts`` holds
    (status, words, number). Words and numbers are on the bars: colour is never the only cue."""
    shown = [c for c in counts if c[2]][::-1]  # plotly draws the first bar at the bottom
    fig = go.Figure(go.Bar(
        x=[n for _, _, n in shown], y=[as_text(words) for _, words, _ in shown], orientation="h",
        marker_color=[STATUS_COLOURS.get(status, GLIDE) for status, _, _ in shown],
        text=[str(n) for _, _, n in shown], textposition="outside", cliponaxis=False, name="Metrics"))
    fig = _layout(fig, title, "")
    fig.update_layout(xaxis_title="Number of metrics", showlegend=False, hovermode=False,
                      margin=dict(l=110, r=40, t=60, b=50))
    return fig


# ---------------------------------------------------------------- SPC (Making Data Count)

#: Point types as Making Data Count colours them, each with its own marker shape so colour is not needed.
SPC_POINT_STYLES: dict[str, tuple[str, str, str]] = {
    # point type -> (legend name, colour, marker symbol)
    "common_cause": ("Common cause", "#7f7f7f", "circle"),
    "improvement": ("Special cause – improvement", "#1d70b8", "diamond"),
    "concern": ("Special cause – concern", "#d45d00", "square"),
    "neutral_high": ("Special cause – neither (high)", "#6f3c97", "triangle-up"),
    "neutral_low": ("Special cause – neither (low)", "#6f3c97", "triangle-down"),
}


def spc_figure(series: pd.DataFrame, spc_result, title: str, y_title: str) -> go.Figure:
    """An XmR chart: the values, their 95% CI as a band, the mean, the process limits (per point, so
    rebased limits step), the target if any, and points coloured *and* shaped by their point type. Each
    change point (``spc_result.segment_starts`` after the first) is a labelled vertical line at the first point
    of its segment, where the limits step.

    ``series`` has one row per point in ``spc_result`` with columns period_end (date), value and
    optionally ci_lower, ci_upper; ``spc_result`` is a :class:`metrics.statistics.spc.SpcResult`."""
    fig = go.Figure()
    x = [pd.Timestamp(d) for d in series["period_end"]]
    values = list(series["value"])
    lower_ci = list(series["ci_lower"]) if "ci_lower" in series else []
    upper_ci = list(series["ci_upper"]) if "ci_upper" in series else []
    if lower_ci and pd.notna(pd.Series(lower_ci, dtype="float64")).all():
        fig.add_trace(go.Scatter(x=x + x[::-1], y=upper_ci + lower_ci[::-1], fill="toself",
                                 fillcolor="rgba(29,112,184,0.12)", line=dict(width=0),
                                 name="95% confidence interval", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=values, mode="lines", name="Value", line=dict(color="#505a5f", width=1.5),
                             hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(x=x, y=spc_result.centre, mode="lines", name="Mean",
                             line=dict(color="#0b0c0c", width=1.5), line_shape="hv"))
    fig.add_trace(go.Scatter(x=x, y=spc_result.lower, mode="lines", name="Lower process limit",
                             line=dict(color="#505a5f", width=1.5, dash="dash"), line_shape="hv"))
    fig.add_trace(go.Scatter(x=x, y=spc_result.upper, mode="lines", name="Upper process limit",
                             line=dict(color="#505a5f", width=1.5, dash="dash"), line_shape="hv"))
    if spc_result.target is not None:
        fig.add_trace(go.Scatter(x=[x[0], x[-1]], y=[spc_result.target] * 2, mode="lines", name="Target",
                                 line=dict(color=TARGET, width=2, dash="dot")))
    for point_type, (name, colour, symbol) in SPC_POINT_STYLES.items():
        picked = [i for i, t in enumerate(spc_result.point_types) if t == point_type]
        if not picked:
            continue
        fig.add_trace(go.Scatter(x=[x[i] for i in picked], y=[values[i] for i in picked], mode="markers",
                                 name=name, marker=dict(color=colour, symbol=symbol, size=9,
                                                        line=dict(color="#ffffff", width=1))))
    for start in spc_result.segment_starts[1:]:
        fig.add_vline(x=x[start].timestamp() * 1000, line=dict(color="#0b0c0c", dash="longdash", width=1.5),
                      annotation_text="Change point: limits recalculated", annotation_font_size=12,
                      annotation_position="top left" if start > len(x) / 2 else "top right",
                      annotation_bgcolor="rgba(255,255,255,0.85)")
    fig = _layout(fig, title, y_title)
    fig.update_layout(hovermode="closest", height=420, legend=dict(orientation="h", y=-0.18))
    return fig


def distribution_figure(values: Sequence[float], council_value: float, council_name: str, title: str,
                        x_title: str) -> go.Figure:
    """Every peer council's value as a dot on one line (jittered so equal values stay visible),
    the quartiles as a box, and this council as a larger, labelled diamond: where it stands."""
    import numpy as np

    jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(values))  # seeded: the same picture every time
    fig = go.Figure()
    fig.add_trace(go.Box(x=list(values), name="All councils", boxpoints=False, fillcolor="rgba(29,112,184,0.10)",
                         line=dict(color=ACTUAL, width=1), hoverinfo="skip", y0=0))
    fig.add_trace(go.Scatter(x=list(values), y=list(jitter), mode="markers", name="Each council",
                             marker=dict(size=5, color="#505a5f", opacity=0.6), hoverinfo="x"))
    fig.add_trace(go.Scatter(x=[council_value], y=[0], mode="markers+text", name=as_text(council_name),
                             text=[as_text(council_name)], textposition="top center",
                             marker=dict(symbol="diamond", size=15, color=TARGET, line=dict(color="#0b0c0c", width=1))))
    fig = _layout(fig, title, "")
    fig.update_layout(xaxis_title=as_text(x_title), height=300, yaxis=dict(visible=False, range=[-0.6, 0.8]),
                      hovermode="closest", legend=dict(orientation="h", y=-0.45), margin=dict(b=90))
    return fig


def people_count_figure(labels: Sequence[str], counts: Sequence[int | None], title: str, x_title: str) -> go.Figure:
    """Vertical bars of how many people fall in each group; a withheld (suppressed) count has no bar.
    Each bar carries its number as text, so the chart does not rely on reading the axis."""
    shown = [c if c is not None else 0 for c in counts]
    words = [str(c) if c is not None else "suppressed" for c in counts]
    fig = go.Figure(go.Bar(x=list(labels), y=shown, text=words, textposition="outside", marker_color=ACTUAL,
                           name="People", cliponaxis=False))
    fig = _layout(fig, title, "People")
    fig.update_layout(xaxis_title=x_title, hovermode="closest", showlegend=False, height=320)
    return fig
