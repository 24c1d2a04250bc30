"""What every event endpoint shares: the calendar and event a call names, `x-client-token`
idempotency, and an event's wire form."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.sim import data
from bot.sim.endpoints.users import Directory
from bot.sim.http import Reply, Request
from bot.sim.replies import Problem, request_id
from bot.sim.state import SimEvent, SimState
from bot.sim.timefmt import SHANGHAI, format_in_zone, format_utc, local_midnight, parse_iso

IDEMPOTENCY_S = 24 * 3600.0


class EventAccess:
    """Looks up the calendar and event of a call, and answers a repeated write with its first reply.

    Writes honour an `x-client-token` header: a repeat within a day answers the first reply again.
    """

    def __init__(self, *, state: SimState, directory: Directory) -> None:
        self._state = state
        self._directory = directory

    def once(self, request: Request, scope: tuple[str, ...], answer: Callable[[], Reply]) -> Reply:
        """`answer()`, or for a repeated `x-client-token` within a day the first reply again; a token
        reused with a different body is a 409 `invalidRequest.duplicateClientToken`."""
        key, replay = self._idempotent_reply(request, *scope)
        if replay is not None:
            return replay
        reply = answer()
        if key is not None and reply.status < 300:
            self._state.idempotent[key] = (self._state.clock() + IDEMPOTENCY_S, reply, _body_digest(request))
        return reply

    def once_on_event(
        self, endpoint: str, params: dict[str, str], request: Request, answer: Callable[[dict[str, str], Request], Reply]
    ) -> Reply:
        """`once` for a write to one event: a repeat is the same endpoint, user, event and token."""
        return self.once(request, (endpoint, params["user"], params["event"]), lambda: answer(params, request))

    def event_on_calendar(self, params: dict[str, str]) -> tuple[data.SimUser, SimEvent]:
        user = self.calendar(params)
        event = self._state.events.get(params["event"])
        if event is None:
            raise Problem(404, "itemNotFound", "event not found")
        return user, event

    def calendar(self, params: dict[str, str]) -> data.SimUser:
        user = self._directory.calendar_user(params["user"])
        if not params["calendar"].strip():
            raise Problem(400, "invalidParameter", "CalendarId cannot be blank")
        if params["calendar"] != "primary":
            raise Problem(404, "itemNotFound", "calendar not found")
        return user

    def event_for(self, params: dict[str, str]) -> tuple[data.SimUser, SimEvent]:
        user = self.calendar(params)
        event = self._state.events.get(params["event"])
        if event is None or (event.organizer != user.unionid and all(a["id"] != user.unionid for a in event.attendees)):
            raise Problem(404, "itemNotFound", "event not found")
        return user, event

    def _idempotent_reply(self, request: Request, *scope: str) -> tuple[tuple[str, ...] | None, Reply | None]:
        """The first reply again for a repeated `x-client-token` within a day; a token reused with a
        different body is a 409 `invalidRequest.duplicateClientToken`."""
        token = request.headers.get("x-client-token", "").strip()
        if not token:
            return None, None
        stored_replies = self._state.idempotent
        now = self._state.clock()
        for stale in [key for key, (expiry, _reply, _digest) in stored_replies.items() if expiry <= now]:
            del stored_replies[stale]
        key = (*scope, token)
        stored = stored_replies.get(key)
        if stored is None:
            return key, None
        _expiry, reply, digest = stored
        if digest != _body_digest(request):
            raise Problem(409, "invalidRequest.duplicateClientToken", "x-client-token was used for another request")
        return key, Reply(reply.status, reply.body, reply.content_type, {"x-acs-request-id": request_id()})

    def wire(self, event: SimEvent, *, viewer: str, with_rooms: bool) -> dict[str, Any]:
        organizer = self._state.user_by_union(event.organizer)
        if event.all_day:
            start: dict[str, Any] = {"date": event.start.astimezone(SHANGHAI).date().isoformat()}
            end: dict[str, Any] = {"date": event.end.astimezone(SHANGHAI).date().isoformat()}
        else:
            zone = ZoneInfo(event.time_zone)
            start = {"dateTime": format_in_zone(event.start, zone), "timeZone": event.time_zone}
            end = {"dateTime": format_in_zone(event.end, zone), "timeZone": event.time_zone}
        wire: dict[str, Any] = {
            "id": event.event_id,
            "summary": event.summary,
            "description": event.description,
            "start": start,
            "end": end,
            "isAllDay": event.all_day,
            "attendees": [{**attendee, "self": attendee["id"] == viewer} for attendee in event.attendees],
            "organizer": {
                "id": event.organizer,
                "displayName": organizer.name if organizer else "",
                "responseStatus": "accepted",
                "self": event.organizer == viewer,
            },
            "reminders": [dict(reminder) for reminder in event.reminders],
            "createTime": format_utc(event.created),
            "updateTime": format_utc(event.updated),
        }
        if event.location is not None:
            wire["location"] = dict(event.location)
        if event.recurrence is not None:
            wire["recurrence"] = event.recurrence.wire()
        if event.online_meeting is not None:
            wire["onlineMeetingInfo"] = dict(event.online_meeting)
        if with_rooms:
            wire["meetingRooms"] = [
                {"roomId": room_id, "responseStatus": status, "displayName": self._room_name(room_id)}
                for room_id, status in event.rooms.items()
            ]
        return wire

    def _room_name(self, room_id: str) -> str:
        room = self._state.find_room(room_id)
        return str(room.wire.get("roomName", "")) if room else ""


def event_time(value: Any, all_day: bool, which: str) -> tuple[datetime, str]:
    """(moment, time zone name) of an event's start/end; all-day dates are local midnights."""
    if not isinstance(value, dict) or not (value.get("dateTime") or value.get("date")):
        raise Problem(400, "invalidParameter", f"Event {which} time not set.")
    if all_day or value.get("date"):
        try:
            day = date.fromisoformat(str(value.get("date")))
        except ValueError:
            raise Problem(400, "invalidParameter", f"Event {which} date is invalid, expected yyyy-MM-dd") from None
        return local_midnight(day), ""
    zone_name = str(value.get("timeZone") or "")
    try:
        zone = ZoneInfo(zone_name) if zone_name else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    if zone is None:
        raise Problem(400, "invalidParameter", f"Event {which} timeZone is invalid")
    moment = parse_iso(value.get("dateTime"))
    if moment is None:
        # A local wall-clock time in the named zone is accepted too.
        try:
            naive = datetime.fromisoformat(str(value.get("dateTime")))
        except ValueError:
            raise Problem(400, "invalidParameter", f"Event {which} dateTime is invalid") from None
        if naive.tzinfo is not None:
            raise Problem(400, "invalidParameter", f"Event {which} dateTime is invalid")
        moment = naive.replace(tzinfo=zone)
    return moment, zone_name


def _body_digest(request: Request) -> str:
    """What makes two requests "the same" for a client token: the query and the JSON body's content."""
    try:
        content = json.dumps(json.loads(request.body), sort_keys=True) if request.body.strip() else ""
    except ValueError:
        content = request.body.decode("utf-8", "replace")
    query = json.dumps(sorted(request.query.items()))
    return hashlib.sha256(f"{query}\n{content}".encode()).hexdigest()
