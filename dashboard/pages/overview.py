"""Overview: what is off track or getting worse, by outcome, for one framework at one period."""

from __future__ import annotations

import threading
from collections import OrderedDict
from urllib.parse import urlencode

import dash
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import context, ids, titles
from dashboard.components import (ALL, Prebuilt, labelled, period_options, period_problem, progress_text, select,
                                  sparkline, status_badge, synthetic_banner, synthetic_tag)
from dashboard.provenance_view import assumed_line
from metrics.definitions.models import Framework, Intention
from metrics.disclosure import suppress_frame
from metrics.evaluation.evaluate import Evaluation
from metrics.evaluation.grouping import outcome_groups
from metrics.evaluation.status import Status
from metrics.formatting import format_value
from metrics.service import FrameworkEvaluation

dash.register_page(__name__, path="/", name="Overview", title=titles.overview_title)


def view_href(framework_id: str, period: str | None, theme: list[str] | None = None,
              lead: list[str] | None = None) -> str:
    query: dict[str, str] = {"framework": framework_id}
    if period:
        query["period"] = period
    if theme:
        query["theme"] = ",".join(theme)
    if lead:
        query["lead"] = ",".join(lead)
    return "/?" + urlencode(query)


def _first(value: str | None) -> str:
    return _split(value)[0] if _split(value) else ""


def _split(value: str | list[str] | None) -> list[str]:
    """The chosen themes or leads; anything but text (a forged request) chooses none."""
    if not value or value == ALL:
        return []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v != ALL]
    if not isinstance(value, str):
        return []
    return [v for v in value.split(",") if v and v != ALL]


def _metric_row(evaluation: Evaluation, framework: Framework, period: str) -> html.Tr:
    service = context.service()
    metric = service.metric(evaluation.metric_id)
    series = service.series(metric.id)
    series = series[series["period"] <= period] if not series.empty else series
    if context.public() and not series.empty:
        series = suppress_frame(series, metric)  # small numbers leave gaps in the sparkline
    values = [None if v != v else float(v) for v in series["value"].tail(36)] if not series.empty else []
    known = [v for v in values if v is not None]
    if len(known) >= 2:
        alt = (f"Trend of {metric.display_title} over the last {len(values)} periods: from "
               f"{format_value(known[0], metric)} to {format_value(known[-1], metric)}"
               + (" (some values suppressed: small numbers)" if len(known) < len(values) else ""))
    else:
        alt = "No trend available"
    value = ("suppressed" if evaluation.suppressed
             else format_value(evaluation.value, metric) if evaluation.value is not None else "–")
    target = format_value(evaluation.target_value, metric) if evaluation.target_value is not None else "–"
    deadline = f" by {evaluation.deadline}" if evaluation.deadline else ""
    href = f"/metric/{metric.id}?" + urlencode({"framework": framework.id, "period": period})
    first = [dcc.Link(metric.display_title, href=href), html.P(evaluation.status_reason, className="reason small")]
    bench = evaluation.insights.benchmark if evaluation.insights else None
    if bench is not None:  # compact, in words: the metric page gives the method and the interval
        first.append(html.P(bench.compact, className="benchmark small", **{"data-verdict": str(bench.verdict)}))
    return html.Tr([
        # data-label: on a phone each row is stacked and every value is shown under its column's name
        # (the first cell, the metric itself, needs none).
        html.Td(first),
        html.Td([value, synthetic_tag(evaluation),
                 html.Div(evaluation.period_label or "", className="small text-muted")],
                **{"data-label": "Latest value"}),
        html.Td([target + deadline, *assumed_line(evaluation.target_provenance)], **{"data-label": "Target"}),
        html.Td(status_badge(evaluation.status), **{"data-label": "Status"}),
        html.Td(progress_text(evaluation), **{"data-label": "Progress"}),
        html.Td(sparkline(values, alt), **{"data-label": "Trend"}),
    ], **{"data-metric": metric.id})


def _intention_card(intention: Intention, result: FrameworkEvaluation) -> html.Section:
    framework = result.framework
    rows = [_metric_row(e, framework, result.period) for e in result.for_intention(intention.id)]
    milestones = [m for m in result.milestones if m.intention_id == intention.id]
    href = f"/intention/{intention.id}?" + urlencode({"framework": framework.id, "period": result.period})
    body: list = [
        html.H3(dcc.Link(intention.title, href=href), className="h5"),
        html.P([html.Span(f"Theme: {intention.theme or '–'}"), " · ", html.Span(f"Lead: {intention.lead or '–'}")],
               className="small text-muted"),
    ]
    if rows:
        body.append(html.Table([
            html.Caption(f"Metrics for this intention at {result.period}", className="visually-hidden"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in
                                ["Metric and status reason", "Latest value", "Target", "Status", "Progress",
                                 "Trend"]])),
            html.Tbody(rows),
        ], className="table table-sm metric-table"))
    if milestones:
        late = sum(1 for m in milestones if m.state == "late")
        body.append(html.P(f"Milestones: {len(milestones)} ({late} late)", className="small"))
    if not rows and not milestones:
        body.append(html.P("No metrics or milestones are declared for this intention yet.", className="small"))
    return html.Section(body, className="intention-card", **{"data-intention": intention.id})


