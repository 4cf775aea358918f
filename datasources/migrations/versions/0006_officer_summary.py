"""The officer's summary: the narrative a performance officer writes for a framework's period, first in the
committee paper. Versioned like commentary: every save is a new row, never overwritten; sign-off freezes the
current version into the snapshot's payload.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "officer_summaries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("framework_id", sa.String(80), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("based_on", sa.Integer),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("people.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("addendum", sa.Boolean, nullable=False),
        sa.UniqueConstraint("framework_id", "period", "version", name="uq_officer_summaries_version"),
    )


def downgrade() -> None:
    op.drop_table("officer_summaries")
