"""The monthly DingTalk call budget.

`api_call_counts`: quota-counted calls per organisation, month and API, shared by every process.
`user_fetch_counts`: cold fetches per user and hour (the fairness limit). `quota_notices`: what
happens once a month (the admins told the budget runs low; DingTalk reporting the quota spent).
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_quota"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "api_call_counts",
        sa.Column("org", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("api", sa.String(length=64), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org", "month", "api", name=op.f("pk_api_call_counts")),
    )
    op.create_table(
        "user_fetch_counts",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetches", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", "hour", name=op.f("pk_user_fetch_counts")),
    )
    op.create_table(
        "quota_notices",
        sa.Column("org", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org", "month", "kind", name=op.f("pk_quota_notices")),
    )


def downgrade() -> None:
    op.drop_table("quota_notices")
    op.drop_table("user_fetch_counts")
    op.drop_table("api_call_counts")
