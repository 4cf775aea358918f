"""The images of a snapshot's report charts, drawn once (at sign-off, in the background) and reused by every
PDF and Word export of it. Keyed by the snapshot and the figure's digest, which includes the drawing settings
(size, scale, format): a snapshot never changes, so an image is only ever added, never replaced.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshot_charts",
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id"), primary_key=True,
                  autoincrement=False),
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("image", sa.LargeBinary, nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("snapshot_charts")
