"""Small reusable pieces of page: status badges, sparklines, tables, notices."""

from __future__ import annotations

import base64
from typing import Any, Sequence

import plotly.graph_objects as go
from dash import dcc, html

from metrics.evaluation.evaluate import Evaluation
from metrics.evaluation.progress import progress_text as progress_words
from metrics.evaluation.status import Status
from metrics.periods import parse_month



def status_badge(status: str, size: str = "") -> html.Span:
    """Icon and word together: status is never shown by colour alone."""
    status = Status(status)
    return html.Span([html.Span(status.icon, **{"aria-hidden": "true"}), status.words],
                     className=f"status-badge status-{status} {size}".strip(),
                     **{"data-status": status})


def sparkline(values: Sequence[float], description: str, width: int = 120, height: int = 32) -> html.Img:
    """A tiny line as an SVG image with a text alternative (alt)."""
    points = [v for v in values if v is not None]
    if len(points) < 2:
        return html.Span("not enough data for a trend line", className="text-muted small")
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    step = (width - 4) / (len(points) - 1)
    coords = " ".join(f"{2 + i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
                      for i, v in enumerate(points))
    last_x, last_y = coords.split(" ")[-1].split(",")
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
           f'<polyline fill="none" stroke="#1d70b8" stroke-width="2" points="{coords}"/>'
           f'<circle cx="{last_x}" cy="{last_y}" r="3" fill="#0b0c0c"/></svg>')
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return html.Img(src=src, alt=description, width=width, height=height, className="sparkline")


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
