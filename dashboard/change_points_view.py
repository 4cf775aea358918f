"""The metric page's SPC change points: which segment the limits come from, the change points applied (config's
and people's) with who said so and why, the ones the product suggests, and, for a performance officer on the
metric's framework, a form to record one (a suggested period or any other) and a button to withdraw each one
recorded.

Whether a form is shown is only a courtesy: the callbacks hand the signed-in person (``auth.current_person()``)
to :mod:`review.change_points`, which refuses anyone who is not a performance officer for the framework or an
admin, and audits what it does. Reasons people typed are shown as text."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, State, callback, dcc, html, no_update

from dashboard import auth, context
from dashboard import review_widgets as w
from datasources.store import Store
from metrics.definitions.models import Framework, Metric
from metrics.evaluation.change_points import MIN_SEGMENT_POINTS, ChangePoint
from metrics.evaluation.evaluate import Evaluation
from review.access import can_sign_off
from review.change_points import RecordedChangePoint, list_change_points, record_change_point, withdraw_change_point
from review.errors import ReviewError
from review.people import Person

SECTION_ID = "change-points"
CONTEXT = "change-point-context"           # {"framework", "metric"}: what the page is about
RECORD_KEY = "record"
PERIOD, REASON, RECORD, RESULT = ("change-point-period", "change-point-reason", "change-point-record",
                                  "change-point-result")
# {"type": ..., "key": "<recorded change point id>"}
WITHDRAW_REASON, WITHDRAW, WITHDRAW_RESULT = ("change-point-withdraw-reason", "change-point-withdraw",
                                              "change-point-withdraw-result")
# The error slots have a type of their own: the review pack's share field names ("reason") with these forms.
FIELD_ERROR = "change-point-field-error"
RECORD_FIELDS = ("period", "reason")

EXPLAINED = ("A change point is a period from which the SPC limits are recalculated, because the process "
             "changed there (a new service, a definition change). Config declares known ones; a performance "
             "officer records others, with the reason. The product suggests periods where a sustained shift or "
             "trend starts, but applies none until a performance officer records it.")


def record_fields() -> list[w.FormField]:
    return [w.FormField("period", "Period", {"type": PERIOD, "key": RECORD_KEY}),
            w.FormField("reason", "Reason", {"type": REASON, "key": RECORD_KEY})]


def _slot(field: w.FormField) -> html.Div:
    return html.Div(id={"type": FIELD_ERROR, "key": field.control["key"], "field": field.name})


def _labelled(label: str, field: w.FormField, control, hint: str | None = None) -> html.Div:
    words: list = [label] + ([html.Span(hint, className="form-text d-block fw-normal mt-0")] if hint else [])
    return html.Div([html.Label(words, htmlFor=w.dom_id(field.control), className="form-label fw-semibold mb-1"),
                     _slot(field), control], className="mb-2 form-group")


def _said(point: ChangePoint, label: str) -> list:
    when = f", {point.recorded_at[:10]}" if point.recorded_at else ""
    return [html.Span(label, className="fw-semibold"), f" – {point.attribution}{when}: ",
            html.Span(point.reason, className="change-point-reason")]


def _withdraw_form(recorded: RecordedChangePoint, label: str) -> html.Div:
    key = str(recorded.id)
    control = {"type": WITHDRAW_REASON, "key": key}
    return html.Div([
        html.Label(["Why withdraw it (optional)"], htmlFor=w.dom_id(control), className="form-label small mb-1"),
        dcc.Input(id=control, type="text", className="form-control form-control-sm", style={"maxWidth": "40rem"}),
        html.Button(f"Withdraw the change point at {label}", id={"type": WITHDRAW, "key": key},
                    n_clicks=0, className="btn btn-outline-dark btn-sm mt-1"),
        html.Div(id={"type": WITHDRAW_RESULT, "key": key}),
    ], className="mt-1 mb-2")


def _applied(evaluation: Evaluation, recorded: list[RecordedChangePoint], officer: bool) -> list:
    spc = evaluation.insights.spc if evaluation.insights else None
    segments = spc.segments if spc is not None else ()
    by_id = {r.id: r for r in recorded}
    items = []
    for segment in segments:
        if segment.change_point is None:
            continue
        point = segment.change_point
        parts = _said(point, f"From {segment.label} ({segment.points} point{'s' if segment.points != 1 else ''})")
        if officer and point.id in by_id:
            parts.append(_withdraw_form(by_id[point.id], segment.label))
        elif point.declared:
            parts.append(html.Span(" (change it in config)", className="small text-muted"))
        items.append(html.Li(parts, **{"data-change-point": segment.start}))
    shown = {s.change_point.id for s in segments if s.change_point is not None}
    # Recorded, in force, but before the chart's first point (after withheld small numbers): not applied.
    unused = [r for r in recorded if not r.withdrawn and r.id not in shown]
    for r in unused:
        parts = _said(r.change_point, f"{r.period} (before this chart's points, so not applied here)")
        if officer:
            parts.append(_withdraw_form(r, r.period))
        items.append(html.Li(parts, **{"data-change-point": r.period}))
    if not items:
        return [html.P("None: the limits come from all the chart's points.", id="change-points-none")]
    return [html.Ul(items, className="list-unstyled", id="change-points-applied")]


def _suggested(evaluation: Evaluation) -> list:
    spc = evaluation.insights.spc if evaluation.insights else None
    if spc is None:
        return [html.P("None: there is no SPC chart.")]
    if not spc.suggestions:
        return [html.P(f"None: no shift or trend in the latest limits starts a stable stretch of at least "
                       f"{MIN_SEGMENT_POINTS} points.", id="change-points-no-suggestion")]
    return [html.Ul([html.Li(s.words, **{"data-suggested": s.period}) for s in spc.suggestions],
                    id="change-points-suggested")]


def _record_form(evaluation: Evaluation) -> html.Fieldset:
    spc = evaluation.insights.spc
    suggested = {s.period for s in spc.suggestions}
    applied = {s.start for s in spc.segments}
    options = [{"label": f"{label} (suggested)" if period in suggested else label, "value": period}
               for period, label in zip(spc.periods[1:], spc.labels[1:]) if period not in applied]
    if not spc.suggestions:  # nothing to propose: the officer chooses
        options.insert(0, {"label": "Choose a period", "value": ""})
    chosen = spc.suggestions[0].period if spc.suggestions else ""
    period_field, reason_field = record_fields()
    return html.Fieldset([
        html.Legend("Record a change point", className="h6 fs-6"),
        html.Div(id={"type": RESULT, "key": RECORD_KEY}),
        _labelled("Period from which the limits are recalculated", period_field,
                  dbc.Select(id=period_field.control, options=options, value=chosen, className="w-auto"),
                  hint="The first period of the new limits; suggested periods are marked."),
        _labelled("Reason", reason_field,
                  dcc.Textarea(id=reason_field.control, className="form-control", style={"minHeight": "3rem"}),
                  hint="What changed then, e.g. a new service or a definition change. Plain text; required. "
                       "Making Data Count: recalculate only where the process is known to have changed."),
        html.Button("Record change point", id={"type": RECORD, "key": RECORD_KEY}, n_clicks=0,
                    className="btn btn-dark btn-sm"),
    ], className="border rounded p-2 mt-2 no-print", id="change-point-form")


def change_points_section(store: Store, person: Person | None, framework: Framework | None, metric: Metric,
                          evaluation: Evaluation, signin_href: str) -> html.Section:
    """The section under the SPC chart. ``framework``: the metric's (None: it is in none, so nothing to record)."""
    spc = evaluation.insights.spc if evaluation.insights else None
    officer = framework is not None and can_sign_off(store, person, framework.id)
    recorded = list_change_points(store, framework.id, metric.id) if framework is not None else []
    withdrawn = [r for r in recorded if r.withdrawn]
    body: list = [html.H2("SPC change points", className="h4 mt-3", id="change-points-heading"),
                  html.P(EXPLAINED, className="small"),
                  html.H3("Change points applied", className="h6"), *_applied(evaluation, recorded, officer),
                  html.H3("Suggested change points", className="h6"), *_suggested(evaluation)]
    if withdrawn:
        body.append(html.Details([
            html.Summary(f"Withdrawn change points ({len(withdrawn)})"),
            html.Ul([html.Li([*_said(r.change_point, r.period),
                              html.Span(f" Withdrawn by {r.withdrawn_by}, {w.when(r.withdrawn_at)}"
                                        + (": " if r.withdrawn_reason else "."), className="small"),
                              html.Span(r.withdrawn_reason or "", className="small change-point-reason")])
                     for r in withdrawn], className="small"),
        ], id="change-points-withdrawn"))
    if spc is not None and framework is not None and officer:
        body += [dcc.Store(id=CONTEXT, data={"framework": framework.id, "metric": metric.id}),
                 _record_form(evaluation)]
    elif spc is not None and framework is not None and person is None:
        body.append(html.P(["A performance officer records change points: ",
                            html.A("sign in", href=signin_href), " to record one."], className="small no-print"))
    return html.Section(body, id=SECTION_ID, **{"aria-labelledby": "change-points-heading"})


