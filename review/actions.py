"""Actions: what will be done, by whom, by when; raised in a period on a metric or an
intention and carried forward into later periods until done or dropped."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import insert, select, update

from datasources.store import LARGEST_ID, Store, actions, iso, now
from metrics.service import MetricsService
from review import audit
from review.access import require_write
from review.errors import ReviewInputError
from review.people import Person
from review.subjects import locate
from review.text import (COMMENT_LIMIT, SHORT_LIMIT, DateParts, begun_period, due_date, period as check_period,
                         plain_text)

STATUSES = ("open", "done", "dropped")


@dataclass(frozen=True)
class Action:
    id: int
    framework_id: str
    period: str
    metric_id: str | None
    intention_id: str | None
    text: str
    owner: str
    due: date
    status: str
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    closed_at: datetime | None

    def overdue(self, at: date | None = None) -> bool:
        """Open and past its due date (at ``at``, default today)."""
        return self.status == "open" and self.due < (at or date.today())

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["due"] = self.due.isoformat()
        for key in ("created_at", "updated_at", "closed_at"):
            out[key] = iso(out[key]) if out[key] is not None else None
        return out


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _action(row: Any) -> Action:
    return Action(row.id, row.framework_id, row.period, row.metric_id, row.intention_id, row.text, row.owner,
                  row.due, row.status, row.created_by, _utc(row.created_at), row.updated_by, _utc(row.updated_at),
                  _utc(row.closed_at))


def _status(value: str) -> str:
    if value not in STATUSES:
        raise ReviewInputError("status", f"'{value}' is not an action status; use one of {', '.join(STATUSES)}")
    return value


@audit.refusals_recorded("action.add", lambda given: f"action:new/{given['framework_id']}/{given['period']}")
def add_action(store: Store, service: MetricsService, person: Person, framework_id: str, period: str, text: str,
               owner: str, due: str | date | DateParts, metric_id: str | None = None,
               intention_id: str | None = None) -> Action:
    period = begun_period("period", period)
    text = plain_text("action", text, COMMENT_LIMIT)
    owner = plain_text("owner", owner, SHORT_LIMIT)
    due_on = due_date("due", due)
    subject = locate(service, framework_id, metric_id, intention_id)
    require_write(store, person, subject.framework, subject.intention)
    stamp = now()
    with store.engine.begin() as conn:
        new_id = conn.execute(insert(actions).values(
            framework_id=subject.framework.id, period=period, metric_id=subject.metric_id,
            intention_id=subject.intention.id, text=text, owner=owner, due=due_on, status="open",
            created_by=person.username, created_at=stamp, updated_by=person.username, updated_at=stamp,
        ).returning(actions.c.id)).scalar_one()
        saved = _action(conn.execute(select(actions).where(actions.c.id == new_id)).one())
        audit.record(conn, person.username, "action.add", f"action:{new_id}", None, saved.to_dict())
    return saved


@audit.refusals_recorded("action.update", lambda given: f"action:{given['action_id']}")
def update_action(store: Store, service: MetricsService, person: Person, action_id: int, status: str | None = None,
                  due: str | date | DateParts | None = None, text: str | None = None,
                  owner: str | None = None) -> Action:
    changes: dict[str, Any] = {}
    if status is not None:
        changes["status"] = _status(status)
    if due is not None:
        changes["due"] = due_date("due", due)
    if text is not None:
        changes["text"] = plain_text("action", text, COMMENT_LIMIT)
    if owner is not None:
        changes["owner"] = plain_text("owner", owner, SHORT_LIMIT)
    if not changes:
        raise ReviewInputError("update", "nothing to change; give a status, due date, text or owner")
    with store.engine.begin() as conn:
        row = conn.execute(select(actions).where(actions.c.id == action_id).with_for_update()).first() \
            if 0 < action_id <= LARGEST_ID else None
        if row is None:
            raise ReviewInputError("action", f"no action with id {action_id} (see 'outcomes action list')")
        before = _action(row)
        subject = locate(service, before.framework_id, before.metric_id, before.intention_id)
        require_write(store, person, subject.framework, subject.intention)
        stamp = now()
        if "status" in changes:
            changes["closed_at"] = None if changes["status"] == "open" else (before.closed_at or stamp)
        conn.execute(update(actions).where(actions.c.id == action_id)
                     .values(**changes, updated_by=person.username, updated_at=stamp))
        after = _action(conn.execute(select(actions).where(actions.c.id == action_id)).one())
        audit.record(conn, person.username, "action.update", f"action:{action_id}", before.to_dict(),
                     after.to_dict())
    return after


def list_actions(store: Store, framework_id: str, period: str | None = None, open_only: bool = False,
                 metric_id: str | None = None, intention_id: str | None = None) -> list[Action]:
    """Actions of the framework. At a period: those raised then or earlier that were still open
    then (carried forward) or closed during or after it; oldest first."""
    query = select(actions).where(actions.c.framework_id == framework_id)
    if period is not None:
        period = check_period("period", period)
        query = query.where(actions.c.period <= period)
    if open_only:
        query = query.where(actions.c.status == "open")
    if metric_id:
        query = query.where(actions.c.metric_id == metric_id)
    if intention_id:
        query = query.where(actions.c.intention_id == intention_id)
    with store.engine.connect() as conn:
        found = [_action(r) for r in conn.execute(query.order_by(actions.c.due, actions.c.id))]
    if period is not None:
        # Closed before this period began: no longer part of this period's review.
        found = [a for a in found if a.closed_at is None or f"{a.closed_at:%Y-%m}" >= period or a.period == period]
    return found

