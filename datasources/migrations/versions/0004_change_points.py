"""SPC change points people record: from which period a metric's limits are recalculated, why, who and when,
and whether (by whom, when, why) it was withdrawn. Rows keep their history: the database refuses to delete
one, to change what was recorded, or to bring a withdrawn one back (record it again instead).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-09
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
IN_FORCE = sa.text("NOT withdrawn")
# What was recorded never changes; only the withdrawn_* columns are filled, once.
_KEPT = ("id", "framework_id", "metric_id", "period", "reason", "recorded_by", "recorded_at")
_SQLITE_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _KEPT)
_PG_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _KEPT)
_REFUSED = "change_points keeps its history: a change point is only ever withdrawn, once"


def _keep_history() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(f"CREATE TRIGGER change_points_no_delete BEFORE DELETE ON change_points "
                   f"BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END")
        op.execute(f"CREATE TRIGGER change_points_withdraw_only BEFORE UPDATE ON change_points "
                   f"WHEN OLD.withdrawn OR NOT NEW.withdrawn OR {_SQLITE_CHANGED} "
                   f"BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END")
    elif dialect == "postgresql":
        op.execute("CREATE FUNCTION change_points_keep_history() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   f"IF TG_OP = 'DELETE' OR OLD.withdrawn OR NOT NEW.withdrawn OR {_PG_CHANGED} THEN "
                   f"RAISE EXCEPTION '{_REFUSED}'; END IF; RETURN NEW; END $$")
        op.execute("CREATE TRIGGER change_points_keep_history BEFORE UPDATE OR DELETE ON change_points "
                   "FOR EACH ROW EXECUTE FUNCTION change_points_keep_history()")


def upgrade() -> None:
    op.create_table(
        "change_points",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("framework_id", sa.String(80), nullable=False),
        sa.Column("metric_id", sa.String(80), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(80), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("withdrawn_at", TS),
        sa.Column("withdrawn_by", sa.String(80)),
        sa.Column("withdrawn_reason", sa.Text),
    )
    op.create_index("ix_change_points_metric", "change_points", ["framework_id", "metric_id"])
    op.create_index("uq_change_points_in_force", "change_points", ["framework_id", "metric_id", "period"],
                    unique=True, sqlite_where=IN_FORCE, postgresql_where=IN_FORCE)
    _keep_history()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS change_points_withdraw_only")
        op.execute("DROP TRIGGER IF EXISTS change_points_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS change_points_keep_history ON change_points")
        op.execute("DROP FUNCTION IF EXISTS change_points_keep_history()")
    op.drop_index("uq_change_points_in_force", "change_points")
    op.drop_index("ix_change_points_metric", "change_points")
    op.drop_table("change_points")
