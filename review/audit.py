"""The audit trail: every write, append-only, with who, when, what, and the value before and after; and
every write refused (who tried, what, why), every failed or refused sign-in.

``record`` is called inside the writing transaction, so a write and its audit event are committed
together or not at all. The trail is a hash chain (``datasources.tamper.event_hash``): each event
carries the hash of the one before it, and the chain's head (the latest id and hash) is one row that
every append updates first, which serialises appends on SQLite and PostgreSQL alike. :func:`verify`
walks the chain and the snapshots' content hashes (``outcomes audit verify``)."""

from __future__ import annotations

import functools
import inspect
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Mapping

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection

from datasources.store import Store, audit_chain, audit_events, iso, now
from datasources.tamper import GENESIS, event_hash
from review.errors import Forbidden, SignedOff

log = logging.getLogger("outcomes.audit")

#: Who a refused write is recorded against when nobody was signed in (or no --as was given).
ANONYMOUS = "(anonymous)"
REFUSED = ".refused"


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
    """Append one event to the chain, in the caller's transaction."""
    at = now()
    before_text, after_text = _json(before), _json(after)
    # Update the head first: the row lock (PostgreSQL) or the write lock (SQLite) is held from here to the
    # commit, so no other writer reads the same head and forks the chain.
    head = conn.execute(update(audit_chain).where(audit_chain.c.id == 1)
                        .values(last_id=audit_chain.c.last_id)
                        .returning(audit_chain.c.last_id, audit_chain.c.last_hash)).one()
    event_id = head.last_id + 1
    digest = event_hash(head.last_hash, event_id, iso(at), who, action, entity, before_text, after_text)
    conn.execute(insert(audit_events).values(id=event_id, at=at, who=who, action=action, entity=entity,
                                             before=before_text, after=after_text, prev_hash=head.last_hash,
                                             hash=digest))
    conn.execute(update(audit_chain).where(audit_chain.c.id == 1).values(last_id=event_id, last_hash=digest))


def record_refusal(store: Store, who: str | None, action: str, entity: str, reason: str,
                   attempted: Mapping[str, Any] | None = None) -> None:
    """A write (or sign-in) that was refused, the refused write's own transaction rolled back: who tried, what,
    why. Its own transaction; a failure to record it is logged and never hides the refusal itself."""
    who = who or ANONYMOUS
    try:
        with store.engine.begin() as conn:
            record(conn, who, action + REFUSED, entity, None, {"reason": reason, "attempted": dict(attempted or {})})
    except Exception as exc:  # noqa: BLE001 - one line (a read-only store is not a bug to trace)
        detail = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
        log.error("could not record in the audit trail that %s was refused %s on %s: %s", who, action, entity,
                  detail)


#: Arguments never written into the trail (secrets, and what is not the attempt itself).
_NOT_RECORDED = {"store", "service", "person", "actor", "password", "step"}


def refusals_recorded(action: str, entity: Callable[[Mapping[str, Any]], str]) -> Callable:
    """Decorate a write of the review domain: when it refuses (not allowed, or the period is signed off), the
    refusal is recorded with who tried (its ``person`` or ``actor`` argument), what (``action`` on ``entity``,
    worked out from the arguments, and the arguments themselves) and why (the refusal's message)."""
    def decorate(write: Callable) -> Callable:
        signature = inspect.signature(write)

        @functools.wraps(write)
        def guarded(*args, **kwargs):
            try:
                return write(*args, **kwargs)
            except (Forbidden, SignedOff) as refusal:
                called = signature.bind(*args, **kwargs)
                called.apply_defaults()
                given = called.arguments
                attempted = {k: v for k, v in given.items() if k not in _NOT_RECORDED and v is not None}
                person = given.get("person", given.get("actor"))
                record_refusal(given["store"], getattr(person, "username", None), action, entity(given),
                               str(refusal), json.loads(_json(attempted)))
                raise
        return guarded
    return decorate


def _event(row: Any) -> AuditEvent:
    return AuditEvent(row.id, row.at if row.at.tzinfo else row.at.replace(tzinfo=timezone.utc), row.who, row.action,
                      row.entity, json.loads(row.before) if row.before else None,
                      json.loads(row.after) if row.after else None)


