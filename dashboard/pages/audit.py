"""The audit trail, for admins: every write, refused write and sign-in, newest first, each in words: what
happened, who, when, and what changed field by field (``review.audit_words``). Filtered by who, kind, what
it was about and dates (a plain GET form, so a filtered view is a link). Each event is a short block of
text that wraps at any width: nothing is cut off at the right edge, on a phone or a wide screen."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth, context
from review.audit import list_events
from review.audit_words import KINDS, describe
from review.people import Role

dash.register_page(__name__, path="/admin/audit", name="Audit trail", title="Audit trail – Outcomes monitor")

LIMIT = 200
EVERY = "all"  # the kind filter's "every kind"


def _day(field: str, text: str | None) -> tuple[datetime | None, str | None]:
    """A YYYY-MM-DD filter (UTC), or the problem with it in words."""
    if not text:
        return None, None
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=timezone.utc), None
    except ValueError:
        return None, f"{field}: '{text[:40]}' is not a date; write it as YYYY-MM-DD, e.g. 2025-03-31."


def _field(label: str, ident: str, control, hint: str | None = None) -> html.Div:
    words = [label, html.Span(f" ({hint})", className="fw-normal small")] if hint else label
    return html.Div([html.Label(words, htmlFor=ident, className="form-label fw-semibold"), control],
                    className="audit-filter")


def _filters(who: str, kind: str, about: str, since: str, until: str) -> html.Form:
    def text_input(ident: str, name: str, value: str):
        return dcc.Input(id=ident, name=name, value=value, type="text", className="form-control")

    kinds = [{"label": "Every kind", "value": EVERY}] + [{"label": words, "value": key}
                                                         for key, (words, _) in KINDS.items()]
    return html.Form([
        _field("Who", "audit-who", text_input("audit-who", "who", who), "a username"),
        _field("Kind", "audit-kind", dbc.Select(id="audit-kind", name="kind", options=kinds, value=kind or EVERY)),
        _field("About", "audit-about", text_input("audit-about", "about", about),
               "the start of it, e.g. action:12"),
        _field("From", "audit-since", text_input("audit-since", "since", since), "YYYY-MM-DD"),
        _field("To", "audit-until", text_input("audit-until", "until", until), "YYYY-MM-DD, included"),
        html.Div([html.Button("Filter", type="submit", className="btn btn-dark"),
                  html.A("Clear filters", href="/admin/audit", className="ms-3")], className="audit-filter-actions"),
    ], method="get", action="/admin/audit", className="audit-filters mb-3", role="search",
        **{"aria-label": "Filter the audit trail"})


def _event(event) -> html.Li:
    words = describe(event)
    refused = words.why is not None and (event.action.endswith(".refused") or event.action == "sign_in.failed")
    body = [html.H2([html.Span(words.headline), html.Span(f" by {event.who}", className="audit-who")],
                    className="h6 mb-1"),
            html.P([html.Time(event.at.strftime("%d %b %Y, %H:%M:%S UTC"), dateTime=event.at.isoformat()),
                    f" · about {event.entity}" if event.entity else ""], className="small text-muted mb-1")]
    if words.why:
        body.append(html.P([html.Strong("Why: " if refused else "Reason: "), words.why], className="mb-1"))
    if words.changes:
        body.append(html.Ul([html.Li(line) for line in words.changes], className="audit-changes mb-0",
                            **{"aria-label": "What changed" if event.before is not None else "What it held"}))
    return html.Li(body, className="audit-event" + (" audit-refused" if refused else ""),
                   **{"data-event": str(event.id), "data-action": event.action})


def layout(who: str | None = None, action: str | None = None, kind: str | None = None, about: str | None = None,
           since: str | None = None, until: str | None = None, **_: str) -> html.Div:
    person = auth.current_person()
    if person is None or person.role != Role.admin:
        # Reading the trail is the admins' (it names who signed in from where); the page checks on the server.
        return html.Div([html.H1("Audit trail", className="h2"),
                         html.P("Only admins can see the audit trail. Sign in as an admin.", role="alert",
                                id="audit-refused")])
    who, kind, about = (who or "").strip()[:80], kind if kind in KINDS else "", (about or "").strip()[:300]
    start, problem_since = _day("From", since)
    end, problem_until = _day("To", until)
    problems = [p for p in (problem_since, problem_until) if p]
    events = list_events(context.store(), who=who or None, action=action or None, entity=about or None,
                         kinds=KINDS[kind][1] if kind else (), since=start,
                         until=end + timedelta(days=1) if end else None, limit=LIMIT)
    shown = f"{len(events)} event{'s' if len(events) != 1 else ''}"
    intro = (f"The latest {shown} (at most {LIMIT}) matching the filters, newest first." if events else
             "No event matches the filters.")
    return html.Div([
        html.H1("Audit trail", className="h2"),
        html.P("Every change anyone made, every change refused (who tried, what, and why), and every sign-in, "
               "failed sign-in and sign-out. The trail is append-only and hash-chained: "
               "'outcomes audit verify' checks nothing was changed, replaced or taken out."),
        html.Div([html.H2("There is a problem", className="h5"), html.Ul([html.Li(p) for p in problems])],
                 className="alert alert-danger", role="alert", id="audit-problem") if problems else None,
        _filters(who, kind, about, since or "", until or ""),
        html.P(intro, role="status", id="audit-count"),
        html.Ol([_event(e) for e in events], className="audit-events list-unstyled", id="audit-table",
                **{"aria-label": "Audit events, newest first"}),
    ])
