"""People's calendars: `querySchedule`, the busy and tentative times of up to 20 users a call.

Every demo person has a deterministic calendar of their own (a pure function of the seed, their
unionId and the day), plus the events created through the API that they organise or attend.
Answers hold status and times only: no titles, no event ids, no attendees, as DingTalk's do.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.sim import data
from bot.sim.endpoints.users import DirectoryEndpoints
from bot.sim.http import Reply, Request
from bot.sim.replies import Problem, json_body, ok, serves
from bot.sim.timefmt import SHANGHAI, SHANGHAI_NAME, format_local, local_days, parse_iso

MAX_USERS_PER_CALL = 20
MAX_WINDOW = timedelta(days=90)
_ILLEGAL = ("paramIllegal", "PARAM ILLEGAL")

DemoBusy = tuple[datetime, datetime, bool, bool]  # start, end, tentative, all day


@functools.lru_cache(maxsize=16384)
def person_day(seed: int, union_id: str, day: date) -> tuple[DemoBusy, ...]:
    """A person's own meetings on `day` (Asia/Shanghai): 1-4 on working days, 30-90 minutes between
    09:00 and 18:00, about one in eight tentative; about one working day in 40 is out of office."""
    rng = data.stable_rng(seed, "person-day", union_id, day.isoformat())
    if day.weekday() >= 5:
        return ()
    if rng.random() < 0.025:
        start = datetime.combine(day, time(0), tzinfo=SHANGHAI)
        return ((start, start + timedelta(days=1), False, True),)
    slots = 18  # 09:00 .. 18:00 in half hours
    taken = [False] * slots
    items = []
    for _ in range(rng.randint(1, 4)):
        length = rng.choice((1, 2, 2, 3))
        first = rng.randrange(0, slots - length + 1)
        if any(taken[first : first + length]):
            continue
        for slot in range(first, first + length):
            taken[slot] = True
        start = datetime.combine(day, time(9), tzinfo=SHANGHAI) + timedelta(minutes=30 * first)
        items.append((start, start + timedelta(minutes=30 * length), rng.random() < 0.125, False))
    items.sort()
    return tuple(items)


class PeopleSchedules(DirectoryEndpoints):
    """`querySchedule`: POST /v1.0/calendar/users/{unionId}/querySchedule."""

    def busy(self, union_id: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """A person's items overlapping [start, end), in wire form (in process, for tests and the demo)."""
        with self._state.lock:
            return self._items(union_id, start, end)

    @serves("querySchedule")
    def query(self, params: dict[str, str], request: Request) -> Reply:
        self._directory.calendar_user(params["user"])
        body = json_body(request)
        user_ids = body.get("userIds")
        if not isinstance(user_ids, list) or not user_ids or not all(isinstance(u, str) and u for u in user_ids):
            raise Problem(400, *_ILLEGAL)
        if len(user_ids) > MAX_USERS_PER_CALL:
            raise Problem(400, *_ILLEGAL)
        start = parse_iso(body.get("startTime"))
        end = parse_iso(body.get("endTime"))
        if start is None or end is None or end <= start or end - start > MAX_WINDOW:
            raise Problem(400, *_ILLEGAL)
        information = []
        for user_id in user_ids:
            if self._state.user_by_union(user_id) is None:
                information.append({"userId": user_id, "error": "user not found", "scheduleItems": []})
                continue
            information.append({"userId": user_id, "scheduleItems": self._items(user_id, start, end)})
        return ok({"scheduleInformation": information})

    def _items(self, union_id: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        found: list[tuple[datetime, dict[str, Any]]] = []
        for day in local_days(start, end):
            for item_start, item_end, tentative, all_day in person_day(self._state.seed, union_id, day):
                if item_start < end and start < item_end:
                    found.append((item_start, _wire(item_start, item_end, tentative=tentative, all_day=all_day)))
        for event in self._state.events.values():
            attends = event.organizer == union_id or any(
                a["id"] == union_id and a.get("responseStatus") != "declined" for a in event.attendees
            )
            if attends and event.start < end and start < event.end:
                found.append((event.start, _wire(event.start, event.end, tentative=False, all_day=event.all_day)))
        found.sort(key=lambda pair: pair[0])
        return [item for _start, item in found]


def _wire(start: datetime, end: datetime, *, tentative: bool, all_day: bool) -> dict[str, Any]:
    """One item: all-day ones as dates with the time zone fixed to UTC, as DingTalk sends them."""
    status = data.TENTATIVE if tentative else data.BUSY
    if all_day:
        return {
            "status": status,
            "start": {"date": start.astimezone(SHANGHAI).date().isoformat(), "timeZone": "UTC"},
            "end": {"date": end.astimezone(SHANGHAI).date().isoformat(), "timeZone": "UTC"},
        }
    return {
        "status": status,
        "start": {"dateTime": format_local(start), "timeZone": SHANGHAI_NAME},
        "end": {"dateTime": format_local(end), "timeZone": SHANGHAI_NAME},
    }


__all__ = ["MAX_USERS_PER_CALL", "PeopleSchedules", "person_day"]
