"""Room booking details in the directory.

The directory job keeps what each room's DingTalk detail says about booking it (open for
reservations, closures, the member-only reservation scope), so that answers never offer a room
the asker cannot book. All columns are nullable: None means the detail was not read yet.

Revision ID: 0004_rooms_detail
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004_rooms_detail"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("room_status", sa.Integer()),
    ("open_reservation", sa.Boolean()),
    ("closed_from", sa.DateTime(timezone=True)),
    ("closed_until", sa.DateTime(timezone=True)),
    ("close_reason", sa.String(length=255)),
    ("authorized_members", sa.JSON()),
    ("details_synced_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("rooms") as batch:
        for name, type_ in _COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rooms") as batch:
        for name, _type in reversed(_COLUMNS):
            batch.drop_column(name)
