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

from dashboard import auth, context, milestone_update, titles
from dashboard import review_widgets as w
from dashboard import officer_summary_view
from dashboard import this_month as this_month_panel
from dashboard.export_links import export_links
from dashboard.components import (Column, figure, metric_table, period_problem, progress_text, status_badge,
                                  synthetic_banner, synthetic_tag, unbroken)
from dashboard.milestone_update import EXCEPTION, LED, milestone_item
from dashboard.provenance_view import assumed_footnote, assumed_line
from metrics.definitions.wording import lead_text
from metrics.formatting import apart_decimals, format_value
from metrics.periods import parse_month
from review import access
from review.actions import add_action, list_actions, update_action
from review.commentary import commentary_history, save_commentary
from review.errors import Conflict, ReviewError
from review.milestones import milestone_states
from review.pack import review_pack
from review.signoff import sign_off
from review.this_month import this_month

dash.register_page(__name__, path="/review", name="Review pack", title=titles.review_title,
                   nav_order=10)
milestone_update.register()  # the milestone widget's callback, here and on the intention page
officer_summary_view.register()  # the officer's summary section's callbacks, for each app built

HEADLINE_ROWS = 12
SUMMARY_COLUMNS = (Column("Metric", "metric"), Column("Latest value", "value"), Column("Glide path expects", "value"),
                   Column("Target", "target"), Column("Status", "status"), Column("Progress", "progress"))


def review_href(framework_id: str, period: str | None) -> str:
    return "/review?" + urlencode({"framework": framework_id, **({"period": period} if period else {})})


def _split_key(key: str) -> tuple[str | None, str | None]:
    """``metric:<id>`` -> (metric, None); ``intention:<id>`` -> (None, intention)."""
    kind, _, name = (key or "").partition(":")
    return (name, None) if kind == "metric" else (None, name) if kind == "intention" else (None, None)


def _shown(value: float | None, metric, target: float | None = None, decimals: int | None = None) -> list:
    return figure(value, metric, target, decimals) if value is not None else ["–"]


# --- the page ---------------------------------------------------------------------------------