def _summary(result: FrameworkEvaluation) -> html.Section:
    counts = result.status_counts()
    late = sum(1 for m in result.milestones if m.state == "late")
    items = [html.Li([status_badge(s), f" {n}"]) for s, n in counts.items() if n]
    items.append(html.Li(f"Milestones late: {late} of {len(result.milestones)}"))
    return html.Section([html.H2("Summary", className="h4"), html.Ul(items, className="summary-counts")],
                        **{"aria-label": "Summary of statuses"})


#: The overview's components for one cached evaluation and one choice of filters. Building them is
#: most of a warm request's CPU (hundreds of components, a sparkline each); the evaluation object is
#: the service's cached one, so the same object means the same figures. Nothing here depends on who
#: asks: the page is the same for every reader of an audience (public or not).
_BODIES: OrderedDict[tuple, tuple[FrameworkEvaluation, list]] = OrderedDict()
_BODIES_LOCK = threading.Lock()
_BODIES_KEPT = 64


def overview_body(framework_id: str, period: str | None, themes: list[str], leads: list[str]) -> list:
    service = context.service()
    result = service.evaluate_framework(framework_id, period, suppress=context.public())
    key = (id(service), id(result), framework_id, period, tuple(themes), tuple(leads))
    with _BODIES_LOCK:
        hit = _BODIES.get(key)
        if hit is not None and hit[0] is result:
            _BODIES.move_to_end(key)
            return hit[1]
    # Prebuilt: serialised once, then sent as it is (most of a warm request was this serialisation).
    body = [Prebuilt(_build_body(result, period, themes, leads))]
    with _BODIES_LOCK:
        _BODIES[key] = (result, body)  # holding the result keeps its id from being reused
        while len(_BODIES) > _BODIES_KEPT:
            _BODIES.popitem(last=False)
    return body


def _build_body(result: FrameworkEvaluation, period: str | None, themes: list[str], leads: list[str]) -> list:
    framework = result.framework
    intentions = [i for i in framework.intentions
                  if (not themes or i.theme in themes) and (not leads or i.lead in leads)]
    # How many of the figures shown are synthetic; each is tagged beside its value (_metric_row).
    shown = {i.id for i in intentions}
    banner = synthetic_banner([e for e in result.evaluations if e.intention_id in shown])
    content: list = [banner] if banner else []
    content.append(html.P([f"Figures at {result.period}. ", dcc.Link("Link to this view",
                                                                    href=view_href(framework.id, period, themes, leads)),
                           " · ", dcc.Link(f"Review pack for {result.period}", id="review-pack-link",
                                           href="/review?" + urlencode({"framework": framework.id,
                                                                        "period": result.period}))],
                          className="small"))
    content.append(_summary(result))
    for group in outcome_groups(framework, intentions):
        content.append(html.Section([html.H2(group.title, className="h4 mt-4")]
                                    + [_intention_card(i, result) for i in group.intentions]))
    if not intentions:
        content.append(html.P("No intentions match the chosen theme and lead."))
    return content


