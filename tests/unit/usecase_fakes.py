"""Simple in-memory fakes for the use case unit tests: no database, no HTTP.

Each fake keeps only what the use cases read and write, with the `Store` and DingTalk method
names the use cases call. `cast` hands them over where the real types are expected.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.dingtalk import DingTalkClient
from bot.dingtalk.wire import EventList
from bot.domain.models import Event, EventRoom, Room, RoomDetail, RoomSchedule, ScheduleItem
from bot.domain.policy import may_change
from bot.errors import ItemNotFound, NotAllowed, NotAllowedReason, RoomBusy, UnknownGroup, UnknownRoom, UpstreamUnavailable
from bot.schedules import ScheduleProvider, Schedules
from bot.store import BookingRecord, GroupRecord, Store, UserRecord
from bot.usecases.context import Admins, Asker, Askers, Directory, Guard, parse_settings_from
from bot.usecases.find import FindRooms

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


def asker(
    user_id: str = ALICE, *, channel_id: str | None = "C1", now: datetime = NOW, user_name: str | None = None
) -> Asker:
    return Asker(
        team_id=TEAM, user_id=user_id, channel_id=channel_id, zone=SHANGHAI, now=now, user_name=user_name or user_id
    )


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
class FakeRooms:
    """The rooms repository: a dict of rooms by id."""

    rows: dict[str, Room] = field(default_factory=dict)

    def synced_at(self, team_id: str) -> datetime | None:
        return NOW

    def get_many(self, team_id: str, room_ids: Iterable[str]) -> dict[str, Room]:
        return {room_id: self.rows[room_id] for room_id in room_ids if room_id in self.rows}

    def resolve(self, team_id: str, ref: str) -> Room:
        for room in self.rows.values():
            if ref in (room.room_id, room.name):
                return room
        raise UnknownRoom(ref)

    def search(self, team_id: str, prefix: str, limit: int = 20) -> list[Room]:
        return [room for room in self.rows.values() if room.name.lower().startswith(prefix.lower())][:limit]


@dataclass
class FakeGroups:
    """The groups repository: personal groups only, owner-or-admin changes."""

    rooms: FakeRooms
    ids: itertools.count[int]
    rows: dict[int, GroupRecord] = field(default_factory=dict)

    def add(self, name: str, room_ids: Sequence[str], *, owner: str = ALICE) -> GroupRecord:
        group_id = next(self.ids)
        group = GroupRecord(
            id=group_id, name=name, scope="personal", owner_user_id=owner, channel_id=None, room_ids=tuple(room_ids)
        )
        self.rows[group_id] = group
        return group

    def visible(self, team_id: str, *, user_id: str, channel_id: str | None = None) -> list[GroupRecord]:
        return [group for group in self.rows.values() if group.owner_user_id == user_id]

    def visible_page(
        self, team_id: str, *, user_id: str, channel_id: str | None = None, limit: int
    ) -> tuple[list[GroupRecord], int]:
        visible = self.visible(team_id, user_id=user_id, channel_id=channel_id)
        return visible[:limit], len(visible)

    def matching(self, team_id: str, name: str, *, user_id: str, channel_id: str | None = None) -> list[GroupRecord]:
        return [self.find(team_id, name, user_id=user_id, channel_id=channel_id)]

    def resolve(
        self, team_id: str, *, user_id: str, channel_id: str | None = None, name: str | None = None
    ) -> list[GroupRecord]:
        mine = self.visible(team_id, user_id=user_id)
        if name is not None:
            return [self.find(team_id, name, user_id=user_id)]
        return mine[:1]

    def find(self, team_id: str, name: str, *, user_id: str, channel_id: str | None = None) -> GroupRecord:
        for group in self.rows.values():
            if group.name == name:
                return group
        raise UnknownGroup(name)

    def get(self, team_id: str, group_id: int) -> GroupRecord:
        if group_id not in self.rows:
            raise UnknownGroup(str(group_id))
        return self.rows[group_id]

    def _change(self, group_id: int, acting_user: str, is_admin: bool, **changes: Any) -> GroupRecord:
        group = self.get(TEAM, group_id)
        if not may_change(owner_user_id=group.owner_user_id, acting_user=acting_user, is_admin=is_admin):
            raise NotAllowed(NotAllowedReason.CHANGE_GROUP)
        group = replace(group, **changes)
        self.rows[group_id] = group
        return group

    def _ids_of(self, team_id: str, refs: Sequence[str]) -> list[str]:
        return [self.rooms.resolve(team_id, ref).room_id for ref in refs]

    def create(
        self, team_id: str, *, name: str, scope: str, owner_user_id: str, room_refs: Sequence[str] = ()
    ) -> GroupRecord:
        return self.add(name, self._ids_of(team_id, room_refs), owner=owner_user_id)

    def add_rooms(
        self, team_id: str, group_id: int, refs: Sequence[str], *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        current = self.get(team_id, group_id).room_ids
        ids = self._ids_of(team_id, refs)
        return self._change(group_id, acting_user, is_admin, room_ids=tuple(dict.fromkeys([*current, *ids])))

    def remove_rooms(
        self, team_id: str, group_id: int, refs: Sequence[str], *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        gone = set(self._ids_of(team_id, refs))
        current = self.get(team_id, group_id).room_ids
        return self._change(group_id, acting_user, is_admin, room_ids=tuple(r for r in current if r not in gone))

    def set_rooms(
        self, team_id: str, group_id: int, refs: Sequence[str], *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        return self._change(group_id, acting_user, is_admin, room_ids=tuple(self._ids_of(team_id, refs)))

    def rename(self, team_id: str, group_id: int, new_name: str, *, acting_user: str, is_admin: bool = False) -> GroupRecord:
        return self._change(group_id, acting_user, is_admin, name=new_name)

    def delete(self, team_id: str, group_id: int, *, acting_user: str, is_admin: bool = False) -> None:
        self._change(group_id, acting_user, is_admin)
        del self.rows[group_id]

    def share(
        self, team_id: str, group_id: int, channel_id: str, *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        shared = (*self.get(team_id, group_id).shared_channel_ids, channel_id)
        return self._change(group_id, acting_user, is_admin, shared_channel_ids=shared)

    def import_dingtalk(self, team_id: str, *, acting_user: str) -> list[GroupRecord]:
        return [self.add("DingTalk HQ", list(self.rooms.rows), owner="")]


@dataclass
class FakeUsers:
    """The users repository: a dict of users by Slack id."""

    rows: dict[str, UserRecord] = field(default_factory=dict)

    def get(self, team_id: str, user_id: str) -> UserRecord | None:
        return self.rows.get(user_id)

    def _save(self, team_id: str, user_id: str, **changes: Any) -> UserRecord:
        user = replace(self.rows.get(user_id) or UserRecord(team_id=team_id, user_id=user_id), **changes)
        self.rows[user_id] = user
        return user

    def set_default_group(self, team_id: str, user_id: str, group_id: int | None) -> UserRecord:
        return self._save(team_id, user_id, default_group_id=group_id)

    def link(self, team_id: str, user_id: str, union_id: str | None, *, verified: bool = False) -> UserRecord:
        return self._save(team_id, user_id, union_id=union_id, verified=bool(union_id) and verified)

    def unlink(self, team_id: str, user_id: str) -> bool:
        user = self.rows.get(user_id)
        if user is None or not user.union_id:
            return False
        self._save(team_id, user_id, union_id=None, verified=False)
        return True

    def set_tz(self, team_id: str, user_id: str, tz: str | None, fetched_at: datetime) -> UserRecord:
        return self._save(team_id, user_id, tz=tz, tz_fetched_at=fetched_at)


@dataclass
class FakeBookings:
    """The bookings repository: rows by id, one per idempotency key."""

    rooms: FakeRooms
    ids: itertools.count[int]
    rows: dict[int, BookingRecord] = field(default_factory=dict)

    def add(self, user_id: str, room_id: str, start: datetime, *, status: str = "booked") -> BookingRecord:
        booking_id = next(self.ids)
        record = BookingRecord(
            id=booking_id,
            team_id=TEAM,
            idempotency_key=f"key-{booking_id}",
            slack_user_id=user_id,
            room_id=room_id,
            room_name=self.rooms.rows[room_id].name,
            start=start,
            end=start + timedelta(hours=1),
            status=status,
            event_id=f"E{booking_id}",
            organizer_union_id=f"union-{user_id}",
        )
        self.rows[booking_id] = record
        return record

    def begin(
        self, team_id: str, *, idempotency_key: str, lease: timedelta = timedelta(0), **fields: Any
    ) -> tuple[BookingRecord, bool]:
        for record in self.rows.values():
            if record.idempotency_key == idempotency_key:
                return record, False
        booking_id = next(self.ids)
        now = datetime.now(UTC)
        record = BookingRecord(
            id=booking_id,
            team_id=team_id,
            idempotency_key=idempotency_key,
            status="requested",
            created_at=now,
            attempts=1,
            next_check_at=now + lease,
            notify="owed",
            **fields,
        )
        self.rows[booking_id] = record
        return record, True

    def claim(self, team_id: str, booking_id: int, *, now: datetime, until: datetime) -> BookingRecord | None:
        record = self.rows[booking_id]
        if record.status != "requested" or (record.next_check_at is not None and record.next_check_at > now):
            return None
        return self._save(booking_id, next_check_at=until, attempts=record.attempts + 1)

    def promise(self, team_id: str, booking_id: int) -> None:
        self._save(booking_id, notify="promised")

    def record_event(self, team_id: str, booking_id: int, event_id: str) -> BookingRecord:
        return self._save(booking_id, event_id=event_id)

    def defer(self, team_id: str, booking_id: int, *, error: str, check_at: datetime, promised: bool) -> BookingRecord:
        notify = "promised" if promised else self.rows[booking_id].notify
        return self._save(booking_id, error=error, next_check_at=check_at, notify=notify)

    def refuse_later(self, team_id: str, booking_id: int, error: str, *, told: bool = True) -> BookingRecord:
        return self._save(booking_id, release=True, error=error, notify=self._kept(booking_id, told))

    def _kept(self, booking_id: int, told: bool) -> str | None:
        notify = self.rows[booking_id].notify
        if told:
            return "promised" if notify == "promised" else None
        return notify

    def _save(self, booking_id: int, **changes: Any) -> BookingRecord:
        self.rows[booking_id] = replace(self.rows[booking_id], **changes)
        return self.rows[booking_id]

    def complete(
        self, team_id: str, booking_id: int, *, event_id: str, status: str = "booked", told: bool = True
    ) -> BookingRecord:
        notify = self._kept(booking_id, told)
        return self._save(booking_id, event_id=event_id, status=status, next_check_at=None, notify=notify)

    def fail(self, team_id: str, booking_id: int, error: str, *, told: bool = True) -> BookingRecord:
        notify = self._kept(booking_id, told)
        return self._save(booking_id, status="failed", error=error, next_check_at=None, release=False, notify=notify)

    def get(self, team_id: str, booking_id: int) -> BookingRecord:
        return self.rows[booking_id]

    def cancel(
        self, team_id: str, booking_id: int, *, acting_user: str | None = None, is_admin: bool = False
    ) -> BookingRecord:
        return self._save(booking_id, status="cancelled")

    def for_user(
        self, team_id: str, *, user_id: str | None = None, start_after: datetime | None = None
    ) -> list[BookingRecord]:
        found = [
            b
            for b in self.rows.values()
            if b.status in ("booked", "pending")
            and (user_id is None or b.slack_user_id == user_id)
            and (start_after is None or b.end > start_after)
        ]
        return sorted(found, key=lambda b: b.start)

    # --- what the reconciler reads ---------------------------------------------------------

    def unsettled(self, team_id: str, *, due_at: datetime | None = None, limit: int = 200) -> list[BookingRecord]:
        return [
            b
            for b in self.rows.values()
            if b.team_id == team_id
            and b.status == "requested"
            and (due_at is None or b.next_check_at is None or b.next_check_at <= due_at)
        ][:limit]

    def owed_answers(self, team_id: str, *, limit: int = 200) -> list[BookingRecord]:
        return [b for b in self.rows.values() if b.team_id == team_id and b.status != "requested" and b.notify][:limit]

    def team_ids_with_work(self) -> list[str]:
        return sorted({b.team_id for b in self.rows.values() if b.status == "requested" or b.notify})

    def by_key(self, team_id: str, idempotency_key: str) -> BookingRecord | None:
        return next((b for b in self.rows.values() if b.team_id == team_id and b.idempotency_key == idempotency_key), None)

    def told(self, team_id: str, booking_id: int) -> None:
        self._save(booking_id, notify=None)


@dataclass
class FakeNotifier:
    """Slack as the reconciler sees it: what each user was told, and where."""

    told: list[tuple[str, str | None, str | None, str]] = field(default_factory=list)
    down: bool = False

    def tell(self, *, team_id: str, user_id: str, channel_id: str | None, thread_ts: str | None, text: str) -> bool:
        if self.down:
            return False
        self.told.append((user_id, channel_id, thread_ts, text))
        return True


@dataclass
class FakeEvents:
    """Processed Slack event ids."""

    seen: set[str] = field(default_factory=set)

    def mark_processed(self, team_id: str, event_id: str, now: datetime) -> bool:
        first = event_id not in self.seen
        self.seen.add(event_id)
        return first


class FakeStore:
    """The store's repositories as in-memory fakes, plus shortcuts to set a scene."""

    def __init__(self) -> None:
        ids = itertools.count(1)
        self.rooms = FakeRooms()
        self.groups = FakeGroups(rooms=self.rooms, ids=ids)
        self.users = FakeUsers()
        self.bookings = FakeBookings(rooms=self.rooms, ids=ids)
        self.events = FakeEvents()

    def as_store(self) -> Store:
        return cast(Store, self)

    def ping(self) -> None:
        return None

    def add_room(self, room_id: str, name: str, capacity: int | None = None) -> Room:
        room = Room(team_id=TEAM, room_id=room_id, name=name, capacity=capacity)
        self.rooms.rows[room_id] = room
        return room

    def add_group(self, name: str, room_ids: Sequence[str], *, owner: str = ALICE) -> GroupRecord:
        return self.groups.add(name, room_ids, owner=owner)

    def add_booking(self, user_id: str, room_id: str, start: datetime, *, status: str = "booked") -> BookingRecord:
        return self.bookings.add(user_id, room_id, start, status=status)


