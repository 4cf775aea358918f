"""SPC change points people record: a performance officer (or an admin) on the metric's framework says from
which period its limits are recalculated and why. Recording and withdrawing are audited with the value before
and after; a row is never deleted or rewritten (withdrawing fills its withdrawn columns, once), so the history
stays readable. Change points config declares are not stored here: the metrics service adds them itself.

The product suggests change points (``SpcInsight.suggestions``) but only these records, and config, apply."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from datasources.store import Store, change_points, iso, now
from metrics.definitions.models import Framework
from metrics.evaluation.change_points import ChangePoint, declared_change_points
from metrics.service import MetricsService
from review import audit
from review.access import can_sign_off
from review.errors import Forbidden, ReviewInputError
from review.people import Person
from review.subjects import locate
from review.text import SHORT_LIMIT, period as check_period, plain_text

__all__ = ["RecordedChangePoint", "list_change_points", "recorded_change_points", "record_change_point",
           "withdraw_change_point"]


@dataclass(frozen=True)
class RecordedChangePoint:
    id: int
    framework_id: str
    metric_id: str
    period: str
    reason: str
    recorded_by: str
    recorded_at: datetime
    withdrawn: bool
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawn_reason: str | None

    @property
    def change_point(self) -> ChangePoint:
        """As the evaluation applies it."""
        return ChangePoint(self.period, self.reason, self.recorded_by, iso(self.recorded_at), self.id)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "framework_id": self.framework_id, "metric_id": self.metric_id,
                "period": self.period, "reason": self.reason, "recorded_by": self.recorded_by,
                "recorded_at": iso(self.recorded_at), "withdrawn": self.withdrawn,
                "withdrawn_at": iso(self.withdrawn_at) if self.withdrawn_at else None,
                "withdrawn_by": self.withdrawn_by, "withdrawn_reason": self.withdrawn_reason}


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _row(row: Any) -> RecordedChangePoint:
    return RecordedChangePoint(row.id, row.framework_id, row.metric_id, row.period, row.reason, row.recorded_by,
                               _utc(row.recorded_at), bool(row.withdrawn), _utc(row.withdrawn_at), row.withdrawn_by,
                               row.withdrawn_reason)


def _require_officer(store: Store, person: Person | None, framework: Framework) -> None:
    if not can_sign_off(store, person, framework.id):
        who = person.username if person else "nobody signed in"
        raise Forbidden(f"only a performance officer for {framework.id} (or an admin) may record or withdraw SPC "
                        f"change points; {who} is not one")


def _start_in(periods: list[str], month: str) -> str | None:
    """The period from which a change point at ``month`` starts new limits: the first ending in or after it;
    None when that is the first period (the limits start there anyway) or there is none so late."""
    at = bisect_left(periods, month)
    return periods[at] if 0 < at < len(periods) else None


def _segment_start(periods: list[str], month: str, metric_id: str) -> str:
    start = _start_in(periods, month)
    if start is not None:
        return start
    if not periods:
        raise ReviewInputError("period", f"'{metric_id}' has no figures yet, so its SPC chart has no limits to "
                                         f"recalculate")
    if month > periods[-1]:
        raise ReviewInputError("period", f"{month} is after the latest figure of '{metric_id}' ({periods[-1]}); "
                                         f"record the change point once a figure for it is in")
    raise ReviewInputError("period", f"{month} is not after the first figure of '{metric_id}' ({periods[0]}), "
                                     f"where the chart's limits start anyway; choose a later period")


def _history(conn: Connection, framework_id: str, metric_id: str | None = None) -> list[RecordedChangePoint]:
    query = select(change_points).where(change_points.c.framework_id == framework_id)
    if metric_id:
        query = query.where(change_points.c.metric_id == metric_id)
    return [_row(r) for r in conn.execute(query.order_by(change_points.c.id))]


# A refused try is recorded too (who, what, why), as for every other write of the review domain.
@audit.refusals_recorded("change_point.record",
                         lambda given: f"change_point:{given['framework_id']}/{given['metric_id']}")
def record_change_point(store: Store, service: MetricsService, person: Person | None, framework_id: str,
                        metric_id: str, period: str, reason: str | None) -> RecordedChangePoint:
    """Record that the metric's SPC limits are recalculated from ``period`` (YYYY-MM: the first period of its
    series ending in or after that month), with the person's ``reason`` (plain text, required)."""
    framework = locate(service, framework_id, metric_id, None).framework
    _require_officer(store, person, framework)
    month = check_period("period", period)
    text = plain_text("reason", reason, SHORT_LIMIT)
    series = service.series(metric_id)
    periods = [] if series.empty else list(series["period"])
    start = _segment_start(periods, month, metric_id)
    metric = service.metric(metric_id)
    for point in declared_change_points(metric, service.observations(metric_id).breaks):
        if _start_in(periods, point.period) == start:
            raise ReviewInputError("period", f"config already declares a change point at {start}: {point.reason}")
    entity = f"change_point:{framework.id}/{metric_id}"
    with store.engine.begin() as conn:
        in_force = [c for c in _history(conn, framework.id, metric_id) if not c.withdrawn and c.period == start]
        if in_force:
            raise ReviewInputError("period", f"a change point at {start} is already recorded (by "
                                             f"{in_force[0].recorded_by}: {in_force[0].reason}); withdraw it first to "
                                             f"record another reason")
        try:
            new_id = conn.execute(insert(change_points).values(
                framework_id=framework.id, metric_id=metric_id, period=start, reason=text,
                recorded_by=person.username, recorded_at=now()).returning(change_points.c.id)).scalar_one()
        except IntegrityError:  # someone recorded the same period a moment ago
            raise ReviewInputError("period", f"a change point at {start} was recorded a moment ago by someone "
                                             f"else; reload to see it") from None
        saved = _row(conn.execute(select(change_points).where(change_points.c.id == new_id)).one())
        audit.record(conn, person.username, "change_point.record", f"{entity}/{saved.id}", None, saved.to_dict())
    return saved


