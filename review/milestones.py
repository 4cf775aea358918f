"""Milestone progress. The plan (title, due month) stays in config; progress is recorded in
the store with history: status, date done, evidence, who and when. The status written in
config is the first recorded update (written into the store on the first real update, so
nothing is lost in the move). "Late" is computed: not done or dropped, and due before the period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from datasources.store import Store, iso, milestone_updates, now
from metrics.definitions.models import Framework, Intention, Milestone
from metrics.evaluation.milestones import FROM_CONFIG, MilestoneProgress, MilestoneState, framework_milestones
from metrics.service import MetricsService
from review import audit
from review.access import require_write
from review.errors import ReviewInputError
from review.people import Person
from review.subjects import framework_of
from review.text import COMMENT_LIMIT, due_date, not_to_come, plain_text

STATUSES = ("not_started", "in_progress", "done", "dropped")
__all__ = ["FROM_CONFIG", "MilestoneState", "MilestoneUpdate", "UnlinkedProgress", "milestone_history",
           "milestone_states", "recorded_progress", "unlinked_progress", "update_milestone"]


@dataclass(frozen=True)
class MilestoneUpdate:
    id: int | None            # None: the config's status, not yet copied into the store
    framework_id: str
    intention_id: str
    milestone_title: str
    status: str
    done_on: date | None
    evidence: str
    recorded_by: str
    recorded_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "framework_id": self.framework_id, "intention_id": self.intention_id,
                "milestone_title": self.milestone_title, "status": self.status,
                "done_on": self.done_on.isoformat() if self.done_on else None, "evidence": self.evidence,
                "recorded_by": self.recorded_by,
                "recorded_at": iso(self.recorded_at) if self.recorded_at else None}


def _update(row: Any) -> MilestoneUpdate:
    at = row.recorded_at if row.recorded_at.tzinfo else row.recorded_at.replace(tzinfo=timezone.utc)
    return MilestoneUpdate(row.id, row.framework_id, row.intention_id, row.milestone_title, row.status,
                           row.done_on, row.evidence, row.recorded_by, at)


def _from_config(framework: Framework, intention: Intention, milestone: Milestone) -> MilestoneUpdate:
    return MilestoneUpdate(None, framework.id, intention.id, milestone.title, milestone.status, None,
                           milestone.evidence, FROM_CONFIG, None)


def _recorded(conn: Connection, framework: Framework,
              intention_id: str | None = None) -> dict[tuple[str, str], list[MilestoneUpdate]]:
    """Each milestone's recorded updates, oldest first, keyed by (intention id, its current title): an update
    recorded under a title the milestone had before (``formerly``) is the milestone's, so retitling it in config
    loses nothing. An update under a title no milestone of its intention has or had stays under the stored
    title, for :func:`unlinked_progress` to name; no milestone reads it."""
    current = {(intention.id, title): milestone.title for intention in framework.intentions
               for milestone in intention.milestones for title in (milestone.title, *milestone.formerly)}
    query = select(milestone_updates).where(milestone_updates.c.framework_id == framework.id)
    if intention_id:
        query = query.where(milestone_updates.c.intention_id == intention_id)
    found: dict[tuple[str, str], list[MilestoneUpdate]] = {}
    for row in conn.execute(query.order_by(milestone_updates.c.id)):
        stored = (row.intention_id, row.milestone_title)
        found.setdefault((row.intention_id, current.get(stored, row.milestone_title)), []).append(_update(row))
    return found


def _find(service: MetricsService, framework_id: str, intention_id: str, title: str):
    framework = framework_of(service, framework_id)
    intention = framework.intention(intention_id)
    if intention is None:
        raise ReviewInputError("intention", f"'{intention_id}' is not an intention of {framework.id}")
    milestone = next((m for m in intention.milestones if m.title == title), None)
    if milestone is None:
        titles = "; ".join(m.title for m in intention.milestones) or "none"
        raise ReviewInputError("milestone", f"'{title}' is not a milestone of '{intention_id}' (its milestones: "
                                            f"{titles})")
    return framework, intention, milestone


@audit.refusals_recorded("milestone.update", lambda given: f"milestone:{given['framework_id']}/"
                                                           f"{given['intention_id']}/{given['milestone_title']}")
def update_milestone(store: Store, service: MetricsService, person: Person, framework_id: str, intention_id: str,
                     milestone_title: str, status: str, done_on: str | None = None,
                     evidence: str | None = None) -> MilestoneUpdate:
    if status not in STATUSES:
        raise ReviewInputError("status", f"'{status}' is not a milestone status; use one of {', '.join(STATUSES)}")
    done = not_to_come("done on", due_date("done on", done_on)) if done_on else None
    if done is not None and status != "done":
        raise ReviewInputError("done on", "give a date done only with status 'done'")
    if status == "done" and done is None:
        done = date.today()
    text = plain_text("evidence", evidence, COMMENT_LIMIT, required=False)
    framework, intention, milestone = _find(service, framework_id, intention_id, milestone_title)
    require_write(store, person, framework, intention)
    entity = f"milestone:{framework.id}/{intention.id}/{milestone.title}"
    with store.engine.begin() as conn:
        history = _recorded(conn, framework, intention.id).get((intention.id, milestone.title), [])
        before = history[-1] if history else _from_config(framework, intention, milestone)
        stamp = now()
        if not history:  # the config's status becomes the first recorded update
            conn.execute(insert(milestone_updates).values(
                framework_id=framework.id, intention_id=intention.id, milestone_title=milestone.title,
                status=milestone.status, done_on=None, evidence=milestone.evidence, recorded_by=FROM_CONFIG,
                recorded_at=stamp))
        new_id = conn.execute(insert(milestone_updates).values(
            framework_id=framework.id, intention_id=intention.id, milestone_title=milestone.title, status=status,
            done_on=done, evidence=text, recorded_by=person.username, recorded_at=stamp,
        ).returning(milestone_updates.c.id)).scalar_one()
        saved = _update(conn.execute(select(milestone_updates).where(milestone_updates.c.id == new_id)).one())
        audit.record(conn, person.username, "milestone.update", entity, before.to_dict(), saved.to_dict())
    return saved


def milestone_history(store: Store, service: MetricsService, framework_id: str, intention_id: str,
                      milestone_title: str) -> list[MilestoneUpdate]:
    """Oldest first, with what was recorded under its former titles; the config's status first when nothing is
    recorded yet."""
    framework, intention, milestone = _find(service, framework_id, intention_id, milestone_title)
    with store.engine.connect() as conn:
        history = _recorded(conn, framework, intention.id).get((intention.id, milestone.title), [])
    return history or [_from_config(framework, intention, milestone)]


def recorded_progress(store: Store, framework: Framework) -> dict[tuple[str, str], MilestoneProgress]:
    """The latest recorded update of each milestone of the framework that has one, keyed by (intention id,
    current title)."""
    with store.engine.connect() as conn:
        recorded = _recorded(conn, framework)
    return {key: MilestoneProgress(u.status, u.done_on, u.evidence, u.recorded_by, u.recorded_at)
            for key, history in recorded.items() for u in history[-1:]}


def milestone_states(store: Store, framework: Framework, at: date) -> list[MilestoneState]:
    """Every milestone of the framework at ``at`` (the first day of the period's month), by the one rule
    (:func:`metrics.evaluation.milestones.milestone_state`)."""
    return framework_milestones(framework, at, recorded_progress(store, framework))


@dataclass(frozen=True)
class UnlinkedProgress:
    """Updates recorded under a title no milestone of the intention has or had: kept in the store, read by
    nothing until config says which milestone they belong to (``formerly``)."""

    intention_id: str
    stored_title: str
    updates: int
    intention_exists: bool


def unlinked_progress(store: Store, framework: Framework) -> list[UnlinkedProgress]:
    with store.engine.connect() as conn:
        recorded = _recorded(conn, framework)
    milestones = {(intention.id, m.title) for intention in framework.intentions for m in intention.milestones}
    intentions = {intention.id for intention in framework.intentions}
    return [UnlinkedProgress(intention_id, title, len(history), intention_id in intentions)
            for (intention_id, title), history in recorded.items() if (intention_id, title) not in milestones]
