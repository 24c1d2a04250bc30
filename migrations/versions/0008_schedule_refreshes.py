"""Schedule refresh requests: rooms an answer showed past their refresh age, for the refresh-schedules job."""

import sqlalchemy as sa
from alembic import op

revision = "0008_schedule_refreshes"
down_revision = "0007_checkin"


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
