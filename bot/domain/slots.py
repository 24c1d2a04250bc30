"""Finding a time when people and a room are free: pure, no I/O.

The inputs are busy intervals (absolute, time-zone-aware datetimes) per person and per room; the
output is a short, ranked list of candidate times. Candidates start on a grid (every 30 minutes
by default, on the hour and half hour of the organiser's zone), lie inside the organiser's working
hours on working days, and never start in the past.

Ranking: a time when every required person is free comes first, then the fewest required people
busy; a time with a free room before one without; then the fewest optional people busy; then the
earliest. The answer holds times that do not overlap one another, so three suggestions are three
real choices rather than 14:00, 14:30 and 15:00 of the same gap.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

STEP = timedelta(minutes=30)
MAX_PEOPLE_PER_CALL = 20  # DingTalk's querySchedule takes at most 20 user ids a call

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Busy:
    """One busy interval of a person or a room; `tentative` means probably busy (not yet accepted)."""

    start: datetime
    end: datetime
    tentative: bool = False


@dataclass(frozen=True)
class Attendee:
    """A person whose calendar counts: `key` names them in the answer (a Slack user id, say)."""

    key: str
    busy: tuple[Busy, ...] = ()
    optional: bool = False


@dataclass(frozen=True)
class Slot(Generic[R]):
    """One candidate time: found here with rooms by key, shown in a reply with the rooms' views.

    Attributes:
        busy: required people who are busy then (by key, in input order).
        maybe_busy: required people with only a tentative item then.
        optional_busy: optional people who are busy or tentative then.
        rooms: the rooms free for the whole slot, in input order.
    """

    start: datetime
    end: datetime
    busy: tuple[str, ...] = ()
    maybe_busy: tuple[str, ...] = ()
    optional_busy: tuple[str, ...] = ()
    rooms: tuple[R, ...] = ()

    @property
    def everyone_free(self) -> bool:
        return not self.busy and not self.maybe_busy

    @property
    def conflicts(self) -> int:
        return len(self.busy) + len(self.maybe_busy)


@dataclass(frozen=True)
class WorkingHours:
    """The organiser's working day: local times in `zone`, Monday to Friday unless `weekends`."""

    zone: ZoneInfo
    start: time = time(9, 0)
    end: time = time(18, 0)
    weekends: bool = False


def find_slots(
    *,
    attendees: Sequence[Attendee],
    rooms: Mapping[str, Sequence[Busy] | None],
    window_start: datetime,
    window_end: datetime,
    duration: timedelta,
    hours: WorkingHours,
    now: datetime,
    limit: int = 3,
    step: timedelta = STEP,
) -> list[Slot[str]]:
    """The best `limit` times of length `duration` inside [window_start, window_end), ranked.

    `rooms` maps a room key to its busy intervals, or to None when its schedule is unknown (such a
    room is never offered). With no rooms at all, a time needs no room and ranks by people alone.
    An empty list means no time of that length fits the window's working hours.
    """
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")
    if step <= timedelta(0):
        raise ValueError("step must be positive")
    candidates = [
        _assess(start, start + duration, attendees, rooms)
        for start in candidate_starts(window_start, window_end, duration, hours, now, step)
    ]
    need_room = bool(rooms)
    candidates.sort(
        key=lambda slot: (
            slot.conflicts,
            len(slot.busy),
            need_room and not slot.rooms,
            len(slot.optional_busy),
            slot.start,
        )
    )
    chosen: list[Slot[str]] = []
    for slot in candidates:
        if len(chosen) >= limit:
            break
        if any(slot.start < other.end and other.start < slot.end for other in chosen):
            continue
        chosen.append(slot)
    return chosen


def candidate_starts(
    window_start: datetime,
    window_end: datetime,
    duration: timedelta,
    hours: WorkingHours,
    now: datetime,
    step: timedelta = STEP,
) -> Iterator[datetime]:
    """Grid starts (in the organiser's zone) whose slot lies in working hours, the window and the future."""
    zone = hours.zone
    earliest = max(window_start, now)
    day = earliest.astimezone(zone).date()
    last_day = window_end.astimezone(zone).date()
    while day <= last_day:
        if hours.weekends or day.weekday() < 5:
            day_start = _local(day, hours.start, zone)
            day_end = _local(day, hours.end, zone)
            start = day_start
            while start + duration <= min(day_end, window_end):
                if start >= earliest:
                    yield start
                start = (start.astimezone(UTC) + step).astimezone(zone)
        day += timedelta(days=1)


def batches(items: Sequence[T], size: int = MAX_PEOPLE_PER_CALL) -> list[list[T]]:
    """Items in calls of at most `size` (25 people → 20 + 5)."""
    if size < 1:
        raise ValueError("size must be at least 1")
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _assess(
    start: datetime, end: datetime, attendees: Sequence[Attendee], rooms: Mapping[str, Sequence[Busy] | None]
) -> Slot[str]:
    busy: list[str] = []
    maybe: list[str] = []
    optional: list[str] = []
    for person in attendees:
        hits = [item for item in person.busy if item.start < end and start < item.end]
        if not hits:
            continue
        if person.optional:
            optional.append(person.key)
        elif any(not item.tentative for item in hits):
            busy.append(person.key)
        else:
            maybe.append(person.key)
    free_rooms = tuple(
        key
        for key, items in rooms.items()
        if items is not None and not any(item.start < end and start < item.end for item in items)
    )
    return Slot(
        start=start, end=end, busy=tuple(busy), maybe_busy=tuple(maybe), optional_busy=tuple(optional), rooms=free_rooms
    )


def _local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time made real in `zone` (a time in a DST gap moves forward)."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC).astimezone(zone)


__all__ = [
    "MAX_PEOPLE_PER_CALL",
    "STEP",
    "Attendee",
    "Busy",
    "Slot",
    "WorkingHours",
    "batches",
    "candidate_starts",
    "find_slots",
]
