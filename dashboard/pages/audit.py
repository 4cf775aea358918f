"""The audit trail, for admins: every write, newest first, with the value before and after."""

from __future__ import annotations

import json

import dash
from dash import dcc, html

from dashboard import auth, context
from dashboard.components import scroll_region
from review.audit import list_events
from review.people import Role

dash.register_page(__name__, path="/admin/audit", name="Audit trail", title="Audit trail – Outcomes monitor")

LIMIT = 200


def _value(value) -> html.Pre | str:
    if value is None:
        return "–"
    return html.Pre(json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False), className="small mb-0 audit-value")


def layout(who: str | None = None, action: str | None = None, **_: str) -> html.Div:
    person = auth.current_person()
    if person is None or person.role != Role.admin:
        # Reading the trail is the admins' (it names who signed in from where); the page checks on the server.
        return html.Div([html.H1("Audit trail", className="h2"),
                         html.P("Only admins can see the audit trail. Sign in as an admin.", role="alert",
                                id="audit-refused")])
    events = list_events(context.store(), who=who or None, action=action or None, limit=LIMIT)
    rows = [html.Tr([html.Td(e.at.strftime("%Y-%m-%d %H:%M:%S UTC")), html.Td(e.who), html.Td(e.action),
                     html.Td(e.entity), html.Td(_value(e.before)), html.Td(_value(e.after))],
                    **{"data-event": str(e.id)}) for e in events]
    form = html.Form([
        html.Div([html.Label("Who", htmlFor="audit-who", className="form-label fw-semibold"),
                  dcc.Input(id="audit-who", name="who", value=who or "", type="text", className="form-control")], className="me-3"),
        html.Div([html.Label("Action", htmlFor="audit-action", className="form-label fw-semibold"),
                  dcc.Input(id="audit-action", name="action", value=action or "", type="text",
                            className="form-control")],
                 className="me-3"),
        html.Button("Filter", type="submit", className="btn btn-outline-dark align-self-end"),
    ], method="get", action="/admin/audit", className="d-flex flex-wrap mb-3")
    return html.Div([
        html.H1("Audit trail", className="h2"),
        html.P(f"The latest {len(events)} events (at most {LIMIT}), newest first. The trail is append-only."),
        form,
        scroll_region(html.Table([
            html.Caption("Audit events"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in ["When", "Who", "Action", "What", "Before", "After"]])),
            html.Tbody(rows),
        ], className="table table-sm", id="audit-table"), "Audit events"),
    ])
