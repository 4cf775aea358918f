"""Signing off a framework's period: the period's snapshot, holding the commentary, actions
and milestone state as they were at sign-off, written in the same transaction as the
sign-off record and its audit event (a crash leaves no snapshot or a whole, signed one).

A period is signed off once; a new version needs a stated reason. Commentary written
after sign-off is kept as an addendum (see ``review.commentary``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

import snapshots
from datasources.store import Store, iso, now, signoffs, snapshots as snapshots_table
from metrics.periods import parse_month
from metrics.service import MetricsService
from review import audit
from review.access import require_sign_off
from review.actions import list_actions
from review.change_points import recorded_change_points
from review.commentary import commentary_for
from review.errors import ReviewInputError, SignedOff
from review.milestones import milestone_states, recorded_progress
from review.officer_summary import summary_for
from review.people import Person
from review.subjects import framework_of
from review.text import COMMENT_LIMIT, begun_period, plain_text
from snapshots import storage


@dataclass(frozen=True)
class SignOff:
    id: int
    framework_id: str
    period: str
    snapshot_id: int
    signed_by: str
    signed_at: datetime
    reason: str | None
    sequence: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "framework_id": self.framework_id, "period": self.period,
                "snapshot_id": self.snapshot_id, "signed_by": self.signed_by, "signed_at": iso(self.signed_at),
                "reason": self.reason, "sequence": self.sequence}


def _signoff(row: Any) -> SignOff:
    at = row.signed_at if row.signed_at.tzinfo else row.signed_at.replace(tzinfo=timezone.utc)
    return SignOff(row.id, row.framework_id, row.period, row.snapshot_id, row.signed_by, at, row.reason,
                   row.sequence)


def _latest(conn: Connection, framework_id: str, period: str) -> SignOff | None:
    row = conn.execute(select(signoffs).where(signoffs.c.framework_id == framework_id, signoffs.c.period == period)
                       .order_by(signoffs.c.sequence.desc()).limit(1)).first()
    return _signoff(row) if row is not None else None


def signed_off(store: Store, framework_id: str, period: str) -> SignOff | None:
    """The latest sign-off of that period, or None."""
    with store.engine.connect() as conn:
        return _latest(conn, framework_id, period)


def last_signed_off_before(store: Store, framework_id: str, period: str) -> SignOff | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(signoffs).where(signoffs.c.framework_id == framework_id,
                                                  signoffs.c.period < period)
                           .order_by(signoffs.c.period.desc(), signoffs.c.sequence.desc()).limit(1)).first()
    return _signoff(row) if row is not None else None


def _refuse_twice(existing: SignOff, reason: str | None) -> None:
    if existing is not None and not reason:
        raise SignedOff(f"{existing.framework_id} {existing.period} was already signed off by {existing.signed_by} "
                        f"at {iso(existing.signed_at)} (snapshot {existing.snapshot_id}); to sign off a new version, "
                        f"give the reason")


def review_content(store: Store, service: MetricsService, framework_id: str, period: str) -> dict[str, Any]:
    """What the people wrote for the period, in the shape a snapshot payload holds."""
    framework = framework_of(service, framework_id)
    at = parse_month(period)
    return {"commentary": commentary_for(store, framework.id, period),
            "actions": [{**a.to_dict(), "overdue": a.overdue(at)} for a in list_actions(store, framework.id, period)],
            "milestones": [m.to_dict() for m in milestone_states(store, framework, at)],
            "officer_summary": summary_for(store, framework.id, period)}


@audit.refusals_recorded("signoff", lambda given: f"signoff:{given['framework_id']}/{given['period']}")
def sign_off(store: Store, service: MetricsService, person: Person, framework_id: str, period: str,
             reason: str | None = None, step: Callable[[str], None] | None = None) -> snapshots.Snapshot:
    say = step or (lambda _msg: None)
    period = begun_period("period", period)
    framework = framework_of(service, framework_id)
    require_sign_off(store, person, framework.id)
    reason = plain_text("reason", reason, COMMENT_LIMIT) if reason and reason.strip() else None
    _refuse_twice(signed_off(store, framework.id, period), reason)
    with_data = service.available_periods(framework.id)
    if period not in with_data:
        latest = f"; the latest period with data is {with_data[0]}" if with_data else "; no metric has any data yet"
        raise ReviewInputError("period", f"{framework.id} has no data for {period}, so there is nothing to sign "
                                         f"off{latest}")
    content = snapshots.assemble(service, framework.id, period, recorded_progress(store, framework),
                                 recorded_change_points(store, framework.id))
    say(f"evaluated {len(content['evaluations'])} metric(s) of {framework.id} at {period}")
    payload = content["payload"]
    payload.update(review_content(store, service, framework.id, period))
    signed_at = now()
    payload["signoff"] = {"signed_by": person.username, "display_name": person.display_name,
                          "signed_at": iso(signed_at), "reason": reason}

    def record_signoff(conn: Connection, snapshot_id: int) -> None:
        existing = _latest(conn, framework.id, period)
        _refuse_twice(existing, reason)  # someone signed off while we were evaluating
        sequence = (conn.execute(select(func.max(signoffs.c.sequence)).where(
            signoffs.c.framework_id == framework.id, signoffs.c.period == period)).scalar() or 0) + 1
        row = {"framework_id": framework.id, "period": period, "snapshot_id": snapshot_id,
               "signed_by": person.username, "signed_at": signed_at, "reason": reason, "sequence": sequence}
        new_id = conn.execute(insert(signoffs).values(**row).returning(signoffs.c.id)).scalar_one()
        # The snapshot's content hash goes into the chain too: rewriting the snapshot and its stored hash
        # together is still found ('outcomes audit verify').
        content_hash = conn.execute(select(snapshots_table.c.content_hash)
                                    .where(snapshots_table.c.id == snapshot_id)).scalar_one()
        audit.record(conn, person.username, "signoff", f"signoff:{framework.id}/{period}",
                     existing.to_dict() if existing else None, {**row, "id": new_id, "signed_at": iso(signed_at),
                     "content_hash": content_hash,
                     "comments": len(payload["commentary"]), "actions": len(payload["actions"]),
                     "milestones": len(payload["milestones"]),
                     "change_points": sum(len(p) for p in payload["change_points"].values())})

    record = storage.save_snapshot(store, framework.id, period, person.username, content["definitions_hash"],
                                   content["vintages"], payload, content["evaluations"], content["series"],
                                   compared=snapshots.recorded, step=say, within=record_signoff)
    say(f"signed off {framework.id} {period}: snapshot {record.id} version {record.version}")
    return snapshots.Snapshot(record)


def _refuse_unexplained(existing: SignOff | None, reason: str | None) -> None:
    if existing is not None and not reason:
        raise SignedOff(f"{existing.framework_id} {existing.period} was signed off by {existing.signed_by} at "
                        f"{iso(existing.signed_at)} (snapshot {existing.snapshot_id}); a new version of its snapshot "
                        f"needs the reason (--reason)")


@audit.refusals_recorded("snapshot.create", lambda given: f"snapshot:new/{given['framework_id']}/{given['period']}")
def make_snapshot(store: Store, service: MetricsService, person: Person, framework_id: str, period: str,
                  reason: str | None = None, step: Callable[[str], None] | None = None) -> snapshots.Snapshot:
    """A snapshot outside sign-off (``outcomes snapshot create``, a scheduled run), under the sign-off's rules:
    made as a person who may sign off the framework; a new version of a period already signed off needs the
    reason; the audit trail records who made it, of what and why, in the snapshot's own transaction."""
    say = step or (lambda _msg: None)
    period = begun_period("period", period)
    framework = framework_of(service, framework_id)
    require_sign_off(store, person, framework.id)
    reason = plain_text("reason", reason, COMMENT_LIMIT) if reason and reason.strip() else None
    _refuse_unexplained(signed_off(store, framework.id, period), reason)
    content = snapshots.assemble(service, framework.id, period, recorded_progress(store, framework),
                                 recorded_change_points(store, framework.id))
    say(f"evaluated {len(content['evaluations'])} metric(s) of {framework.id} at {content['period']}")
    payload = content["payload"]
    payload["commentary"] = commentary_for(store, framework.id, content["period"])
    payload["made"] = {"by": person.username, "display_name": person.display_name, "reason": reason}

    def record_made(conn: Connection, snapshot_id: int) -> None:
        existing = _latest(conn, framework.id, content["period"])
        _refuse_unexplained(existing, reason)  # signed off while we were evaluating
        content_hash = conn.execute(select(snapshots_table.c.content_hash)
                                    .where(snapshots_table.c.id == snapshot_id)).scalar_one()
        audit.record(conn, person.username, "snapshot.create", f"snapshot:{snapshot_id}", None,
                     {"framework_id": framework.id, "period": content["period"], "snapshot_id": snapshot_id,
                      "reason": reason, "signed_off_before": existing.snapshot_id if existing else None,
                      "content_hash": content_hash})

    record = storage.save_snapshot(store, framework.id, content["period"], person.username,
                                   content["definitions_hash"], content["vintages"], payload, content["evaluations"],
                                   content["series"], compared=snapshots.recorded, step=say, within=record_made)
    say(f"saved snapshot {record.id}: {record.framework_id} {record.period} version {record.version}")
    return snapshots.Snapshot(record)
