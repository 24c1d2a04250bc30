"""Bookings keep their intent until settled.

A booking whose outcome is unknown (a lost reply, a crash mid-booking) stays `requested` and the
reconciler settles it: `attempts` and `next_check_at` pace its checks (and lease it to the
process booking it), `release` marks one refused while DingTalk may still hold its event, and
`notify` says the user still waits for the final answer.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_booking_intent"
down_revision = "0005_identity"


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("release", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("notify", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("notify")
        batch.drop_column("release")
        batch.drop_column("next_check_at")
        batch.drop_column("attempts")
