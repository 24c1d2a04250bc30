"""Free/busy through the shared schedule cache, spending as few DingTalk calls as possible.

The monthly quota of a standard DingTalk organisation is about 5,000 calls, so every question
goes through here:

- whole local days are fetched, so a follow-up question about the same day costs nothing;
- days are cached in the database for `ttl_s`, shared by every process;
- identical fetches in flight at the same moment are collapsed into one (per process, or across
  processes when a shared `SingleFlight` is injected);
- booking or cancelling a room invalidates its cached days.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from bot.config import Clock
from bot.domain.models import RoomSchedule, ScheduleItem

T = TypeVar("T")


class ScheduleSource(Protocol):
    """What the provider needs from the DingTalk client."""

    def query_schedules(
        self, union_id: str, room_ids: Sequence[str], start: datetime, end: datetime
    ) -> list[RoomSchedule]: ...


class ScheduleCache(Protocol):
    """What the provider needs from the store."""

    def get(
        self,
        team_id: str,
        room_ids: Iterable[str],
        window_start: datetime,
        window_end: datetime,
        *,
        max_age_s: float,
        now: datetime,
    ) -> Mapping[str, CachedLike]: ...

    def put(
        self,
        team_id: str,
        window_start: datetime,
        window_end: datetime,
        schedules: Sequence[RoomSchedule],
        *,
        fetched_at: datetime,
    ) -> None: ...

    def invalidate(self, team_id: str, room_ids: Sequence[str]) -> None: ...


class CachedLike(Protocol):
    @property
    def schedule(self) -> RoomSchedule: ...

    @property
    def fetched_at(self) -> datetime: ...


class SingleFlight:
    """Collapse identical calls in flight at the same moment into one (per process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[Hashable, Future[object]] = {}

    def do(self, key: Hashable, fn: Callable[[], T]) -> T:
        with self._lock:
            future = self._calls.get(key)
            leader = future is None
            if future is None:
                future = Future()
                self._calls[key] = future
        if not leader:
            return future.result()  # type: ignore[return-value]
        try:
            result = fn()
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            future.set_result(result)
            return result
        finally:
            with self._lock:
                self._calls.pop(key, None)


@dataclass(frozen=True)
class Schedules:
    """Free/busy of the asked rooms, and when the oldest piece of it was fetched."""

    by_room: dict[str, RoomSchedule]
    fetched_at: datetime | None
    upstream_calls_made: bool


def local_days(start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The whole local days (as aware datetimes in `zone`) that [start, end) touches."""
    first = start.astimezone(zone).date()
    last_moment = max(start, end - timedelta(microseconds=1))
    last = last_moment.astimezone(zone).date()
    days: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        days.append((_midnight(day, zone), _midnight(day + timedelta(days=1), zone)))
        day += timedelta(days=1)
    return days


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


class ScheduleProvider:
    """Answers "what is booked in these rooms over this window" from the cache or DingTalk."""

    def __init__(
        self,
        *,
        store: ScheduleCache,
        source: ScheduleSource,
        union_id: str,
        clock: Clock,
        ttl_s: float = 60.0,
        single_flight: SingleFlight | None = None,
        org_zone: ZoneInfo | None = None,
    ) -> None:
        self._org_zone = org_zone
        self._store = store
        self._source = source
        self._union_id = union_id
        self._clock = clock
        self._ttl_s = ttl_s
        self._single_flight = single_flight or SingleFlight()

    def get(self, team_id: str, room_ids: Sequence[str], start: datetime, end: datetime, zone: ZoneInfo) -> Schedules:
        """Schedules of `room_ids` over the local days that [start, end) touches."""
        room_ids = list(dict.fromkeys(room_ids))
        days = local_days(start, end, zone)
        now = self._clock()
        cached: list[Mapping[str, CachedLike]] = []
        missing: set[str] = set()
        for day_start, day_end in days:
            hits = self._store.get(team_id, room_ids, day_start, day_end, max_age_s=self._ttl_s, now=now)
            cached.append(hits)
            missing.update(room for room in room_ids if room not in hits)

        fetched: dict[str, RoomSchedule] = {}
        if missing:
            ordered_missing = tuple(room for room in room_ids if room in missing)
            key = (team_id, ordered_missing, days[0][0].isoformat(), days[-1][1].isoformat())
            fetched = self._single_flight.do(key, lambda: self._fetch(team_id, ordered_missing, days))

        by_room: dict[str, RoomSchedule] = {}
        oldest: datetime | None = None
        for room in room_ids:
            if room in fetched:
                by_room[room] = fetched[room]
                oldest = now if oldest is None else min(oldest, now)
                continue
            parts = [hits[room] for hits in cached if room in hits]
            by_room[room] = _merge(room, [part.schedule for part in parts])
            for part in parts:
                oldest = part.fetched_at if oldest is None else min(oldest, part.fetched_at)
        return Schedules(by_room=by_room, fetched_at=oldest, upstream_calls_made=bool(missing))

    def invalidate(self, team_id: str, room_ids: Sequence[str]) -> None:
        self._store.invalidate(team_id, list(room_ids))

    def _fetch(
        self, team_id: str, room_ids: Sequence[str], days: Sequence[tuple[datetime, datetime]]
    ) -> dict[str, RoomSchedule]:
        # Another thread or process may have filled the cache since we looked: check once more.
        now = self._clock()
        fresh = [
            self._store.get(team_id, room_ids, day_start, day_end, max_age_s=self._ttl_s, now=now)
            for day_start, day_end in days
        ]
        if all(room in hits for hits in fresh for room in room_ids):
            return {room: _merge(room, [hits[room].schedule for hits in fresh]) for room in room_ids}
        # One query over the whole span costs the same as one day; it is split per day for the cache.
        span_start, span_end = days[0][0], days[-1][1]
        fetched_at = self._clock()
        schedules = self._source.query_schedules(self._union_id, list(room_ids), span_start, span_end)
        if self._org_zone is not None:
            # Before the per-day split: an all-day item must land in the local days it really covers.
            schedules = [place_all_day(schedule, self._org_zone) for schedule in schedules]
        # A room DingTalk could not answer for (a malformed batch, an outage on one call) is not
        # cached: the next question asks again, so the answer heals as soon as DingTalk does.
        answered = [s for s in schedules if not s.error]
        for day_start, day_end in days:
            self._store.put(
                team_id, day_start, day_end, [_clip(s, day_start, day_end) for s in answered], fetched_at=fetched_at
            )
        return {s.room_id: s for s in schedules}


def place_all_day(schedule: RoomSchedule, org_zone: ZoneInfo) -> RoomSchedule:
    """The schedule with its all-day items on their calendar dates in the organisation's zone.

    DingTalk writes an all-day item as UTC midnights (`2026-12-04T00:00Z`..`2026-12-05T00:00Z`);
    the room is taken for that date where the organisation is, midnight to midnight there.
    """
    if not any(item.all_day for item in schedule.items):
        return schedule
    items = []
    for item in schedule.items:
        if item.all_day:
            first, last = item.start.date(), item.end.date()
            if item.end.time() != time(0) or last <= first:
                last += timedelta(days=1)
            item = replace(item, start=_midnight(first, org_zone), end=_midnight(last, org_zone))
        items.append(item)
    return replace(schedule, items=tuple(items))


def _overlaps(item: ScheduleItem, start: datetime, end: datetime) -> bool:
    return item.start < end and item.end > start


def _clip(schedule: RoomSchedule, start: datetime, end: datetime) -> RoomSchedule:
    """The part of a schedule that touches one day (items keep their real ends)."""
    items = tuple(item for item in schedule.items if _overlaps(item, start, end))
    return RoomSchedule(room_id=schedule.room_id, items=items, error=schedule.error)


def _merge(room_id: str, parts: Iterable[RoomSchedule]) -> RoomSchedule:
    """Join per-day schedules; an item spanning several days appears once."""
    seen: set[tuple[str | None, datetime, datetime, str]] = set()
    items: list[ScheduleItem] = []
    error: str | None = None
    for part in parts:
        error = error or part.error
        for item in part.items:
            key = (item.event_id, item.start, item.end, item.status)
            if key not in seen:
                seen.add(key)
                items.append(item)
    items.sort(key=lambda item: (item.start, item.end))
    return RoomSchedule(room_id=room_id, items=tuple(items), error=error)