@audit.refusals_recorded("change_point.withdraw", lambda given: f"change_point:{given['change_point_id']}")
def withdraw_change_point(store: Store, service: MetricsService, person: Person | None, change_point_id: int,
                          reason: str | None = None) -> RecordedChangePoint:
    """Withdraw a recorded change point (its limits are no longer recalculated there); ``reason`` optional."""
    with store.engine.connect() as conn:
        row = conn.execute(select(change_points).where(change_points.c.id == change_point_id)).first()
    if row is None:
        raise ReviewInputError("change point", f"there is no recorded change point {change_point_id}; see "
                                               f"'outcomes change-point list'")
    before = _row(row)
    framework = locate(service, before.framework_id, before.metric_id, None).framework
    _require_officer(store, person, framework)
    text = plain_text("reason", reason, SHORT_LIMIT, required=False) or None
    if before.withdrawn:
        raise ReviewInputError("change point", f"change point {before.id} was already withdrawn by "
                                               f"{before.withdrawn_by} at {iso(before.withdrawn_at)}")
    with store.engine.begin() as conn:
        done = conn.execute(update(change_points).where(change_points.c.id == before.id,
                                                        change_points.c.withdrawn.is_(False))
                            .values(withdrawn=True, withdrawn_at=now(), withdrawn_by=person.username,
                                    withdrawn_reason=text)).rowcount
        if not done:
            raise ReviewInputError("change point", f"change point {before.id} was withdrawn a moment ago by "
                                                   f"someone else; reload to see it")
        saved = _row(conn.execute(select(change_points).where(change_points.c.id == before.id)).one())
        audit.record(conn, person.username, "change_point.withdraw",
                     f"change_point:{saved.framework_id}/{saved.metric_id}/{saved.id}", before.to_dict(),
                     saved.to_dict())
    return saved


def list_change_points(store: Store, framework_id: str, metric_id: str | None = None,
                       include_withdrawn: bool = True) -> list[RecordedChangePoint]:
    """Recorded change points of a framework (or one metric), oldest first."""
    with store.engine.connect() as conn:
        found = _history(conn, framework_id, metric_id)
    return [c for c in found if include_withdrawn or not c.withdrawn]


def recorded_change_points(store: Store, framework_id: str) -> dict[str, tuple[ChangePoint, ...]]:
    """{metric id: the change points in force}, as the evaluation applies them."""
    found: dict[str, list[ChangePoint]] = {}
    for c in list_change_points(store, framework_id, include_withdrawn=False):
        found.setdefault(c.metric_id, []).append(c.change_point)
    return {m: tuple(sorted(points, key=lambda p: p.period)) for m, points in found.items()}