def _summary(pack) -> html.Section:
    intentions = [html.Li([status_badge(s), f" {n}"]) for s, n in pack.intention_counts().items() if n]
    counts = [html.Li([status_badge(s), f" {n}"]) for s, n in pack.status_counts.items() if n]
    others = [html.Li(f"Milestones late: {pack.milestones_late} of {pack.milestones_total}"),
              html.Li(f"Actions overdue: {pack.actions_overdue} of {pack.actions_open} open")]
    service = context.service()
    rows = []
    for e in pack.headline[:HEADLINE_ROWS]:
        metric = service.metric(e.metric_id)
        value = ["suppressed"] if e.suppressed else _shown(e.value, metric, e.target_value)
        rows.append(([e.title, [*value, synthetic_tag(e)],
                      _shown(e.trajectory_value, metric),
                      _shown(e.target_value, metric, decimals=apart_decimals(e.value, metric, e.target_value))
                      + ([" by ", unbroken(e.deadline)] if e.deadline else [])
                      + assumed_line(e.target_provenance),  # "Assumed: baseline; deadline", as the reports say
                      status_badge(e.status), progress_text(e)], {"data-metric": e.metric_id}))
    more = len(pack.headline) - HEADLINE_ROWS
    return html.Section([
        html.H2("At a glance", className="h4"),
        html.P(pack.summary_sentence()[:1].upper() + pack.summary_sentence()[1:], className="lead fs-6"),
        html.H3(f"Intentions ({len(pack.intentions)})", className="h6 mb-1"),
        html.Ul(intentions, className="summary-counts", id="review-intention-counts"),
        html.H3(f"Metrics ({sum(pack.status_counts.values())}, each counted once)", className="h6 mb-1"),
        html.Ul(counts, className="summary-counts", id="review-metric-counts"),
        html.Ul(others, className="summary-counts"),
        metric_table(SUMMARY_COLUMNS, rows, "Headline targets: latest value against the glide path")
        if rows else html.P("No metric of this framework has a target."),
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
        value = ("suppressed" if e.suppressed else format_value(e.value, metric, target=e.target_value)
                 if e.value is not None else "–")
        head = [html.H3(dcc.Link(title, href=href), className="h5"),
                html.P([status_badge(e.status), f" Latest value {value}", synthetic_tag(e),
                        f" ({e.period_label})" if e.period_label else ""], className="mb-1"),
                html.P(e.status_reason, className="small reason"),
                *[part for part in (assumed_footnote(e.target_provenance),) if part]]
    else:
        title = item.intention.title
        href = f"/intention/{item.intention.id}?" + urlencode({"framework": framework.id, "period": pack.period})
        head = [html.H3(dcc.Link(title, href=href), className="h5")]
    head.append(html.P(f"Lead: {lead_text(item.intention)}", className="small text-muted mb-1"))
    judged = next((j for j in pack.intentions if j.intention_id == item.intention.id), None)
    if judged is not None and item.evaluation is None:
        head.append(html.P([status_badge(judged.status), " ", judged.status_reason], className="small reason"))
    head.append(html.Ul([html.Li([html.Strong(f"{c.words}: "), r]) for c, r in zip(item.concerns, item.reasons)],
                        className="small exception-reasons", **{"aria-label": "Why this is here"}))
    metric_id, intention_id = _split_key(item.key)
    history = commentary_history(store, framework.id, pack.period, metric_id=metric_id, intention_id=intention_id)
    body = head + [w.commentary_block(item.key, title[:80], item.commentary, history, can_write),
                   w.actions_block(item.key, title[:80], item.actions, at, can_write)]
    if item.milestones:
        positions = {m.title: n for n, m in enumerate(item.intention.milestones)}
        body += [html.H4("Milestones", className="h6 mt-3"),
                 html.Ul([milestone_item(EXCEPTION, item.intention.id, positions.get(m.title, 0), m, can_write)
                          for m in item.milestones], className="list-unstyled")]
    # The id is the anchor the cycle's emails link to (cycle/links.py): #metric-<id> or #intention-<id>.
    return html.Section(body, className="intention-card review-item", id=item.key.replace(":", "-"),
                        **{"data-key": item.key, "data-intention": item.intention.id})


def _improvements(pack) -> html.Section | None:
    """Better than before, or a special cause of improvement: worth hearing, not an exception."""
    if not pack.improvements:
        return None
    rows = [html.Li([dcc.Link(g.title, href=f"/metric/{g.metric_id}?" + urlencode(
        {"framework": pack.framework.id, "period": pack.period})), ": " + "; ".join(g.reasons)], className="small")
        for g in pack.improvements]
    return html.Section([html.H2(f"Improvements ({len(rows)})", className="h4 mt-4"),
                         html.P("Not exceptions: metrics better than at the last sign-off or with a special cause of "
                                "improvement at the latest point.", className="small"),
                         html.Ul(rows)], id="review-improvements")


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
                         className="mb-2", **{"data-done-milestone":
                                              f"{m.intention_id}#{positions.get((m.intention_id, m.title), 0)}"})
                 for m in done], className="list-unstyled"),
    ], id="review-milestones-done")


def _led_milestones(pack, writable: set[str], at: date) -> html.Section | None:
    """Every milestone of the intentions this person may write on, late or not, dated or not, each with the
    form that updates it; those of an intention among the exceptions are updated there, not twice."""
    above = {item.intention.id for item in pack.items if item.milestones}
    states = {(m.intention_id, m.title): m for m in milestone_states(context.store(), pack.framework, at)}
    items = [milestone_item(LED, intention.id, n, states[(intention.id, m.title)], True, collapsed=True,
                            about=_intention_link(intention, m.title, pack))
             for intention in pack.framework.intentions if intention.id in writable and intention.id not in above
             for n, m in enumerate(intention.milestones)]
    if not items and not above & writable:
        return None
    listed = html.Ul(items, className="list-unstyled")
    return html.Section([
        html.H2(f"Milestones you can update ({len(items)})", className="h4 mt-4"),
        html.P("Every milestone of the intentions you lead, late or not, with a date or without"
               + ("; those of intentions among the exceptions above are updated there." if above & writable else "."),
               className="small"),
        # A long list (a performance officer may update every milestone) is one click away, not pages of it.
        html.Details([html.Summary(f"Show the {len(items)} milestones"), listed]) if len(items) > 5 else listed,
    ], id="review-led-milestones")


