"""Alerts: an intention's or a metric's status worse than at the last signed-off snapshot (or,
before any sign-off, the previous period), an SPC special cause of concern that was not there the
period before, a milestone that has become late; concerns only (an improvement is not an alert),
ranked as the review pack ranks them (:class:`metrics.evaluation.exceptions.Concern`). Each event is noticed once (its key is unique);
its leads who have not switched alerts off are told, all of a run's events for one person
in one email (a digest when there are several).

On a framework's first run the milestones already late are recorded as known, not
emailed: they are in the review pack already, and a first run must not flood the leads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import snapshots
from cycle import links
from cycle.contacts import Contact, leads_of
from cycle.ledger import Event, add_delivery, record_event, unsent_events
from cycle.mail import Email, Line, Section, shorten
from datasources.store import Store
from metrics.definitions.models import Framework, Intention
from metrics.evaluation.exceptions import Concern, worse as status_worse
from metrics.evaluation.status import Status
from metrics.service import MetricsService
from review.judgement import framework_evaluation
from review.milestones import milestone_states
from review.signoff import last_signed_off_before

#: Each kind of alert as the concern it raises: the order alerts are listed in.
KIND_CONCERN = {"intention_worse": Concern.WORSENING, "status_worse": Concern.WORSENING,
                "spc_signal": Concern.SPC_CONCERN, "milestone_late": Concern.MILESTONE_LATE}


@dataclass(frozen=True)
class Found:
    key: str
    kind: str
    intention: Intention
    subject: str
    text: str
    metric_id: str | None = None


def worse(old: str, new: str) -> bool:
    return status_worse(Status(old), Status(new))


def _special_cause(evaluation) -> str | None:
    """The latest point's special cause of concern, in words (an improvement raises no alert)."""
    spc = evaluation.insights.spc if evaluation.insights is not None else None
    if spc is None or spc.result.variation != "concern":
        return None
    return spc.result.variation_label


def _baseline(store: Store, service: MetricsService, framework: Framework, period: str):
    """Statuses to compare with (metrics by (metric, intention), intentions by id), and what they are:
    the last signed-off snapshot before ``period``, else the previous period with data."""
    signoff = last_signed_off_before(store, framework.id, period)
    if signoff is not None:
        snap = snapshots.load(store, signoff.snapshot_id)
        return ({(e["metric_id"], e["intention_id"]): e["status"] for e in snap.evaluations},
                {j["intention_id"]: j["status"] for j in snap.intentions}, f"the {signoff.period} sign-off")
    earlier = [p for p in service.available_periods(framework.id) if p < period]
    if not earlier:
        return {}, {}, None
    result = framework_evaluation(store, service, framework.id, earlier[0])
    return ({(e.metric_id, e.intention_id): e.status for e in result.evaluations},
            {j.intention_id: j.status for j in result.intentions}, earlier[0])


def detect(store: Store, service: MetricsService, framework: Framework, period: str, today: date) -> list[Found]:
    found: list[Found] = []
    current = framework_evaluation(store, service, framework.id, period)
    before, intentions_before, against = _baseline(store, service, framework, period)
    earlier = [p for p in service.available_periods(framework.id) if p < period]
    signalled_before = set()
    if earlier:
        signalled_before = {(e.metric_id, e.intention_id) for e in
                            framework_evaluation(store, service, framework.id, earlier[0]).evaluations
                            if _special_cause(e)}
    for judgement in current.intentions:
        old = intentions_before.get(judgement.intention_id)
        intention = framework.intention(judgement.intention_id)
        if intention is not None and old is not None and worse(old, judgement.status):
            found.append(Found(f"intention_worse:{framework.id}:{period}:{intention.id}:{judgement.status}",
                               "intention_worse", intention, f"intention:{intention.id}",
                               f"{shorten(intention.title)}: now {judgement.status.words} at {period}, was "
                               f"{Status(old).words} at {against}. {judgement.status_reason}"))
    for intention in framework.intentions:
        for e in current.for_intention(intention.id):
            old = before.get((e.metric_id, intention.id))
            if old is not None and worse(old, e.status):
                found.append(Found(f"status_worse:{framework.id}:{period}:{intention.id}:{e.metric_id}:{e.status}",
                                   "status_worse", intention, f"metric:{e.metric_id}",
                                   f"{e.title}: now {Status(e.status).words} at {period}, was "
                                   f"{Status(old).words} at {against}", e.metric_id))
            signal = _special_cause(e)
            if signal and (e.metric_id, intention.id) not in signalled_before:
                found.append(Found(f"spc_signal:{framework.id}:{period}:{intention.id}:{e.metric_id}", "spc_signal",
                                   intention, f"metric:{e.metric_id}",
                                   f"{e.title}: SPC special cause at {period} ({signal})", e.metric_id))
    for m in milestone_states(store, framework, today):
        if m.late:
            intention = framework.intention(m.intention_id)
            if intention is None:
                continue
            found.append(Found(f"milestone_late:{framework.id}:{m.intention_id}:{m.title}:{m.due}", "milestone_late",
                               intention, f"milestone:{m.intention_id}/{m.title}"[:300],
                               f"Milestone late: '{m.title}' was due {m.due:%B %Y} ({shorten(intention.title)})"))
    order = {id(f): n for n, f in enumerate(found)}
    return sorted(found, key=lambda f: (KIND_CONCERN[f.kind].rank, order[id(f)]))


