"""Overview: what needs attention in one framework at one period, then one line per intention.

The first screen counts intentions by status (each count a filter to those intentions), metrics by status
(each metric once), milestones late and actions overdue, and Making Data Count's summary matrix (each cell a
link to its metrics). Below it, one table of intentions: status, lead, theme, the headline measure against
its target, progress, a sparkline and milestones late; filtered by theme, lead and status and sorted by a
select (the URL keeps every choice). Each intention's metric tables are on its own page. Every figure is
read from one judgement, :func:`review.judgement.framework_evaluation`, as the review pack reads it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from urllib.parse import parse_qs, urlencode, urlparse

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import context, ids, titles
from dashboard.components import (Prebuilt, labelled, period_options, period_problem, select, synthetic_banner)
from dashboard.overview_view import (SORTS, Filters, filters_from, first, intention_rows, intentions_table,
                                     spc_cell_section, summary, view_href)
from metrics.definitions.models import Intention
from metrics.evaluation.evaluate import Evaluation
from metrics.evaluation.spc_summary import spc_matrix
from metrics.evaluation.status import Status
from metrics.periods import parse_month
from metrics.service import FrameworkEvaluation, MetricsService
from review.actions import list_actions
from review.judgement import framework_evaluation

dash.register_page(__name__, path="/", name="Overview", title=titles.overview_title)

REASONS_TOGGLE = "overview-reasons"

def _actions(result: FrameworkEvaluation, intentions: list[Intention], filtered: bool) -> tuple[int, int]:
    """(overdue, open) at the period, as the review pack counts them; with a theme or lead chosen, those of
    the intentions and metrics shown."""
    at = parse_month(result.period)
    shown = {i.id for i in intentions}
    metrics = {m for i in intentions for m in i.metrics}
    found = [a for a in list_actions(context.store(), result.framework.id, result.period) if a.status == "open"
             and (not filtered or a.intention_id in shown or a.metric_id in metrics)]
    return sum(1 for a in found if a.overdue(at)), len(found)


#: The overview's components for one evaluation and one choice of filters. Building them is most of a warm
#: request's CPU; the metric evaluations are the service's cached list, so the same list (with the same
#: milestone states and action counts, read afresh) means the same figures. Nothing here depends on who
#: asks: the page is the same for every reader of an audience (public or not).
_BODIES: OrderedDict[tuple, tuple[list[Evaluation], list]] = OrderedDict()
_BODIES_LOCK = threading.Lock()
_BODIES_KEPT = 64


def overview_body(framework_id: str, period: str | None, themes: list[str], leads: list[str],
                  filters: Filters | None = None) -> list:
    """``filters``: the status, sort and matrix cell chosen (themes and leads are taken from the arguments)."""
    service = context.service()
    filters = replace(filters or Filters(), themes=tuple(themes), leads=tuple(leads))
    result = framework_evaluation(context.store(), service, framework_id, period, suppress=context.public())
    intentions = [i for i in result.framework.intentions if filters.keeps(i)]
    actions = _actions(result, intentions, bool(themes or leads))
    key = (id(service), id(result.evaluations), framework_id, period, filters, tuple(result.milestones), actions)
    with _BODIES_LOCK:
        hit = _BODIES.get(key)
        if hit is not None and hit[0] is result.evaluations:
            _BODIES.move_to_end(key)
            return hit[1]
    # Prebuilt: serialised once, then sent as it is (most of a warm request was this serialisation).
    body = [Prebuilt(_build_body(service, result, period, intentions, actions, filters))]
    with _BODIES_LOCK:
        _BODIES[key] = (result.evaluations, body)  # holding the list keeps its id from being reused
        while len(_BODIES) > _BODIES_KEPT:
            _BODIES.popitem(last=False)
    return body


def _build_body(service: MetricsService, result: FrameworkEvaluation, period: str | None,
                intentions: list[Intention], actions: tuple[int, int], filters: Filters) -> list:
    framework = result.framework
    rows = intention_rows(result, intentions)
    judgements = [r.judgement for r in rows]
    shown = {i.id for i in intentions}
    metrics = [e for e in result.metric_evaluations()
               if any(e.metric_id in i.metrics for i in intentions)]
    matrix = spc_matrix(metrics)
    listed = [r for r in rows if not filters.statuses or r.judgement.status in filters.statuses]
    # How many of the figures shown are synthetic; each is tagged beside its measure (overview_view).
    banner = synthetic_banner([r.headline for r in listed if r.headline is not None])
    content: list = [banner] if banner else []
    links = html.P([f"Figures at {result.period}. ",
                           dcc.Link("Link to this view", href=view_href(
                               framework.id, period, filters.themes, filters.leads, filters.statuses, filters.sort,
                               filters.spc_cell)),
                           " · ", dcc.Link(f"Review pack for {result.period}", id="review-pack-link",
                                           href="/review?" + urlencode({"framework": framework.id,
                                                                        "period": result.period}))],
                   className="small mb-0")
    content.append(summary(result, judgements, metrics, matrix, actions, filters, links))
    cell = spc_cell_section(matrix, metrics, result, service, filters)
    if cell is not None:
        content.append(cell)
    heading = f"Intentions: {len(listed)}" + (f" of {len(rows)}" if len(listed) != len(rows) else "")
    if filters.statuses:
        heading += " (" + ", ".join(Status(s).words.lower() for s in filters.statuses) + ")"
    content.append(html.Section([
        html.H2(heading, className="h4 mb-1 mt-3", id="intentions-heading"),
        intentions_table(listed, result, service, filters) if listed else
        html.P("No intentions match the chosen theme, lead and status." if shown else
               "No intentions match the chosen theme and lead."),
    ], **{"aria-labelledby": "intentions-heading"}))
    return content


def layout(framework: str | None = None, period: str | None = None, theme: str | None = None,
           lead: str | None = None, status: str | None = None, sort: str | None = None, spc: str | None = None,
           **_: str) -> html.Div:
    service = context.service()
    try:
        fw = service.framework(framework)
    except KeyError as exc:
        return html.Div([html.H1("Framework not found"), html.P(str(exc.args[0]))])
    periods = service.available_periods(fw.id)
    chosen = period if period in periods else (periods[0] if periods else None)
    filters = filters_from(theme, lead, status, sort, spc)
    themes = sorted({i.theme for i in fw.intentions if i.theme})
    leads = sorted({i.lead for i in fw.intentions if i.lead})
    frameworks = [{"label": f.title, "value": f.id} for f in service.config.frameworks.values()]
    # Choosing a framework loads another page, so it waits for the button (WCAG 3.2.2): an arrow key
    # on the closed select only moves the choice. Period, theme, lead, status and sort update this page in place.
    framework_choice = html.Div([
        labelled("Framework", ids.FRAMEWORK_SELECT, select(ids.FRAMEWORK_SELECT, frameworks, fw.id)),
        html.Button("Show framework", id=ids.FRAMEWORK_APPLY, n_clicks=0, type="button",
                    className="btn btn-outline-dark align-self-end mb-2 me-3"),
    ], className="d-flex flex-wrap")
    controls = html.Div([
        framework_choice,
        labelled("Period", ids.PERIOD_SELECT, select(ids.PERIOD_SELECT, period_options(periods), chosen)),
        labelled("Theme", ids.THEME_FILTER, select(ids.THEME_FILTER, [{"label": t, "value": t} for t in themes],
                                                   first(theme), "All themes")),
        labelled("Lead", ids.LEAD_FILTER, select(ids.LEAD_FILTER, [{"label": x, "value": x} for x in leads],
                                                 first(lead), "All leads")),
        labelled("Status", ids.STATUS_FILTER, select(
            ids.STATUS_FILTER, [{"label": s.words, "value": s} for s in Status.for_intentions()],
            filters.statuses[0] if filters.statuses else "", "All statuses")),
        labelled("Sort intentions by", ids.SORT_SELECT, select(
            ids.SORT_SELECT, [{"label": words, "value": key} for key, (words, _, _) in SORTS.items()],
            filters.sort)),
        # Each row's reason is read by a screen reader; this shows it to everyone (assets/overview.css), without
        # a request, and stays as it is when the filters change the table.
        dbc.Checkbox(id=REASONS_TOGGLE, label="Show why each has its status", value=False,
                     className="align-self-end mb-3"),
    ], className="d-flex flex-wrap no-print overview-controls", role="group",
        **{"aria-label": "Choose what to show"})
    return html.Div([
        html.H1(fw.title, className="h2"),
        html.P(f"{fw.organisation}. {fw.description}", className="lead fs-6"),
        period_problem(period, periods),
        controls,
        # A short sentence is announced when the filters change, not the whole body (WCAG 4.1.3).
        html.P(id=ids.OVERVIEW_STATUS, role="status", className="visually-hidden"),
        html.Div(overview_body(fw.id, chosen, list(filters.themes), list(filters.leads), filters),
                 id=ids.OVERVIEW_BODY),
    ])


def status_summary(framework_id: str, period: str | None, filters: Filters) -> str:
    """What a screen reader hears after a filter change: the period, how many intentions are listed and
    their statuses in a few words."""
    result = framework_evaluation(context.store(), context.service(), framework_id, period,
                                  suppress=context.public())
    shown = [result.intention(i.id) for i in result.framework.intentions if filters.keeps(i)]
    listed = [j for j in shown if j is not None and (not filters.statuses or j.status in filters.statuses)]
    counts: dict[Status, int] = {}
    for j in listed:
        counts[j.status] = counts.get(j.status, 0) + 1
    statuses = ", ".join(f"{counts[s]} {s.words.lower()}" for s in Status.for_intentions() if s in counts)
    return f"Showing {len(listed)} intentions at {result.period}: {statuses or 'none'}."


@callback(Output(ids.OVERVIEW_BODY, "children"), Output(ids.OVERVIEW_STATUS, "children"),
          Input(ids.PERIOD_SELECT, "value"), Input(ids.THEME_FILTER, "value"), Input(ids.LEAD_FILTER, "value"),
          Input(ids.STATUS_FILTER, "value"), Input(ids.SORT_SELECT, "value"),
          State(ids.URL, "href"), prevent_initial_call=True)
def update_overview(period: str | None, themes: str | list[str] | None, leads: str | list[str] | None,
                    statuses: str | list[str] | None, sort: str | None,
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
    filters = filters_from(themes, leads, statuses, sort, _address_value(current_href, "spc"))
    body = overview_body(framework_id, chosen, list(filters.themes), list(filters.leads), filters)
    said = status_summary(framework_id, chosen, filters)
    problem = period_problem(asked, periods)
    if problem is None:
        return body, said
    return [problem, *body], f"{problem.children} {said}"


def _address_value(current_href: str | None, name: str) -> str | None:
    url = urlparse(current_href if isinstance(current_href, str) else "")
    return parse_qs(url.query).get(name, [None])[0]


def _shown_framework(current_href: str | None) -> str:
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
