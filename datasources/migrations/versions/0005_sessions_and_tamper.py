"""Sessions on the server, sign-in limits shared by every instance, exports shared through the store, and
tamper evidence: the audit trail becomes a hash chain (the events already there are chained in id order
now), snapshots carry a content hash (null for those made before: they cannot be checked), and the
history tables refuse UPDATE, DELETE, TRUNCATE (PostgreSQL, a statement trigger) and INSERT OR REPLACE
(SQLite, which deletes the old row without firing its delete trigger).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10
"""
from datetime import timezone

from alembic import op
import sqlalchemy as sa

from datasources.tamper import GENESIS, event_hash

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
#: Tables whose rows are never changed or removed, with the columns (besides id) each is unique on.
HISTORY = {"snapshots": [("framework_id", "period", "version")], "snapshot_evaluations": [],
           "snapshot_series": [], "signoffs": [("framework_id", "period", "sequence")],
           "commentary": [("framework_id", "period", "subject", "version")], "milestone_updates": []}
#: Tables that already refuse UPDATE and DELETE row by row (0002, 0004); they gain the rest here.
GUARDED = {"audit_events": [], "change_points": []}


EVENTS = sa.table("audit_events", sa.column("id", sa.Integer), sa.column("at", TS), sa.column("who", sa.String),
                  sa.column("action", sa.String), sa.column("entity", sa.String), sa.column("before", sa.Text),
                  sa.column("after", sa.Text))


def _iso(moment) -> str:
    """``datasources.store.iso`` as it is today (frozen here with the hash)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _chain_existing_events() -> None:
    """Hash the events written before the chain, oldest (lowest id) first, and record the head."""
    conn = op.get_bind()
    rows = conn.execute(sa.select(EVENTS).order_by(EVENTS.c.id)).all()
    head, last_id = GENESIS, 0
    for row in rows:
        digest = event_hash(head, row.id, _iso(row.at), row.who, row.action, row.entity, row.before, row.after)
        conn.execute(sa.text("UPDATE audit_events SET prev_hash = :prev, hash = :hash WHERE id = :id"),
                     {"prev": head, "hash": digest, "id": row.id})
        head, last_id = digest, row.id
    conn.execute(sa.text("INSERT INTO audit_chain (id, last_id, last_hash) VALUES (1, :last_id, :head)"),
                 {"last_id": last_id, "head": head})


def _sqlite_no_replace(table: str, unique: list[tuple[str, ...]]) -> None:
    """INSERT OR REPLACE deletes the row it collides with (on the key or any unique columns) without firing
    the delete trigger; refuse an insert that collides at all (a plain collision fails the same way)."""
    keys = ["id = NEW.id", *[" AND ".join(f"{c} = NEW.{c}" for c in cols) for cols in unique]]
    collides = " OR ".join(f"({k})" for k in keys)
    op.execute(f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
               f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {collides}) "
               f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: a row is never replaced'); END")


def _guard(table: str, unique: list[tuple[str, ...]], rows_too: bool) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        if rows_too:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
        _sqlite_no_replace(table, unique)
    elif dialect == "postgresql":
        op.execute(f"CREATE FUNCTION {table}_keep() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN RAISE EXCEPTION '{table} is append-only'; END $$")
        if rows_too:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {table}_keep()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_keep()")


def _unguard(table: str, rows_too: bool) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        names = [f"{table}_no_replace"] + ([f"{table}_no_update", f"{table}_no_delete"] if rows_too else [])
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        if rows_too:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_keep()")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_id", sa.Integer, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )
    op.add_column("audit_events", sa.Column("prev_hash", sa.String(64)))
    op.add_column("audit_events", sa.Column("hash", sa.String(64)))
    # The events already there are chained now: lift 0002's row guard for that, then put it back.
    if dialect == "sqlite":
        op.execute("DROP TRIGGER audit_events_no_update")
    elif dialect == "postgresql":
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    _chain_existing_events()
    if dialect == "sqlite":
        op.execute("CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
                   "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END")
    elif dialect == "postgresql":
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")

    op.add_column("snapshots", sa.Column("content_hash", sa.String(64)))
    op.add_column("people", sa.Column("removed_at", TS))
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("ended_at", TS),
        sa.Column("ended_reason", sa.String(200)),
        sa.Column("address", sa.String(64)),
    )
    op.create_index("ix_sessions_person_id", "sessions", ["person_id"])
    op.create_table(
        "signin_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
    )
    op.create_index("ix_signin_attempts_at", "signin_attempts", ["at"])
    op.create_index("ix_signin_attempts_username", "signin_attempts", ["username", "at"])
    op.create_index("ix_signin_attempts_address", "signin_attempts", ["address", "at"])
    op.create_table(
        "export_files",
        sa.Column("cache_key", sa.String(200), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("rendered_by", sa.String(200), nullable=False),
        sa.Column("rendered_at", TS, nullable=False),
    )
    for table, unique in HISTORY.items():
        _guard(table, unique, rows_too=True)
    for table, unique in GUARDED.items():
        _guard(table, unique, rows_too=False)


def downgrade() -> None:
    for table in GUARDED:
        _unguard(table, rows_too=False)
    for table in HISTORY:
        _unguard(table, rows_too=True)
    op.drop_table("export_files")
    op.drop_index("ix_signin_attempts_address", "signin_attempts")
    op.drop_index("ix_signin_attempts_username", "signin_attempts")
    op.drop_index("ix_signin_attempts_at", "signin_attempts")
    op.drop_table("signin_attempts")
    op.drop_index("ix_sessions_person_id", "sessions")
    op.drop_table("sessions")
    # ALTER TABLE ... DROP COLUMN itself (SQLite 3.35+): a batch rebuild would drop 0002's triggers.
    for table, column in (("people", "removed_at"), ("snapshots", "content_hash"), ("audit_events", "hash"),
                          ("audit_events", "prev_hash")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    if op.get_bind().dialect.name == "postgresql":  # ids were given by the chain; the serial takes over again
        op.execute("SELECT setval(pg_get_serial_sequence('audit_events', 'id'), "
                   "(SELECT COALESCE(max(id), 0) + 1 FROM audit_events), false)")
    op.drop_table("audit_chain")