def record(store: Store, framework: Framework, period: str, today: date, found: list[Found],
           everyone: list[Contact], first_run: bool) -> list[str]:
    """Notice each new event once; queue it for its leads. Returns a line per new event."""
    said = []
    for f in found:
        detail = {"text": f.text, "intention_id": f.intention.id, "metric_id": f.metric_id}
        baseline = first_run and f.kind == "milestone_late"
        if not record_event(store, f.key, f.kind, framework.id, period, f.subject, None, today,
                            {**detail, "baseline": baseline}):
            continue  # noticed before: never again
        if baseline:
            continue
        told = [c for c in leads_of(everyone, f.intention.lead, framework.id) if c.alerts_enabled]
        for contact in told:
            record_event(store, f"{f.key}>{contact.username}", f.kind, framework.id, period, f.subject,
                         contact.username, today, detail)
        said.append(f"alert {f.kind}: {f.text} -> {', '.join(c.username for c in told) or 'no lead to tell'}")
    if first_run:
        known = sum(1 for f in found if f.kind == "milestone_late")
        if known:
            said.append(f"first run: {known} milestone(s) already late recorded as known, not emailed")
    return said


def alert_email(contact: Contact, framework: Framework, period: str, items: list[Event], base_url: str) -> Email:
    lines = tuple(Line(e.detail["text"], links.review_pack(base_url, framework.id, e.period or period,
                                                            e.detail.get("metric_id")))
                  for e in items)
    many = len(items) > 1
    first = items[0].detail["text"]
    return Email(
        address=contact.email, name=contact.display_name,
        subject=(f"{len(items)} alerts on {framework.title}" if many else f"Alert: {first}")[:250],
        heading=f"{len(items)} things changed on what you lead" if many else "Something changed on what you lead",
        intro=(f"Dear {contact.display_name},", f"The monthly cycle noticed this on {framework.title}:"),
        sections=(Section("What changed", lines),),
        closing=("You will not be told about these again.",
                 f"To stop alert emails: outcomes cycle alerts off {contact.username} --as {contact.username} "
                 "(reminders about your own commentary still come)."))


def queue(store: Store, framework: Framework, period: str, today: date, everyone: list[Contact],
          base_url: str) -> list[str]:
    """One email per person for every event not yet emailed to them."""
    pending: dict[str, list[Event]] = {}
    for e in unsent_events(store, framework.id):
        pending.setdefault(e.recipient, []).append(e)
    by_name = {c.username: c for c in everyone}
    said = []
    for username, items in pending.items():
        contact = by_name.get(username)
        if contact is None or not contact.alerts_enabled:
            continue  # they lost their grant or switched alerts off since; the events stay recorded
        key = f"alert:{framework.id}:{today.isoformat()}:{username}:{items[0].id}"
        if add_delivery(store, key, "alert", framework.id, period, username,
                        alert_email(contact, framework, period, items, base_url), today, [e.id for e in items]):
            said.append(f"alert email to {username}: {len(items)} event(s)")
    return said
