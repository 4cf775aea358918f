"""The pieces of the review pack page: commentary, actions, milestones and sign-off, each as
what was written (always shown as text, never as HTML) and, for someone allowed to write, the
form that writes it.

Whether a form is shown is only a courtesy: the callbacks in ``dashboard.pages.review`` hand
every write to the review domain with the signed-in person, and the domain decides."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Sequence
from urllib.parse import quote

from dash import MATCH, Output, dcc, html

from metrics.periods import due_label
from review.text import MONTHS, DateParts

# Pattern-matching ids: {"type": ..., "key": subject key ("metric:<id>" / "intention:<id>")}.
COMMENT_TEXT, COMMENT_SAVE, COMMENT_BASE, COMMENT_RESULT, COMMENT_SHOWN = (
    "comment-text", "comment-save", "comment-based-on", "comment-result", "comment-shown")
ACTION_TEXT, ACTION_OWNER, ACTION_DUE, ACTION_ADD, ACTION_RESULT, ACTION_LIST = (
    "action-text", "action-owner", "action-due", "action-add", "action-result", "action-list")
# {"type": ..., "action": "<id>"}
ACTION_STATUS, ACTION_UPDATE, ACTION_UPDATE_RESULT = "action-status", "action-update", "action-update-result"
# {"type": ..., "key": "<place>:<intention id>#<milestone position>"} (dashboard.milestone_update)
MILESTONE_STATUS, MILESTONE_DONE_ON, MILESTONE_EVIDENCE, MILESTONE_SAVE, MILESTONE_RESULT, MILESTONE_SHOWN = (
    "milestone-status", "milestone-done-on", "milestone-evidence", "milestone-save", "milestone-result",
    "milestone-shown")
SIGNOFF_REASON, SIGNOFF_BUTTON, SIGNOFF_RESULT = "signoff-reason", "signoff-button", "signoff-result"
REVIEW_CONTEXT = "review-context"
# {"type": FIELD_ERROR, "key": the form's key, "field": the domain's field name}: where a field's own
# error message goes, between its label and the control (GOV.UK's error message pattern).
FIELD_ERROR = "field-error"
# A date is typed in three boxes (GOV.UK's date input): {"type": ACTION_DUE or MILESTONE_DONE_ON, "key": ...,
# "part": "day" | "month" | "year"}.
DATE_PARTS = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))
DATE_HINT = "For example, 27 3 2027"

ACTION_STATUS_WORDS = {"open": "Open", "done": "Done", "dropped": "Dropped"}
MILESTONE_WORDS = {"not_started": "Not started", "in_progress": "In progress", "done": "Done",
                   "dropped": "Dropped", "late": "Late"}
MILESTONE_ICONS = {"not_started": "○", "in_progress": "◐", "done": "✔", "dropped": "–", "late": "⚠"}


def dom_id(pattern_id: dict) -> str:
    """The DOM id Dash gives a pattern-matching id (keys sorted, compact JSON), so a <label>
    can point at the control it names."""
    import json

    return json.dumps(pattern_id, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class FormField:
    """A control of a review form as the domain names it: ``name`` is ``ReviewInputError.field``,
    ``said`` how the field's own error message names it, ``control`` its pattern-matching id (for a
    date, its day box: ``at_fault`` gives the box the domain named)."""
    name: str
    said: str
    control: dict

    def at_fault(self, error: Exception | None) -> dict:
        """The control to point at: for a date, the day, month or year box named by ``ReviewInputError.part``."""
        part = getattr(error, "part", None)
        return {**self.control, "part": part} if part and "part" in self.control else self.control


# The fields of each form, in the order they are shown: the callbacks give each an error slot.
ACTION_FIELDS = ("action", "owner", "due")
MILESTONE_FIELDS = ("status", "done on", "evidence")
COMMENT_FIELDS = ("commentary",)
SIGNOFF_FIELDS = ("reason",)


def action_fields(key: str) -> list[FormField]:
    return [FormField("action", "What will be done", {"type": ACTION_TEXT, "key": key}),
            FormField("owner", "Owner", {"type": ACTION_OWNER, "key": key}),
            FormField("due", "Due date", {"type": ACTION_DUE, "key": key, "part": "day"})]


def milestone_fields(key: str) -> list[FormField]:
    return [FormField("status", "Status", {"type": MILESTONE_STATUS, "key": key}),
            FormField("done on", "Date done", {"type": MILESTONE_DONE_ON, "key": key, "part": "day"}),
            FormField("evidence", "Evidence", {"type": MILESTONE_EVIDENCE, "key": key})]


def comment_fields(key: str) -> list[FormField]:
    return [FormField("commentary", "Commentary", {"type": COMMENT_TEXT, "key": key})]


def signoff_fields() -> list[FormField]:
    return [FormField("reason", "Reason", {"type": SIGNOFF_REASON, "key": "pack"})]


def error_outputs(names: tuple[str, ...]) -> list[Output]:
    """The outputs of a form's per-field error messages (``field_messages``), in ``names`` order."""
    return [Output({"type": FIELD_ERROR, "key": MATCH, "field": name}, "children") for name in names]


