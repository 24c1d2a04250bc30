"""SQLAlchemy models: users, the room directory, room groups and their shares, channel settings,
bookings, processed Slack events and the schedule cache.

Every table carries the Slack team id, and every query of the repositories (`bot.store.Store`'s
`users`, `rooms`, `groups`, ...) filters on it.
Constraints are named by the naming convention below, so Alembic can alter them on SQLite too.
Timestamps go through `UTCDateTime`: stored in UTC, read back time-zone aware on every backend.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Group scopes: personal to one user, shared with (made for) a channel, or workspace-wide.
SCOPE_PERSONAL = "personal"
SCOPE_CHANNEL = "channel"
SCOPE_WORKSPACE = "workspace"
SCOPES = (SCOPE_PERSONAL, SCOPE_CHANNEL, SCOPE_WORKSPACE)

# Booking statuses. `requested` is the short-lived state between the click and DingTalk's answer.
BOOKING_REQUESTED = "requested"
BOOKING_BOOKED = "booked"
BOOKING_PENDING = "pending"  # pending the room admin's approval
BOOKING_CANCELLED = "cancelled"
BOOKING_FAILED = "failed"
# Who is owed the final answer of a booking (`Booking.notify`): the clicker, whose own request
# answers when it ends ("owed"), or a user who was told "in progress" ("promised").
NOTIFY_OWED = "owed"
NOTIFY_PROMISED = "promised"
BOOKING_DECLINED = "declined"  # the room's administrator declined it
BOOKING_STATUSES = (
    BOOKING_REQUESTED,
    BOOKING_BOOKED,
    BOOKING_PENDING,
    BOOKING_CANCELLED,
    BOOKING_FAILED,
    BOOKING_DECLINED,
)
# `failed` is the "refused" final state: DingTalk said no and nothing is held there. A booking
# whose outcome is unknown (a lost reply, a crash) stays `requested` until the reconciler settles it.
BOOKING_FINAL_STATUSES = (BOOKING_BOOKED, BOOKING_PENDING, BOOKING_CANCELLED, BOOKING_FAILED, BOOKING_DECLINED)

TEAM_ID = String(32)
SLACK_ID = String(32)
ROOM_ID = String(64)
NAME = String(255)


def _of_group() -> ForeignKeyConstraint:
    """`group_id` names a group of the row's own team (`team_id`); the row goes when the group goes.

    A function, not a constant: a constraint belongs to one table.
    """
    return ForeignKeyConstraint(["team_id", "group_id"], ["room_groups.team_id", "room_groups.id"], ondelete="CASCADE")


class UTCDateTime(TypeDecorator[datetime]):
    """A time-zone-aware datetime stored in UTC.

    SQLite has no time zone type: SQLAlchemy's `DateTime(timezone=True)` hands back naive values
    there. Values are written as UTC (naive on SQLite, so text comparisons stay correct) and come
    back as aware UTC datetimes on SQLite and Postgres alike. Naive input is refused: it is a bug.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given to a UTC column; attach a time zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime}