# --- writes: each hands the signed-in person to the domain, which decides --------------------

def _context(data) -> tuple[str, str]:
    data = data if isinstance(data, dict) else {}
    return str(data.get("framework") or ""), str(data.get("metric") or "")


def _reload(words: str) -> html.Div:
    """Done: the chart is drawn again with the change on the next page load."""
    return html.Div([words + " ", html.A("Show the chart with the new limits", href="", className="alert-link",
                                         id="change-point-reload")],
                    role="status", className="alert alert-success py-2 my-2")


def register() -> None:
    """Give the app being built the section's callbacks. Called by the metric page's module: Dash runs page
    modules afresh for every app it builds but imports this module once per process, so callbacks declared here
    at import would belong only to the first app built (tests build several)."""
    callback(Output({"type": RESULT, "key": RECORD_KEY}, "children"),
             *[Output({"type": FIELD_ERROR, "key": RECORD_KEY, "field": name}, "children") for name in RECORD_FIELDS],
             Input({"type": RECORD, "key": RECORD_KEY}, "n_clicks"),
             State({"type": PERIOD, "key": RECORD_KEY}, "value"),
             State({"type": REASON, "key": RECORD_KEY}, "value"),
             State(CONTEXT, "data"), prevent_initial_call=True)(record_clicked)
    callback(Output({"type": WITHDRAW_RESULT, "key": MATCH}, "children"),
             Input({"type": WITHDRAW, "key": MATCH}, "n_clicks"),
             State({"type": WITHDRAW, "key": MATCH}, "id"),
             State({"type": WITHDRAW_REASON, "key": MATCH}, "value"), prevent_initial_call=True)(withdraw_clicked)


