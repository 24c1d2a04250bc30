"""Free/busy through the shared schedule cache, spending as few DingTalk calls as possible.

The monthly quota of a standard DingTalk organisation is about 5,000 calls, so every question
goes through here:

- one fetch covers a horizon of whole local days (today and the next few), so a follow-up
  question about any of those days costs nothing: one call costs the same for one day or 90;
- days are cached in the database, shared by every process, and refetched when older than the
  refresh age the monthly budget allows (`bot.quota`): today's data more often than later days';
- when the budget, the asker's fair share or DingTalk's own quota holds a fetch, the cached data
  is served with its age, whatever that age (`Schedules.held` says why);
- identical fetches in flight at the same moment are collapsed into one (per process, or across
  processes when a shared `SingleFlight` is injected);
- booking or cancelling a room invalidates its cached days.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from bot.config import Clock
from bot.domain.models import RoomSchedule, ScheduleItem
from bot.errors import HeldReason, QuotaExhausted, SearchHeld
from bot.quota import ALLOWED, Decision, QuotaKeeper, QuotaStatus

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

    def put_windows(
        self,
        team_id: str,
        windows: Sequence[tuple[datetime, datetime, Sequence[RoomSchedule]]],
        *,
        fetched_at: datetime,
    ) -> None: ...

    def invalidate(self, team_id: str, room_ids: Sequence[str]) -> None: ...

    def apply_change(
        self, team_id: str, room_id: str, *, add: ScheduleItem | None = None, remove_event_id: str | None = None
    ) -> None: ...


RefreshRequester = Callable[[str, Sequence[str], datetime], None]
"""Queues a durable refresh of `room_ids` of team `team_id` (asked at `now`) for the job runner."""


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
    """Free/busy of the asked rooms, and when the oldest piece of it was fetched.

    Attributes:
        held: why stale data was served instead of asking DingTalk (budget, fairness, DingTalk's
            own quota, a Refresh too soon), or None when the data is as fresh as the budget wants.
        until: when that hold ends, if known.
        running_low: the month's projected use passes the budget.
        fetched_at_by_room: when each room's data was fetched (the oldest of its days).
        stale: rooms served from the cache although past their refresh age that a call with `verify`
            would fetch: an answer verifies the ones it shows (`ScheduleProvider.get`'s `verify`).
            Empty when the provider does not verify shown rooms, or searching is held.
    """

    by_room: dict[str, RoomSchedule]
    fetched_at: datetime | None
    upstream_calls_made: bool
    held: HeldReason | None = None
    until: datetime | None = None
    running_low: bool = False
    fetched_at_by_room: Mapping[str, datetime] = field(default_factory=dict)
    stale: frozenset[str] = frozenset()


def local_days(start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The whole local days (as aware datetimes in `zone`) that [start, end) touches."""
    first = start.astimezone(zone).date()
    last_moment = max(start, end - timedelta(microseconds=1))
    last = last_moment.astimezone(zone).date()
    return _day_range(first, last, zone)


def _day_range(first: date, last: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    days: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        days.append((_midnight(day, zone), _midnight(day + timedelta(days=1), zone)))
        day += timedelta(days=1)
    return days


def horizon_days(
    asked: Sequence[tuple[datetime, datetime]], today: date, zone: ZoneInfo, horizon: int
) -> list[tuple[datetime, datetime]]:
    """The days one fetch covers: the asked days, widened to `horizon` days from today (or from the
    first asked day when it lies beyond that). One free/busy call costs the same for one day as
    for 90, so every refresh also answers the questions about the next few days."""
    first = asked[0][0].date()
    last = asked[-1][0].date()
    anchor = today if today <= first < today + timedelta(days=horizon) else first
    start_day = min(first, anchor)
    end_day = max(last, anchor + timedelta(days=max(horizon, 1) - 1))
    return _day_range(start_day, end_day, zone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


# "Any age": what a hold serves from.
_FOREVER_S = 10 * 365 * 24 * 3600.0


class ScheduleProvider:
    """Answers "what is booked in these rooms over this window" from the cache or DingTalk.

    Args:
        store, source, union_id, clock: the cache, the DingTalk client, the account it reads as, the time.
        ttl_s: how old data may be when no `keeper` is given (no budget).
        keeper: the monthly budget (`bot.quota.QuotaKeeper`): it sets the refresh age and may hold a fetch.
        horizon_days: how many days from today one fetch covers.
        batch_size: rooms per free/busy call (a refresh of n rooms costs ceil(n / batch_size) calls).
        single_flight: collapses identical fetches in flight.
        verify_shown: honour `get`'s `verify` (False: every refresh covers all the asked rooms).
        request_refresh: queues a durable refresh of rooms for the job runner (`bot.jobs.refresh`):
            cached data past its refresh age is then served at once while the job refreshes it, when
            the asker's fair share holds the fetch, and for questions about days `background_from_day`
            or more days after today (None: those are fetched while the asker waits).
    """

    def __init__(
        self,
        *,
        store: ScheduleCache,
        source: ScheduleSource,
        union_id: str,
        clock: Clock,
        ttl_s: float = 60.0,
        keeper: QuotaKeeper | None = None,
        horizon_days: int = 1,
        batch_size: int = 5,
        single_flight: SingleFlight | None = None,
        org_zone: ZoneInfo | None = None,
        verify_shown: bool = False,
        request_refresh: RefreshRequester | None = None,
        background_from_day: int | None = None,
    ) -> None:
        self._org_zone = org_zone
        self._verify_shown = verify_shown
        self._request_refresh = request_refresh
        self._background_from_day = background_from_day
        self._store = store
        self._source = source
        self._union_id = union_id
        self._clock = clock
        self._ttl_s = ttl_s
        self._keeper = keeper
        self._horizon = max(1, horizon_days)
        self._batch = max(1, batch_size)
        self._single_flight = single_flight or SingleFlight()

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
        """Schedules of `room_ids` over the local days that [start, end) touches.

        `user_id` is who asked (their fair share of fetches); `refresh` asks for data newer than
        the minimum refresh age (the Refresh button), when the budget allows.

        `verify` names the rooms refetched together when any of them is past its refresh age (None:
        every stale room). An answer shows only its best few rooms: it reads the cache first
        (`verify=()`, `planned` = how many rooms it will verify; rooms missing from the cache are
        fetched anyway), then verifies the rooms it shows if any of them is in `Schedules.stale`.
        The refresh age is the one of a refresh of just those rooms (one call per five).
        """
        room_ids = list(dict.fromkeys(room_ids))
        days = local_days(start, end, zone)
        now = self._clock()
        today = now.astimezone(zone).date()
        status = self._keeper.status(now) if self._keeper is not None else None
        cached = [
            self._store.get(team_id, room_ids, day_start, day_end, max_age_s=_FOREVER_S, now=now)
            for day_start, day_end in days
        ]
        together = set(room_ids) if verify is None or not self._verify_shown else set(verify) & set(room_ids)
        cost = max(1, -(-(len(together) or planned) // self._batch))
        limits = [self._age_limit(status, cost, (day_start.date() - today).days, refresh) for day_start, _ in days]
        too_old = [
            room
            for room in room_ids
            if any(_too_old(hits, room, now, limit) for hits, limit in zip(cached, limits, strict=True))
        ]
        missing = [room for room in room_ids if any(room not in hits for hits in cached)]
        if verify is None or not self._verify_shown:
            stale = too_old
        else:
            # The rooms to verify are fetched together when any is too old: then all of them are fresh.
            due = any(room in together for room in too_old)
            stale = [room for room in room_ids if room in missing or (due and room in together)]

        held: HeldReason | None = None
        until: datetime | None = None
        fetched: dict[str, RoomSchedule] = {}
        # Whether a second call with `verify` could fetch what is still stale: not when searching is
        # stopped or held (it would be held again) nor when the job was asked to refresh it.
        may_verify = self._verify_shown
        if status is not None and (status.search_spent or status.dingtalk_spent):
            may_verify = False
            # No search may call until the month ends (or DingTalk is tried again): whatever is saved is the answer.
            decision = self._decide(status, team_id, user_id, now)
            held, until = decision.reason, decision.until
            if any(room not in hits for hits in cached for room in room_ids):
                raise SearchHeld(held or HeldReason.BUDGET, until=until)
        elif stale:
            decision = self._decide(status, team_id, user_id, now)
            if refresh and decision.allowed and not self._old_enough_to_refresh(cached, stale, now, status):
                decision = Decision(False, HeldReason.TOO_SOON, None)
            all_cached = all(room in hits for hits in cached for room in stale)
            later = self._background_from_day is not None and (days[0][0].date() - today).days >= self._background_from_day
            if decision.allowed and all_cached and later and not refresh and self._request_refresh is not None:
                # A later day changes less, and the answer need not wait: saved data now, fresh data soon.
                self._request_refresh(team_id, stale, now)
                may_verify = False
            elif decision.allowed:
                fetched, held, until = self._fetch_or_hold(team_id, user_id, stale, days, today, zone, min(limits), now)
            else:
                held, until = decision.reason, decision.until
                if held is HeldReason.FAIRNESS and all_cached and self._request_refresh is not None:
                    # The asker used their share, not the organisation's: the refresh is made for everyone.
                    self._request_refresh(team_id, stale, now)
            if held is not None:
                uncached = [room for room in stale if room not in fetched and any(room not in hits for hits in cached)]
                if uncached:
                    raise SearchHeld(held, until=until)

        by_room: dict[str, RoomSchedule] = {}
        fetched_at: dict[str, datetime] = {}
        for room in room_ids:
            if room in fetched:
                by_room[room] = fetched[room]
                fetched_at[room] = now
                continue
            parts = [hits[room] for hits in cached if room in hits]
            by_room[room] = _merge(room, [part.schedule for part in parts])
            if parts:
                fetched_at[room] = min(part.fetched_at for part in parts)
        return Schedules(
            by_room=by_room,
            fetched_at=min(fetched_at.values(), default=None),
            upstream_calls_made=bool(fetched),
            held=held,
            until=until,
            running_low=bool(status and status.running_low),
            fetched_at_by_room=fetched_at,
            stale=frozenset(room for room in too_old if room not in fetched) if may_verify and held is None else frozenset(),
        )

    def refresh_rooms(self, team_id: str, room_ids: Sequence[str], zone: ZoneInfo) -> int:
        """The refresh job's side: fetch these rooms again over the horizon from today, unless the
        budget holds searching or another fetch already refreshed them. Returns how many were fetched."""
        room_ids = list(dict.fromkeys(room_ids))
        now = self._clock()
        status = self._keeper.status(now) if self._keeper is not None else None
        if not room_ids or (status is not None and (status.search_spent or status.dingtalk_spent)):
            return 0
        span = horizon_days(local_days(now, now, zone), now.astimezone(zone).date(), zone, self._horizon)
        fetched, _until = self._shared_fetch(team_id, room_ids, span, self._ttl_s, now)
        return len(fetched)

    def invalidate(self, team_id: str, room_ids: Sequence[str]) -> None:
        self._store.invalidate(team_id, list(room_ids))

    def record_booking(self, team_id: str, room_id: str, item: ScheduleItem) -> None:
        """roombot booked the room: its cached days show it at once (no call spent to learn it)."""
        self._store.apply_change(team_id, room_id, add=item)

    def record_cancel(self, team_id: str, room_id: str, event_id: str) -> None:
        """roombot cancelled a booking: its cached days drop it at once."""
        self._store.apply_change(team_id, room_id, remove_event_id=event_id)

    def _age_limit(self, status: QuotaStatus | None, cost: int, day_offset: int, refresh: bool) -> float:
        if refresh:
            return 0.0
        if status is None or self._keeper is None:
            return self._ttl_s
        return status.refresh_age_s(self._keeper.budget, cost=cost, day_offset=day_offset)

    def _decide(self, status: QuotaStatus | None, team_id: str, user_id: str | None, now: datetime) -> Decision:
        if status is None or self._keeper is None:
            return ALLOWED
        return self._keeper.may_fetch(status, team_id=team_id, user_id=user_id, now=now)

    def _old_enough_to_refresh(
        self, cached: Sequence[Mapping[str, CachedLike]], stale: Sequence[str], now: datetime, status: QuotaStatus | None
    ) -> bool:
        """A Refresh spends calls only on data older than the minimum refresh age (or missing)."""
        minimum = self._keeper.refresh_min_age_s if self._keeper is not None else self._ttl_s
        for hits in cached:
            for room in stale:
                if room not in hits or _age_s(now, hits[room].fetched_at) > minimum:
                    return True
        return False

    def _fetch_or_hold(
        self,
        team_id: str,
        user_id: str | None,
        stale: Sequence[str],
        days: Sequence[tuple[datetime, datetime]],
        today: date,
        zone: ZoneInfo,
        max_age_s: float,
        now: datetime,
    ) -> tuple[dict[str, RoomSchedule], HeldReason | None, datetime | None]:
        span = horizon_days(days, today, zone, self._horizon)
        fetched, quota_back = self._shared_fetch(team_id, stale, span, max_age_s, now, asked=days)
        if quota_back is not None:
            return {}, HeldReason.DINGTALK_QUOTA, quota_back
        if self._keeper is not None:
            self._keeper.fetched(team_id=team_id, user_id=user_id, now=now)
        asked_start, asked_end = days[0][0], days[-1][1]
        return {room: _clip(schedule, asked_start, asked_end) for room, schedule in fetched.items()}, None, None

    def _shared_fetch(
        self,
        team_id: str,
        room_ids: Sequence[str],
        span: Sequence[tuple[datetime, datetime]],
        max_age_s: float,
        now: datetime,
        *,
        asked: Sequence[tuple[datetime, datetime]] | None = None,
    ) -> tuple[dict[str, RoomSchedule], datetime | None]:
        """`_fetch`, made once for identical fetches in flight. When DingTalk reports the organisation's
        quota spent: nothing, and when it comes back (the keeper remembers it for the month)."""
        key = (team_id, tuple(room_ids), span[0][0].isoformat(), span[-1][1].isoformat())
        try:
            return self._single_flight.do(key, lambda: self._fetch(team_id, room_ids, span, max_age_s, asked)), None
        except QuotaExhausted:
            if self._keeper is None:
                raise
            return {}, self._keeper.dingtalk_spent(now)

    def _fetch(
        self,
        team_id: str,
        room_ids: Sequence[str],
        days: Sequence[tuple[datetime, datetime]],
        max_age_s: float,
        asked: Sequence[tuple[datetime, datetime]] | None = None,
    ) -> dict[str, RoomSchedule]:
        # Another thread or process may have filled the cache since we looked: check once more. The
        # asked days tell (a fetch fills the whole horizon at once), in one read instead of seven.
        now = self._clock()
        fresh = [
            self._store.get(team_id, room_ids, day_start, day_end, max_age_s=max_age_s, now=now)
            for day_start, day_end in (asked or days)
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
        windows = [(start, end, [_clip(s, start, end) for s in answered]) for start, end in days]
        self._store.put_windows(team_id, windows, fetched_at=fetched_at)
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


def _too_old(hits: Mapping[str, CachedLike], room: str, now: datetime, limit_s: float) -> bool:
    return room not in hits or _age_s(now, hits[room].fetched_at) > limit_s


def _age_s(now: datetime, fetched_at: datetime) -> float:
    return (now - fetched_at).total_seconds()


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