def list_events(store: Store, who: str | None = None, action: str | None = None,
                since: datetime | None = None, limit: int = 200, entity: str | None = None,
                kinds: tuple[str, ...] = (), until: datetime | None = None) -> list[AuditEvent]:
    """Newest first. ``entity`` matches a prefix (``commentary`` or ``action:12``); ``kinds`` are action
    prefixes, any of which may match (``sign_in``, ``commentary.``), or :data:`REFUSED` for every refusal;
    ``until`` is exclusive."""
    query = select(audit_events)
    if who:
        query = query.where(audit_events.c.who == who)
    if action:
        query = query.where(audit_events.c.action == action)
    if kinds:
        query = query.where(or_(*[audit_events.c.action.endswith(k, autoescape=True) if k == REFUSED
                                  else audit_events.c.action.startswith(k, autoescape=True) for k in kinds]))
    if since is not None:
        query = query.where(audit_events.c.at >= since)
    if until is not None:
        query = query.where(audit_events.c.at < until)
    if entity:
        query = query.where(audit_events.c.entity.startswith(entity, autoescape=True))
    query = query.order_by(audit_events.c.at.desc(), audit_events.c.id.desc()).limit(limit)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [_event(r) for r in rows]


# ------------------------------------------------------------------ verification

@dataclass
class Verification:
    """What :func:`verify` found: ``problems`` in words (empty when everything holds)."""
    events: int = 0
    head_id: int = 0
    head_hash: str = GENESIS
    snapshots_checked: int = 0
    snapshots_unhashed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"intact": self.intact, "events": self.events, "head": {"id": self.head_id, "hash": self.head_hash},
                "snapshots_checked": self.snapshots_checked, "snapshots_unhashed": self.snapshots_unhashed,
                "problems": self.problems}


def _check_chain(conn: Connection, found: Verification) -> dict[int, str]:
    """Walk the events in id order; returns the content hash each sign-off event recorded, by snapshot id."""
    expected_prev, last = GENESIS, None
    signed: dict[int, str] = {}
    for row in conn.execute(select(audit_events).order_by(audit_events.c.id)):
        found.events += 1
        if row.hash is None:
            found.problems.append(f"event #{row.id} ({row.action} by {row.who}) has no hash: it was added outside "
                                  "the product")
        elif row.prev_hash != expected_prev:
            gone = f"after event #{last.id}" if last is not None else "before it"
            found.problems.append(f"event #{row.id} ({row.action} by {row.who}) does not follow the event before "
                                  f"it: an event {gone} was taken out, or one was put in")
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=timezone.utc)
        if row.hash is not None and event_hash(row.prev_hash or "", row.id, iso(at), row.who, row.action,
                                               row.entity, row.before, row.after) != row.hash:
            found.problems.append(f"event #{row.id} ({row.action} by {row.who}) was changed or replaced after it "
                                  "was written: what it holds no longer matches its hash")
        if row.action == "signoff" and row.after:
            after = json.loads(row.after)
            if after.get("content_hash"):
                signed[after["snapshot_id"]] = after["content_hash"]
        expected_prev, last = row.hash or "", row
    head = conn.execute(select(audit_chain).where(audit_chain.c.id == 1)).first()
    if head is None:
        found.problems.append("the chain's head is missing from the store")
    else:
        found.head_id, found.head_hash = head.last_id, head.last_hash
        last_id, last_hash = (last.id, last.hash) if last is not None else (0, GENESIS)
        if (head.last_id, head.last_hash) != (last_id, last_hash):
            found.problems.append(f"the latest event should be #{head.last_id} but is #{last_id}: events at the "
                                  "end were taken out, or the head was rewritten")
    return signed


def verify(store: Store) -> Verification:
    """Check the audit chain from its first event to its head, and each snapshot: its stored content hash
    against what it holds now, and against the hash its sign-off recorded in the chain."""
    from snapshots.storage import content_hashes  # here: listing the trail needs none of the snapshots' weight

    found = Verification()
    with store.engine.connect() as conn:
        signed = _check_chain(conn, found)
        for snapshot_id, stored, computed in content_hashes(conn):
            if stored is None:
                found.snapshots_unhashed += 1
                continue
            found.snapshots_checked += 1
            if computed != stored:
                found.problems.append(f"snapshot #{snapshot_id} no longer matches what was made: its rows were "
                                      "changed after it was stored")
            if snapshot_id in signed and signed[snapshot_id] != stored:
                found.problems.append(f"snapshot #{snapshot_id}'s stored hash is not the one its sign-off recorded: "
                                      "the snapshot and its hash were rewritten")
    return found
