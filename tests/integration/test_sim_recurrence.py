"""Recurring events in the simulator: every occurrence holds the room, in free/busy and when a room
is added to another event. Expected occurrence times are worked out by hand from the pattern."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.sim import Simulator

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Calendar:
    def __init__(self, sim: Simulator) -> None:
        token = httpx.post(
            f"{sim.url}/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret}
        ).json()["accessToken"]
        self.headers = {"x-acs-dingtalk-access-token": token}
        self.base = f"{sim.url}/v1.0/calendar/users/{sim.operator_union_id}/calendars/primary/events"

    def create(self, start: datetime, minutes: int = 60, recurrence: dict[str, Any] | None = None) -> httpx.Response:
        body: dict[str, Any] = {
            "summary": "Weekly sync",
            "start": {"dateTime": start.isoformat(), "timeZone": "Asia/Shanghai"},
            "end": {"dateTime": (start + timedelta(minutes=minutes)).isoformat(), "timeZone": "Asia/Shanghai"},
        }
        if recurrence is not None:
            body["recurrence"] = recurrence
        return httpx.post(self.base, headers=self.headers, json=body)

    def add_room(self, event_id: str, room_id: str) -> httpx.Response:
        return httpx.post(
            f"{self.base}/{event_id}/meetingRooms", headers=self.headers, json={"meetingRoomsToAdd": [{"roomId": room_id}]}
        )

    def book(self, room_id: str, start: datetime, minutes: int = 60, recurrence: dict[str, Any] | None = None) -> int:
        created = self.create(start, minutes, recurrence)
        assert created.status_code == 200, created.text
        return self.add_room(created.json()["id"], room_id).status_code


def evening(day: date, hour: int = 20) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI)


def quiet_room(sim: Simulator, days: list[date]) -> str:
    """A room with nothing from 20:00 to 22:00 on these days: demo meetings end by 19:00, but a rare
    all-day one could sit on one of them."""
    for room in sim.rooms:
        if sim.room_rules(room["roomId"]).approval or room["roomStatus"] == 2:
            continue
        evenings = (sim.schedule(room["roomId"], evening(day), evening(day, 22)) for day in days)
        if all(items == [] for items in evenings):
            return str(room["roomId"])
    raise AssertionError("no quiet room")


@pytest.fixture
def cal(sim: Simulator) -> Calendar:
    sim.configure(enforce_booking_rules=False)  # the advance-booking window is not what these tests are about
    return Calendar(sim)


def starts(sim: Simulator, room_id: str, first: date, days: int) -> list[datetime]:
    items = sim.schedule(room_id, evening(first, 0), evening(first + timedelta(days=days), 0))
    moments = [datetime.fromisoformat(item["start"]["dateTime"]) for item in items if item["start"]["timeZone"] != "UTC"]
    return [moment for moment in moments if moment.hour >= 20]  # leave the demo's daytime meetings out


def test_a_weekly_event_of_four_occurrences_shows_all_four_in_free_busy(sim: Simulator, cal: Calendar) -> None:
    first = sim.today + timedelta(days=2)
    room = quiet_room(sim, [first + timedelta(weeks=n) for n in range(5)])
    weekly = {"pattern": {"type": "weekly", "interval": 1}, "range": {"type": "numbered", "numberOfOccurrences": 4}}
    assert cal.book(room, evening(first), recurrence=weekly) == 200
    assert starts(sim, room, first, 42) == [evening(first + timedelta(weeks=n)) for n in range(4)]


def test_a_daily_event_with_an_end_date_stops_on_that_date(sim: Simulator, cal: Calendar) -> None:
    first = sim.today + timedelta(days=2)
    room = quiet_room(sim, [first + timedelta(days=n) for n in range(10)])
    last = first + timedelta(days=4)
    daily = {"pattern": {"type": "daily", "interval": 2}, "range": {"type": "endDate", "endDate": last.isoformat()}}
    assert cal.book(room, evening(first, 21), recurrence=daily) == 200
    assert starts(sim, room, first, 10) == [evening(first + timedelta(days=n), 21) for n in (0, 2, 4)]


def test_monthly_patterns_by_day_of_month_and_by_weekday(sim: Simulator, cal: Calendar) -> None:
    first = date(sim.today.year + 1, 1, 15)
    year = first.year
    # The last Friday of January and of February, by hand from the calendar of that year.
    fridays = [
        max(date(year, m, d) for d in range(1, 32) if _valid(year, m, d) and date(year, m, d).weekday() == 4) for m in (1, 2)
    ]
    room = quiet_room(sim, [date(year, month, 15) for month in (1, 2, 3, 4)] + fridays)
    by_day = {
        "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 15},
        "range": {"type": "numbered", "numberOfOccurrences": 3},
    }
    assert cal.book(room, evening(first), recurrence=by_day) == 200
    assert [s for s in starts(sim, room, first, 100) if s.hour == 20] == [
        evening(date(year, month, 15)) for month in (1, 2, 3)
    ]

    last_friday = {
        "pattern": {"type": "relativeMonthly", "interval": 1, "index": "last", "daysOfWeek": "friday"},
        "range": {"type": "numbered", "numberOfOccurrences": 2},
    }
    assert cal.book(room, evening(fridays[0], 21), recurrence=last_friday) == 200
    later = [s for s in starts(sim, room, first, 100) if s.hour == 21]
    assert later == [evening(day, 21) for day in fridays]


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def test_an_occurrence_blocks_a_later_booking_and_the_week_after_the_last_is_free(sim: Simulator, cal: Calendar) -> None:
    first = sim.today + timedelta(days=2)
    room = quiet_room(sim, [first + timedelta(weeks=n) for n in range(5)])
    weekly = {"pattern": {"type": "weekly", "interval": 1}, "range": {"type": "numbered", "numberOfOccurrences": 4}}
    assert cal.book(room, evening(first), recurrence=weekly) == 200
    assert cal.book(room, evening(first + timedelta(weeks=3))) == 400  # the fourth occurrence
    assert cal.book(room, evening(first + timedelta(weeks=4))) == 200  # after the last one


def test_a_recurring_booking_is_refused_when_any_occurrence_meets_another_booking(sim: Simulator, cal: Calendar) -> None:
    first = sim.today + timedelta(days=2)
    room = quiet_room(sim, [first + timedelta(weeks=n) for n in range(5)])
    assert cal.book(room, evening(first + timedelta(weeks=2), 20) + timedelta(minutes=30), minutes=30) == 200
    weekly = {"pattern": {"type": "weekly", "interval": 1}, "range": {"type": "numbered", "numberOfOccurrences": 4}}
    created = cal.create(evening(first), recurrence=weekly)
    refused = cal.add_room(created.json()["id"], room)
    assert refused.status_code == 400 and refused.json()["code"] == "meetingRoomNotAvailable"


@pytest.mark.parametrize(
    "recurrence",
    [
        {"pattern": {"type": "weekly"}, "range": {"type": "endDate", "endDate": "2099-01-01", "numberOfOccurrences": 3}},
        {"pattern": {"type": "daily"}, "range": {"type": "numbered", "numberOfOccurrences": 100}},
        {"pattern": {"type": "daily", "interval": 366}, "range": {"type": "noEnd"}},
        {"pattern": {"type": "hourly"}, "range": {"type": "noEnd"}},
    ],
)
def test_bad_recurrences_are_parameter_errors(sim: Simulator, cal: Calendar, recurrence: dict[str, Any]) -> None:
    refused = cal.create(evening(sim.today + timedelta(days=2)), recurrence=recurrence)
    assert refused.status_code == 400 and refused.json()["code"] == "invalidParameter"


def test_get_event_returns_the_recurrence(sim: Simulator, cal: Calendar) -> None:
    weekly = {
        "pattern": {"type": "weekly", "interval": 2, "daysOfWeek": "monday,thursday"},
        "range": {"type": "numbered", "numberOfOccurrences": 6},
    }
    created = cal.create(evening(sim.today + timedelta(days=2)), recurrence=weekly).json()
    read = httpx.get(f"{cal.base}/{created['id']}", headers=cal.headers).json()
    assert read["recurrence"] == {
        "pattern": {"type": "weekly", "interval": 2, "daysOfWeek": "monday,thursday"},
        "range": {"type": "numbered", "numberOfOccurrences": 6},
    }
