"""The app's own store: immutable snapshots and append-only commentary.

SQLite by default (``<project>/data/outcomes.db``), PostgreSQL or anything SQLAlchemy
reaches through ``OUTCOMES_STORE_URL``. The schema is owned by the Alembic migrations
in ``datasources/migrations``; the store upgrades itself on first use.

Nothing here updates or deletes a snapshot: a snapshot is written once, in one
transaction, with the next free version for its framework and period.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import (Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint, create_engine, event, func, insert, select)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
STORE_ENV = "OUTCOMES_STORE_URL"
# Test hook: seconds to pause inside the create transaction, after every row is written
# and before the commit (to prove that an interrupted create leaves nothing behind).
PAUSE_ENV = "OUTCOMES_SNAPSHOT_PAUSE_BEFORE_COMMIT"

log = logging.getLogger("outcomes.store")

metadata = MetaData()

snapshots = Table(
    "snapshots", metadata,
    Column("id", Integer, primary_key=True),
    Column("framework_id", String(80), nullable=False),
    Column("period", String(7), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("definitions_hash", String(64), nullable=False),
    Column("vintages", Text, nullable=False),   # JSON {source_id: vintage}
    Column("payload", Text, nullable=False),    # JSON: framework, definitions, summary
    UniqueConstraint("framework_id", "period", "version", name="uq_snapshots_framework_period_version"),
)

snapshot_evaluations = Table(
    "snapshot_evaluations", metadata,
    Column("id", Integer, primary_key=True),
    Column("snapshot_id", Integer, ForeignKey("snapshots.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("metric_id", String(80), nullable=False),
    Column("intention_id", String(80)),
    Column("status", String(20), nullable=False),
    Column("payload", Text, nullable=False),    # JSON: the evaluation (contract shape plus extras)
)

snapshot_series = Table(
    "snapshot_series", metadata,
    Column("id", Integer, primary_key=True),
    Column("snapshot_id", Integer, ForeignKey("snapshots.id"), nullable=False, index=True),
    Column("metric_id", String(80), nullable=False),
    Column("payload", Text, nullable=False),    # JSON: [{period, label, value, ci_lower, ci_upper, ...}]
)

commentary = Table(
    "commentary", metadata,
    Column("id", Integer, primary_key=True),
    Column("metric_id", String(80), nullable=False),
    Column("framework_id", String(80), nullable=False),
    Column("period", String(7), nullable=False),
    Column("author", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_commentary_framework_period", "framework_id", "period"),
)


class StoreError(Exception):
    """The store cannot be reached or migrated; the message says which URL and why."""


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

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "framework": self.framework_id, "period": self.period, "version": self.version,
                "created_at": iso(self.created_at), "created_by": self.created_by,
                "definitions_hash": self.definitions_hash}


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive datetimes; we stored UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def default_url() -> str:
    folder = PROJECT_ROOT / "data"
    return f"sqlite:///{folder / 'outcomes.db'}"


def store_url() -> str:
    return os.environ.get(STORE_ENV) or default_url()


_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def engine(url: str | None = None) -> Engine:
    """The store's engine, migrated to the latest schema on first use in this process."""
    url = url or store_url()
    with _lock:
        if url in _engines:
            return _engines[url]
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            database = url.split(":///", 1)[-1] if ":///" in url else ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
        try:
            eng = create_engine(url, **kwargs)
        except Exception as exc:  # bad URL, missing driver
            raise StoreError(f"cannot open the store {url!r}: {exc}") from exc
        if eng.dialect.name == "sqlite":
            event.listen(eng, "connect", _sqlite_pragmas)
        try:
            upgrade(eng)
        except OperationalError as exc:
            raise StoreError(f"cannot reach the store {eng.url.render_as_string(hide_password=True)}: "
                             f"{str(exc.orig).strip()}") from exc
        _engines[url] = eng
        return eng


def upgrade(eng: Engine) -> None:
    """Run the Alembic migrations to head on this engine (no alembic.ini needed)."""
    from alembic import command
    from alembic.config import Config

    logging.getLogger("alembic").setLevel(logging.WARNING)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def dispose_all() -> None:
    with _lock:
        for eng in _engines.values():
            eng.dispose()
        _engines.clear()


# ---------------------------------------------------------------- snapshots

def _now() -> datetime:
    return datetime.now(tz=timezone.utc).replace(microsecond=0)


def _pause_if_asked(step: Callable[[str], None] | None) -> None:
    seconds = os.environ.get(PAUSE_ENV)
    if seconds:
        if step:
            step("paused before commit")
        time.sleep(float(seconds))


