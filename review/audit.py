"""The audit trail: every write, append-only, with who, when, what, and the value before and after.

``record`` is called inside the writing transaction, so a write and its audit event
are committed together or not at all."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from datasources.store import Store, audit_events, iso, now


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: datetime
    who: str
    action: str
    entity: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": iso(self.at), "who": self.who, "action": self.action, "entity": self.entity,
                "before": self.before, "after": self.after}


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, default=lambda v: v.isoformat() if isinstance(v, (date, datetime))
                      else str(v))


def record(conn: Connection, who: str, action: str, entity: str, before: Any, after: Any) -> None:
    conn.execute(insert(audit_events).values(at=now(), who=who, action=action, entity=entity,
                                             before=_json(before), after=_json(after)))


def list_events(store: Store, who: str | None = None, action: str | None = None,
                since: datetime | None = None, limit: int = 200, entity: str | None = None) -> list[AuditEvent]:
    """Newest first. ``entity`` matches a prefix (``commentary`` or ``action:12``)."""
    query = select(audit_events)
    if who:
        query = query.where(audit_events.c.who == who)
    if action:
        query = query.where(audit_events.c.action == action)
    if since is not None:
        query = query.where(audit_events.c.at >= since)
    if entity:
        query = query.where(audit_events.c.entity.startswith(entity, autoescape=True))
    query = query.order_by(audit_events.c.at.desc(), audit_events.c.id.desc()).limit(limit)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [AuditEvent(r.id, r.at if r.at.tzinfo else r.at.replace(tzinfo=timezone.utc),
                       r.who, r.action, r.entity, json.loads(r.before) if r.before else None,
                       json.loads(r.after) if r.after else None) for r in rows]
