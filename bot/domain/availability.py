"""Pure availability logic: busy items and a window in, verdicts, free windows, ranking out.

Nothing here does I/O or imports Slack, HTTP or database code, so every front end and the
tests can use it directly. Busy items are taken structurally (`BusyItem`):
`bot.dingtalk.models.ScheduleItem` fits, and so does any object with `status`, `start`, `end`.

Intervals are half-open, `[start, end)`: a meeting that ends at 14:00 does not block a window
that starts at 14:00 (back-to-back is fine), and one that starts at 14:00 does.

The schedule passed to `assess` should cover the whole span the caller wants to draw or search
(usually the day around the window): time outside the items is taken as free, so `next_free`,
the timeline and `alternatives` are only as far-sighted as the items given.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from bot.domain.models import RoomAccess

TENTATIVE = "TENTATIVE"

K = TypeVar("K")

_TINY = timedelta(microseconds=1)


class BusyItem(Protocol):
    """What `assess` needs of a schedule item (`ScheduleItem` fits)."""

    @property
    def status(self) -> str: ...

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


class Verdict(StrEnum):
    """What a room is, for the asked window."""

    FREE = "free"  # free for the whole window (or, with a duration, from the window's start)
    PARTLY_FREE = "partly_free"  # free for part of the window (see `Assessment.free`)
    PENDING = "pending"  # blocked only by bookings awaiting approval: may free up
    BUSY = "busy"
    UNKNOWN = "unknown"  # DingTalk could not say (see `Assessment.reason`)
    CLOSED = "closed"  # closed for bookings over the window (see `Assessment.until`, `reason`)
    NOT_OPEN = "not_open"  # the room's reservation scope leaves the booker out


@dataclass(frozen=True)
class Interval:
    """A half-open span of time `[start, end)`."""

    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """True when the two spans share time; touching ends do not count."""
        return self.start < end and start < self.end


@dataclass(frozen=True)
class Busy(Interval):
    """A busy block; `tentative` when the booking awaits approval (DingTalk TENTATIVE)."""

    tentative: bool = False


@dataclass(frozen=True)
class Assessment:
    """The verdict on one room for one window, with everything a presenter needs.

    Attributes:
        verdict: see `Verdict`.
        start, end: the asked window.
        duration: the wanted length inside the window ("a 30 min slot between 2 and 5"), or None
            when the whole window is wanted.
        free: the free windows inside the asked window (tentative bookings count as taken).
        conflicts: the bookings that overlap the window, clipped to it, in time order.
        blocks: every booking given, normalised (all-day items widened to whole days) and
            sorted, not clipped: what a timeline of the day draws.
        bookable: what a Book button would book: the whole window when free, else the first
            free stretch of `duration`; None when the room does not fit.
        next_free: the first moment at or after `start` when the room is free for the wanted
            length (the window's length, or `duration`); None when unknown.
        reason: why the room is unknown (DingTalk's per-room error text), or closed (the
            closure's reason).
        until: when a closed room opens again; None when closed indefinitely.
    """

    verdict: Verdict
    start: datetime
    end: datetime
    duration: timedelta | None = None
    free: tuple[Interval, ...] = ()
    conflicts: tuple[Busy, ...] = ()
    blocks: tuple[Busy, ...] = ()
    bookable: Interval | None = None
    next_free: datetime | None = None
    reason: str | None = None
    until: datetime | None = None

    @property
    def unavailable(self) -> bool:
        """True when the room cannot be booked by this asker at all (closed, or not open to them)."""
        return self.verdict in (Verdict.CLOSED, Verdict.NOT_OPEN)

    @property
    def fits(self) -> bool:
        """True when the room can be booked as asked (a Book button is offered)."""
        return self.bookable is not None

    @property
    def wanted(self) -> timedelta:
        """The length the asker needs: `duration`, or the whole window."""
        return self.duration if self.duration is not None else self.end - self.start


def assess(
    items: Iterable[BusyItem],
    start: datetime,
    end: datetime,
    *,
    duration: timedelta | None = None,
    error: str | None = None,
    min_free: timedelta = timedelta(minutes=15),
    org_zone: tzinfo | None = None,
) -> Assessment:
    """Give one room's verdict for the window `[start, end)`.

    Args:
        items: the room's bookings (any order, may reach outside the window). An item whose
            `all_day` attribute is true blocks its calendar dates in `org_zone`.
        start, end: the asked window, time-zone aware; `end == start` asks about one instant.
        duration: the wanted length inside the window; None wants the whole window.
        error: DingTalk's per-room error; such a room is UNKNOWN, never free.
        min_free: without a duration, free stretches shorter than this (or than the window)
            do not make a room "partly free": a 5-minute gap is no use to anyone.
        org_zone: the organisation's zone, where DingTalk's all-day items fall: an all-day item
            is a date, and the room is taken from that date's midnight to the next one there,
            wherever the asker is. None takes the window's zone.

    Raises:
        ValueError: naive datetimes, `end` before `start`, or a duration that is not positive
            or longer than the window.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the window must be time-zone aware")
    if end < start:
        raise ValueError("the window ends before it starts")
    if duration is not None and (duration <= timedelta(0) or duration > end - start):
        raise ValueError("the wanted duration must be positive and fit in the window")
    if error:
        return Assessment(Verdict.UNKNOWN, start, end, duration, reason=error)

    blocks = _normalise(items, org_zone or start.tzinfo)
    everything = _merge(blocks)
    confirmed = _merge(b for b in blocks if not b.tentative)
    wanted = duration if duration is not None else end - start
    next_free = _first_free(everything, start, wanted)

    if start == end:
        # One instant: free unless a booking covers it; a booking ending right then does not.
        covering = tuple(_clip(b, start, end) for b in blocks if b.start <= start < b.end)
        if not covering:
            return Assessment(Verdict.FREE, start, end, blocks=blocks, next_free=next_free)
        taken_for_sure = any(b.start <= start < b.end for b in confirmed)
        verdict = Verdict.BUSY if taken_for_sure else Verdict.PENDING
        return Assessment(verdict, start, end, conflicts=covering, blocks=blocks, next_free=next_free)

    conflicts = tuple(_clip(b, start, end) for b in blocks if b.overlaps(start, end))
    free = tuple(_gaps(everything, start, end))
    if not conflicts:
        whole = Interval(start, start + duration) if duration is not None else Interval(start, end)
        return Assessment(Verdict.FREE, start, end, duration, free=free, blocks=blocks, bookable=whole, next_free=next_free)

    threshold = duration if duration is not None else min(min_free, end - start)
    usable = [w for w in free if w.duration >= threshold]
    if usable:
        bookable = Interval(usable[0].start, usable[0].start + duration) if duration is not None else None
        return Assessment(
            Verdict.PARTLY_FREE,
            start,
            end,
            duration,
            free=free,
            conflicts=conflicts,
            blocks=blocks,
            bookable=bookable,
            next_free=next_free,
        )

    # Taken. PENDING when only bookings awaiting approval stand in the way: were they declined,
    # the room would do (free for the whole window, or for the wanted duration).
    without_tentative = _gaps(confirmed, start, end)
    if duration is not None:
        would_fit = any(w.duration >= duration for w in without_tentative)
    else:
        would_fit = without_tentative == [Interval(start, end)]
    verdict = Verdict.PENDING if would_fit else Verdict.BUSY
    return Assessment(verdict, start, end, duration, free=free, conflicts=conflicts, blocks=blocks, next_free=next_free)


def restrict(assessment: Assessment, access: RoomAccess | None, *, booker: str | None) -> Assessment:
    """The assessment, unless the room's access rules rule the booker out over the window.

    A room closed for bookings over any part of the window is CLOSED; a member-only room whose
    scope does not name `booker` (a DingTalk unionId) is NOT_OPEN. Either way nothing is
    bookable and no "free from" time is given. A scope naming departments cannot be settled
    here (membership is DingTalk's to know), so such a room stays as it is and DingTalk decides
    at booking time. `access` None (details never read) restricts nothing.
    """
    if access is None or assessment.verdict is Verdict.UNKNOWN:
        return assessment
    start, end = assessment.start, assessment.end
    closed = access.closed
    closure_hits = closed is not None and (
        (closed.start is None or (end > closed.start if end > start else start >= closed.start))
        and (closed.end is None or start < closed.end)
    )
    if not access.open_reservation or closure_hits:
        return Assessment(
            Verdict.CLOSED,
            start,
            end,
            assessment.duration,
            blocks=assessment.blocks,
            reason=(closed.reason or None) if closed is not None and closure_hits else None,
            until=closed.end if closed is not None and closure_hits else None,
        )
    members = access.members
    if members is not None:
        users = {member.member_id for member in members if member.member_type != "dept"}
        has_depts = any(member.member_type == "dept" for member in members)
        if booker not in users and not has_depts:
            return Assessment(Verdict.NOT_OPEN, start, end, assessment.duration, blocks=assessment.blocks)
    return assessment


# --- ranking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate(Generic[K]):
    """A room to rank: any payload `key` with the facts ranking needs.

    Attributes:
        key: the caller's own object (a room view, an id, ...), handed back in order.
        capacity: seats, or None when DingTalk does not say.
        labels: the room's label names ("Projector", "TV", ...).
        group: the name of the user's group the room came from.
        position: the room's place within that group.
    """

    key: K
    assessment: Assessment
    capacity: int | None = None
    labels: Collection[str] = ()
    group: str = ""
    position: int = 0


_TIER = {
    Verdict.FREE: 0,
    Verdict.PARTLY_FREE: 2,
    Verdict.PENDING: 3,
    Verdict.BUSY: 4,
    Verdict.UNKNOWN: 5,
    Verdict.CLOSED: 6,
    Verdict.NOT_OPEN: 6,
}


def rank(
    candidates: Iterable[Candidate[K]],
    *,
    capacity: int | None = None,
    labels: Collection[str] = (),
    group_order: Sequence[str] = (),
) -> list[Candidate[K]]:
    """Order rooms best first.

    Fully free rooms first, then rooms that fit with a slot of the wanted duration, then partly
    free, pending, busy and unknown ones. Within each: the best headcount fit (the smallest room
    big enough; rooms of unknown size next; rooms too small last, the largest of them first),
    then the rooms having more of the wanted labels, then the user's group order and the room's
    place in its group.
    """
    wanted_labels = {label.casefold() for label in labels}
    groups = {name.casefold(): index for index, name in reversed(list(enumerate(group_order)))}

    def key(candidate: Candidate[K]) -> tuple[int, int, int, int, int, int]:
        verdict = candidate.assessment.verdict
        tier = _TIER[verdict]
        if verdict is Verdict.FREE and not candidate.assessment.fits:
            tier = 1  # free, but the window was an instant: nothing to book
        elif verdict is Verdict.PARTLY_FREE and candidate.assessment.fits:
            tier = 1
        if capacity is None:
            size = (0, 0)
        elif candidate.capacity is None:
            size = (1, 0)
        elif candidate.capacity >= capacity:
            size = (0, candidate.capacity)
        else:
            size = (2, -candidate.capacity)
        have = {label.casefold() for label in candidate.labels}
        missing = len(wanted_labels - have)
        group = groups.get(candidate.group.casefold(), len(group_order))
        return (tier, size[0], size[1], missing, group, candidate.position)

    return sorted(candidates, key=key)


# --- summary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """Counts over the rooms searched, for the one-line reason ("0 of 12 free; ...").

    Attributes:
        total: rooms searched.
        fitting: rooms that can be booked as asked.
        free, partly_free, pending, busy, unknown: rooms per verdict.
        next_free: the earliest moment some room that does not fit becomes free for the wanted
            length, or None.
        next_free_count: how many such rooms become free at that moment.
    """

    total: int = 0
    fitting: int = 0
    free: int = 0
    partly_free: int = 0
    pending: int = 0
    busy: int = 0
    unknown: int = 0
    unavailable: int = 0  # closed, or not open to the asker
    next_free: datetime | None = None
    next_free_count: int = 0


def summarize(assessments: Iterable[Assessment]) -> Summary:
    """Count the verdicts and find when the first rooms that do not fit become free."""
    counts = dict.fromkeys(Verdict, 0)
    total = fitting = 0
    later: list[datetime] = []
    for assessment in assessments:
        total += 1
        counts[assessment.verdict] += 1
        if assessment.fits:
            fitting += 1
        elif assessment.next_free is not None and assessment.next_free > assessment.start:
            later.append(assessment.next_free)
    first = min(later, default=None)
    return Summary(
        total=total,
        fitting=fitting,
        free=counts[Verdict.FREE],
        partly_free=counts[Verdict.PARTLY_FREE],
        pending=counts[Verdict.PENDING],
        busy=counts[Verdict.BUSY],
        unknown=counts[Verdict.UNKNOWN],
        unavailable=counts[Verdict.CLOSED] + counts[Verdict.NOT_OPEN],
        next_free=first,
        next_free_count=sum(1 for moment in later if moment == first),
    )


# --- alternatives ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Alternative(Generic[K]):
    """A free stretch of one room near the asked window; `key` is the caller's payload.

    `earlier` tells whether it starts before the asked window (else after).
    """

    key: K
    start: datetime
    end: datetime
    earlier: bool


def alternatives(
    rooms: Iterable[tuple[K, Assessment]],
    *,
    within: Interval,
    not_before: datetime | None = None,
    step: timedelta = timedelta(minutes=5),
    limit: int = 3,
) -> tuple[Alternative[K], ...]:
    """For rooms that do not fit, the nearest slots of the same length before and after.

    The length is the asked duration, or the window's length. Each room gives at most one slot
    before and one after; the answer holds the earlier ones (nearest first), then the later
    ones (nearest first), at most `limit` of each.

    Args:
        rooms: each room's payload and assessment (rooms that fit or are unknown are skipped);
            the assessments' items must cover `within`.
        within: where slots may lie (the day's working hours, say).
        not_before: no slot starts earlier (now: never suggest the past).
        step: earlier slot starts are rounded down to this wall-clock grid, so suggestions read
            11:35, not 11:37; a later slot starts exactly when the meeting before it ends.
        limit: at most this many slots on each side.
    """
    earlier: list[tuple[timedelta, int, Alternative[K]]] = []
    later: list[tuple[timedelta, int, Alternative[K]]] = []
    lo = within.start if not_before is None else max(within.start, not_before)
    for order, (key, assessment) in enumerate(rooms):
        length = assessment.wanted
        if assessment.fits or assessment.verdict is Verdict.UNKNOWN or assessment.unavailable or length <= timedelta(0):
            continue
        asked = assessment.start
        best_before: datetime | None = None
        best_after: datetime | None = None
        for gap in _gaps(_merge(assessment.blocks), lo, within.end):
            if gap.duration < length:
                continue
            before = max(gap.start, _floor(min(gap.end - length, asked - _TINY), step))
            if before < asked and before + length <= gap.end and (best_before is None or before > best_before):
                best_before = before
            after = gap.start if gap.start > asked else _ceil(asked + _TINY, step)
            if best_after is None and after + length <= gap.end:
                best_after = after
        if best_before is not None:
            slot = Alternative(key, best_before, best_before + length, earlier=True)
            earlier.append((asked - best_before, order, slot))
        if best_after is not None:
            slot = Alternative(key, best_after, best_after + length, earlier=False)
            later.append((best_after - asked, order, slot))
    earlier.sort(key=lambda entry: (entry[0], entry[1]))
    later.sort(key=lambda entry: (entry[0], entry[1]))
    return tuple(slot for _, _, slot in earlier[:limit]) + tuple(slot for _, _, slot in later[:limit])


# --- helpers ---------------------------------------------------------------------------------


def _normalise(items: Iterable[BusyItem], tz: tzinfo | None) -> tuple[Busy, ...]:
    blocks: list[Busy] = []
    for item in items:
        start, end = item.start, item.end
        if getattr(item, "all_day", False):
            start, end = _whole_days(start, end, tz)
        if end <= start:
            continue  # an empty or inverted item blocks nothing
        # Anything but TENTATIVE counts as busy: an unknown status must never look free.
        blocks.append(Busy(start, end, tentative=item.status.strip().upper() == TENTATIVE))
    blocks.sort(key=lambda b: (b.start, b.end, b.tentative))
    return tuple(blocks)


def _whole_days(start: datetime, end: datetime, tz: tzinfo | None) -> tuple[datetime, datetime]:
    """Place an all-day item on its calendar dates, as whole days in `tz` (the organisation's zone).

    DingTalk sends all-day items as UTC midnights, which in Shanghai would run 08:00 to 08:00;
    the dates, as written, are what count. The end is exclusive when it is a midnight.
    """
    first = start.date()
    last = end.date()
    if end.time() != time(0) or last <= first:
        last += timedelta(days=1)
    return datetime.combine(first, time(0), tzinfo=tz), datetime.combine(last, time(0), tzinfo=tz)


def _merge(blocks: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for block in sorted(blocks, key=lambda b: b.start):
        if merged and block.start <= merged[-1].end:
            if block.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, block.end)
        else:
            merged.append(Interval(block.start, block.end))
    return merged


def _gaps(merged: Sequence[Interval], start: datetime, end: datetime) -> list[Interval]:
    """The free stretches of `[start, end)` between the merged busy intervals."""
    gaps: list[Interval] = []
    cursor = start
    for block in merged:
        if block.end <= cursor:
            continue
        if block.start >= end:
            break
        if block.start > cursor:
            gaps.append(Interval(cursor, block.start))
        cursor = max(cursor, block.end)
    if cursor < end:
        gaps.append(Interval(cursor, end))
    return gaps


def _first_free(merged: Sequence[Interval], start: datetime, length: timedelta) -> datetime:
    """The first moment at or after `start` free for `length` (for an instant: not covered)."""
    cursor = start
    for block in merged:
        if block.end <= cursor:
            continue
        gap = block.start - cursor
        if gap > timedelta(0) and gap >= length:
            return cursor
        cursor = max(cursor, block.end)
    return cursor


def _clip(block: Busy, start: datetime, end: datetime) -> Busy:
    return Busy(max(block.start, start), min(block.end, end), tentative=block.tentative)


def _floor(moment: datetime, step: timedelta) -> datetime:
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + ((moment - midnight) // step) * step


def _ceil(moment: datetime, step: timedelta) -> datetime:
    floored = _floor(moment, step)
    return floored if floored == moment else floored + step


__all__ = [
    "Alternative",
    "Assessment",
    "Busy",
    "BusyItem",
    "Candidate",
    "Interval",
    "Summary",
    "Verdict",
    "alternatives",
    "assess",
    "rank",
    "restrict",
    "summarize",
]