def layout(framework: str | None = None, period: str | None = None, theme: str | None = None,
           lead: str | None = None, **_: str) -> html.Div:
    service = context.service()
    try:
        fw = service.framework(framework)
    except KeyError as exc:
        return html.Div([html.H1("Framework not found"), html.P(str(exc.args[0]))])
    periods = service.available_periods(fw.id)
    chosen = period if period in periods else (periods[0] if periods else None)
    themes = sorted({i.theme for i in fw.intentions if i.theme})
    leads = sorted({i.lead for i in fw.intentions if i.lead})
    frameworks = [{"label": f.title, "value": f.id} for f in service.config.frameworks.values()]
    # Choosing a framework loads another page, so it waits for the button (WCAG 3.2.2): an arrow key
    # on the closed select only moves the choice. Period, theme and lead update this page in place.
    framework_choice = html.Div([
        labelled("Framework", ids.FRAMEWORK_SELECT, select(ids.FRAMEWORK_SELECT, frameworks, fw.id)),
        html.Button("Show framework", id=ids.FRAMEWORK_APPLY, n_clicks=0, type="button",
                    className="btn btn-outline-dark align-self-end mb-2 me-3"),
    ], className="d-flex flex-wrap")
    controls = html.Div([
        framework_choice,
        labelled("Period", ids.PERIOD_SELECT, select(ids.PERIOD_SELECT, period_options(periods), chosen)),
        labelled("Theme", ids.THEME_FILTER, select(ids.THEME_FILTER, [{"label": t, "value": t} for t in themes],
                                                   _first(theme), "All themes")),
        labelled("Lead", ids.LEAD_FILTER, select(ids.LEAD_FILTER, [{"label": x, "value": x} for x in leads],
                                                 _first(lead), "All leads")),
    ], className="d-flex flex-wrap no-print", role="group", **{"aria-label": "Choose what to show"})
    return html.Div([
        html.H1(fw.title, className="h2"),
        html.P(f"{fw.organisation}. {fw.description}", className="lead"),
        period_problem(period, periods),
        controls,
        # A short sentence is announced when the filters change, not the whole body (WCAG 4.1.3).
        html.P(id=ids.OVERVIEW_STATUS, role="status", className="visually-hidden"),
        html.Div(overview_body(fw.id, chosen, _split(theme), _split(lead)), id=ids.OVERVIEW_BODY),
    ])


def status_summary(framework_id: str, period: str | None, themes: list[str], leads: list[str]) -> str:
    """What a screen reader hears after a filter change: the period, how many intentions and their
    statuses in a few words."""
    service = context.service()
    result = service.evaluate_framework(framework_id, period, suppress=context.public())
    shown = {i.id for i in result.framework.intentions
             if (not themes or i.theme in themes) and (not leads or i.lead in leads)}
    counts: dict[str, int] = {}
    for evaluation in result.evaluations:
        if evaluation.intention_id in shown:
            words = Status(evaluation.status).words.lower()
            counts[words] = counts.get(words, 0) + 1
    statuses = ", ".join(f"{n} {words}" for words, n in counts.items()) or "no metrics"
    return f"Showing {len(shown)} intentions at {result.period}: {statuses}."


@callback(Output(ids.OVERVIEW_BODY, "children"), Output(ids.OVERVIEW_STATUS, "children"),
          Input(ids.PERIOD_SELECT, "value"), Input(ids.THEME_FILTER, "value"), Input(ids.LEAD_FILTER, "value"),
          State(ids.URL, "href"), prevent_initial_call=True)
def update_overview(period: str | None, themes: str | list[str] | None, leads: str | list[str] | None,
                    current_href: str | None) -> tuple[list, str]:
    # The framework shown is the address's, not the select's: the select may hold a choice not yet applied.
    service = context.service()
    framework_id = _shown_framework(current_href)
    if framework_id not in service.config.frameworks:
        words = (f"There is no framework '{framework_id}' in the address; the frameworks are "
                 f"{', '.join(service.config.frameworks)}.")
        return html.P(words, role="alert", className="alert alert-warning"), words
    periods = service.available_periods(framework_id)
    asked = None if period in (None, "") else str(period)
    chosen = asked if asked in periods else (periods[0] if periods else None)
    args = (framework_id, chosen, _split(themes), _split(leads))
    problem = period_problem(asked, periods)
    if problem is None:
        return overview_body(*args), status_summary(*args)
    return [problem, *overview_body(*args)], f"{problem.children} {status_summary(*args)}"


def _shown_framework(current_href: str | None) -> str:
    from urllib.parse import parse_qs, urlparse

    default = context.service().framework().id
    url = urlparse(current_href if isinstance(current_href, str) else "")
    if url.path.startswith("/framework/"):
        return url.path.removeprefix("/framework/").strip("/") or default
    return parse_qs(url.query).get("framework", [default])[0]


@callback(Output(ids.URL, "href"), Input(ids.FRAMEWORK_APPLY, "n_clicks"), State(ids.FRAMEWORK_SELECT, "value"),
          State(ids.URL, "href"), prevent_initial_call=True)
def choose_framework(clicks: int | None, framework_id: str | None, current_href: str | None) -> str:
    """Another framework has other periods, themes and leads: its own overview is loaded, when the
    button is pressed. Showing the framework already shown keeps the URL (and its period)."""
    if not clicks or not isinstance(framework_id, str) or not framework_id \
            or framework_id == _shown_framework(current_href):
        raise PreventUpdate
    return view_href(framework_id, None)


__all__ = ["layout", "update_overview", "overview_body"]
