"""Snapshots (with their evaluations and series) and append-only commentary.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("framework_id", sa.String(80), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("definitions_hash", sa.String(64), nullable=False),
        sa.Column("vintages", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.UniqueConstraint("framework_id", "period", "version", name="uq_snapshots_framework_period_version"),
    )
    op.create_table(
        "snapshot_evaluations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("metric_id", sa.String(80), nullable=False),
        sa.Column("intention_id", sa.String(80)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_index("ix_snapshot_evaluations_snapshot_id", "snapshot_evaluations", ["snapshot_id"])
    op.create_table(
        "snapshot_series",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id"), nullable=False),
        sa.Column("metric_id", sa.String(80), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_index("ix_snapshot_series_snapshot_id", "snapshot_series", ["snapshot_id"])
    op.create_table(
        "commentary",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("metric_id", sa.String(80), nullable=False),
        sa.Column("framework_id", sa.String(80), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_commentary_framework_period", "commentary", ["framework_id", "period"])


def downgrade() -> None:
    op.drop_table("commentary")
    op.drop_table("snapshot_series")
    op.drop_table("snapshot_evaluations")
    op.drop_table("snapshots")
