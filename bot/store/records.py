"""What the store hands out besides the domain types: small frozen records, never ORM objects.

Rooms come back as `bot.domain.models.Room`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.models import RoomSchedule


@dataclass(frozen=True)
class UserRecord:
    team_id: str
    user_id: str
    union_id: str | None = None
    tz: str | None = None
    tz_fetched_at: datetime | None = None
    default_group_id: int | None = None
    verified: bool = False  # the user proved the linked account is theirs

    @property
    def linked(self) -> bool:
        return bool(self.union_id)


@dataclass(frozen=True)
class GroupRecord:
    """A room group; `room_ids` in the group's order (unlisted rooms included: check `Room.listed`).

    `scope` is "personal" (only `owner_user_id` sees it), "channel" (made for `channel_id`) or
    "workspace". `shared_channel_ids` are further channels it is shared with.
    """

    id: int
    name: str
    scope: str
    owner_user_id: str
    channel_id: str | None
    room_ids: tuple[str, ...]
    team_id: str = ""
    dingtalk_group_id: int | None = None
    shared_channel_ids: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.room_ids


@dataclass(frozen=True)
class BookingRecord:
    id: int
    team_id: str
    idempotency_key: str
    slack_user_id: str
    room_id: str
    room_name: str
    start: datetime
    end: datetime
    status: str
    event_id: str | None = None
    organizer_union_id: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    error: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    reminded_at: datetime | None = None
    checked_in_at: datetime | None = None
    released_at: datetime | None = None
    release_reason: str | None = None  # "released", "skipped" or "ended"
    attempts: int = 0
    next_check_at: datetime | None = None
    release: bool = False
    notify: str | None = None
    approval_checks: int | None = None  # reads of a pending approval so far (None: never followed up)

    @property
    def active(self) -> bool:
        """Booked, pending approval, or still being booked."""
        return self.status in ("requested", "booked", "pending")


@dataclass(frozen=True)
class SyncReport:
    """What a directory sync did: rooms added (or listed again), changed, and no longer listed."""

    added: int
    changed: int
    removed: int
    total: int


@dataclass(frozen=True)
class CachedSchedule:
    schedule: RoomSchedule
    fetched_at: datetime


__all__ = ["BookingRecord", "CachedSchedule", "GroupRecord", "SyncReport", "UserRecord"]