def _intention_link(intention, milestone_title: str, pack) -> html.P:
    """The milestone's intention, named unless the milestone's title already says it."""
    href = f"/intention/{intention.id}?" + urlencode({"framework": pack.framework.id, "period": pack.period})
    same = intention.title.lower().startswith(milestone_title.lower().rstrip(". "))
    return html.P(["Intention: ", dcc.Link("its page" if same else intention.title, href=href)], className="small mb-1")


def _signoff_section(pack, person) -> html.Section:
    parts: list = [html.H2("Sign-off", className="h4")]
    if pack.signoff is not None:
        s = pack.signoff
        parts.append(html.P([f"Signed off by {s.signed_by} on {w.when(s.signed_at)} (snapshot #{s.snapshot_id}). ",
                             "Commentary written now is kept as an addendum."], id="signoff-state"))
        parts.append(export_links(s.snapshot_id, "signoff-downloads"))
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
        # A signed-off snapshot the pack reads no longer matches what was signed off: said first, plainly.
        *[html.Div(warning, role="alert", className="alert alert-danger", id=f"snapshot-warning-{i}")
          for i, warning in enumerate(pack.snapshot_warnings)],
        period_problem(period, periods), chooser, who,
        synthetic_banner(_figures_shown(pack)),  # how many are synthetic; each is tagged beside its value
        _summary(pack),
        officer_summary_view.section(fw.id, chosen, access.can_sign_off(store, person, fw.id)),
        this_month_panel.panel(this_month(store, fw.id, chosen), chosen,
                               {spec.id: spec.title or spec.id for spec in service.config.ingest},
                               signed_in=person is not None, public=context.public()),
        html.Section([html.H2(f"Exceptions ({len(items)})", className="h4 mt-4"),
                      html.P("Most pressing first: off track, getting worse (than at the last sign-off"
                             + (f", {pack.compared_with.period}" if pack.compared_with else ": none yet")
                             + ", or a significant worsening trend), at risk, a special cause of concern on the SPC "
                               "chart, late milestones, overdue actions. Each says why it is here.", className="small")]
                     + (items or [html.P("Nothing needs the meeting's attention this period.")]),
                     id="review-exceptions"),
        _improvements(pack),
        _done_this_period(fw, chosen, at),
        _led_milestones(pack, writable, at),
        _signoff_section(pack, person),
    ])


# --- writes: each hands the signed-in person to the domain, which decides --------------------

# What the browser sends is checked for its shape here (a forged request can send anything); what it
# means (may this person write there?) is the domain's to decide.

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
          *w.error_outputs(w.COMMENT_FIELDS),
          Input({"type": w.COMMENT_SAVE, "key": MATCH}, "n_clicks"),
          State({"type": w.COMMENT_SAVE, "key": MATCH}, "id"),
          State({"type": w.COMMENT_TEXT, "key": MATCH}, "value"),
          State({"type": w.COMMENT_BASE, "key": MATCH}, "data"),
          State(w.REVIEW_CONTEXT, "data"), prevent_initial_call=True)
