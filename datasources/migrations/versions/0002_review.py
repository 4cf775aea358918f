"""The monthly review: people, grants, versioned commentary, actions, milestone updates,
sign-offs and the append-only audit trail.

The existing ``commentary`` rows are kept: each becomes a version of its metric's
commentary (numbered in the order they were written), none of them an addendum.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _commentary_versions() -> None:
    conn = op.get_bind()
    with op.batch_alter_table("commentary") as batch:
        batch.add_column(sa.Column("intention_id", sa.String(80)))
        batch.add_column(sa.Column("subject", sa.String(200)))
        batch.add_column(sa.Column("version", sa.Integer))
        batch.add_column(sa.Column("based_on", sa.Integer))
        batch.add_column(sa.Column("addendum", sa.Boolean))
        batch.add_column(sa.Column("author_id", sa.Integer))
    rows = conn.execute(sa.text("SELECT id, framework_id, period, metric_id FROM commentary ORDER BY id")).all()
    seen: dict[tuple, int] = {}
    previous: dict[tuple, int] = {}
    for row in rows:
        key = (row.framework_id, row.period, row.metric_id)
        seen[key] = seen.get(key, 0) + 1
        conn.execute(sa.text("UPDATE commentary SET subject = :subject, version = :version, based_on = :based_on, "
                             "addendum = :addendum WHERE id = :id"),
                     {"subject": f"metric:{row.metric_id}", "version": seen[key], "based_on": previous.get(key),
                      "addendum": False, "id": row.id})
        previous[key] = row.id
    with op.batch_alter_table("commentary") as batch:
        batch.alter_column("metric_id", existing_type=sa.String(80), nullable=True)
        batch.alter_column("subject", existing_type=sa.String(200), nullable=False)
        batch.alter_column("version", existing_type=sa.Integer, nullable=False)
        batch.alter_column("addendum", existing_type=sa.Boolean, nullable=False)
        batch.create_unique_constraint("uq_commentary_subject_version", ["framework_id", "period", "subject", "version"])
        batch.create_foreign_key("fk_commentary_author_id", "people", ["author_id"], ["id"])


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE on the audit trail in the database itself."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
    elif dialect == "postgresql":
        op.execute(f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN RAISE EXCEPTION '{table} is append-only'; END $$")
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("password_hash", sa.String(300)),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "grants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("lead", sa.String(300)),
        sa.Column("framework_id", sa.String(80)),
        sa.Column("role", sa.String(30)),
        sa.Column("granted_by", sa.String(80), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_grants_person_id", "grants", ["person_id"])
    _commentary_versions()
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("framework_id", sa.String(80), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("metric_id", sa.String(80)),
        sa.Column("intention_id", sa.String(80)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("closed_at", TS),
    )
    op.create_index("ix_actions_framework", "actions", ["framework_id", "period"])
    op.create_table(
        "milestone_updates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("framework_id", sa.String(80), nullable=False),
        sa.Column("intention_id", sa.String(80), nullable=False),
        sa.Column("milestone_title", sa.String(500), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("done_on", sa.Date),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(80), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
    )
    op.create_index("ix_milestone_updates_key", "milestone_updates", ["framework_id", "intention_id"])
    op.create_table(
        "signoffs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("framework_id", sa.String(80), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id"), nullable=False),
        sa.Column("signed_by", sa.String(80), nullable=False),
        sa.Column("signed_at", TS, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.UniqueConstraint("framework_id", "period", "sequence", name="uq_signoffs_framework_period_sequence"),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("who", sa.String(80), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("entity", sa.String(300), nullable=False),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    _append_only("audit_events")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    op.drop_table("audit_events")
    op.drop_table("signoffs")
    op.drop_table("milestone_updates")
    op.drop_table("actions")
    # Only the first version of each metric's commentary maps back to the old shape losslessly,
    # so downgrade keeps every row and just drops the new columns.
    op.execute("DELETE FROM commentary WHERE metric_id IS NULL")
    with op.batch_alter_table("commentary") as batch:
        batch.drop_constraint("fk_commentary_author_id", type_="foreignkey")
        batch.drop_constraint("uq_commentary_subject_version", type_="unique")
        for name in ("author_id", "addendum", "based_on", "version", "subject", "intention_id"):
            batch.drop_column(name)
        batch.alter_column("metric_id", existing_type=sa.String(80), nullable=False)
    op.drop_table("grants")
    op.drop_table("people")
