"""Simple in-memory fakes for the use case unit tests: no database, no HTTP.

Each fake keeps only what the use cases read and write, with the `Store` and DingTalk method
names the use cases call. `cast` hands them over where the real types are expected.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.dingtalk import DingTalkClient
from bot.domain.models import Event, EventRoom, Room, RoomDetail, RoomSchedule, ScheduleItem
from bot.domain.policy import may_change
from bot.errors import NotAllowed, NotAllowedReason, RoomBusy, UnknownGroup, UnknownRoom
from bot.schedules import ScheduleProvider, Schedules
from bot.store import BookingRecord, GroupRecord, Store, UserRecord
from bot.usecases.context import Admins, Asker, Askers, Directory, Guard, parse_settings_from

TEAM = "T1"
ALICE = "U_ALICE"
BOB = "U_BOB"
ADMIN = "U_ADMIN"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday, 10:00 in Shanghai.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
LOG = logging.getLogger("tests.usecases")


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"default_tz": "Asia/Shanghai", "admin_user_ids": (ADMIN,)}
    values.update(overrides)
    return Settings(**values)


def asker(user_id: str = ALICE, *, channel_id: str | None = "C1", now: datetime = NOW) -> Asker:
    return Asker(team_id=TEAM, user_id=user_id, channel_id=channel_id, zone=SHANGHAI, now=now, user_name=user_id)


def askers() -> Askers:
    return Askers(default_zone=SHANGHAI, parse_settings=parse_settings_from(settings()), clock=lambda: NOW)


def admins() -> Admins:
    return Admins(user_ids=(ADMIN,))


def guard() -> Guard:
    return Guard(log=LOG)


class FakeDirectory:
    """Counts freshness checks instead of syncing."""

    def __init__(self) -> None:
        self.checked: list[str] = []

    def ensure_fresh(self, team_id: str) -> None:
        self.checked.append(team_id)

    def as_directory(self) -> Directory:
        return cast(Directory, self)


@dataclass
class FakeStore:
    rooms: dict[str, Room] = field(default_factory=dict)
    groups: dict[int, GroupRecord] = field(default_factory=dict)
    users: dict[str, UserRecord] = field(default_factory=dict)
    bookings: dict[int, BookingRecord] = field(default_factory=dict)
    events_seen: set[str] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def as_store(self) -> Store:
        return cast(Store, self)

    # directory and housekeeping
    def directory_synced_at(self, team_id: str) -> datetime | None:
        return NOW

    def mark_event_processed(self, team_id: str, event_id: str, now: datetime) -> bool:
        first = event_id not in self.events_seen
        self.events_seen.add(event_id)
        return first

    def ping(self) -> None:
        return None

    # rooms
    def add_room(self, room_id: str, name: str, capacity: int | None = None) -> Room:
        room = Room(team_id=TEAM, room_id=room_id, name=name, capacity=capacity)
        self.rooms[room_id] = room
        return room

    def get_rooms(self, team_id: str, room_ids: Iterable[str]) -> dict[str, Room]:
        return {room_id: self.rooms[room_id] for room_id in room_ids if room_id in self.rooms}

    def resolve_room(self, team_id: str, ref: str) -> Room:
        for room in self.rooms.values():
            if ref in (room.room_id, room.name):
                return room
        raise UnknownRoom(ref)

    def search_rooms(self, team_id: str, prefix: str, limit: int = 20) -> list[Room]:
        return [room for room in self.rooms.values() if room.name.lower().startswith(prefix.lower())][:limit]

    # groups
    def add_group(self, name: str, room_ids: Sequence[str], *, owner: str = ALICE) -> GroupRecord:
        group_id = next(self._ids)
        group = GroupRecord(
            id=group_id, name=name, scope="personal", owner_user_id=owner, channel_id=None, room_ids=tuple(room_ids)
        )
        self.groups[group_id] = group
        return group

    def list_groups(self, team_id: str, *, user_id: str, channel_id: str | None = None) -> list[GroupRecord]:
        return [group for group in self.groups.values() if group.owner_user_id == user_id]

    def resolve_groups(
        self, team_id: str, *, user_id: str, channel_id: str | None = None, name: str | None = None
    ) -> list[GroupRecord]:
        mine = self.list_groups(team_id, user_id=user_id)
        if name is not None:
            return [self.find_group(team_id, name, user_id=user_id)]
        return mine[:1]

    def find_group(self, team_id: str, name: str, *, user_id: str, channel_id: str | None = None) -> GroupRecord:
        for group in self.groups.values():
            if group.name == name:
                return group
        raise UnknownGroup(name)

    def get_group(self, team_id: str, group_id: int) -> GroupRecord:
        if group_id not in self.groups:
            raise UnknownGroup(str(group_id))
        return self.groups[group_id]

    def _change(self, group_id: int, acting_user: str, is_admin: bool, **changes: Any) -> GroupRecord:
        group = self.get_group(TEAM, group_id)
        if not may_change(owner_user_id=group.owner_user_id, acting_user=acting_user, is_admin=is_admin):
            raise NotAllowed(NotAllowedReason.CHANGE_GROUP)
        group = replace(group, **changes)
        self.groups[group_id] = group
        return group

    def create_group(
        self, team_id: str, *, name: str, scope: str, owner_user_id: str, room_refs: Sequence[str] = ()
    ) -> GroupRecord:
        ids = [self.resolve_room(team_id, ref).room_id for ref in room_refs]
        return self.add_group(name, ids, owner=owner_user_id)

    def add_rooms(
        self, team_id: str, group_id: int, refs: Sequence[str], *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        current = self.get_group(team_id, group_id).room_ids
        ids = [self.resolve_room(team_id, ref).room_id for ref in refs]
        return self._change(group_id, acting_user, is_admin, room_ids=tuple(dict.fromkeys([*current, *ids])))

    def remove_rooms(
        self, team_id: str, group_id: int, refs: Sequence[str], *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        gone = {self.resolve_room(team_id, ref).room_id for ref in refs}
        current = self.get_group(team_id, group_id).room_ids
        return self._change(group_id, acting_user, is_admin, room_ids=tuple(r for r in current if r not in gone))

    def set_group_rooms(
        self, team_id: str, group_id: int, refs: Sequence[str], *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        ids = [self.resolve_room(team_id, ref).room_id for ref in refs]
        return self._change(group_id, acting_user, is_admin, room_ids=tuple(ids))

    def rename_group(
        self, team_id: str, group_id: int, new_name: str, *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        return self._change(group_id, acting_user, is_admin, name=new_name)

    def delete_group(self, team_id: str, group_id: int, *, acting_user: str, is_admin: bool = False) -> None:
        self._change(group_id, acting_user, is_admin)
        del self.groups[group_id]

    def share_group(
        self, team_id: str, group_id: int, channel_id: str, *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        group = self.get_group(team_id, group_id)
        shared = (*group.shared_channel_ids, channel_id)
        return self._change(group_id, acting_user, is_admin, shared_channel_ids=shared)

    def import_dingtalk_groups(self, team_id: str, *, acting_user: str) -> list[GroupRecord]:
        return [self.add_group("DingTalk HQ", list(self.rooms), owner="")]

    # users
    def get_user(self, team_id: str, user_id: str) -> UserRecord | None:
        return self.users.get(user_id)

    def set_user_default_group(self, team_id: str, user_id: str, group_id: int | None) -> UserRecord:
        user = replace(self.users.get(user_id) or UserRecord(team_id=team_id, user_id=user_id), default_group_id=group_id)
        self.users[user_id] = user
        return user

    def link_user(self, team_id: str, user_id: str, union_id: str | None) -> UserRecord:
        user = replace(self.users.get(user_id) or UserRecord(team_id=team_id, user_id=user_id), union_id=union_id)
        self.users[user_id] = user
        return user

    def set_user_tz(self, team_id: str, user_id: str, tz: str | None, fetched_at: datetime) -> UserRecord:
        base = self.users.get(user_id) or UserRecord(team_id=team_id, user_id=user_id)
        user = replace(base, tz=tz, tz_fetched_at=fetched_at)
        self.users[user_id] = user
        return user

    # bookings
    def add_booking(self, user_id: str, room_id: str, start: datetime, *, status: str = "booked") -> BookingRecord:
        booking_id = next(self._ids)
        record = BookingRecord(
            id=booking_id,
            team_id=TEAM,
            idempotency_key=f"key-{booking_id}",
            slack_user_id=user_id,
            room_id=room_id,
            room_name=self.rooms[room_id].name,
            start=start,
            end=start + timedelta(hours=1),
            status=status,
            event_id=f"E{booking_id}",
            organizer_union_id=f"union-{user_id}",
        )
        self.bookings[booking_id] = record
        return record

    def begin_booking(self, team_id: str, *, idempotency_key: str, **fields: Any) -> tuple[BookingRecord, bool]:
        for record in self.bookings.values():
            if record.idempotency_key == idempotency_key:
                return record, False
        booking_id = next(self._ids)
        record = BookingRecord(
            id=booking_id,
            team_id=team_id,
            idempotency_key=idempotency_key,
            status="requested",
            created_at=datetime.now(UTC),
            **fields,
        )
        self.bookings[booking_id] = record
        return record, True

    def complete_booking(self, team_id: str, booking_id: int, *, event_id: str, status: str = "booked") -> BookingRecord:
        self.bookings[booking_id] = replace(self.bookings[booking_id], event_id=event_id, status=status)
        return self.bookings[booking_id]

    def fail_booking(self, team_id: str, booking_id: int, error: str) -> BookingRecord:
        self.bookings[booking_id] = replace(self.bookings[booking_id], status="failed", error=error)
        return self.bookings[booking_id]

    def get_booking(self, team_id: str, booking_id: int) -> BookingRecord:
        return self.bookings[booking_id]

    def cancel_booking(
        self, team_id: str, booking_id: int, *, acting_user: str | None = None, is_admin: bool = False
    ) -> BookingRecord:
        self.bookings[booking_id] = replace(self.bookings[booking_id], status="cancelled")
        return self.bookings[booking_id]

    def list_bookings(
        self, team_id: str, *, user_id: str | None = None, start_after: datetime | None = None
    ) -> list[BookingRecord]:
        found = [
            b
            for b in self.bookings.values()
            if b.status in ("booked", "pending")
            and (user_id is None or b.slack_user_id == user_id)
            and (start_after is None or b.end > start_after)
        ]
        return sorted(found, key=lambda b: b.start)


class FakeSchedules:
    """Fixed busy items per room; records invalidations."""

    def __init__(self, busy: dict[str, list[tuple[datetime, datetime]]] | None = None) -> None:
        self.busy = busy or {}
        self.invalidated: list[str] = []
        self.asked: list[list[str]] = []

    def as_provider(self) -> ScheduleProvider:
        return cast(ScheduleProvider, self)

    def get(self, team_id: str, room_ids: Sequence[str], start: datetime, end: datetime, zone: ZoneInfo) -> Schedules:
        self.asked.append(list(room_ids))
        by_room = {
            room_id: RoomSchedule(
                room_id=room_id,
                items=tuple(ScheduleItem(status="BUSY", start=s, end=e) for s, e in self.busy.get(room_id, [])),
            )
            for room_id in room_ids
        }
        return Schedules(by_room=by_room, fetched_at=NOW, upstream_calls_made=False)

    def invalidate(self, team_id: str, room_ids: Sequence[str]) -> None:
        self.invalidated.extend(room_ids)


class FakeDingTalk:
    """Books into a list of events; `busy_rooms` refuse to be added, as DingTalk's meetingRoomNotAvailable."""

    def __init__(self) -> None:
        self.events: dict[str, Event] = {}
        self.deleted: list[str] = []
        self.busy_rooms: set[str] = set()
        self.mobiles: dict[str, str] = {}
        self.union_ids: dict[str, str] = {}
        self._ids = itertools.count(1)

    def as_client(self) -> DingTalkClient:
        return cast(DingTalkClient, self)

    def get_room(self, union_id: str, room_id: str) -> RoomDetail:
        return RoomDetail(room=Room(room_id=room_id, name=room_id))

    def create_event(self, organizer: str, *, summary: str, start: datetime, end: datetime, **_: Any) -> Event:
        event = Event(event_id=f"EV{next(self._ids)}", summary=summary, start=start, end=end, organizer_id=organizer)
        self.events[event.event_id] = event
        return event

    def add_rooms(self, organizer: str, event_id: str, room_ids: Sequence[str], **_: Any) -> None:
        if set(room_ids) & self.busy_rooms:
            raise RoomBusy("meetingRoomNotAvailable", code="meetingRoomNotAvailable")
        event = self.events[event_id]
        rooms = tuple(EventRoom(room_id=room, status="accepted") for room in room_ids)
        self.events[event_id] = replace(event, meeting_rooms=rooms)

    def delete_event(self, organizer: str, event_id: str, **_: Any) -> None:
        self.deleted.append(event_id)
        self.events.pop(event_id, None)

    def find_user_id_by_mobile(self, mobile: str) -> str:
        return self.mobiles[mobile]

    def get_user_union_id(self, user_id: str) -> str:
        return self.union_ids[user_id]

    def get_user_id_by_union_id(self, union_id: str) -> str:
        return next(user for user, union in self.union_ids.items() if union == union_id)
