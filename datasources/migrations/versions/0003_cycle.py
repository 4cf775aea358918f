"""The monthly cycle: people's email address and alert choice, cycle runs, the events the
cycle noticed, the emails it sent or will retry, and the data vintages it checked.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("email", sa.String(320)))
        batch.add_column(sa.Column("alerts_enabled", sa.Boolean, nullable=False, server_default=sa.true()))
    op.create_table(
        "cycle_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("framework_id", sa.String(80), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS),
        sa.Column("summary", sa.Text),
    )
    op.create_index("ix_cycle_runs_framework_day", "cycle_runs", ["framework_id", "day"])
    op.create_table(
        "cycle_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(600), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("framework_id", sa.String(80)),
        sa.Column("period", sa.String(7)),
        sa.Column("recipient", sa.String(80), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("files", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS),
    )
    op.create_table(
        "cycle_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(600), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("framework_id", sa.String(80)),
        sa.Column("period", sa.String(7)),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("recipient", sa.String(80)),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("delivery_id", sa.Integer, sa.ForeignKey("cycle_deliveries.id")),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "cycle_vintages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_id", sa.String(80), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("latest_period", sa.String(10)),
        sa.Column("rows", sa.Integer),
        sa.Column("rows_latest", sa.Integer),
        sa.Column("expected_period", sa.String(10)),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("checked_at", TS, nullable=False),
        sa.UniqueConstraint("source_id", "day", name="uq_cycle_vintages_source_day"),
    )


def downgrade() -> None:
    op.drop_table("cycle_vintages")
    op.drop_table("cycle_events")
    op.drop_table("cycle_deliveries")
    op.drop_index("ix_cycle_runs_framework_day", "cycle_runs")
    op.drop_table("cycle_runs")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("alerts_enabled")
        batch.drop_column("email")
