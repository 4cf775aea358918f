"""The one milestone widget, on the review pack and on the intention page: a milestone's state as
recorded and, for someone allowed to write, the form that records progress (status, the date done in
GOV.UK's day, month and year boxes, evidence), late or not, dated or not.

Its callback (``register``) hands the write, with the person signed in on the server, to
``review.milestones.update_milestone``, the only write path, which decides whether they may. Whether
the form is shown is only a courtesy. The browser names a milestone only by its place in config,
``<place>:<intention id>#<position>``; the place keeps ids unique where one page shows a milestone
twice (among the exceptions and among the milestones a lead can update)."""

from __future__ import annotations

from typing import Any

from dash import MATCH, Input, Output, State, callback, dcc, html, no_update

from dashboard import auth, context
from dashboard import review_widgets as w
from metrics.periods import parse_month
from review.errors import ReviewError
from review.milestones import milestone_states, update_milestone

EXCEPTION, LED, INTENTION = "exception", "led", "intention"  # the places a milestone's widget is shown


def milestone_key(place: str, intention_id: str, position: int) -> str:
    return f"{place}:{intention_id}#{position}"


def _milestone_of(framework, key: str):
    """The milestone a form names, found in config (the browser sends only its place)."""
    _, _, named = (key or "").partition(":")
    intention_id, _, position = named.rpartition("#")
    intention = framework.intention(intention_id)
    if intention is None or not position.isdigit() or int(position) >= len(intention.milestones):
        return intention_id, None
    return intention_id, intention.milestones[int(position)]


def milestone_item(place: str, intention_id: str, position: int, state: Any, can_write: bool,
                   about: Any = None, collapsed: bool = False) -> html.Li:
    """The milestone's title, ``about`` it (e.g. a link to its intention), its state and, when
    ``can_write``, the form: open, or behind "Update this milestone" when ``collapsed``."""
    key = milestone_key(place, intention_id, position)
    parts: list = [html.P(state.title, className="mb-1 fw-semibold milestone-title")]
    if about is not None:
        parts.append(about)
    parts.append(html.Div(w.milestone_shown(state), id={"type": w.MILESTONE_SHOWN, "key": key}))
    if can_write:
        form = _form(key, state)
        parts.append(html.Details([html.Summary("Update this milestone"), form], className="mt-1")
                     if collapsed else form)
    return html.Li(parts, className="review-milestone mb-3", **{"data-milestone": f"{intention_id}#{position}"})


def _form(key: str, state: Any) -> html.Fieldset:
    status_field, done_field, evidence_field = w.milestone_fields(key)
    words = {k: v for k, v in w.MILESTONE_WORDS.items() if k != "late"}
    return html.Fieldset([
        html.Legend("Record progress on this milestone", className="h6 fs-6"),
        html.Div(id={"type": w.MILESTONE_RESULT, "key": key}),
        html.Div([html.Label("Status", htmlFor=w.dom_id(status_field.control), className="form-label fw-semibold mb-1"),
                  w.error_slot(status_field), w.native_select(status_field.control, words, state.status)],
                 className="mb-2 form-group"),
        w.date_input("Date done", done_field, state.done_on,
                     hint=f"Only when the status is Done; left empty, today is used. {w.DATE_HINT}"),
        w.labelled_field("Evidence (text or a link)", w.dom_id(evidence_field.control), dcc.Textarea(
            id=evidence_field.control, value=state.evidence or "", className="form-control",
            style={"minHeight": "3rem"}), error=evidence_field),
        html.Button("Save milestone", id={"type": w.MILESTONE_SAVE, "key": key}, n_clicks=0,
                    className="btn btn-dark btn-sm"),
    ], className="border rounded p-2 mt-1")


def register() -> None:
    """Give the app being built the widget's callback. Called once, by the review pack's page module: Dash runs
    page modules afresh for every app it builds, but imports this module once per process, so a callback
    declared here at import would belong only to the first app built (tests build several)."""
    callback(Output({"type": w.MILESTONE_RESULT, "key": MATCH}, "children"),
             Output({"type": w.MILESTONE_SHOWN, "key": MATCH}, "children"),
             *w.error_outputs(w.MILESTONE_FIELDS),
             Input({"type": w.MILESTONE_SAVE, "key": MATCH}, "n_clicks"),
             State({"type": w.MILESTONE_SAVE, "key": MATCH}, "id"),
             State({"type": w.MILESTONE_STATUS, "key": MATCH}, "value"),
             *[State({"type": w.MILESTONE_DONE_ON, "key": MATCH, "part": part}, "value")
               for part, _, _ in w.DATE_PARTS],
             State({"type": w.MILESTONE_EVIDENCE, "key": MATCH}, "value"),
             State(w.REVIEW_CONTEXT, "data"), prevent_initial_call=True)(_save)


def _save(clicks, control_id, status, day, month, year, evidence, ctx):
    fields = w.milestone_fields(w.key_of(control_id))
    untouched = (no_update,) * len(fields)
    if not clicks:
        return no_update, no_update, *untouched
    framework_id, period = w.where(ctx)
    store, service = context.store(), context.service()
    try:
        framework = service.framework(framework_id)
        at = parse_month(period)
    except (KeyError, ValueError):
        return w.alert(f"Not saved: no framework '{framework_id}' at '{period}'."), no_update, *untouched
    intention_id, milestone = _milestone_of(framework, w.key_of(control_id))
    if milestone is None:
        return w.alert("Not saved: that milestone is not in this framework's config."), no_update, *untouched
    try:
        update_milestone(store, service, auth.current_person(), framework.id, intention_id, milestone.title,
                         w.typed(status), w.date_typed(day, month, year) or None,
                         evidence if isinstance(evidence, str) else None)
    except ReviewError as error:
        return w.problem("Not saved", error, fields), no_update, *w.field_messages(error, fields)
    state = next(m for m in milestone_states(store, framework, at)
                 if m.intention_id == intention_id and m.title == milestone.title)
    return (w.done(f"Milestone saved: {w.MILESTONE_WORDS.get(state.status, state.status)}."), w.milestone_shown(state),
            *w.field_messages(None, fields))
