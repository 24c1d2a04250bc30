"""Identity: verified DingTalk links and one-time link codes.

`users.union_verified` says whether the user proved the linked account is theirs. Links made
before this revision had no proof: they are kept, and start unverified. `link_codes` holds the
pending `link` of each user: the salted hash of the code sent to the account, its expiry, and
the counters behind the attempt limit and the cool-down.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_identity"
down_revision = "0004_rooms_detail"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("union_verified", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "link_codes",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("union_id", sa.String(length=64), nullable=True),
        sa.Column("code_hash", sa.String(length=128), nullable=True),
        sa.Column("salt", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cooldown_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_link_codes")),
    )


def downgrade() -> None:
    op.drop_table("link_codes")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("union_verified")