def record_clicked(clicks, period, reason, data):
    fields = record_fields()
    if not clicks:
        return (no_update,) * (1 + len(fields))
    framework_id, metric_id = _context(data)
    try:
        saved = record_change_point(context.store(), context.service(), auth.current_person(), framework_id,
                                    metric_id, _typed(period), _typed(reason))
    except ReviewError as error:
        return w.problem("Not recorded", error, fields, level=3), *w.field_messages(error, fields)
    return (_reload(f"Change point recorded: the limits are recalculated from {saved.period}."),
            *w.field_messages(None, fields))


def _typed(value) -> str:
    """Typed text; anything else (only a forged request sends it) counts as nothing typed."""
    return value if isinstance(value, str) else ""


def withdraw_clicked(clicks, control_id, reason):
    if not clicks:
        return no_update
    key = control_id.get("key") if isinstance(control_id, dict) else None
    if not isinstance(key, str) or not key.isdigit():
        return w.alert("Not withdrawn: that is not a change point of this page.")
    try:
        saved = withdraw_change_point(context.store(), context.service(), auth.current_person(), int(key),
                                      _typed(reason) or None)
    except ReviewError as error:
        return w.alert(f"Not withdrawn: {error}")
    return _reload(f"Change point at {saved.period} withdrawn: the limits are no longer recalculated there.")
