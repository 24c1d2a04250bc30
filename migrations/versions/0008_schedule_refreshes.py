"""Schedule refresh requests: rooms an answer showed past their refresh age, for the refresh-schedules job.

Revision ID: 0008_schedule_refreshes
Revises: 0007_checkin
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008_schedule_refreshes"
down_revision: str | Sequence[str] | None = "0007_checkin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "schedule_refresh_requests",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "room_id", name=op.f("pk_schedule_refresh_requests")),
    )


def downgrade() -> None:
    op.drop_table("schedule_refresh_requests")
