"""The review pack: one framework at one period as the monthly review meeting sees it.

An at-a-glance summary first (counts by status, headline targets against their glide paths),
then the exceptions, each with its commentary and actions inline and, for someone allowed to
write, the forms. Every write goes to the review domain with the person signed in on the server
(``auth.current_person()``); what the browser sends names only what to write and where, and
the domain refuses anyone without the right."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, State, callback, dcc, html, no_update

from dashboard import auth, context, titles
from dashboard import review_widgets as w
from dashboard import this_month as this_month_panel
from dashboard.components import period_problem, progress_text, status_badge, synthetic_banner, synthetic_tag
from dashboard.provenance_view import assumed_footnote
from metrics.formatting import format_value
from metrics.periods import parse_month
from review import access
from review.actions import add_action, list_actions, update_action
from review.commentary import commentary_history, save_commentary
from review.errors import Conflict, ReviewError
from review.milestones import milestone_states, update_milestone
from review.pack import review_pack
from review.signoff import sign_off
from review.this_month import this_month

dash.register_page(__name__, path="/review", name="Review pack", title=titles.review_title,
                   nav_order=10)

HEADLINE_ROWS = 12


def review_href(framework_id: str, period: str | None) -> str:
    return "/review?" + urlencode({"framework": framework_id, **({"period": period} if period else {})})


def _split_key(key: str) -> tuple[str | None, str | None]:
    """``metric:<id>`` -> (metric, None); ``intention:<id>`` -> (None, intention)."""
    kind, _, name = (key or "").partition(":")
    return (name, None) if kind == "metric" else (None, name) if kind == "intention" else (None, None)


def _milestone_key(intention_id: str, position: int) -> str:
    return f"{intention_id}#{position}"


def _milestone_of(framework, key: str):
    """The milestone a form names, found in config (the browser sends only its place)."""
    intention_id, _, position = (key or "").rpartition("#")
    intention = framework.intention(intention_id)
    if intention is None or not position.isdigit() or int(position) >= len(intention.milestones):
        return intention_id, None
    return intention_id, intention.milestones[int(position)]


# --- the page ---------------------------------------------------------------------------------

def _summary(pack) -> html.Section:
    counts = [html.Li([status_badge(s), f" {n}"]) for s, n in pack.status_counts.items() if n]
    counts += [html.Li(f"Milestones late: {pack.milestones_late} of {pack.milestones_total}"),
               html.Li(f"Actions overdue: {pack.actions_overdue} of {pack.actions_open} open")]
    service = context.service()
    rows = []
    for e in pack.headline[:HEADLINE_ROWS]:
        metric = service.metric(e.metric_id)
        fmt = lambda v: format_value(v, metric) if v is not None else "–"  # noqa: E731
        rows.append(html.Tr([
            # data-label: on a phone each row is stacked and every value is shown under its column's name.
            html.Th(e.title, scope="row"),
            html.Td(["suppressed" if e.suppressed else fmt(e.value), synthetic_tag(e)],
                    **{"data-label": "Latest value"}),
            html.Td(fmt(e.trajectory_value), **{"data-label": "Glide path expects"}),
            html.Td(fmt(e.target_value) + (f" by {e.deadline}" if e.deadline else ""), **{"data-label": "Target"}),
            html.Td(status_badge(e.status), **{"data-label": "Status"}), html.Td(progress_text(e), **{"data-label": "Progress"}),
        ], **{"data-metric": e.metric_id}))
    more = len(pack.headline) - HEADLINE_ROWS
    return html.Section([
        html.H2("At a glance", className="h4"),
        html.P(pack.summary_sentence()[:1].upper() + pack.summary_sentence()[1:], className="lead fs-6"),
        html.Ul(counts, className="summary-counts"),
        html.Table([
            html.Caption("Headline targets: latest value against the glide path"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in
                                ["Metric", "Latest value", "Glide path expects", "Target", "Status", "Progress"]])),
            html.Tbody(rows),
        ], className="table table-sm metric-table") if rows else html.P("No metric of this framework has a target."),
        html.P(f"And {more} more targets on the overview.", className="small") if more > 0 else None,
    ], id="review-summary", **{"aria-label": "At a glance"})


def _item(item, pack, writable: set[str], at: date) -> html.Section:
    store = context.store()
    can_write = item.intention.id in writable
    framework = pack.framework
    if item.evaluation is not None:
        e = item.evaluation
        metric = context.service().metric(e.metric_id)
        title = e.title
        href = f"/metric/{e.metric_id}?" + urlencode({"framework": framework.id, "period": pack.period})
        value = "suppressed" if e.suppressed else format_value(e.value, metric) if e.value is not None else "–"
        head = [html.H3(dcc.Link(title, href=href), className="h5"),
                html.P([status_badge(e.status), f" Latest value {value}", synthetic_tag(e),
                        f" ({e.period_label})" if e.period_label else ""], className="mb-1"),
                html.P(e.status_reason, className="small reason"),
                *[part for part in (assumed_footnote(e.target_provenance),) if part]]
    else:
        title = item.intention.title
        href = f"/intention/{item.intention.id}?" + urlencode({"framework": framework.id, "period": pack.period})
        head = [html.H3(dcc.Link(title, href=href), className="h5")]
    head.append(html.P(f"Lead: {item.intention.lead or '–'}", className="small text-muted mb-1"))
    head.append(html.Ul([html.Li(r) for r in item.reasons], className="small exception-reasons",
                        **{"aria-label": "Why this is here"}))
    metric_id, intention_id = _split_key(item.key)
    history = commentary_history(store, framework.id, pack.period, metric_id=metric_id, intention_id=intention_id)
    body = head + [w.commentary_block(item.key, title[:80], item.commentary, history, can_write),
                   w.actions_block(item.key, title[:80], item.actions, at, can_write)]
    if item.milestones:
        positions = {m.title: n for n, m in enumerate(item.intention.milestones)}
        body += [html.H4("Milestones", className="h6 mt-3"),
                 html.Ul([w.milestone_block(_milestone_key(item.intention.id, positions.get(m.title, 0)), m, can_write)
                          for m in item.milestones], className="list-unstyled")]
    # The id is the anchor the cycle's emails link to (cycle/links.py): #metric-<id> or #intention-<id>.
    return html.Section(body, className="intention-card review-item", id=item.key.replace(":", "-"),
                        **{"data-key": item.key, "data-intention": item.intention.id})


def _done_this_period(framework, period: str, at: date) -> html.Section | None:
    """Milestones done during the period: no longer exceptions, but what the meeting hears about."""
    done = [m for m in milestone_states(context.store(), framework, at)
            if m.status == "done" and m.done_on and f"{m.done_on:%Y-%m}" == period]
    if not done:
        return None
    positions = {(i.id, m.title): n for i in framework.intentions for n, m in enumerate(i.milestones)}
    return html.Section([
        html.H2(f"Milestones done in {period} ({len(done)})", className="h4 mt-4"),
        html.Ul([html.Li([html.P(m.title, className="mb-1 fw-semibold"), html.Div(w.milestone_shown(m))],
                         className="mb-2", **{"data-done-milestone": _milestone_key(m.intention_id,
                                                                                    positions.get((m.intention_id, m.title), 0))})
                 for m in done], className="list-unstyled"),
    ], id="review-milestones-done")


def _signoff_section(pack, person) -> html.Section:
    parts: list = [html.H2("Sign-off", className="h4")]
    if pack.signoff is not None:
        s = pack.signoff
        parts.append(html.P([f"Signed off by {s.signed_by} on {w.when(s.signed_at)} (snapshot #{s.snapshot_id}). ",
                             "Commentary written now is kept as an addendum. ",
                             html.A("Exceptions report (PDF)", href=f"/snapshots/{s.snapshot_id}/download/pdf")],
                            id="signoff-state"))
    else:
        parts.append(html.P(f"{pack.period} is not signed off yet.", id="signoff-state"))
    if access.can_sign_off(context.store(), person, pack.framework.id):
        reason = w.signoff_fields()[0]
        parts += [
            w.labelled_field("Reason for a new version" if pack.signoff else "Note (optional)", w.dom_id(reason.control),
                             dcc.Textarea(id=reason.control, className="form-control", style={"minHeight": "3rem"}),
                             hint="Needed only to sign off a period again." if pack.signoff else None, error=reason),
            html.Button(f"Sign off {pack.period}", id={"type": w.SIGNOFF_BUTTON, "key": "pack"}, n_clicks=0,
                        className="btn btn-dark"),
            html.Div(id={"type": w.SIGNOFF_RESULT, "key": "pack"}),
        ]
    return html.Section(parts, id="review-signoff", className="mt-4")


def _figures_shown(pack) -> list:
    """The evaluations whose figures the page shows: the headline rows and the metrics among the exceptions."""
    return [*pack.headline[:HEADLINE_ROWS], *(i.evaluation for i in pack.items if i.evaluation is not None)]


def layout(framework: str | None = None, period: str | None = None, **_: str) -> html.Div:
    service = context.service()
    try:
        fw = service.framework(framework)
    except KeyError as exc:
        return html.Div([html.H1("Framework not found"), html.P(str(exc.args[0]))])
    periods = service.available_periods(fw.id)
    if not periods:
        return html.Div([html.H1(f"Review pack: {fw.title}"), html.P("No metric of this framework has data yet.")])
    chosen = period if period in periods else periods[0]
    person = auth.current_person()
    store = context.store()
    pack = review_pack(store, service, fw.id, chosen, suppress=context.public())
    at = parse_month(chosen)
    writable = ({i.id for i in access.intentions_led_by(store, person, fw)} if person is not None else set())
    who = (html.P(f"You can write on {len(writable)} of this framework's {len(fw.intentions)} intentions.",
                  className="small") if person is not None else
           html.P(["Reading needs no sign-in. ", html.A("Sign in", href=auth.signin_href(review_href(fw.id, chosen))),
                   " to write commentary, actions and milestone updates."], className="small"))
    chooser = html.Form([
        dcc.Input(type="hidden", name="framework", value=fw.id),
        html.Label("Period", htmlFor="review-period", className="form-label fw-semibold me-2"),
        dbc.Select(id="review-period", name="period", options=[{"label": p, "value": p} for p in periods],
                   value=chosen, className="w-auto d-inline-block me-2"),
        html.Button("Show", type="submit", className="btn btn-outline-dark btn-sm"),
    ], method="get", action="/review", className="no-print mb-3")
    items = [_item(i, pack, writable, at) for i in pack.items]
    return html.Div([
        dcc.Store(id=w.REVIEW_CONTEXT, data={"framework": fw.id, "period": chosen}),
        html.H1(f"Review pack: {fw.title}, {chosen}", className="h2"),
        period_problem(period, periods), chooser, who,
        synthetic_banner(_figures_shown(pack)),  # how many are synthetic; each is tagged beside its value
        _summary(pack),
        this_month_panel.panel(this_month(store, fw.id, chosen), chosen,
                               {spec.id: spec.title or spec.id for spec in service.config.ingest},
                               signed_in=person is not None, public=context.public()),
        html.Section([html.H2(f"Exceptions ({len(items)})", className="h4 mt-4"),
                      html.P("Off track or at risk, changed since the last sign-off"
                             + (f" ({pack.compared_with.period})" if pack.compared_with else " (none yet)")
                             + ", SPC signals, late milestones and overdue actions.", className="small")]
                     + (items or [html.P("Nothing needs the meeting's attention this period.")]),
                     id="review-exceptions"),
        _done_this_period(fw, chosen, at),
        _signoff_section(pack, person),
    ])


# --- writes: each hands the signed-in person to the domain, which decides --------------------

# What the browser sends is checked for its shape here (a forged request can send anything); what it
# means (may this person write there?) is the domain's to decide.

def _error_slots(names: tuple[str, ...]) -> list[Output]:
    """The outputs of a form's per-field error messages (``w.field_messages``), in ``names`` order."""
    return [Output({"type": w.FIELD_ERROR, "key": MATCH, "field": name}, "children") for name in names]


