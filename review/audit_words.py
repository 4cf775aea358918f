"""Audit events in words, for people: what happened, and what changed, field by field ("Status: was
“open”, now “done”."), rather than the stored JSON. The audit page and the command line's table read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from review.audit import REFUSED, AuditEvent

#: What each kind of event is called. An action not listed is shown as it is stored.
ACTIONS = {
    "sign_in": "Signed in",
    "sign_in.failed": "Sign-in failed",
    "sign_out": "Signed out",
    "commentary.save": "Commentary saved",
    "commentary.addendum": "Commentary added after sign-off (an addendum)",
    "commentary.conflict": "Commentary not saved: someone else had saved first (the text is kept here)",
    "action.add": "Action raised",
    "action.update": "Action changed",
    "milestone.update": "Milestone progress recorded",
    "signoff": "Period signed off",
    "snapshot.create": "Snapshot made (outside sign-off)",
    "person.add": "Person added",
    "person.password": "Password changed",
    "person.role": "Role changed",
    "person.remove": "Person removed",
    "person.email": "Email address changed",
    "person.alerts_enabled": "Alert emails switched",
    "grant.add": "Access granted",
    "change_point.record": "SPC change point recorded",
    "change_point.withdraw": "SPC change point withdrawn",
}
#: What a refused one was trying to do.
ATTEMPTS = {
    "sign_in": "sign in",
    "commentary.save": "save commentary",
    "action.add": "raise an action",
    "action.update": "change an action",
    "milestone.update": "record milestone progress",
    "signoff": "sign off a period",
    "snapshot.create": "make a snapshot",
    "person.add": "add a person",
    "person.password": "change a password",
    "person.role": "change a role",
    "person.remove": "remove a person",
    "person.email": "change an email address",
    "person.alerts_enabled": "switch alert emails",
    "grant.add": "grant access",
}
#: Filters of the audit page: a name, its words, and the action prefixes it shows (REFUSED: every refusal).
KINDS = {
    "signins": ("Sign-ins and sign-outs", ("sign_in", "sign_out")),
    "failed": ("Failed or refused sign-ins", ("sign_in.failed", "sign_in.refused")),
    "refused": ("Refused writes and sign-ins", (REFUSED,)),
    "commentary": ("Commentary", ("commentary.",)),
    "actions": ("Actions", ("action.",)),
    "milestones": ("Milestones", ("milestone.",)),
    "signoffs": ("Sign-offs and snapshots", ("signoff", "snapshot.")),
    "people": ("People and access", ("person.", "grant.")),
    "change_points": ("SPC change points", ("change_point.",)),
}
#: Field names as a person would say them (others: underscores become spaces).
FIELDS = {"id": "Id", "ci_lower": "CI lower", "ci_upper": "CI upper", "done_on": "Done on", "based_on": "Based on version",
          "framework_id": "Framework", "metric_id": "Metric", "intention_id": "Intention", "snapshot_id": "Snapshot",
          "display_name": "Name", "signed_by": "Signed off by", "signed_at": "Signed off at",
          "content_hash": "Content hash", "refused_text": "Text that was not saved", "ok": "Succeeded"}


@dataclass(frozen=True)
class EventWords:
    headline: str
    #: Why it was refused, for refused writes and sign-ins and failed sign-ins; else None.
    why: str | None
    #: What changed (or was set, or was attempted), one sentence per field.
    changes: tuple[str, ...]


def field_name(key: str) -> str:
    return FIELDS.get(key, key.replace("_", " ").capitalize())


def value_words(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return "; ".join(value_words(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_name(k)} {value_words(v)}" for k, v in sorted(value.items()))
    return f"“{value}”"


def _sentences(before: Any, after: Any) -> tuple[str, ...]:
    if not isinstance(before, dict) and not isinstance(after, dict):
        return () if before == after else (f"Was {value_words(before)}, now {value_words(after)}.",)
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    lines = []
    for key in [*after, *[k for k in before if k not in after]]:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key not in before:
            if new is None:
                continue
            lines.append(f"{field_name(key)}: {value_words(new)}.")
        else:
            lines.append(f"{field_name(key)}: was {value_words(old)}, now {value_words(new)}.")
    return tuple(lines)


def describe(event: AuditEvent) -> EventWords:
    after = event.after if isinstance(event.after, dict) else {}
    if event.action.endswith(REFUSED):
        tried = event.action[: -len(REFUSED)]
        attempted = after.get("attempted") if isinstance(after.get("attempted"), dict) else {}
        return EventWords(f"Refused: tried to {ATTEMPTS.get(tried, tried)}", after.get("reason"),
                          _sentences(None, attempted))
    headline = ACTIONS.get(event.action, event.action)
    if event.action.startswith("sign_in") or event.action == "sign_out":
        where = after.get("address")
        how = " with a password" if after.get("method") == "password" else ""
        return EventWords(f"{headline}{how}" + (f" from {where}" if where else ""), after.get("reason"), ())
    return EventWords(headline, None, _sentences(event.before, event.after))
