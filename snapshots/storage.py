"""Snapshots in the app's store: written once, in one transaction, with the next free
version for their framework and period; read back whole. Nothing here updates or deletes (and the
store refuses it). Each snapshot is stored with a content hash of every row it wrote
(``datasources.tamper.snapshot_hash``); reading one back hashes what is there now, so every page
and export can say when the stored snapshot no longer matches what was made (and signed off)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from datasources.store import Store, iso, now, snapshot_evaluations, snapshot_series, snapshots
from datasources.tamper import snapshot_hash

# Test hook: seconds to pause inside the create transaction, after every row is written
# and before the commit (to prove that an interrupted create leaves nothing behind).
PAUSE_ENV = "OUTCOMES_SNAPSHOT_PAUSE_BEFORE_COMMIT"


@dataclass(frozen=True)
class SnapshotRecord:
    id: int
    framework_id: str
    period: str
    version: int
    created_at: datetime
    created_by: str
    definitions_hash: str
    vintages: dict[str, str]
    payload: dict[str, Any]
    evaluations: list[dict[str, Any]]
    series: dict[str, list[dict[str, Any]]]
    #: The hash stored when it was made (None: made before snapshots were hashed), and whether what is stored
    #: now still hashes to it (None when there is nothing to compare with).
    content_hash: str | None = None
    matches: bool | None = None

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "framework": self.framework_id, "period": self.period, "version": self.version,
                "created_at": iso(self.created_at), "created_by": self.created_by,
                "definitions_hash": self.definitions_hash}


def _pause_if_asked(step: Callable[[str], None] | None) -> None:
    seconds = os.environ.get(PAUSE_ENV)
    if seconds:
        if step:
            step("paused before commit")
        time.sleep(float(seconds))


#: Given the snapshot before a new one (None for the first) and the new one, what the new one
#: records about the difference (``snapshots.comparison``): passed in, as that module reads records.
Comparer = Callable[["SnapshotRecord | None", "SnapshotRecord"], dict[str, Any]]


def save_snapshot(store: Store, framework_id: str, period: str, created_by: str, definitions_hash: str,
                  vintages: dict[str, str], payload: dict[str, Any], evaluations: list[dict[str, Any]],
                  series: dict[str, list[dict[str, Any]]], *, compared: Comparer,
                  step: Callable[[str], None] | None = None, attempts: int = 8,
                  within: Callable[[Connection, int], None] | None = None) -> SnapshotRecord:
    """Write a new snapshot with the next version, all in one transaction.

    ``compared(previous, new)`` is stored in the payload as ``comparison``: what changed since
    the snapshot before it, worked out here, inside the transaction that fixes the version, so
    the record says what was the previous snapshot when this one was made, whatever is made later.

    ``within(conn, snapshot_id)`` writes what must be committed with the snapshot or not at
    all (a sign-off and its audit event); it may raise to abandon the whole snapshot.

    Two creators racing for the same framework and period both read the same highest
    version; the unique constraint rejects the second insert, which then retries."""
    eng = store.engine
    for attempt in range(attempts):
        try:
            with eng.begin() as conn:
                current = conn.execute(select(func.max(snapshots.c.version)).where(
                    snapshots.c.framework_id == framework_id, snapshots.c.period == period)).scalar()
                version = (current or 0) + 1
                created_at = now()
                before_id = conn.execute(_previous_query(framework_id, period, version)).scalar()
                before = _record(conn, conn.execute(select(snapshots).where(snapshots.c.id == before_id)).one()) \
                    if before_id is not None else None
                provisional = SnapshotRecord(0, framework_id, period, version, created_at, created_by,
                                             definitions_hash, vintages, payload, evaluations, series)
                stored = {**payload, "comparison": compared(before, provisional)}
                row = dict(framework_id=framework_id, period=period, version=version, created_at=created_at,
                           created_by=created_by, definitions_hash=definitions_hash,
                           vintages=json.dumps(vintages, sort_keys=True), payload=json.dumps(stored, sort_keys=True))
                eval_rows = [{"position": i, "metric_id": e["metric_id"], "intention_id": e.get("intention_id"),
                              "status": e["status"], "payload": json.dumps(e, sort_keys=True)}
                             for i, e in enumerate(evaluations)]
                series_rows = [{"metric_id": metric_id, "payload": json.dumps(points)}
                               for metric_id, points in series.items()]
                snapshot_id = conn.execute(insert(snapshots).values(
                    **row, content_hash=_hash(row, eval_rows, series_rows)).returning(snapshots.c.id)).scalar_one()
                if eval_rows:
                    conn.execute(insert(snapshot_evaluations), [{"snapshot_id": snapshot_id, **e} for e in eval_rows])
                if series_rows:
                    conn.execute(insert(snapshot_series), [{"snapshot_id": snapshot_id, **r} for r in series_rows])
                if within is not None:
                    within(conn, snapshot_id)
                _pause_if_asked(step)
            break
        except IntegrityError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    record = load_snapshot(store, snapshot_id)
    assert record is not None
    return record


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _hash(row: Mapping[str, Any], evaluations: list[Mapping[str, Any]], series: list[Mapping[str, Any]]) -> str:
    """The content hash of a snapshot's row and its evaluation and series rows, as stored."""
    return snapshot_hash(row["framework_id"], row["period"], row["version"], iso(row["created_at"]),
                         row["created_by"], row["definitions_hash"], row["vintages"], row["payload"],
                         [(e["position"], e["metric_id"], e["intention_id"], e["status"], e["payload"])
                          for e in evaluations],
                         [(s["metric_id"], s["payload"]) for s in series])


