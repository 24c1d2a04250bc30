"""Check-in: reminded / checked-in / released states on bookings, reminder preferences, group grace."""

import sqlalchemy as sa
from alembic import op

revision = "0007_checkin"
down_revision = "0006_booking_intent"


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("released_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("release_reason", sa.String(length=16), nullable=True))
    op.create_table(
        "reminder_preferences",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_reminder_preferences")),
    )
    op.create_table(
        "group_checkin_grace",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("grace_minutes", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id", "group_id"],
            ["room_groups.team_id", "room_groups.id"],
            name=op.f("fk_group_checkin_grace_team_id_group_id_room_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "group_id", name=op.f("pk_group_checkin_grace")),
    )


def downgrade() -> None:
    op.drop_table("group_checkin_grace")
    op.drop_table("reminder_preferences")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("release_reason")
        batch.drop_column("released_at")
        batch.drop_column("checked_in_at")
        batch.drop_column("reminded_at")
