"""The pieces of the review pack page: commentary, actions, milestones and sign-off, each as
what was written (always shown as text, never as HTML) and, for someone allowed to write, the
form that writes it.

Whether a form is shown is only a courtesy: the callbacks in ``dashboard.pages.review`` hand
every write to the review domain with the signed-in person, and the domain decides."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Sequence
from urllib.parse import quote

from dash import dcc, html

from metrics.periods import due_label

# Pattern-matching ids: {"type": ..., "key": subject key ("metric:<id>" / "intention:<id>")}.
COMMENT_TEXT, COMMENT_SAVE, COMMENT_BASE, COMMENT_RESULT, COMMENT_SHOWN = (
    "comment-text", "comment-save", "comment-based-on", "comment-result", "comment-shown")
ACTION_TEXT, ACTION_OWNER, ACTION_DUE, ACTION_ADD, ACTION_RESULT, ACTION_LIST = (
    "action-text", "action-owner", "action-due", "action-add", "action-result", "action-list")
# {"type": ..., "action": "<id>"}
ACTION_STATUS, ACTION_UPDATE, ACTION_UPDATE_RESULT = "action-status", "action-update", "action-update-result"
# {"type": ..., "key": "<intention id>#<milestone position>"}
MILESTONE_STATUS, MILESTONE_DONE_ON, MILESTONE_EVIDENCE, MILESTONE_SAVE, MILESTONE_RESULT, MILESTONE_SHOWN = (
    "milestone-status", "milestone-done-on", "milestone-evidence", "milestone-save", "milestone-result",
    "milestone-shown")
SIGNOFF_REASON, SIGNOFF_BUTTON, SIGNOFF_RESULT = "signoff-reason", "signoff-button", "signoff-result"
REVIEW_CONTEXT = "review-context"

ACTION_STATUS_WORDS = {"open": "Open", "done": "Done", "dropped": "Dropped"}
MILESTONE_WORDS = {"not_started": "Not started", "in_progress": "In progress", "done": "Done",
                   "dropped": "Dropped", "late": "Late"}
MILESTONE_ICONS = {"not_started": "○", "in_progress": "◐", "done": "✔", "dropped": "–", "late": "⚠"}


def dom_id(pattern_id: dict) -> str:
    """The DOM id Dash gives a pattern-matching id (keys sorted, compact JSON), so a <label>
    can point at the control it names."""
    import json

    return json.dumps(pattern_id, sort_keys=True, separators=(",", ":"))


def when(moment: datetime | date | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return moment.strftime("%d %b %Y %H:%M UTC")
    return moment.strftime("%d %b %Y")


def alert(text: str) -> html.Div:
    """An error, announced by screen readers as it appears."""
    return html.Div(text, role="alert", className="alert alert-danger py-2 my-2")


def problem(doing: str, error: Exception, fields: dict[str, dict]) -> html.Div:
    """A refused write as GOV.UK's error summary: "There is a problem", the reason, and, when the
    domain names the field at fault (``ReviewInputError.field``), a link that takes focus to it.
    ``fields`` maps the domain's field names to the pattern-matching ids of this form's controls."""
    control = fields.get(getattr(error, "field", ""))
    reason = f"{doing}: {error}"
    item = (html.A(reason, href="#" + quote(dom_id(control), safe=""), className="error-summary-link")
            if control else reason)
    return html.Div([html.H2("There is a problem", className="h6 mb-1"), html.Ul(html.Li(item), className="mb-0")],
                    role="alert", className="alert alert-danger py-2 my-2 error-summary")


def done(text: str) -> html.Div:
    return html.Div(text, role="status", className="alert alert-success py-2 my-2")


def labelled_field(label: str, dom_id: str, control: Any, hint: str | None = None) -> html.Div:
    # dcc inputs take no aria-describedby, so the hint is part of the label (and so of the name).
    words: list = [label] + ([html.Span(hint, className="form-text d-block fw-normal mt-0")] if hint else [])
    parts: list = [html.Label(words, htmlFor=dom_id, className="form-label fw-semibold mb-1"), control]
    return html.Div(parts, className="mb-2")


# --- commentary -------------------------------------------------------------------------------

def commentary_shown(current: Any | None, history: Sequence[Any]) -> list:
    """The current words, who wrote them and when, and every earlier version."""
    if current is None:
        return [html.P("No commentary yet.", className="text-muted small mb-1")]
    label = "Addendum after sign-off" if getattr(current, "addendum", False) else "Commentary"
    out: list = [html.Div([
        html.P(f"{label}, version {current.version}, by {current.author}, {when(current.created_at)}",
               className="small text-muted mb-1"),
        html.P(current.text, className="commentary-text mb-1"),
    ], className="commentary-current")]
    older = [c for c in history if c.id != current.id]
    if older:
        out.append(html.Details([
            html.Summary(f"Earlier versions ({len(older)})"),
            html.Ol([html.Li([html.Span(f"Version {c.version}, {c.author}, {when(c.created_at)}"
                                        + (" (addendum)" if c.addendum else "") + ": ",
                                        className="small text-muted"),
                              html.Span(c.text, className="commentary-text")])
                     for c in reversed(older)], className="small"),
        ], className="commentary-history"))
    return out


def commentary_block(key: str, title: str, current: Any | None, history: Sequence[Any], can_write: bool) -> html.Div:
    parts: list = [html.H4("Commentary", className="h6 mt-2"),
                   html.Div(commentary_shown(current, history), id={"type": COMMENT_SHOWN, "key": key})]
    if can_write:
        dom = dom_id({"type": COMMENT_TEXT, "key": key})
        parts += [
            # The outcome of saving is shown above the form, where GOV.UK puts its error summary.
            html.Div(id={"type": COMMENT_RESULT, "key": key}),
            labelled_field(f"Your commentary on {title}", dom, dcc.Textarea(
                id={"type": COMMENT_TEXT, "key": key}, value=current.text if current else "",
                className="form-control", style={"minHeight": "5rem"}),
                hint="Plain text. Saving makes a new version; earlier versions stay readable."),
            dcc.Store(id={"type": COMMENT_BASE, "key": key}, data=current.id if current else None),
            html.Button("Save commentary", id={"type": COMMENT_SAVE, "key": key}, n_clicks=0,
                        className="btn btn-dark btn-sm"),
        ]
    return html.Div(parts, className="review-commentary")


def conflict_message(error: Any) -> list:
    """The other person's saved text beside the refusal; the editor's own text stays in the box."""
    other = getattr(error, "current", None)
    parts: list = [html.P(str(error), className="mb-1")]
    if other is not None:
        parts += [html.P(f"Their text (version {other.version}, by {other.author}):", className="mb-1 fw-semibold"),
                  html.Blockquote(other.text, className="commentary-text border-start ps-2 mb-1")]
    parts.append(html.P("Your text is still in the box: change it if needed and save again.", className="mb-0"))
    return [html.Div(parts, role="alert", className="alert alert-warning py-2 my-2")]


# --- actions ----------------------------------------------------------------------------------

def action_item(action: Any, at: date, can_write: bool) -> html.Li:
    overdue = action.overdue(at)
    words = ACTION_STATUS_WORDS.get(action.status, action.status)
    parts: list = [
        html.Span(("⚠ Overdue · " if overdue else "") + words, className="fw-semibold me-1" +
                  (" text-danger" if overdue else ""), **{"data-action-status": "overdue" if overdue else action.status}),
        html.Span(action.text, className="action-text"),
        html.Span(f" Owner: {action.owner}. Due {when(action.due)}. Raised {action.period}.", className="small"),
    ]
    if can_write:
        key = str(action.id)
        control = {"type": ACTION_STATUS, "action": key}
        parts.append(html.Div([
            html.Label("Status", htmlFor=dom_id(control), className="small fw-semibold"),
            native_select(control, ACTION_STATUS_WORDS, action.status),
            html.Button("Update", id={"type": ACTION_UPDATE, "action": key}, n_clicks=0,
                        className="btn btn-outline-dark btn-sm ms-2"),
            html.Div(id={"type": ACTION_UPDATE_RESULT, "action": key}),
        ], className="d-flex flex-wrap align-items-center gap-1 mt-1"))
    return html.Li(parts, className="review-action mb-2", **{"data-action": str(action.id)})


def native_select(pattern_id: dict, words: dict[str, str], value: str):
    """A native <select> (keyboard-operable, announced by screen readers)."""
    import dash_bootstrap_components as dbc

    return dbc.Select(id=pattern_id, options=[{"label": w, "value": s} for s, w in words.items()], value=value,
                      size="sm", className="w-auto")


def action_list(actions: Sequence[Any], at: date, can_write: bool) -> list:
    if not actions:
        return [html.P("No actions.", className="text-muted small mb-1")]
    return [html.Ul([action_item(a, at, can_write) for a in actions], className="list-unstyled mb-1")]


def actions_block(key: str, title: str, actions: Sequence[Any], at: date, can_write: bool) -> html.Div:
    parts: list = [html.H4("Actions", className="h6 mt-3"),
                   html.Div(action_list(actions, at, can_write), id={"type": ACTION_LIST, "key": key})]
    if can_write:
        text_dom, owner_dom, due_dom = (dom_id({"type": k, "key": key}) for k in (ACTION_TEXT, ACTION_OWNER, ACTION_DUE))
        parts.append(html.Fieldset([
            html.Legend(f"Add an action on {title}", className="h6 fs-6"),
            html.Div(id={"type": ACTION_RESULT, "key": key}),
            labelled_field("What will be done", text_dom, dcc.Textarea(
                id={"type": ACTION_TEXT, "key": key}, className="form-control", style={"minHeight": "3rem"})),
            html.Div([
                labelled_field("Owner", owner_dom, dcc.Input(id={"type": ACTION_OWNER, "key": key}, type="text",
                                                             className="form-control")),
                labelled_field("Due date", due_dom, dcc.Input(id={"type": ACTION_DUE, "key": key}, type="date",
                                                              className="form-control"),
                               hint="YYYY-MM-DD"),
            ], className="d-flex flex-wrap gap-3"),
            html.Button("Add action", id={"type": ACTION_ADD, "key": key}, n_clicks=0, className="btn btn-dark btn-sm"),
        ], className="border rounded p-2 mt-2"))
    return html.Div(parts, className="review-actions")


# --- milestones -------------------------------------------------------------------------------

def milestone_badge(state: str) -> html.Span:
    return html.Span([html.Span(MILESTONE_ICONS.get(state, ""), **{"aria-hidden": "true"}), " ",
                      MILESTONE_WORDS.get(state, state)],
                     className=f"status-badge milestone-{state}", **{"data-milestone-state": state})


def milestone_shown(state: Any) -> list:
    parts: list = [milestone_badge(state.state), html.Span(f" Due {due_label(state.due)}.", className="small")]
    if state.done_on:
        parts.append(html.Span(f" Done on {when(state.done_on)}.", className="small"))
    if state.evidence:
        parts += [html.Span(" Evidence: ", className="small fw-semibold"),
                  html.Span(state.evidence, className="small milestone-evidence")]
    if state.recorded_at:
        parts.append(html.Span(f" Recorded by {state.recorded_by}, {when(state.recorded_at)}.",
                               className="small text-muted"))
    return parts


def milestone_block(key: str, state: Any, can_write: bool) -> html.Li:
    parts: list = [html.P(state.title, className="mb-1 fw-semibold milestone-title"),
                   html.Div(milestone_shown(state), id={"type": MILESTONE_SHOWN, "key": key})]
    if can_write:
        status_dom, done_dom, evidence_dom = (dom_id({"type": k, "key": key}) for k in
                                              (MILESTONE_STATUS, MILESTONE_DONE_ON, MILESTONE_EVIDENCE))
        words = {k: v for k, v in MILESTONE_WORDS.items() if k != "late"}
        parts.append(html.Fieldset([
            html.Legend("Record progress on this milestone", className="h6 fs-6"),
            html.Div(id={"type": MILESTONE_RESULT, "key": key}),
            html.Div([
                html.Div([html.Label("Status", htmlFor=status_dom, className="form-label fw-semibold mb-1"),
                          native_select({"type": MILESTONE_STATUS, "key": key}, words, state.status)],
                         className="mb-2"),
                labelled_field("Date done", done_dom, dcc.Input(
                    id={"type": MILESTONE_DONE_ON, "key": key}, type="date", className="form-control",
                    value=state.done_on.isoformat() if state.done_on else None), hint="Only when done; YYYY-MM-DD"),
            ], className="d-flex flex-wrap gap-3"),
            labelled_field("Evidence (text or a link)", evidence_dom, dcc.Textarea(
                id={"type": MILESTONE_EVIDENCE, "key": key}, value=state.evidence or "", className="form-control",
                style={"minHeight": "3rem"})),
            html.Button("Save milestone", id={"type": MILESTONE_SAVE, "key": key}, n_clicks=0,
                        className="btn btn-dark btn-sm"),
        ], className="border rounded p-2 mt-1"))
    return html.Li(parts, className="review-milestone mb-3", **{"data-milestone": key})
