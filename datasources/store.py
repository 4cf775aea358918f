"""The app's own store: the database that holds what people and the product write
(snapshots, commentary), as opposed to the council's data sources, which are only read.

SQLite by default (``<project>/data/outcomes.db``), PostgreSQL or anything SQLAlchemy
reaches through ``OUTCOMES_STORE_URL`` (read once, by :meth:`Store.from_environment`).
The schema is owned by the Alembic migrations in ``datasources/migrations``; a
:class:`Store` upgrades its database on first use. What is written where is decided by
the domains above (``snapshots/``, ``review/``); this module only opens and migrates.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from sqlalchemy import (Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, MetaData, String,
                        Table, Text, UniqueConstraint, event, false, inspect, text, true)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from datasources.engines import open_engine

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
STORE_ENV = "OUTCOMES_STORE_URL"
#: The largest id a row of the store can have (a signed 64-bit integer): a larger one names nothing, and
#: asking the database for it would fail (SQLite: OverflowError) rather than find no row.
LARGEST_ID = 2**63 - 1
#: PostgreSQL advisory lock held while migrating (any fixed number; ours, so instances do not migrate at once).
MIGRATION_LOCK = 7_301_220_051

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
    # SHA-256 of everything stored for the snapshot (``datasources.tamper.snapshot_hash``), written with it;
    # null for snapshots made before migration 0005. Every reader compares it with what it reads.
    Column("content_hash", String(64)),
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
    Column("payload", Text, nullable=False),    # JSON: the whole evaluation (contract keys, other fields, insights)
)

snapshot_series = Table(
    "snapshot_series", metadata,
    Column("id", Integer, primary_key=True),
    Column("snapshot_id", Integer, ForeignKey("snapshots.id"), nullable=False, index=True),
    Column("metric_id", String(80), nullable=False),
    Column("payload", Text, nullable=False),    # JSON: [{period, label, value, ci_lower, ci_upper, ...}]
)

# The images of a snapshot's report charts (``snapshots.charts``), by the figure's digest (which names the drawing
# settings too): drawn once, at sign-off or by the first export, and reused by every PDF and Word export of it
# (migration 0007).
snapshot_charts = Table(
    "snapshot_charts", metadata,
    Column("snapshot_id", Integer, ForeignKey("snapshots.id"), primary_key=True, autoincrement=False),
    Column("digest", String(64), primary_key=True),
    Column("image", LargeBinary, nullable=False),
    Column("drawn_at", DateTime(timezone=True), nullable=False),
)

people = Table(
    "people", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(30), nullable=False),           # viewer | lead | performance_officer | admin
    Column("password_hash", String(300)),                 # argon2id; null: signs in only through the proxy
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("email", String(320)),                         # where the monthly cycle writes to them
    Column("alerts_enabled", Boolean, nullable=False, server_default=true()),  # reminders are sent regardless
    Column("removed_at", DateTime(timezone=True)),         # removed by an admin: kept for the record, never found
)

grants = Table(
    "grants", metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False, index=True),
    Column("lead", String(300)),           # matches an intention's ``lead:`` text in config
    Column("framework_id", String(80)),    # null: every framework
    Column("role", String(30)),            # e.g. performance_officer on one framework
    Column("granted_by", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Commentary versions: one row per save, never updated. ``subject`` is ``metric:<id>`` or
# ``intention:<id>``; the unique version per subject turns a racing second save into a conflict.
commentary = Table(
    "commentary", metadata,
    Column("id", Integer, primary_key=True),
    Column("metric_id", String(80)),
    Column("framework_id", String(80), nullable=False),
    Column("period", String(7), nullable=False),
    Column("author", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("intention_id", String(80)),
    Column("subject", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("based_on", Integer),
    Column("addendum", Boolean, nullable=False),
    Column("author_id", Integer, ForeignKey("people.id")),
    Index("ix_commentary_framework_period", "framework_id", "period"),
    UniqueConstraint("framework_id", "period", "subject", "version", name="uq_commentary_subject_version"),
)

actions = Table(
    "actions", metadata,
    Column("id", Integer, primary_key=True),
    Column("framework_id", String(80), nullable=False),
    Column("period", String(7), nullable=False),           # the period it was raised in
    Column("metric_id", String(80)),
    Column("intention_id", String(80)),
    Column("text", Text, nullable=False),
    Column("owner", String(200), nullable=False),
    Column("due", Date, nullable=False),
    Column("status", String(20), nullable=False),           # open | done | dropped
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(80), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Index("ix_actions_framework", "framework_id", "period"),
)

milestone_updates = Table(
    "milestone_updates", metadata,
    Column("id", Integer, primary_key=True),
    Column("framework_id", String(80), nullable=False),
    Column("intention_id", String(80), nullable=False),
    Column("milestone_title", String(500), nullable=False),
    Column("status", String(20), nullable=False),           # not_started | in_progress | done | dropped
    Column("done_on", Date),
    Column("evidence", Text, nullable=False),
    Column("recorded_by", String(80), nullable=False),      # 'config' for the status carried over from YAML
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_milestone_updates_key", "framework_id", "intention_id"),
)

signoffs = Table(
    "signoffs", metadata,
    Column("id", Integer, primary_key=True),
    Column("framework_id", String(80), nullable=False),
    Column("period", String(7), nullable=False),
    Column("snapshot_id", Integer, ForeignKey("snapshots.id"), nullable=False),
    Column("signed_by", String(80), nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text),
    Column("sequence", Integer, nullable=False),             # 1 for the first sign-off of the period
    UniqueConstraint("framework_id", "period", "sequence", name="uq_signoffs_framework_period_sequence"),
)

# SPC change points people recorded (those config declares are not stored). A row is never deleted or
# rewritten; withdrawing one fills its withdrawn_* columns, once (the audit trail has both states). At most one
# change point in force per metric and period (the partial unique index).
change_points = Table(
    "change_points", metadata,
    Column("id", Integer, primary_key=True),
    Column("framework_id", String(80), nullable=False),
    Column("metric_id", String(80), nullable=False),
    Column("period", String(7), nullable=False),             # the first period of the new segment
    Column("reason", Text, nullable=False),
    Column("recorded_by", String(80), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("withdrawn", Boolean, nullable=False, server_default=false()),
    Column("withdrawn_at", DateTime(timezone=True)),
    Column("withdrawn_by", String(80)),
    Column("withdrawn_reason", Text),
    Index("ix_change_points_metric", "framework_id", "metric_id"),
    # Unique among the change points in force: migration 0004 makes it partial on SQLite and on PostgreSQL.
    # PostgreSQL's spelling (postgresql_where) is left out here: SQLAlchemy imports its whole PostgreSQL dialect
    # to check the argument, in every process that imports the store (0.03 s of a cold `outcomes evaluate` on
    # SQLite); this metadata never creates tables (the migrations do).
    Index("uq_change_points_in_force", "framework_id", "metric_id", "period", unique=True,
          sqlite_where=text("NOT withdrawn")),
)

# Append-only (triggers in the migrations refuse UPDATE, DELETE, TRUNCATE and SQLite's INSERT OR REPLACE), and a
# hash chain: each event carries the hash of the one before and its own (``datasources.tamper.event_hash``), so
# ``outcomes audit verify`` finds an event changed, replaced or taken out even where the triggers were bypassed.
audit_events = Table(
    "audit_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),   # the chain's position, given by review.audit
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("who", String(80), nullable=False),
    Column("action", String(60), nullable=False),
    Column("entity", String(300), nullable=False),
    Column("before", Text),    # JSON, null when the thing did not exist
    Column("after", Text),     # JSON
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
)

# The head of the audit chain: one row (id 1), the latest event's id and hash. Every audit write updates it
# first, which serialises appends on every database (and lets verify notice events taken off the end).
audit_chain = Table(
    "audit_chain", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_id", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

# Signed-in sessions (built-in accounts). The cookie holds only a random id; the store keeps its SHA-256, so
# reading this table gives no one a session. Checked on every request; ending one fills ended_at.
sessions = Table(
    "sessions", metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),   # the absolute time-out
    Column("ended_at", DateTime(timezone=True)),
    Column("ended_reason", String(200)),
    Column("address", String(64)),
)

# Every password sign-in attempt, for the limits every worker and instance share (``review.signin_limits``).
# outcome: pending (being checked), failed, ok, refused (over a limit; the password was not tried), cleared
# (a failure forgiven by a later success from the same address).
signin_attempts = Table(
    "signin_attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("username", String(80), nullable=False),
    Column("address", String(64), nullable=False),
    Column("outcome", String(10), nullable=False),
    Index("ix_signin_attempts_username", "username", "at"),
    Index("ix_signin_attempts_address", "address", "at"),
)

# Rendered exports kept in a store that several machines share (PostgreSQL), so one rendered by one
# instance is not rendered again by another (``reports.export_cache``); a SQLite store keeps them on disk only.
export_files = Table(
    "export_files", metadata,
    Column("cache_key", String(200), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("name", String(300), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("rendered_by", String(200), nullable=False),
    Column("rendered_at", DateTime(timezone=True), nullable=False),
)


# The officer's summary of a framework's period (``review.officer_summary``): every save a new version, never
# overwritten (migration 0006).
officer_summaries = Table(
    "officer_summaries", metadata,
    Column("id", Integer, primary_key=True),
    Column("framework_id", String(80), nullable=False),
    Column("period", String(7), nullable=False),
    Column("version", Integer, nullable=False),
    Column("based_on", Integer),
    Column("text", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("author_id", Integer, ForeignKey("people.id")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("addendum", Boolean, nullable=False),
    UniqueConstraint("framework_id", "period", "version", name="uq_officer_summaries_version"),
)


# The monthly cycle (``cycle/``). A run per framework and day; every event it noticed once (its
# ``key`` is unique, so a second run the same day finds it and does nothing); every email it
# means to send, with its attempts (a failed one is retried next run, a sent one never again).
cycle_runs = Table(
    "cycle_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("framework_id", String(80), nullable=False),
    Column("day", Date, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("summary", Text),                               # JSON: what the run did
    Index("ix_cycle_runs_framework_day", "framework_id", "day"),
)

cycle_events = Table(
    "cycle_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(600), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),          # data_late | status_worse | spc_signal | milestone_late
    Column("framework_id", String(80)),
    Column("period", String(7)),
    Column("subject", String(300), nullable=False),       # metric:<id>, milestone:<intention>/<title>, source:<id>
    Column("recipient", String(80)),                      # username, null when nobody is to be told
    Column("day", Date, nullable=False),
    Column("detail", Text, nullable=False),               # JSON
    Column("delivery_id", Integer, ForeignKey("cycle_deliveries.id")),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

cycle_deliveries = Table(
    "cycle_deliveries", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(600), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),           # reminder | alert | snapshot
    Column("framework_id", String(80)),
    Column("period", String(7)),
    Column("recipient", String(80), nullable=False),      # username
    Column("address", String(320), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),                 # JSON: the message as built, resent unchanged
    Column("files", Text, nullable=False),                # JSON list of attached file paths
    Column("status", String(20), nullable=False),         # pending | sent | failed | outbox
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("day", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
)

cycle_vintages = Table(
    "cycle_vintages", metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", String(80), nullable=False),      # the ingest spec id
    Column("day", Date, nullable=False),
    Column("latest_period", String(10)),
    Column("rows", Integer),
    Column("rows_latest", Integer),
    Column("expected_period", String(10)),
    Column("late", Boolean, nullable=False),
    Column("message", Text, nullable=False),
    Column("checked_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("source_id", "day", name="uq_cycle_vintages_source_day"),
)


class StoreError(Exception):
    """The store cannot be reached or migrated; the message says which URL and why."""


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive datetimes; we stored UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def now() -> datetime:
    """The time written into the store: UTC, to the second."""
    return datetime.now(tz=timezone.utc).replace(microsecond=0)


def default_url() -> str:
    folder = PROJECT_ROOT / "data"
    return f"sqlite:///{folder / 'outcomes.db'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _head_revision() -> str:
    """The newest migration's revision: each file in ``migrations/versions`` is named after its revision
    (``0006_officer_summary.py`` is revision 0006), one after another (tests/test_review_store.py checks it)."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def _at_head(eng: Engine) -> bool:
    """The store is already migrated to the newest revision: no need to load Alembic (a fifth of a second
    for every command that reads the store)."""
    with eng.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return versions == [_head_revision()]


