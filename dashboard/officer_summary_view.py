"""The review pack's "Officer's summary": the narrative first in the committee paper, as text, with its
versions; and for a performance officer on the framework (or an admin) a form to write it: a labelled
textarea with a hint, "Save summary", and "Start from a draft", which fills the box with a draft built from
the signals for the officer to edit (it is saved only when a person saves it). Saving is authorised in
``review.officer_summary.save_summary``, whoever calls."""

from __future__ import annotations

from dash import Input, Output, State, callback, dcc, html, no_update

from dashboard import auth, context
from dashboard import review_widgets as w
from review.errors import Conflict, ReviewError
from review.officer_summary import (SUMMARY_LIMIT, current_summary, save_summary,
                                    summary_history)
from review.pack import paper_draft

SECTION = "review-officer-summary"
SHOWN = "officer-summary-shown"
TEXT = "officer-summary-text"
BASE = "officer-summary-base"
SAVE = "officer-summary-save"
DRAFT = "officer-summary-draft"
RESULT = "officer-summary-result"


def shown(current, versions: int) -> list:
    if current is None:
        return [html.P("No summary written for this period yet.", className="small")]
    return [html.Div(current.text, className="commentary-text", style={"whiteSpace": "pre-wrap"}),
            html.P(f"Version {current.version} of {versions}, by {current.author}, {w.when(current.created_at)}"
                   + (" (an addendum after sign-off)." if current.addendum else "."), className="small text-muted")]


def section(framework_id: str, period: str, can_write: bool) -> html.Section:
    store = context.store()
    history = summary_history(store, framework_id, period)
    current = history[-1] if history else None
    parts: list = [html.H2("Officer's summary", className="h4"),
                   html.P("The narrative that opens the committee paper, written by a performance officer.",
                          className="small"),
                   html.Div(shown(current, len(history)), id=SHOWN)]
    if can_write:
        parts += [
            html.Div(id=RESULT),
            w.labelled_field("Your summary of the period", TEXT, dcc.Textarea(
                id=TEXT, value=current.text if current else "", maxLength=SUMMARY_LIMIT, className="form-control",
                style={"minHeight": "10rem"}),
                hint="Plain text: a line starting with \"- \" is a list item. \"Start from a draft\" puts a draft "
                     "from this month's figures in the box for you to edit; nothing is saved until you save."),
            dcc.Store(id=BASE, data=current.id if current else None),
            html.Div([html.Button("Save summary", id=SAVE, n_clicks=0, className="btn btn-dark btn-sm"),
                      html.Button("Start from a draft", id=DRAFT, n_clicks=0,
                                  className="btn btn-outline-dark btn-sm")], className="d-flex gap-2"),
        ]
    return html.Section(parts, id=SECTION, className="mt-4", **{"aria-label": "Officer's summary"})


def register() -> None:
    """Give the app being built the section's callbacks. Called by the review pack's page module: Dash runs
    page modules afresh for every app it builds but imports this module once per process, so callbacks
    declared here at import would belong only to the first app built (tests build several)."""
    callback(Output(TEXT, "value"), Output(RESULT, "children", allow_duplicate=True),
             Input(DRAFT, "n_clicks"), State(w.REVIEW_CONTEXT, "data"), prevent_initial_call=True)(draft_clicked)
    callback(Output(RESULT, "children"), Output(SHOWN, "children"), Output(BASE, "data"),
             Input(SAVE, "n_clicks"), State(TEXT, "value"), State(BASE, "data"), State(w.REVIEW_CONTEXT, "data"),
             prevent_initial_call=True)(save_clicked)


def draft_clicked(clicks, ctx):
    if not clicks:
        return no_update, no_update
    framework_id, period = w.where(ctx)
    try:
        draft = paper_draft(context.store(), context.service(), framework_id, period)
    except ReviewError as error:
        return no_update, w.alert(f"No draft: {error}")
    return draft, html.P("A draft is in the box: edit it, then save it. It is not saved yet.",
                                       role="status", className="small")


def save_clicked(clicks, text, based_on, ctx):
    if not clicks:
        return no_update, no_update, no_update
    framework_id, period = w.where(ctx)
    store = context.store()
    base = based_on if isinstance(based_on, int) and not isinstance(based_on, bool) else None
    try:
        saved = save_summary(store, context.service(), auth.current_person(), framework_id, period, w.typed(text),
                             based_on=base)
    except Conflict as conflict:
        current = current_summary(store, framework_id, period)
        return (w.conflict_message(conflict), shown(current, len(summary_history(store, framework_id, period))),
                current.id if current else None)
    except ReviewError as error:
        return w.alert(f"Not saved: {error}"), no_update, no_update
    versions = len(summary_history(store, framework_id, period))
    return (w.done(f"Summary saved as version {saved.version}."), shown(saved, versions), saved.id)