class FakeSchedules:
    """Fixed busy items per room; records invalidations."""

    def __init__(self, busy: dict[str, list[tuple[datetime, datetime]]] | None = None) -> None:
        self.busy = busy or {}
        self.invalidated: list[str] = []
        self.asked: list[list[str]] = []
        self.refreshes: list[bool] = []
        self.recorded: list[tuple[str, ScheduleItem]] = []
        self.cancelled: list[tuple[str, str]] = []

    def as_provider(self) -> ScheduleProvider:
        return cast(ScheduleProvider, self)

    def get(
        self,
        team_id: str,
        room_ids: Sequence[str],
        start: datetime,
        end: datetime,
        zone: ZoneInfo,
        *,
        user_id: str | None = None,
        refresh: bool = False,
        verify: Collection[str] | None = None,
        planned: int = 1,
    ) -> Schedules:
        self.asked.append(list(room_ids))
        self.refreshes.append(refresh)
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

    def record_booking(self, team_id: str, room_id: str, item: ScheduleItem) -> None:
        self.recorded.append((room_id, item))

    def record_cancel(self, team_id: str, room_id: str, event_id: str) -> None:
        self.cancelled.append((room_id, event_id))


class FakeDingTalk:
    """Books into a list of events; `busy_rooms` refuse to be added, as DingTalk's meetingRoomNotAvailable."""

    def __init__(self) -> None:
        self.events: dict[str, Event] = {}
        self.deleted: list[str] = []
        self.busy_rooms: set[str] = set()
        self.mobiles: dict[str, str] = {}
        self.union_ids: dict[str, str] = {}
        self._ids = itertools.count(1)
        self.by_token: dict[str, str] = {}  # x-client-token of a create -> its event (DingTalk's idempotency)
        self.lost_creates = 0  # creates carried out whose answer is lost (UpstreamUnavailable)
        self.failing_deletes = 0  # deletes that fail (UpstreamUnavailable)
        self.list_calls = 0

    def as_client(self) -> DingTalkClient:
        return cast(DingTalkClient, self)

    def get_room(self, union_id: str, room_id: str) -> RoomDetail:
        return RoomDetail(room=Room(room_id=room_id, name=room_id))

    def create_event(
        self,
        organizer: str,
        *,
        summary: str,
        start: datetime,
        end: datetime,
        description: str = "",
        client_token: str | None = None,
        **_: Any,
    ) -> Event:
        known = self.by_token.get(client_token or "")
        if known is not None and known in self.events:
            event = self.events[known]
        else:
            event = Event(
                event_id=f"EV{next(self._ids)}",
                summary=summary,
                start=start,
                end=end,
                organizer_id=organizer,
                description=description,
            )
            self.events[event.event_id] = event
            if client_token:
                self.by_token[client_token] = event.event_id
        if self.lost_creates > 0:
            self.lost_creates -= 1
            raise UpstreamUnavailable("the answer was lost", code="systemError")
        return event

    def list_events(self, union_id: str, *, time_min: datetime, time_max: datetime) -> EventList:
        found = [e for e in self.events.values() if e.organizer_id == union_id and e.start < time_max and e.end > time_min]
        self.list_calls += 1
        return EventList(events=sorted(found, key=lambda e: e.start), calls=1)

    def get_event(self, organizer: str, event_id: str) -> Event:
        if event_id not in self.events:
            raise ItemNotFound("event not found", code="itemNotFound")
        return self.events[event_id]

    def add_rooms(self, organizer: str, event_id: str, room_ids: Sequence[str], **_: Any) -> None:
        if set(room_ids) & self.busy_rooms:
            raise RoomBusy("meetingRoomNotAvailable", code="meetingRoomNotAvailable")
        event = self.events[event_id]
        rooms = tuple(EventRoom(room_id=room, status="accepted") for room in room_ids)
        self.events[event_id] = replace(event, meeting_rooms=rooms)

    def delete_event(self, organizer: str, event_id: str, **_: Any) -> None:
        if self.failing_deletes > 0:
            self.failing_deletes -= 1
            raise UpstreamUnavailable("delete failed", code="systemError")
        self.deleted.append(event_id)
        self.events.pop(event_id, None)

    def find_user_id_by_mobile(self, mobile: str) -> str:
        return self.mobiles[mobile]

    def get_user_union_id(self, user_id: str) -> str:
        return self.union_ids[user_id]

    def get_user_id_by_union_id(self, union_id: str) -> str:
        return next(user for user, union in self.union_ids.items() if union == union_id)


def find_rooms(
    store: FakeStore,
    schedules: FakeSchedules | None = None,
    *,
    directory: FakeDirectory | None = None,
    config: Settings | None = None,
) -> FindRooms:
    """Finding rooms over the fakes at NOW, with the default settings unless `config` is given."""
    return FindRooms(
        settings=config or settings(),
        store=store.as_store(),
        schedules=(schedules or FakeSchedules()).as_provider(),
        directory=(directory or FakeDirectory()).as_directory(),
        askers=askers(),
        side_work=ThreadPoolExecutor(max_workers=1),
        clock=lambda: NOW,
    )
