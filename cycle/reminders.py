"""Reminders before the review: each lead with off-track or at-risk metrics that have no
commentary for the period gets one email listing them, once per period (whatever their
alert setting: this is their own work falling due)."""

from __future__ import annotations

from datetime import date

from cycle import links
from cycle.contacts import Contact, leads_of
from cycle.ledger import add_delivery
from cycle.mail import Email, Line, Section, shorten
from datasources.store import Store
from metrics.definitions.models import Framework
from metrics.evaluation.status import Status
from metrics.service import MetricsService
from review.commentary import current_commentary
from review.judgement import framework_evaluation

#: The statuses whose metrics need the lead's words before the review.
NEEDS_COMMENTARY = (Status.OFF_TRACK, Status.AT_RISK)


def missing_commentary(store: Store, service: MetricsService, framework: Framework, period: str):
    """(intention, evaluation) pairs off track or at risk with no commentary for the period."""
    result = framework_evaluation(store, service, framework.id, period)
    written = current_commentary(store, framework.id, period)
    found = []
    for intention in framework.intentions:
        for evaluation in result.for_intention(intention.id):
            if evaluation.status in NEEDS_COMMENTARY and f"metric:{evaluation.metric_id}" not in written:
                found.append((intention, evaluation))
    return found


def reminder_email(contact: Contact, framework: Framework, period: str, review: date, items, base_url: str) -> Email:
    lines = tuple(Line(f"{e.title}: {Status(e.status).words} ({shorten(i.title)})",
                       links.review_pack(base_url, framework.id, period, e.metric_id)) for i, e in items)
    return Email(
        address=contact.email, name=contact.display_name,
        subject=f"Commentary needed before the {framework.title} review on {review:%-d %B %Y}",
        heading=f"{len(items)} metric(s) need your commentary for {period}",
        intro=(f"Dear {contact.display_name},",
               f"The {framework.title} review meets on {review:%A %-d %B %Y}. These metrics you lead are off "
               f"track or at risk at {period} and have no commentary yet. Please say what is happening and "
               "what is being done."),
        sections=(Section("Metrics without commentary", lines),),
        closing=(f"Review pack: {links.review_pack(base_url, framework.id, period)}",
                 "You get this reminder because you lead these metrics; it is sent once per review."))



def queue(store: Store, service: MetricsService, framework: Framework, period: str, review: date, today: date,
          everyone: list[Contact], base_url: str) -> list[str]:
    """Queue the reminders due; returns a line per lead reminded (nothing when already reminded)."""
    items = missing_commentary(store, service, framework, period)
    said = []
    for contact in everyone:
        own = [(i, e) for i, e in items if contact in leads_of([contact], i.lead, framework.id)]
        if not own:
            continue
        email = reminder_email(contact, framework, period, review, own, base_url)
        key = f"reminder:{framework.id}:{period}:{contact.username}"
        if add_delivery(store, key, "reminder", framework.id, period, contact.username, email, today):
            said.append(f"reminder to {contact.username}: {len(own)} metric(s) without commentary")
    return said
