"""The cycle's record: events it noticed and emails it means to send, each under a unique
key so nothing is noticed or sent twice. A delivery is written (pending) before it is
sent; a failure is recorded with its error and retried on the next run; a sent one is
never sent again."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from datasources.store import Store, cycle_deliveries, cycle_events, now
from cycle.mail import Email, MailError, Mailer, build

MAX_ATTEMPTS = 20  # then it stays failed and shows in the report; someone must look at the server


@dataclass(frozen=True)
class Event:
    id: int
    key: str
    kind: str
    framework_id: str | None
    period: str | None
    subject: str
    recipient: str | None
    day: date
    detail: dict[str, Any]
    delivery_id: int | None


def _event(row) -> Event:
    return Event(row.id, row.key, row.kind, row.framework_id, row.period, row.subject, row.recipient, row.day,
                 json.loads(row.detail), row.delivery_id)


def record_event(store: Store, key: str, kind: str, framework_id: str | None, period: str | None, subject: str,
                 recipient: str | None, day: date, detail: dict[str, Any]) -> bool:
    """True when the event is new (it was not noticed before)."""
    try:
        with store.engine.begin() as conn:
            if conn.execute(select(cycle_events.c.id).where(cycle_events.c.key == key)).first() is not None:
                return False
            conn.execute(insert(cycle_events).values(
                key=key, kind=kind, framework_id=framework_id, period=period, subject=subject, recipient=recipient,
                day=day, detail=json.dumps(detail, sort_keys=True, default=str), created_at=now()))
    except IntegrityError:  # another run recorded it a moment ago
        return False
    return True


def unsent_events(store: Store, framework_id: str) -> list[Event]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(cycle_events).where(cycle_events.c.framework_id == framework_id,
                                                       cycle_events.c.recipient.is_not(None),
                                                       cycle_events.c.delivery_id.is_(None))
                            .order_by(cycle_events.c.id)).all()
    return [_event(r) for r in rows]


def events(store: Store, framework_id: str | None = None, kind: str | None = None) -> list[Event]:
    query = select(cycle_events).order_by(cycle_events.c.id)
    if framework_id:
        query = query.where(cycle_events.c.framework_id == framework_id)
    if kind:
        query = query.where(cycle_events.c.kind == kind)
    with store.engine.connect() as conn:
        return [_event(r) for r in conn.execute(query)]


def add_delivery(store: Store, key: str, kind: str, framework_id: str | None, period: str | None, recipient: str,
                 email: Email, day: date, event_ids: list[int] = ()) -> bool:
    """Queue one email under ``key`` (and mark the events it reports); False if already queued."""
    try:
        with store.engine.begin() as conn:
            if conn.execute(select(cycle_deliveries.c.id).where(cycle_deliveries.c.key == key)).first() is not None:
                return False
            new_id = conn.execute(insert(cycle_deliveries).values(
                key=key, kind=kind, framework_id=framework_id, period=period, recipient=recipient,
                address=email.address, subject=email.subject, body=json.dumps(email.to_dict()),
                files=json.dumps(list(email.attachments)), status="pending", attempts=0, day=day,
                created_at=now()).returning(cycle_deliveries.c.id)).scalar_one()
            if event_ids:
                conn.execute(update(cycle_events).where(cycle_events.c.id.in_(list(event_ids)))
                             .values(delivery_id=new_id))
    except IntegrityError:
        return False
    return True


def send_pending(store: Store, mailer: Mailer, sender: str) -> list[dict[str, Any]]:
    """Try every delivery not yet sent; returns one line per attempt."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(cycle_deliveries).where(cycle_deliveries.c.status.in_(("pending", "failed")),
                                                           cycle_deliveries.c.attempts < MAX_ATTEMPTS)
                            .order_by(cycle_deliveries.c.id)).all()
    results = []
    outbox = getattr(mailer, "is_outbox", False)
    for row in rows:
        with store.engine.begin() as conn:  # claim this attempt: a run started at the same time skips it
            claimed = conn.execute(update(cycle_deliveries).where(
                cycle_deliveries.c.id == row.id, cycle_deliveries.c.attempts == row.attempts,
                cycle_deliveries.c.status.in_(("pending", "failed"))).values(attempts=row.attempts + 1)).rowcount
        if not claimed:
            continue
        error = None
        try:
            mailer.send(build(Email.from_dict(json.loads(row.body)), sender))
            status = "outbox" if outbox else "sent"
        except (MailError, OSError) as exc:  # OSError: an attachment went missing
            status, error = "failed", str(exc)
        with store.engine.begin() as conn:
            conn.execute(update(cycle_deliveries).where(cycle_deliveries.c.id == row.id).values(
                status=status, last_error=error,
                sent_at=now() if status != "failed" else None))
        results.append({"id": row.id, "kind": row.kind, "recipient": row.recipient, "subject": row.subject,
                        "status": status, "attempt": row.attempts + 1, "error": error})
    return results


def deliveries(store: Store, kind: str | None = None) -> list[dict[str, Any]]:
    query = select(cycle_deliveries).order_by(cycle_deliveries.c.id)
    if kind:
        query = query.where(cycle_deliveries.c.kind == kind)
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