class User(Base):
    """A Slack user of one team, with what roombot caches about them."""

    __tablename__ = "users"

    team_id: Mapped[str] = mapped_column(TEAM_ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    union_id: Mapped[str | None] = mapped_column(String(64))
    # True only when the user proved the account is theirs (a code sent to it, or the directory e-mail).
    union_verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    tz: Mapped[str | None] = mapped_column(String(64))
    tz_fetched_at: Mapped[datetime | None]
    default_group_id: Mapped[int | None] = mapped_column(ForeignKey("room_groups.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Room(Base):
    """A meeting room of the directory synced from DingTalk. Rooms are never deleted, only unlisted."""

    __tablename__ = "rooms"
    __table_args__ = (Index(None, "team_id", "name_key"),)

    team_id: Mapped[str] = mapped_column(TEAM_ID, primary_key=True)
    room_id: Mapped[str] = mapped_column(ROOM_ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    name_key: Mapped[str] = mapped_column(NAME)
    capacity: Mapped[int | None] = mapped_column(Integer)
    location_title: Mapped[str] = mapped_column(NAME, default="")
    location_desc: Mapped[str] = mapped_column(String(1024), default="")
    # [{"id": 3, "name": "projector"}, ...]
    labels: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    dingtalk_group_id: Mapped[int | None] = mapped_column(BigInteger)
    dingtalk_group_name: Mapped[str | None] = mapped_column(NAME)
    listed: Mapped[bool] = mapped_column(Boolean, default=True)
    first_seen_at: Mapped[datetime]
    synced_at: Mapped[datetime]
    # What the room's detail says about booking it, refreshed with the directory; all None until
    # the detail was first read. authorized_members: [{"id": unionId or dept id, "type": "user"|"dept"}]
    # when the room is open to some members only (roomStatus 2), else None.
    room_status: Mapped[int | None] = mapped_column(Integer)
    open_reservation: Mapped[bool | None] = mapped_column(Boolean)
    closed_from: Mapped[datetime | None]
    closed_until: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(NAME)
    authorized_members: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    details_synced_at: Mapped[datetime | None]


class DirectorySync(Base):
    """When a team's room directory was last synced (also when DingTalk lists no room at all)."""

    __tablename__ = "directory_syncs"

    team_id: Mapped[str] = mapped_column(TEAM_ID, primary_key=True)
    synced_at: Mapped[datetime]
    room_count: Mapped[int] = mapped_column(Integer, default=0)


class RoomGroup(Base):
    """A named, ordered list of rooms: personal, made for a channel, or workspace-wide.

    `scope_key` is `user:<id>`, `channel:<id>` or `workspace`; names are unique per team and
    scope key, compared by `name_key` (case-, accent- and width-insensitive).
    """

    __tablename__ = "room_groups"
    __table_args__ = (
        UniqueConstraint("team_id", "scope_key", "name_key"),
        # The target of the composite foreign keys below: members and shares stay in their team.
        UniqueConstraint("team_id", "id"),
        CheckConstraint("scope IN ('personal', 'channel', 'workspace')", name="scope"),
        Index(None, "team_id", "owner_user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(TEAM_ID)
    name: Mapped[str] = mapped_column(NAME)
    name_key: Mapped[str] = mapped_column(NAME)
    scope: Mapped[str] = mapped_column(String(16))
    scope_key: Mapped[str] = mapped_column(String(64))
    owner_user_id: Mapped[str] = mapped_column(SLACK_ID)
    channel_id: Mapped[str | None] = mapped_column(SLACK_ID)
    dingtalk_group_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RoomGroupMember(Base):
    """One room in a group, at a position (0-based, dense)."""

    __tablename__ = "room_group_members"
    __table_args__ = (
        _of_group(),
        ForeignKeyConstraint(["team_id", "room_id"], ["rooms.team_id", "rooms.room_id"], ondelete="CASCADE"),
    )

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[str] = mapped_column(ROOM_ID, primary_key=True)
    team_id: Mapped[str] = mapped_column(TEAM_ID)
    position: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime]


class GroupShare(Base):
    """A group shared with a channel: visible to everyone asking there."""

    __tablename__ = "group_shares"
    __table_args__ = (
        _of_group(),
        Index(None, "team_id", "channel_id"),
    )

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    team_id: Mapped[str] = mapped_column(TEAM_ID)
    shared_by: Mapped[str] = mapped_column(SLACK_ID)
    shared_at: Mapped[datetime]


class ChannelSetting(Base):
    """Per-channel settings: the channel's default group."""

    __tablename__ = "channel_settings"

    team_id: Mapped[str] = mapped_column(TEAM_ID, primary_key=True)
    channel_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    default_group_id: Mapped[int | None] = mapped_column(ForeignKey("room_groups.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime]


class Booking(Base):
    """A booking roombot made (or is making), for "my bookings", cancel and double-click idempotency."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("team_id", "idempotency_key"),
        CheckConstraint(
            "status IN ('requested', 'booked', 'pending', 'cancelled', 'failed', 'declined')",
            name="status",
        ),
        Index(None, "team_id", "slack_user_id", "start_at"),
        Index(None, "team_id", "room_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(TEAM_ID)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    slack_user_id: Mapped[str] = mapped_column(SLACK_ID)
    channel_id: Mapped[str | None] = mapped_column(SLACK_ID)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    room_id: Mapped[str] = mapped_column(ROOM_ID)
    room_name: Mapped[str] = mapped_column(NAME)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    organizer_union_id: Mapped[str | None] = mapped_column(String(64))
    event_id: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Check-in (bot.usecases.checkin): each is set once, by one conditional UPDATE, so two clock
    # processes never remind or release the same booking twice.
    reminded_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    # "released" (no check-in), "skipped" (overdue after downtime), "ended" (ended early by its booker).
    release_reason: Mapped[str | None] = mapped_column(String(16))
    # The reconciler's bookkeeping for a `requested` booking: how often it was tried, and when it
    # may next be looked at (also the lease of the process booking it right now).
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_check_at: Mapped[datetime | None]
    # True once the booking was refused while DingTalk may still hold its event: release it.
    release: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # NOTIFY_OWED / NOTIFY_PROMISED while the user still waits for the final answer; else None.
    notify: Mapped[str | None] = mapped_column(String(16))
    # Approval follow-up: how often DingTalk was asked (None: never followed up), when to ask
    # next, and when the booker was told the outcome.
    approval_checks: Mapped[int | None] = mapped_column(Integer)
    approval_check_at: Mapped[datetime | None]
    outcome_notified_at: Mapped[datetime | None]


class ProcessedEvent(Base):
    """A Slack event id already handled: Slack retries deliveries, roombot answers once."""

    __tablename__ = "processed_events"
    __table_args__ = (Index(None, "processed_at"),)

    team_id: Mapped[str] = mapped_column(TEAM_ID, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    processed_at: Mapped[datetime]


class ScheduleCacheEntry(Base):
    """Busy items of one room over one local day (its UTC window), shared by every process."""

    __tablename__ = "schedule_cache"

    team_id: Mapped[str] = mapped_column(TEAM_ID, primary_key=True)
    room_id: Mapped[str] = mapped_column(ROOM_ID, primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    window_end: Mapped[datetime] = mapped_column(primary_key=True)
    # [{"status", "start", "end", "event_id", "organizer_id", "all_day"}, ...]; ISO 8601 times.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime]


class ScheduleRefreshRequest(Base):
    """A room an answer showed from the cache past its refresh age: the `refresh-schedules` job fetches
    it again. One row per room, however many answers asked, so many questions make one refresh."""

    __tablename__ = "schedule_refresh_requests"

    team_id: Mapped[str] = mapped_column(TEAM_ID, primary_key=True)
    room_id: Mapped[str] = mapped_column(ROOM_ID, primary_key=True)
    requested_at: Mapped[datetime]


class Job(Base):
    """A background job of `bot.jobs`: when it is next due, who holds it, and how its last runs went.

    A runner claims a due job by setting `locked_by`/`locked_until` in one conditional UPDATE, so
    two processes never run it at once; a lease that runs out frees the job of a process that died.
    `attempts` counts failures since the last success; `last_error` keeps the newest failure even
    after later successes, so `roombot jobs list` can still show what went wrong.
    """

    __tablename__ = "jobs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    interval_s: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_by: Mapped[str | None] = mapped_column(String(128))
    locked_until: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_duration_s: Mapped[float | None] = mapped_column(Float)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReminderPreference(Base):
    """How long before a booking its booker is reminded; `minutes` None means reminders off."""

    __tablename__ = "reminder_preferences"

    team_id: Mapped[str] = mapped_column(TEAM_ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    minutes: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class GroupCheckinGrace(Base):
    """A room group's own check-in grace period (minutes after the start; 0 turns auto-release off)."""

    __tablename__ = "group_checkin_grace"
    __table_args__ = (_of_group(),)

    team_id: Mapped[str] = mapped_column(TEAM_ID, primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grace_minutes: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class LinkCode(Base):
    """A pending `link`: a one-time code sent to a DingTalk account, kept only as a salted hash.

    One row per Slack user: asking again replaces the code. `attempts` counts wrong codes and
    `sends` the codes sent since `window_started_at`; past the limit the user waits until
    `cooldown_until`.
    """

    __tablename__ = "link_codes"

    team_id: Mapped[str] = mapped_column(TEAM_ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    union_id: Mapped[str | None] = mapped_column(String(64))
    code_hash: Mapped[str | None] = mapped_column(String(128))
    salt: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sends: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime | None]
    cooldown_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SuiteTicket(Base):
    """The latest suite ticket DingTalk pushed for a third-party app (about every 5 hours)."""

    __tablename__ = "suite_tickets"

    suite_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    ticket: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[datetime]


class ApiCallCount(Base):
    """Quota-counted DingTalk calls of one organisation in one calendar month, by API.

    Every process adds to the same rows (an atomic `calls = calls + n`), so the count is the
    organisation's, not one process's. `org` is the DingTalk organisation (its corp id, or the
    app key of an internal app); `month` is "YYYY-MM" in the organisation's zone.
    """

    __tablename__ = "api_call_counts"

    org: Mapped[str] = mapped_column(String(64), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    api: Mapped[str] = mapped_column(String(64), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class UserFetchCount(Base):
    """How many cold fetches (questions that cost DingTalk calls) a user caused in one hour."""

    __tablename__ = "user_fetch_counts"

    team_id: Mapped[str] = mapped_column(TEAM_ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    fetches: Mapped[int] = mapped_column(Integer, default=0)


class QuotaNotice(Base):
    """Something about the month's quota that happens once: the admins told it runs low, or
    DingTalk itself reporting the organisation's quota spent. The primary key makes "once" hold
    across processes."""

    __tablename__ = "quota_notices"

    org: Mapped[str] = mapped_column(String(64), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime]


__all__ = [
    "ApiCallCount",
    "QuotaNotice",
    "ScheduleRefreshRequest",
    "UserFetchCount",
    "BOOKING_BOOKED",
    "BOOKING_CANCELLED",
    "BOOKING_FAILED",
    "BOOKING_PENDING",
    "BOOKING_REQUESTED",
    "BOOKING_STATUSES",
    "SCOPES",
    "SCOPE_CHANNEL",
    "SCOPE_PERSONAL",
    "SCOPE_WORKSPACE",
    "Base",
    "Booking",
    "ChannelSetting",
    "DirectorySync",
    "GroupCheckinGrace",
    "GroupShare",
    "Job",
    "LinkCode",
    "ProcessedEvent",
    "ReminderPreference",
    "Room",
    "RoomGroup",
    "RoomGroupMember",
    "ScheduleCacheEntry",
    "SuiteTicket",
    "UTCDateTime",
    "User",
]
