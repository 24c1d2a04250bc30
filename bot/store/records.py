"""What the store hands out: small frozen records, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.dingtalk.models import Label, Room, RoomGroupRef, RoomSchedule


@dataclass(frozen=True)
class UserRecord:
    team_id: str
    user_id: str
    union_id: str | None = None
    tz: str | None = None
    tz_fetched_at: datetime | None = None
    default_group_id: int | None = None

    @property
    def linked(self) -> bool:
        return bool(self.union_id)


@dataclass(frozen=True)
class RoomRecord:
    """A room of the synced directory. `listed` is False once DingTalk stopped listing it."""

    team_id: str
    room_id: str
    name: str
    capacity: int | None = None
    location_title: str = ""
    location_desc: str = ""
    labels: tuple[Label, ...] = ()
    dingtalk_group_id: int | None = None
    dingtalk_group_name: str | None = None
    listed: bool = True
    synced_at: datetime | None = None

    @property
    def location(self) -> str:
        """Title and description of the location, for display."""
        return " · ".join(part for part in (self.location_title, self.location_desc) if part)

    @property
    def label_ids(self) -> tuple[int, ...]:
        return tuple(label.id for label in self.labels)

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)

    def as_room(self) -> Room:
        """The same room as DingTalk's model, for code that works on `bot.dingtalk.models.Room`."""
        group = None
        if self.dingtalk_group_id is not None:
            group = RoomGroupRef(group_id=self.dingtalk_group_id, name=self.dingtalk_group_name or "")
        return Room(
            room_id=self.room_id,
            name=self.name,
            capacity=self.capacity,
            location_title=self.location_title,
            location_desc=self.location_desc,
            labels=self.labels,
            group=group,
        )


@dataclass(frozen=True)
class GroupRecord:
    """A room group; `room_ids` in the group's order (unlisted rooms included: check `RoomRecord.listed`).

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


__all__ = ["BookingRecord", "CachedSchedule", "GroupRecord", "RoomRecord", "SyncReport", "UserRecord"]