# What the browser sends is checked for its shape (a forged request can send anything); what it means
# (may this person write there?) is the domain's to decide.

def where(ctx: dict | None) -> tuple[str, str]:
    """The framework and period of the page a form is on (its REVIEW_CONTEXT store)."""
    ctx = ctx if isinstance(ctx, dict) else {}
    return str(ctx.get("framework") or ""), str(ctx.get("period") or "")


def key_of(control_id, field: str = "key") -> str:
    """The key a control's id carries, or "" when the id is not one of these forms'."""
    value = control_id.get(field) if isinstance(control_id, dict) else None
    return value if isinstance(value, str) else ""


def typed(value) -> str:
    """Typed text; anything else (only a forged request sends it) counts as nothing typed."""
    return value if isinstance(value, str) else ""


def error_slot(field: FormField) -> html.Div:
    return html.Div(id={"type": FIELD_ERROR, "key": field.control["key"], "field": field.name})


def message_dom_id(control: dict) -> str:
    """A plain id for a field's error message (aria-describedby lists ids split on spaces, so the
    control's JSON id, which may hold one, is not used)."""
    return "error-" + re.sub(r"[^A-Za-z0-9_-]", "-", "-".join(str(control[k]) for k in sorted(control)))


def field_messages(error: Exception | None, fields: Sequence[FormField]) -> list:
    """One entry per field, for its error slot: GOV.UK's error message ("Error:" said only to a
    screen reader, then what is wrong and the fix) for the field the domain named, None for the
    rest, and None for all when there is no error, so a corrected field loses its message.

    ``data-error-for`` names the control: assets/a11y.js sets its ``aria-invalid`` and
    ``aria-describedby`` from it, because dcc inputs take no aria-* properties."""
    named = getattr(error, "field", None)
    out: list = []
    for field in fields:
        if error is None or field.name != named:
            out.append(None)
            continue
        what = str(error).removeprefix(f"{field.name}: ")
        out.append(html.P([html.Span("Error: ", className="visually-hidden"), f"{field.said}: {what}"],
                          id=message_dom_id(field.control), className="govuk-error-message",
                          **{"data-error-for": dom_id(field.at_fault(error))}))
    return out


def when(moment: datetime | date | None) -> str:
    """A date as GOV.UK writes it, "27 March 2027" (a time: "27 March 2027 at 14:05 UTC")."""
    if moment is None:
        return ""
    day = f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"
    return f"{day} at {moment:%H:%M} UTC" if isinstance(moment, datetime) else day


def alert(text: str) -> html.Div:
    """An error, announced by screen readers as it appears."""
    return html.Div(text, role="alert", className="alert alert-danger py-2 my-2")


def problem(doing: str, error: Exception, fields: Sequence[FormField], level: int = 5) -> html.Div:
    """A refused write as GOV.UK's error summary: "There is a problem", the reason, and, when the
    domain names the field at fault (``ReviewInputError.field``), a link that takes focus to it
    (the field carries the message too: ``field_messages``). The heading is at ``level``, one
    below the heading of the form's section, so the outline does not skip a level (GOV.UK's h2
    is for a summary at the top of a page; these sit inside an item)."""
    heading = {3: html.H3, 5: html.H5}[level]
    field = next((f for f in fields if f.name == getattr(error, "field", None)), None)
    # The field named as its label names it ("Due date: ...", not the domain's "due: ...").
    reason = f"{doing}: " + (f"{field.said}: {str(error).removeprefix(f'{field.name}: ')}" if field else str(error))
    item = (html.A(reason, href="#" + quote(dom_id(field.at_fault(error)), safe=""), className="error-summary-link")
            if field else reason)
    return html.Div([heading("There is a problem", className="h6 mb-1"), html.Ul(html.Li(item), className="mb-0")],
                    role="alert", className="alert alert-danger py-2 my-2 error-summary")