def save_comment(clicks, control_id, text, based_on, ctx):
    if not clicks:
        return (no_update,) * (3 + len(w.COMMENT_FIELDS))
    framework_id, period = w.where(ctx)
    metric_id, intention_id = _split_key(w.key_of(control_id))
    fields = w.comment_fields(w.key_of(control_id))
    store, service = context.store(), context.service()
    try:
        saved = save_commentary(store, service, auth.current_person(), framework_id, period, w.typed(text),
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
          *[Output({"type": w.ACTION_DUE, "key": MATCH, "part": part}, "value") for part, _, _ in w.DATE_PARTS],
          *w.error_outputs(w.ACTION_FIELDS),
          Input({"type": w.ACTION_ADD, "key": MATCH}, "n_clicks"),
          State({"type": w.ACTION_ADD, "key": MATCH}, "id"),
          State({"type": w.ACTION_TEXT, "key": MATCH}, "value"),
          State({"type": w.ACTION_OWNER, "key": MATCH}, "value"),
          *[State({"type": w.ACTION_DUE, "key": MATCH, "part": part}, "value") for part, _, _ in w.DATE_PARTS],
          State(w.REVIEW_CONTEXT, "data"), prevent_initial_call=True)
def add_action_clicked(clicks, control_id, text, owner, day, month, year, ctx):
    if not clicks:
        return (no_update,) * (7 + len(w.ACTION_FIELDS))
    framework_id, period = w.where(ctx)
    metric_id, intention_id = _split_key(w.key_of(control_id))
    fields = w.action_fields(w.key_of(control_id))
    store, service = context.store(), context.service()
    try:
        added = add_action(store, service, auth.current_person(), framework_id, period, w.typed(text), w.typed(owner),
                           w.date_typed(day, month, year), metric_id=metric_id, intention_id=intention_id)
    except ReviewError as error:  # the typed text stays in the boxes
        return (w.problem("Not added", error, fields), *(no_update,) * 6, *w.field_messages(error, fields))
    actions = [a for a in list_actions(store, framework_id, period)
               if (a.metric_id == metric_id if metric_id else a.intention_id == intention_id and a.metric_id is None)]
    return (w.done(f"Action added, due {w.when(added.due)}."), w.action_list(actions, parse_month(period), True),
            "", "", "", "", "", *w.field_messages(None, fields))


@callback(Output({"type": w.ACTION_UPDATE_RESULT, "action": MATCH}, "children"),
          Input({"type": w.ACTION_UPDATE, "action": MATCH}, "n_clicks"),
          State({"type": w.ACTION_UPDATE, "action": MATCH}, "id"),
          State({"type": w.ACTION_STATUS, "action": MATCH}, "value"), prevent_initial_call=True)
def update_action_clicked(clicks, control_id, status):
    if not clicks:
        return no_update
    try:
        action_id = int(w.key_of(control_id, "action"))
        changed = update_action(context.store(), context.service(), auth.current_person(), action_id,
                                status=w.typed(status) or None)
    except ValueError:
        return w.alert("Not updated: that is not an action of this pack.")
    except ReviewError as error:
        return w.alert(f"Not updated: {error}")
    return w.done(f"Status saved: {w.ACTION_STATUS_WORDS.get(changed.status, changed.status)}.")


@callback(Output({"type": w.SIGNOFF_RESULT, "key": MATCH}, "children"),
          *w.error_outputs(w.SIGNOFF_FIELDS),
          Input({"type": w.SIGNOFF_BUTTON, "key": MATCH}, "n_clicks"),
          State({"type": w.SIGNOFF_REASON, "key": MATCH}, "value"),
          State(w.REVIEW_CONTEXT, "data"), prevent_initial_call=True)
def sign_off_clicked(clicks, reason, ctx):
    fields = w.signoff_fields()
    if not clicks:
        return (no_update,) * (1 + len(fields))
    framework_id, period = w.where(ctx)
    try:
        snap = sign_off(context.store(), context.service(), auth.current_person(), framework_id, period,
                        reason=w.typed(reason) or None)
    except ReviewError as error:
        return w.problem("Not signed off", error, fields, level=3), *w.field_messages(error, fields)
    after = context.current().after_sign_off
    if after is not None:
        after(context.store(), snap)
    return (html.Div([html.P(f"Signed off {framework_id} {period}: snapshot #{snap.id}.", className="mb-1"),
                     export_links(snap.id), dcc.Link("All snapshots", href="/snapshots")],
                    role="status", className="alert alert-success py-2 my-2", id="signoff-done"),
            *w.field_messages(None, fields))
