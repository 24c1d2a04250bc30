"""The slot search: a time when the people and a room are free, ranked, in working hours, never past."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.slots import Attendee, Busy, WorkingHours, batches, find_slots

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
HOURS = WorkingHours(zone=SH)
# Wednesday 25 Nov 2026, 08:00 in Shanghai: the whole working day is ahead.
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=SH)
DAY_START = datetime(2026, 11, 25, 0, 0, tzinfo=SH)
DAY_END = datetime(2026, 11, 26, 0, 0, tzinfo=SH)
HOUR = timedelta(hours=1)


def at(hour: int, minute: int = 0, zone: ZoneInfo = SH, day: int = 25) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=zone)


def busy(start: datetime, end: datetime, *, tentative: bool = False) -> Busy:
    return Busy(start, end, tentative)


def search(attendees: list[Attendee], rooms: dict[str, list[Busy] | None] | None = None, **kw: object) -> list:  # type: ignore[type-arg]
    args: dict[str, object] = {
        "attendees": attendees,
        "rooms": rooms or {},
        "window_start": DAY_START,
        "window_end": DAY_END,
        "duration": HOUR,
        "hours": HOURS,
        "now": NOW,
        "limit": 3,
    }
    args.update(kw)
    return find_slots(**args)  # type: ignore[arg-type]


def test_overlapping_busy_times_leave_only_the_common_gap() -> None:
    # ana is busy 9-12 and 14-18, bo 11-13 and 15-18, overlapping: together free only 13-14.
    ana = Attendee("ana", (busy(at(9), at(12)), busy(at(14), at(18))))
    bo = Attendee("bo", (busy(at(11), at(13)), busy(at(15), at(18))))
    slots = search([ana, bo])
    assert slots[0].everyone_free
    assert (slots[0].start, slots[0].end) == (at(13), at(14))
    assert all(not slot.everyone_free for slot in slots[1:])


def test_everyone_free_first_then_fewest_conflicts_then_earliest() -> None:
    ana = Attendee("ana", (busy(at(9), at(16)),))
    bo = Attendee("bo", (busy(at(9), at(11)), busy(at(16), at(18))))
    cy = Attendee("cy", (busy(at(9), at(10)),))
    slots = search([ana, bo, cy], limit=3)
    # No time suits all three: 11:00 has only ana busy and is the earliest such time.
    assert not slots[0].everyone_free
    assert slots[0].start == at(11) and slots[0].busy == ("ana",)
    assert [s.conflicts for s in slots] == sorted(s.conflicts for s in slots)
    # The suggestions never overlap each other.
    for a, b in zip(slots, slots[1:], strict=False):
        assert a.end <= b.start or b.end <= a.start


def test_a_person_in_another_zone_is_compared_by_the_absolute_time() -> None:
    # bo works in New York: busy 21:00-02:00 his time (Tue/Wed) = 10:00-15:00 in Shanghai on Wednesday.
    bo = Attendee("bo", (busy(datetime(2026, 11, 24, 21, 0, tzinfo=NY), datetime(2026, 11, 25, 2, 0, tzinfo=NY)),))
    slots = search([bo], limit=5)
    free = [s for s in slots if s.everyone_free]
    assert free and free[0].start == at(9)
    for slot in free:
        assert slot.end <= at(10) or slot.start >= at(15)
    # The organiser's zone sets the working day, whatever the zone of the times given.
    ny_hours = WorkingHours(zone=NY)
    ny_now = datetime(2026, 11, 24, 8, 0, tzinfo=NY)
    in_ny = find_slots(
        attendees=[bo],
        rooms={},
        window_start=ny_now,
        window_end=ny_now + timedelta(hours=16),
        duration=HOUR,
        hours=ny_hours,
        now=ny_now,
        limit=20,
    )
    assert in_ny and all(s.start.astimezone(NY).hour >= 9 and s.end.astimezone(NY).hour <= 18 for s in in_ny)
    assert in_ny[0].start == datetime(2026, 11, 24, 9, 0, tzinfo=NY)


def test_only_working_hours_on_working_days() -> None:
    week_start = at(0, day=23)  # Monday
    slots = search(
        [Attendee("ana")], window_start=week_start, window_end=week_start + timedelta(days=7), limit=100, now=week_start
    )
    assert slots
    for slot in slots:
        local = slot.start.astimezone(SH)
        assert local.weekday() < 5
        assert local.hour >= 9 and slot.end.astimezone(SH) <= local.replace(hour=18, minute=0)
    weekend = WorkingHours(zone=SH, weekends=True)
    with_weekend = search(
        [Attendee("ana")],
        window_start=week_start,
        window_end=week_start + timedelta(days=7),
        limit=100,
        now=week_start,
        hours=weekend,
    )
    assert any(s.start.astimezone(SH).weekday() >= 5 for s in with_weekend)


def test_never_in_the_past() -> None:
    now = at(14, 10)
    slots = search([Attendee("ana")], now=now, limit=10)
    assert slots and min(s.start for s in slots) == at(14, 30)  # the next grid time after now
    assert search([Attendee("ana")], now=at(17, 31)) == []  # no hour left today


def test_no_common_time_names_who_is_busy() -> None:
    ana = Attendee("ana", (busy(at(9), at(13)),))
    bo = Attendee("bo", (busy(at(13), at(18)),))
    slots = search([ana, bo])
    assert slots and all(not s.everyone_free for s in slots)
    assert all(s.conflicts == 1 for s in slots)
    assert {name for s in slots for name in s.busy} <= {"ana", "bo"}


def test_optional_attendees_do_not_block_a_time() -> None:
    ana = Attendee("ana", (busy(at(9), at(11)),))
    bo = Attendee("bo", (busy(at(11), at(18)),), optional=True)
    slots = search([ana, bo])
    assert slots[0].everyone_free
    # 11:00 suits ana; bo is optional, so his conflict ranks after a time that suits him too… and
    # there is none, so the earliest time when ana is free comes first, with bo named.
    assert slots[0].start == at(11) and slots[0].optional_busy == ("bo",)
    required = search([ana, Attendee("bo", bo.busy)])
    assert not required[0].everyone_free


def test_tentative_counts_as_maybe_busy() -> None:
    ana = Attendee("ana", (busy(at(9), at(18), tentative=True),))
    slots = search([ana])
    assert slots and slots[0].maybe_busy == ("ana",) and slots[0].busy == ()
    assert not slots[0].everyone_free


def test_a_time_with_a_free_room_comes_first() -> None:
    rooms: dict[str, list[Busy] | None] = {
        "everest": [busy(at(9), at(12))],
        "k2": [busy(at(9), at(11))],
        "broken": None,  # unknown schedule: never offered
    }
    slots = search([Attendee("ana")], rooms)
    assert slots[0].start == at(11) and slots[0].rooms == ("k2",)
    assert all("broken" not in s.rooms for s in slots)
    all_busy: dict[str, list[Busy] | None] = {"k2": [busy(at(9), at(17))]}
    late = search([Attendee("ana")], all_busy)
    assert late[0].start == at(17) and late[0].rooms == ("k2",)


def test_twenty_five_people_take_two_calls() -> None:
    people = [f"person{n}" for n in range(25)]
    calls = batches(people)
    assert [len(c) for c in calls] == [20, 5]
    assert [p for call in calls for p in call] == people
    assert batches(people[:20]) == [people[:20]]
    # and the search itself handles that many calendars: each busy one hour between 9 and 17
    attendees = [Attendee(p, (busy(at(9 + n % 8), at(10 + n % 8)),)) for n, p in enumerate(people)]
    slots = search(attendees)
    assert slots[0].everyone_free and slots[0].start == at(17)
    assert all(len(s.busy) == 3 for s in slots[1:])  # the fewest busy: 3 (at 9:00, 4 are)
    with pytest.raises(ValueError):
        batches(people, 0)