def upgrade(eng: Engine) -> None:
    """Run the Alembic migrations to head on this engine (no alembic.ini needed)."""
    if _at_head(eng):
        return
    from alembic import command
    from alembic.config import Config

    logging.getLogger("alembic").setLevel(logging.WARNING)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with eng.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several instances starting at once on one store: one migrates, the others wait and find it done.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store:
    """One store database. The engine is made, and the schema migrated, on first use; entry
    points build one Store and pass it down (nothing reads the environment behind its back)."""

    def __init__(self, url: str):
        self.url = url
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "Store":
        environ = os.environ if environ is None else environ
        return cls(environ.get(STORE_ENV) or default_url())

    def __repr__(self) -> str:
        return f"Store({self.display_url!r})"

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for messages."""
        try:
            return make_url(self.url).render_as_string(hide_password=True)
        except Exception:  # an unparsable URL is reported by .engine
            return self.url

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = self._open()
            return self._engine

    def _open(self) -> Engine:
        kwargs: dict[str, Any] = {}
        if self.url.startswith("sqlite"):
            database = self.url.split(":///", 1)[-1] if ":///" in self.url else ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
        try:
            eng = open_engine(self.url, **kwargs)
        except Exception as exc:  # bad URL, missing driver (named with the extra that installs it)
            raise StoreError(f"cannot open the store {self.display_url!r}: {exc}") from exc
        if eng.dialect.name == "sqlite":
            event.listen(eng, "connect", _sqlite_pragmas)
        try:
            upgrade(eng)
        except OperationalError as exc:
            eng.dispose()
            raise StoreError(f"cannot reach the store {self.display_url}: {str(exc.orig).strip()}") from exc
        return eng

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
