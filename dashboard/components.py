"""Small reusable pieces of page: status badges, sparklines, tables, notices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import plotly.graph_objects as go
from dash import dcc, html

from metrics.definitions.models import Metric
from metrics.evaluation.evaluate import Evaluation
from metrics.evaluation.progress import progress_text as progress_words
from metrics.evaluation.status import Status
from metrics.evaluation.synthetic_words import SYNTHETIC_MEANING, SYNTHETIC_TAG, synthetic_count
from metrics.formatting import value_parts
from metrics.periods import parse_month



def status_badge(status: str, size: str = "") -> html.Span:
    """Icon and word together: status is never shown by colour alone."""
    status = Status(status)
    return html.Span([html.Span(status.icon, **{"aria-hidden": "true"}), status.words],
                     className=f"status-badge status-{status} {size}".strip(),
                     **{"data-status": status})


def sparkline(values: Sequence[float], description: str, width: int = 120, height: int = 32) -> html.Img:
    """A tiny line as an SVG image with a text alternative (alt).

    Small on the wire (a 200-metric overview sends 200 of them): whole-pixel points, the SVG
    percent-encoded rather than base64 (a third longer), single quotes so nothing else needs escaping."""
    points = [v for v in values if v is not None]
    if len(points) < 2:
        return html.Span("not enough data for a trend line", className="text-muted small")
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    step = (width - 4) / (len(points) - 1)
    xy = [(round(2 + i * step), round(height - 2 - (v - low) / span * (height - 4))) for i, v in enumerate(points)]
    coords = " ".join(f"{x},{y}" for x, y in xy)
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}'>"
           f"<polyline fill='none' stroke='#1d70b8' stroke-width='2' points='{coords}'/>"
           f"<circle cx='{xy[-1][0]}' cy='{xy[-1][1]}' r='3' fill='#0b0c0c'/></svg>")
    src = "data:image/svg+xml," + svg.replace("<", "%3C").replace(">", "%3E").replace("#", "%23")
    return html.Img(src=src, alt=description, width=width, height=height, className="sparkline")


class Prebuilt(html.Div):
    """A Div whose JSON is made once, on its first serialisation, and reused after.

    For a body built once and sent many times (the overview: a thousand components): the JSON encoder
    then walks plain dicts at C speed instead of asking every component for its props on every request.
    The children must not be changed once it has been sent; build a new one instead."""

    def to_plotly_json(self) -> dict:
        made = self.__dict__.get("_plain_json")
        if made is None:
            made = _plain(html.Div.to_plotly_json(self))
            self.__dict__["_plain_json"] = made
        return made


def _plain(node: Any) -> Any:
    if hasattr(node, "to_plotly_json") and hasattr(node, "_namespace"):
        node = node.to_plotly_json()
        return {**node, "props": {k: _plain(v) for k, v in node["props"].items()}}
    if isinstance(node, dict) and "props" in node:
        return {**node, "props": {k: _plain(v) for k, v in node["props"].items()}}
    if isinstance(node, (list, tuple)):
        return [_plain(n) for n in node]
    return node


def chart(figure, caption: str, label: str, figure_id: str | None = None) -> html.Figure:
    """A chart with its words: the plot is hidden from screen readers (it has no
    focusable controls: the mode bar is off) and the caption, plus the table that
    always accompanies it, carry the content."""
    # The box, not the figure, sets the height: CSS gives it more on a phone, where the legend below
    # the plot takes several lines (the figure's own height would squeeze the plot to a strip).
    height = figure.layout.height or 380
    figure = go.Figure(figure).update_layout(height=None, autosize=True)
    return html.Figure([
        html.Div(dcc.Graph(figure=figure, config={"displayModeBar": False, "responsive": True},
                           style={"height": "100%"}),
                 className="chart-box", style={"--chart-height": f"{height}px"}, **{"aria-hidden": "true"}),
        html.Figcaption(caption, className="small"),
    ], role="group", **{"aria-label": label}, **({"id": figure_id} if figure_id else {}))


def notice(text: str, kind: str = "synthetic") -> html.Div:
    return html.Div(text, className=f"{kind}-banner", role="note")


def synthetic_tag(evaluation: Evaluation) -> html.Span | None:
    """The mark beside a figure whose metric's source is synthetic sample data (None beside a real one): a
    word, never colour alone, with its meaning as a tooltip and, for a screen reader, in words after it."""
    if not evaluation.synthetic:
        return None
    return html.Span([SYNTHETIC_TAG, html.Span(f": {SYNTHETIC_MEANING}", className="visually-hidden")],
                     className="synthetic-tag", title=f"{SYNTHETIC_TAG}: {SYNTHETIC_MEANING}.",
                     **{"data-synthetic": "true"})


def synthetic_banner(evaluations: Sequence[Evaluation]) -> html.Div | None:
    """How many of the figures a page shows are synthetic (a metric shown twice counted once), each of them
    marked by :func:`synthetic_tag`; None when none is, so a page of real figures has no banner."""
    flags = {e.metric_id: e.synthetic for e in evaluations}
    words = synthetic_count(sum(flags.values()), len(flags), "figure", "on this page", f"\u201c{SYNTHETIC_TAG}\u201d")
    return notice(words) if words else None


def data_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], caption: str,
               class_name: str = "table table-sm") -> html.Table:
    """A real HTML table with a caption: the accessible alternative to every chart."""
    return scroll_region(html.Table([
        html.Caption(caption),
        html.Thead(html.Tr([html.Th(c, scope="col") for c in columns])),
        html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows]),
    ], className=class_name), caption)


def scroll_region(table: Any, label: str) -> html.Div:
    """A table that may be wider than a phone scrolls inside this box, not the page (WCAG 1.4.10).
    The box is a named region; assets/a11y.js makes it a Tab stop only while it scrolls."""
    return html.Div(table, className="table-scroll", role="region", **{"aria-label": label})


@dataclass(frozen=True)
class Column:
    """A column of a table of metrics: its heading and its kind (metric, value, target, status, progress,
    trend). The kind fixes the column's width (``col.col-<kind>``, assets/outcomes.css, with table-layout
    fixed), so every table of metrics, for every intention and on every page, has the same layout whatever
    it holds; the first column, the metric, takes what is left."""
    heading: str
    kind: str


def metric_table(columns: Sequence[Column], rows: Sequence[tuple[Sequence[Any], dict]], caption: str) -> html.Div:
    """A table of metrics, one row per ``(cells, row attributes)``, the first cell its heading. On a phone
    (assets/outcomes.css) each row is stacked and every value shown under its column's heading (data-label);
    on a screen too narrow for the columns, the table scrolls in its own box."""
    body = [html.Tr([html.Th(cells[0], scope="row")]
                    + [html.Td(cell, className=f"cell-{column.kind}", **{"data-label": column.heading})
                       for column, cell in zip(columns[1:], cells[1:])], **attributes)
            for cells, attributes in rows]
    table = html.Table([
        html.Caption(caption),
        html.Colgroup([html.Col(className=f"col-{column.kind}") for column in columns]),
        html.Thead(html.Tr([html.Th(column.heading, scope="col") for column in columns])),
        html.Tbody(body),
    ], className="table table-sm metric-table metric-columns")
    return scroll_region(table, caption)


def figure(value: float, metric: Metric, target: float | None = None, decimals: int | None = None) -> list:
    """A value for a table cell: its figure on one line (never "60.9 %" or "10 0%"), its unit words free to
    wrap between words; with ``target``, a value worse than it never reads as it, and ``decimals`` shows a
    target at the decimals that took (``metrics.formatting.apart_decimals``)."""
    number, unit = value_parts(value, metric, target, decimals)
    return [html.Span(number, className="figure"), unit] if unit else [html.Span(number, className="figure")]


def unbroken(text: str) -> html.Span:
    """A period or a deadline ("2018-03", "2008/09"), kept on one line."""
    return html.Span(text, className="unbroken")


def progress_text(evaluation: Evaluation) -> str:
    """Capped and worded as everywhere else (metrics.evaluation.progress)."""
    return progress_words(evaluation.progress_pct, evaluation.target_mode)


def period_problem(period: str | None, periods: Sequence[str]) -> html.P | None:
    """A period from the URL that is not a month, or has no figures, is said out loud (the latest is shown
    instead): never silently replaced."""
    if not period or period in periods or not periods:
        return None
    try:
        parse_month(period)
    except ValueError as exc:
        words = f"The period in the address is not understood: {exc}."
    else:
        words = f"There are no figures for {period}."
    return html.P(f"{words} Showing the latest period with figures, {periods[0]}; choose another below.",
                  role="alert", className="alert alert-warning", id="period-problem")


def period_options(periods: Sequence[str]) -> list[dict[str, str]]:
    return [{"label": p, "value": p} for p in periods]


def labelled(label: str, control_id: str, control: Any) -> html.Div:
    return html.Div([html.Label(label, htmlFor=control_id, className="form-label fw-semibold"), control],
                    className="me-3 mb-2", style={"minWidth": "14rem"})


ALL = "__all__"  # the "no filter" choice of a select (an empty value would show as a blank box)


def select(control_id: str, options: list[dict[str, str]], value: Any, all_label: str | None = None) -> Any:
    """A native <select>: fully keyboard-operable and announced by screen readers.

    With ``all_label`` an empty first option means "no filter"."""
    import dash_bootstrap_components as dbc

    choices = ([{"label": all_label, "value": ALL}] if all_label else []) + options
    if value in (None, ""):
        value = ALL if all_label else None
    return dbc.Select(id=control_id, options=choices, value=value)


def dropdown(control_id: str, options: list[dict[str, str]], value: Any, placeholder: str = "") -> Any:
    """A single choice from a list: a native <select> (see ``select``)."""
    return select(control_id, options, value, placeholder or None)