def save_snapshot(framework_id: str, period: str, created_by: str, definitions_hash: str,
                  vintages: dict[str, str], payload: dict[str, Any], evaluations: list[dict[str, Any]],
                  series: dict[str, list[dict[str, Any]]], url: str | None = None,
                  step: Callable[[str], None] | None = None, attempts: int = 8) -> SnapshotRecord:
    """Write a new snapshot with the next version, all in one transaction.

    Two creators racing for the same framework and period both read the same highest
    version; the unique constraint rejects the second insert, which then retries."""
    eng = engine(url)
    for attempt in range(attempts):
        try:
            with eng.begin() as conn:
                current = conn.execute(select(func.max(snapshots.c.version)).where(
                    snapshots.c.framework_id == framework_id, snapshots.c.period == period)).scalar()
                version = (current or 0) + 1
                created_at = _now()
                snapshot_id = conn.execute(insert(snapshots).values(
                    framework_id=framework_id, period=period, version=version, created_at=created_at,
                    created_by=created_by, definitions_hash=definitions_hash,
                    vintages=json.dumps(vintages, sort_keys=True), payload=json.dumps(payload, sort_keys=True),
                ).returning(snapshots.c.id)).scalar_one()
                if evaluations:
                    conn.execute(insert(snapshot_evaluations), [
                        {"snapshot_id": snapshot_id, "position": i, "metric_id": e["metric_id"],
                         "intention_id": e.get("intention_id"), "status": e["status"],
                         "payload": json.dumps(e, sort_keys=True)} for i, e in enumerate(evaluations)])
                if series:
                    conn.execute(insert(snapshot_series), [
                        {"snapshot_id": snapshot_id, "metric_id": metric_id, "payload": json.dumps(points)}
                        for metric_id, points in series.items()])
                _pause_if_asked(step)
            break
        except IntegrityError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    record = load_snapshot(snapshot_id, url)
    assert record is not None
    return record


def _record(conn: Connection, row: Any) -> SnapshotRecord:
    evals = conn.execute(select(snapshot_evaluations.c.payload)
                         .where(snapshot_evaluations.c.snapshot_id == row.id)
                         .order_by(snapshot_evaluations.c.position)).scalars().all()
    series_rows = conn.execute(select(snapshot_series.c.metric_id, snapshot_series.c.payload)
                               .where(snapshot_series.c.snapshot_id == row.id)
                               .order_by(snapshot_series.c.id)).all()
    return SnapshotRecord(
        id=row.id, framework_id=row.framework_id, period=row.period, version=row.version,
        created_at=row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=timezone.utc),
        created_by=row.created_by, definitions_hash=row.definitions_hash, vintages=json.loads(row.vintages),
        payload=json.loads(row.payload), evaluations=[json.loads(e) for e in evals],
        series={m: json.loads(p) for m, p in series_rows})


def load_snapshot(snapshot_id: int, url: str | None = None) -> SnapshotRecord | None:
    with engine(url).connect() as conn:
        row = conn.execute(select(snapshots).where(snapshots.c.id == snapshot_id)).first()
        return _record(conn, row) if row is not None else None


def list_snapshots(framework_id: str | None = None, url: str | None = None) -> list[dict[str, Any]]:
    """Summaries (no payloads), newest first."""
    query = select(snapshots.c.id, snapshots.c.framework_id, snapshots.c.period, snapshots.c.version,
                   snapshots.c.created_at, snapshots.c.created_by, snapshots.c.definitions_hash)
    if framework_id:
        query = query.where(snapshots.c.framework_id == framework_id)
    query = query.order_by(snapshots.c.framework_id, snapshots.c.period.desc(), snapshots.c.version.desc())
    with engine(url).connect() as conn:
        return [{"id": r.id, "framework": r.framework_id, "period": r.period, "version": r.version,
                 "created_at": iso(r.created_at), "created_by": r.created_by,
                 "definitions_hash": r.definitions_hash} for r in conn.execute(query)]


def previous_snapshot_id(record: SnapshotRecord, url: str | None = None) -> int | None:
    """The snapshot before this one for the same framework: an earlier version of the same
    period, else the latest version of the latest earlier period."""
    query = (select(snapshots.c.id).where(
        snapshots.c.framework_id == record.framework_id,
        ((snapshots.c.period == record.period) & (snapshots.c.version < record.version))
        | (snapshots.c.period < record.period))
        .order_by(snapshots.c.period.desc(), snapshots.c.version.desc()).limit(1))
    with engine(url).connect() as conn:
        return conn.execute(query).scalar()


# ---------------------------------------------------------------- commentary (append-only)

def add_commentary(metric_id: str, framework_id: str, period: str, author: str, text: str,
                   url: str | None = None) -> int:
    with engine(url).begin() as conn:
        return conn.execute(insert(commentary).values(
            metric_id=metric_id, framework_id=framework_id, period=period, author=author, text=text,
            created_at=_now()).returning(commentary.c.id)).scalar_one()


def commentary_for(framework_id: str, period: str, url: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every comment on the framework's metrics at that period, oldest first, by metric."""
    query = (select(commentary).where(commentary.c.framework_id == framework_id, commentary.c.period == period)
             .order_by(commentary.c.created_at, commentary.c.id))
    found: dict[str, list[dict[str, Any]]] = {}
    with engine(url).connect() as conn:
        for row in conn.execute(query):
            found.setdefault(row.metric_id, []).append(
                {"author": row.author, "text": row.text, "created_at": iso(row.created_at)})
    return found