def _where(ctx: dict | None) -> tuple[str, str]:
    ctx = ctx if isinstance(ctx, dict) else {}
    return str(ctx.get("framework") or ""), str(ctx.get("period") or "")


def _key(control_id, field: str = "key") -> str:
    """The key a control's id carries, or "" when the id is not one of this page's."""
    value = control_id.get(field) if isinstance(control_id, dict) else None
    return value if isinstance(value, str) else ""


def _text(value) -> str:
    """Typed text; anything else (only a forged request sends it) counts as nothing typed."""
    return value if isinstance(value, str) else ""


def _version(value) -> int | None:
    """The version of the commentary the text was written on, if the request names one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


@callback(Output({"type": w.COMMENT_RESULT, "key": MATCH}, "children"),
          Output({"type": w.COMMENT_SHOWN, "key": MATCH}, "children"),
          Output({"type": w.COMMENT_BASE, "key": MATCH}, "data"),
          *_error_slots(w.COMMENT_FIELDS),
          Input({"type": w.COMMENT_SAVE, "key": MATCH}, "n_clicks"),
          State({"type": w.COMMENT_SAVE, "key": MATCH}, "id"),
          State({"type": w.COMMENT_TEXT, "key": MATCH}, "value"),
          State({"type": w.COMMENT_BASE, "key": MATCH}, "data"),
          State(w.REVIEW_CONTEXT, "data"), prevent_initial_call=True)
def save_comment(clicks, control_id, text, based_on, ctx):
    if not clicks:
        return (no_update,) * (3 + len(w.COMMENT_FIELDS))
    framework_id, period = _where(ctx)
    metric_id, intention_id = _split_key(_key(control_id))
    fields = w.comment_fields(_key(control_id))
    store, service = context.store(), context.service()
    try:
        saved = save_commentary(store, service, auth.current_person(), framework_id, period, _text(text),
                                metric_id=metric_id, intention_id=intention_id, based_on=_version(based_on))
    except Conflict as conflict:
        current = conflict.current
        history = commentary_history(store, framework_id, period, metric_id=metric_id, intention_id=intention_id)
        return (w.conflict_message(conflict), w.commentary_shown(current, history),
                current.id if current is not None else None, *w.field_messages(None, fields))
    except ReviewError as error:
        return w.problem("Not saved", error, fields), no_update, no_update, *w.field_messages(error, fields)
    history = commentary_history(store, framework_id, period, metric_id=metric_id, intention_id=intention_id)
    return (w.done(f"Saved as version {saved.version}" + (" (an addendum after sign-off)." if saved.addendum else ".")),
            w.commentary_shown(saved, history), saved.id, *w.field_messages(None, fields))


@callback(Output({"type": w.ACTION_RESULT, "key": MATCH}, "children"),
          Output({"type": w.ACTION_LIST, "key": MATCH}, "children"),
          Output({"type": w.ACTION_TEXT, "key": MATCH}, "value"),
          Output({"type": w.ACTION_OWNER, "key": MATCH}, "value"),
          Output({"type": w.ACTION_DUE, "key": MATCH}, "value"),
          *_error_slots(w.ACTION_FIELDS),
          Input({"type": w.ACTION_ADD, "key": MATCH}, "n_clicks"),
          State({"type": w.ACTION_ADD, "key": MATCH}, "id"),
          State({"type": w.ACTION_TEXT, "key": MATCH}, "value"),
          State({"type": w.ACTION_OWNER, "key": MATCH}, "value"),
          State({"type": w.ACTION_DUE, "key": MATCH}, "value"),
          State(w.REVIEW_CONTEXT, "data"), prevent_initial_call=True)
def add_action_clicked(clicks, control_id, text, owner, due, ctx):
    if not clicks:
        return (no_update,) * (5 + len(w.ACTION_FIELDS))
    framework_id, period = _where(ctx)
    metric_id, intention_id = _split_key(_key(control_id))
    fields = w.action_fields(_key(control_id))
    store, service = context.store(), context.service()
    try:
        added = add_action(store, service, auth.current_person(), framework_id, period, _text(text), _text(owner),
                           _text(due), metric_id=metric_id, intention_id=intention_id)
    except ReviewError as error:  # the typed text stays in the boxes
        return (w.problem("Not added", error, fields), no_update, no_update, no_update, no_update,
                *w.field_messages(error, fields))
    actions = [a for a in list_actions(store, framework_id, period)
               if (a.metric_id == metric_id if metric_id else a.intention_id == intention_id and a.metric_id is None)]
    return (w.done(f"Action added, due {w.when(added.due)}."), w.action_list(actions, parse_month(period), True),
            "", "", None, *w.field_messages(None, fields))


@callback(Output({"type": w.ACTION_UPDATE_RESULT, "action": MATCH}, "children"),
          Input({"type": w.ACTION_UPDATE, "action": MATCH}, "n_clicks"),
          State({"type": w.ACTION_UPDATE, "action": MATCH}, "id"),
          State({"type": w.ACTION_STATUS, "action": MATCH}, "value"), prevent_initial_call=True)
def update_action_clicked(clicks, control_id, status):
    if not clicks:
        return no_update
    try:
        action_id = int(_key(control_id, "action"))
        changed = update_action(context.store(), context.service(), auth.current_person(), action_id,
                                status=_text(status) or None)
    except ValueError:
        return w.alert("Not updated: that is not an action of this pack.")
    except ReviewError as error:
        return w.alert(f"Not updated: {error}")
    return w.done(f"Status saved: {w.ACTION_STATUS_WORDS.get(changed.status, changed.status)}.")


@callback(Output({"type": w.MILESTONE_RESULT, "key": MATCH}, "children"),
          Output({"type": w.MILESTONE_SHOWN, "key": MATCH}, "children"),
          *_error_slots(w.MILESTONE_FIELDS),
          Input({"type": w.MILESTONE_SAVE, "key": MATCH}, "n_clicks"),
          State({"type": w.MILESTONE_SAVE, "key": MATCH}, "id"),
          State({"type": w.MILESTONE_STATUS, "key": MATCH}, "value"),
          State({"type": w.MILESTONE_DONE_ON, "key": MATCH}, "value"),
          State({"type": w.MILESTONE_EVIDENCE, "key": MATCH}, "value"),
          State(w.REVIEW_CONTEXT, "data"), prevent_initial_call=True)
def save_milestone(clicks, control_id, status, done_on, evidence, ctx):
    fields = w.milestone_fields(_key(control_id))
    untouched = (no_update,) * len(fields)
    if not clicks:
        return no_update, no_update, *untouched
    framework_id, period = _where(ctx)
    store, service = context.store(), context.service()
    try:
        framework = service.framework(framework_id)
    except KeyError:
        return w.alert(f"Not saved: no framework '{framework_id}'."), no_update, *untouched
    intention_id, milestone = _milestone_of(framework, _key(control_id))
    if milestone is None:
        return w.alert("Not saved: that milestone is not in this framework's config."), no_update, *untouched
    try:
        update_milestone(store, service, auth.current_person(), framework.id, intention_id, milestone.title,
                         _text(status), _text(done_on) or None, evidence if isinstance(evidence, str) else None)
    except ReviewError as error:
        return w.problem("Not saved", error, fields), no_update, *w.field_messages(error, fields)
    state = next(m for m in milestone_states(store, framework, parse_month(period))
                 if m.intention_id == intention_id and m.title == milestone.title)
    return (w.done(f"Milestone saved: {w.MILESTONE_WORDS.get(state.status, state.status)}."), w.milestone_shown(state),
            *w.field_messages(None, fields))


@callback(Output({"type": w.SIGNOFF_RESULT, "key": MATCH}, "children"),
          *_error_slots(w.SIGNOFF_FIELDS),
          Input({"type": w.SIGNOFF_BUTTON, "key": MATCH}, "n_clicks"),
          State({"type": w.SIGNOFF_REASON, "key": MATCH}, "value"),
          State(w.REVIEW_CONTEXT, "data"), prevent_initial_call=True)
def sign_off_clicked(clicks, reason, ctx):
    fields = w.signoff_fields()
    if not clicks:
        return (no_update,) * (1 + len(fields))
    framework_id, period = _where(ctx)
    try:
        snap = sign_off(context.store(), context.service(), auth.current_person(), framework_id, period,
                        reason=_text(reason) or None)
    except ReviewError as error:
        return w.problem("Not signed off", error, fields, level=3), *w.field_messages(error, fields)
    return (html.Div([html.P(f"Signed off {framework_id} {period}: snapshot #{snap.id}.", className="mb-1"),
                     html.A("Exceptions report (PDF)", href=f"/snapshots/{snap.id}/download/pdf"), " · ",
                     dcc.Link("All snapshots", href="/snapshots")],
                    role="status", className="alert alert-success py-2 my-2", id="signoff-done"),
            *w.field_messages(None, fields))
