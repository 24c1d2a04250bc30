"""Room free/busy schedules (`schedules/query`), from the demo meetings and the events booked through the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from bot.sim import data
from bot.sim.endpoints.users import DirectoryEndpoints
from bot.sim.http import Reply, Request
from bot.sim.replies import Problem, json_body, ok, serves
from bot.sim.timefmt import (
    SHANGHAI,
    SHANGHAI_NAME,
    format_local,
    format_utc_midnight,
    local_days,
    parse_iso,
)

MAX_ROOMS_PER_EVENT = 5
# ListEvents pages: `maxResults` defaults to 100 and may not exceed it.
MAX_LIST_RESULTS = 100
IDEMPOTENCY_S = 24 * 3600.0


class FreeBusy(DirectoryEndpoints):
    """`schedules`: the busy items of rooms, from the demo meetings and the events booked through the API."""

    def schedule(self, room_id: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        with self._state.lock:
            return [item for _key, item in self.room_items(self._state.room(room_id), start, end)]

    @serves("schedules")
    def query(self, params: dict[str, str], request: Request) -> Reply:
        state = self._state
        self._directory.calendar_user(params["user"])
        body = json_body(request)
        room_ids = body.get("roomIds")
        if not room_ids or not isinstance(room_ids, list):
            raise Problem(400, "invalidParameter", "query ids cannot be empty")
        if len(room_ids) > state.config.max_rooms_per_call:
            raise Problem(400, "invalidParameter", "Cannot get schedule information for more than limit.")
        start = parse_iso(body.get("startTime"))
        end = parse_iso(body.get("endTime"))
        if start is None:
            raise Problem(400, "invalidParameter", "startTime is invalid, expected ISO-8601 such as 2022-07-29T14:55Z")
        if end is None:
            raise Problem(400, "invalidParameter", "endTime is invalid, expected ISO-8601 such as 2022-07-29T14:55Z")
        if end <= start:
            raise Problem(400, "invalidParameter", "endTime must be after startTime")
        if end - start > timedelta(days=90):
            raise Problem(400, "invalidParameter", "Cannot query schedule for more than 90 days.")
        found = [(position, str(room_id), state.find_room(str(room_id))) for position, room_id in enumerate(room_ids)]
        if all(room is None for _position, _room_id, room in found):
            raise Problem(400, "invalidParameter", "roomId invalid")
        information = []
        for position, room_id, room in found:
            # Real DingTalk omits empty fields for some rooms and sends them empty for others;
            # alternating both forms keeps clients honest about handling either.
            parity = room.index % 2 if room is not None else position % 2
            entry: dict[str, Any] = {"roomId": room_id}
            if room is None:
                entry["error"] = "roomId invalid"
                if parity == 0:
                    entry["scheduleItems"] = []
            else:
                items = [item for _key, item in self.room_items(room, start, end)]
                if items or parity == 0:
                    entry["scheduleItems"] = items
                if parity == 1:
                    entry["error"] = ""
            information.append(entry)
        return ok({"scheduleInformation": information})

    def occupancy(
        self, room: data.SimRoom, start: datetime, end: datetime, *, skip_event: str = ""
    ) -> Iterator[tuple[datetime, datetime, dict[str, Any]]]:
        """Every busy interval of `room` overlapping [start, end): (start, end, wire item)."""
        state = self._state
        # Demo meetings never cross midnight; an all-day one covers its local day.
        for day in local_days(start, end):
            for demo in data.day_items(
                state.seed, room.room_id, day, organizers=state.organizers, approval=room.rules.approval
            ):
                if demo.start < end and start < demo.end:
                    yield (
                        demo.start,
                        demo.end,
                        _wire_item(demo.status, demo.event_id, demo.organizer_id, demo.start, demo.end, demo.all_day),
                    )
        for event in state.events.values():
            status = event.rooms.get(room.room_id)
            if event.event_id == skip_event or status not in ("accepted", "tentative"):
                continue
            item_status = data.TENTATIVE if status == "tentative" else data.BUSY
            # A recurring event holds the room at every occurrence, not just its first.
            for occurrence_start, occurrence_end in event.occurrences(until=end):
                if occurrence_start < end and start < occurrence_end:
                    yield (
                        occurrence_start,
                        occurrence_end,
                        _wire_item(
                            item_status, event.event_id, event.organizer, occurrence_start, occurrence_end, event.all_day
                        ),
                    )

    def room_items(self, room: data.SimRoom, start: datetime, end: datetime) -> list[tuple[datetime, dict[str, Any]]]:
        items = [(item_start, item) for item_start, _item_end, item in self.occupancy(room, start, end)]
        items.sort(key=lambda pair: pair[0])
        return items


def _wire_item(status: str, event_id: str, organizer: str, start: datetime, end: datetime, all_day: bool) -> dict[str, Any]:
    """One free/busy item; all-day items are 00:00Z .. 00:00Z of the next day with timeZone UTC."""
    if all_day:
        first = start.astimezone(SHANGHAI).date()
        last = end.astimezone(SHANGHAI).date()
        return {
            "status": status,
            "eventId": event_id,
            "organizer": {"id": organizer},
            "start": {"dateTime": format_utc_midnight(first), "timeZone": "UTC"},
            "end": {"dateTime": format_utc_midnight(last), "timeZone": "UTC"},
        }
    return {
        "status": status,
        "eventId": event_id,
        "organizer": {"id": organizer},
        "start": {"dateTime": format_local(start), "timeZone": SHANGHAI_NAME},
        "end": {"dateTime": format_local(end), "timeZone": SHANGHAI_NAME},
    }