def _rows(conn: Connection, snapshot_id: int) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    evals = conn.execute(select(snapshot_evaluations).where(snapshot_evaluations.c.snapshot_id == snapshot_id)
                         .order_by(snapshot_evaluations.c.position)).mappings().all()
    series_rows = conn.execute(select(snapshot_series).where(snapshot_series.c.snapshot_id == snapshot_id)
                               .order_by(snapshot_series.c.id)).mappings().all()
    return evals, series_rows


def _record(conn: Connection, row: Any) -> SnapshotRecord:
    evals, series_rows = _rows(conn, row.id)
    stored = row.content_hash
    return SnapshotRecord(
        id=row.id, framework_id=row.framework_id, period=row.period, version=row.version,
        created_at=_utc(row.created_at), created_by=row.created_by, definitions_hash=row.definitions_hash,
        vintages=json.loads(row.vintages), payload=json.loads(row.payload),
        evaluations=[json.loads(e["payload"]) for e in evals],
        series={s["metric_id"]: json.loads(s["payload"]) for s in series_rows},
        content_hash=stored, matches=None if stored is None else _hash(row._mapping, evals, series_rows) == stored)


def content_hashes(conn: Connection) -> list[tuple[int, str | None, str | None]]:
    """Every snapshot: (id, the hash stored when it was made, the hash of what is stored now)."""
    found = []
    for row in conn.execute(select(snapshots).order_by(snapshots.c.id)):
        evals, series_rows = _rows(conn, row.id)
        found.append((row.id, row.content_hash, _hash(row._mapping, evals, series_rows)))
    return found


def load_snapshot(store: Store, snapshot_id: int) -> SnapshotRecord | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(snapshots).where(snapshots.c.id == snapshot_id)).first()
        return _record(conn, row) if row is not None else None


def list_snapshots(store: Store, framework_id: str | None = None) -> list[dict[str, Any]]:
    """Summaries (no payloads), newest first."""
    query = select(snapshots.c.id, snapshots.c.framework_id, snapshots.c.period, snapshots.c.version,
                   snapshots.c.created_at, snapshots.c.created_by, snapshots.c.definitions_hash)
    if framework_id:
        query = query.where(snapshots.c.framework_id == framework_id)
    query = query.order_by(snapshots.c.framework_id, snapshots.c.period.desc(), snapshots.c.version.desc())
    with store.engine.connect() as conn:
        return [{"id": r.id, "framework": r.framework_id, "period": r.period, "version": r.version,
                 "created_at": iso(r.created_at), "created_by": r.created_by,
                 "definitions_hash": r.definitions_hash} for r in conn.execute(query)]


def _previous_query(framework_id: str, period: str, version: int, made_before: int | None = None):
    """The snapshot before (framework, period, version): an earlier version of the same period, else
    the latest version of the latest earlier period; only among ids below ``made_before`` if given."""
    query = select(snapshots.c.id).where(
        snapshots.c.framework_id == framework_id,
        ((snapshots.c.period == period) & (snapshots.c.version < version)) | (snapshots.c.period < period))
    if made_before is not None:
        query = query.where(snapshots.c.id < made_before)
    return query.order_by(snapshots.c.period.desc(), snapshots.c.version.desc()).limit(1)


def previous_snapshot_id(store: Store, record: SnapshotRecord) -> int | None:
    """The snapshot before this one for the same framework among those that existed when it was made
    (ids only grow, and nothing is deleted): a snapshot made later for an earlier period never
    becomes the previous one of a snapshot made before it."""
    with store.engine.connect() as conn:
        return conn.execute(_previous_query(record.framework_id, record.period, record.version,
                                            made_before=record.id)).scalar()