def done(text: str) -> html.Div:
    return html.Div(text, role="status", className="alert alert-success py-2 my-2")


def labelled_field(label: str, dom_id: str, control: Any, hint: str | None = None,
                   error: FormField | None = None) -> html.Div:
    # dcc inputs take no aria-describedby, so the hint is part of the label (and so of the name).
    words: list = [label] + ([html.Span(hint, className="form-text d-block fw-normal mt-0")] if hint else [])
    parts: list = [html.Label(words, htmlFor=dom_id, className="form-label fw-semibold mb-1")]
    parts += [error_slot(error)] if error is not None else []
    return html.Div(parts + [control], className="mb-2 form-group")


def date_input(legend: str, field: FormField, value: date | None = None, hint: str = DATE_HINT) -> html.Div:
    """GOV.UK's date input: Day, Month and Year boxes, each labelled, in a fieldset whose legend names the
    date and whose hint gives an example; the field's own error message sits between the hint and the
    boxes. What is typed goes to the domain as typed (``review.text.DateParts``), which checks it."""
    hint_id = "hint-" + message_dom_id(field.control).removeprefix("error-")
    boxes = []
    for part, label, width in DATE_PARTS:
        control = {**field.control, "part": part}
        boxes.append(html.Div([
            html.Label(label, htmlFor=dom_id(control), className="form-label mb-0"),
            dcc.Input(id=control, type="text", inputMode="numeric", autoComplete="off",
                      value=str(getattr(value, part)) if value else "",
                      className=f"form-control input-width-{width}"),
        ], className="date-input-item"))
    return html.Div(html.Fieldset([
        html.Legend(legend, className="form-label fw-semibold mb-0"),
        html.Div(hint, id=hint_id, className="form-text mt-0 mb-1"),
        error_slot(field),
        html.Div(boxes, className="date-input"),
    ], role="group", **{"aria-describedby": hint_id}), className="mb-2 form-group")


def date_typed(day, month, year) -> DateParts:
    """The three boxes of a date input as the domain takes them, to check."""
    return DateParts(typed(day), typed(month), typed(year))


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
                hint="Plain text. Saving makes a new version; earlier versions stay readable.",
                error=comment_fields(key)[0]),
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
        text_field, owner_field, due_field = action_fields(key)
        text_dom, owner_dom = (dom_id(f.control) for f in (text_field, owner_field))
        parts.append(html.Fieldset([
            html.Legend(f"Add an action on {title}", className="h6 fs-6"),
            html.Div(id={"type": ACTION_RESULT, "key": key}),
            labelled_field("What will be done", text_dom, dcc.Textarea(
                id=text_field.control, className="form-control", style={"minHeight": "3rem"}), error=text_field),
            labelled_field("Owner", owner_dom, dcc.Input(id=owner_field.control, type="text",
                                                         className="form-control input-width-20"),
                           hint="A name or a role", error=owner_field),
            date_input("Due date", due_field),
            html.Button("Add action", id={"type": ACTION_ADD, "key": key}, n_clicks=0, className="btn btn-dark btn-sm"),
        ], className="border rounded p-2 mt-2"))
    return html.Div(parts, className="review-actions")


# --- milestones -------------------------------------------------------------------------------

def milestone_badge(state: str) -> html.Span:
    return html.Span([html.Span(MILESTONE_ICONS.get(state, ""), **{"aria-hidden": "true"}), " ",
                      MILESTONE_WORDS.get(state, state)],
                     className=f"status-badge milestone-{state}", **{"data-milestone-state": state})


def milestone_shown(state: Any) -> list:
    due = f" Due {due_label(state.due, '%B %Y')}." if state.due else " Date to be confirmed."
    parts: list = [milestone_badge(state.state), html.Span(due, className="small")]
    if state.done_on:
        parts.append(html.Span(f" Done on {when(state.done_on)}.", className="small"))
    if state.evidence:
        parts += [html.Span(" Evidence: ", className="small fw-semibold"),
                  html.Span(state.evidence, className="small milestone-evidence")]
    if state.recorded_at:
        parts.append(html.Span(f" Recorded by {state.recorded_by}, {when(state.recorded_at)}.",
                               className="small text-muted"))
    return parts
