"""Room booking details in the directory, and approval follow-up of bookings.

The directory job keeps what each room's DingTalk detail says about booking it (open for
reservations, closures, the member-only reservation scope), so that answers never offer a room
the asker cannot book. All columns are nullable: None means the detail was not read yet.

Bookings awaiting a room administrator's approval are read again by the approvals job: it counts
its checks, keeps the next one's time and when the booker was told; a booking can now end
`declined`.

`suite_tickets` keeps the latest suite ticket DingTalk pushed to a third-party app; every token
fetch uses it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_rooms_detail"
down_revision = "0003_quota"

_COLUMNS = (
    ("room_status", sa.Integer()),
    ("open_reservation", sa.Boolean()),
    ("closed_from", sa.DateTime(timezone=True)),
    ("closed_until", sa.DateTime(timezone=True)),
    ("close_reason", sa.String(length=255)),
    ("authorized_members", sa.JSON()),
    ("details_synced_at", sa.DateTime(timezone=True)),
)


_BOOKING_COLUMNS = (
    ("approval_checks", sa.Integer()),
    ("approval_check_at", sa.DateTime(timezone=True)),
    ("outcome_notified_at", sa.DateTime(timezone=True)),
)
_STATUSES_BEFORE = "status IN ('requested', 'booked', 'pending', 'cancelled', 'failed')"
_STATUSES_AFTER = "status IN ('requested', 'booked', 'pending', 'cancelled', 'failed', 'declined')"


def upgrade() -> None:
    op.create_table(
        "suite_tickets",
        sa.Column("suite_key", sa.String(length=64), nullable=False),
        sa.Column("ticket", sa.String(length=255), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("suite_key", name=op.f("pk_suite_tickets")),
    )
    with op.batch_alter_table("rooms") as batch:
        for name, type_ in _COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    with op.batch_alter_table("bookings") as batch:
        for name, type_ in _BOOKING_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.drop_constraint(op.f("ck_bookings_status"), type_="check")
        batch.create_check_constraint(op.f("ck_bookings_status"), _STATUSES_AFTER)


def downgrade() -> None:
    op.execute("UPDATE bookings SET status = 'failed' WHERE status = 'declined'")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_constraint(op.f("ck_bookings_status"), type_="check")
        batch.create_check_constraint(op.f("ck_bookings_status"), _STATUSES_BEFORE)
        for name, _type in reversed(_BOOKING_COLUMNS):
            batch.drop_column(name)
    with op.batch_alter_table("rooms") as batch:
        for name, _type in reversed(_COLUMNS):
            batch.drop_column(name)
    op.drop_table("suite_tickets")
