"""Calendar events: `createEvent`, `getEvent`, `listEvents`, `patchEvent` and `deleteEvent`; their
rooms and sign-ins are `bot.sim.endpoints.event_rooms`."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.sim import data, recurrence
from bot.sim.endpoints.calendar import FreeBusy
from bot.sim.endpoints.event_access import EventAccess, event_time
from bot.sim.endpoints.event_rooms import EventRooms
from bot.sim.endpoints.users import Directory
from bot.sim.http import Reply, Request
from bot.sim.replies import Endpoints, Handler, Problem, json_body, ok, serves
from bot.sim.state import SimEvent, SimState
from bot.sim.timefmt import SHANGHAI, parse_iso

# ListEvents pages: `maxResults` defaults to 100 and may not exceed it.
MAX_LIST_RESULTS = 100


class EventEndpoints(Endpoints):
    """The events of a user's primary calendar, and (through `EventRooms`) their rooms and sign-ins.

    Writes honour an `x-client-token` header: a repeat within a day answers the first reply again.
    """

    def __init__(self, *, state: SimState, directory: Directory, free_busy: FreeBusy) -> None:
        self._state = state
        self._free_busy = free_busy
        self._access = EventAccess(state=state, directory=directory)
        self._rooms = EventRooms(state=state, access=self._access, free_busy=free_busy)

    def handlers(self) -> dict[str, Handler]:
        return {**super().handlers(), **self._rooms.handlers()}

    # --- in process --------------------------------------------------------------------------

    def events(self) -> list[dict[str, Any]]:
        """Live events in get-event form (with `meetingRooms`)."""
        with self._state.lock:
            return [
                self._access.wire(event, viewer=event.organizer, with_rooms=True) for event in self._state.events.values()
            ]

    def decide_approval(self, event_id: str, room_id: str | None, *, approve: bool) -> None:
        """Decide one room of the event, or with None every room still awaiting approval."""
        with self._state.lock:
            event = self._state.events[event_id]
            if room_id is None:
                rooms = [room for room, status in event.rooms.items() if status == "tentative"]
                if not rooms:
                    raise KeyError(f"no room of {event_id} awaits approval")
            elif room_id not in event.rooms:
                raise KeyError(room_id)
            else:
                rooms = [room_id]
            for room in rooms:
                event.rooms[room] = "accepted" if approve else "declined"

    # --- endpoints ---------------------------------------------------------------------------

    @serves("createEvent")
    def create(self, params: dict[str, str], request: Request) -> Reply:
        user = self._access.calendar(params)
        return self._access.once(request, ("createEvent", user.unionid), lambda: self._create(user, request))

    def _create(self, user: data.SimUser, request: Request) -> Reply:
        state = self._state
        body = json_body(request)
        if not body:
            raise Problem(400, "invalidParameter", "Event must be provided.")
        summary = body.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            raise Problem(400, "invalidParameter", "Event summary cannot be blank")
        all_day = bool(body.get("isAllDay"))
        start, tz_start = event_time(body.get("start"), all_day, "start")
        end, tz_end = event_time(body.get("end"), all_day, "end")
        if tz_start != tz_end:
            raise Problem(400, "invalidParameter", "end.timeZone must be the same as start.timeZone")
        if end <= start:
            raise Problem(400, "invalidParameter", "Event end time must be after start time.")
        now = state.now()
        day_key = (user.unionid, now.date())
        if state.created_per_day.get(day_key, 0) >= state.config.events_per_day:
            raise Problem(
                400, "flowLimit", f"current user can not create events exceed {state.config.events_per_day} per day"
            )
        attendees = []
        for attendee in body.get("attendees") or []:
            if not isinstance(attendee, dict) or not attendee.get("id"):
                raise Problem(400, "invalidParameter", "attendee id cannot be blank")
            known = state.user_by_union(str(attendee["id"]))
            attendees.append(
                {
                    "id": str(attendee["id"]),
                    "displayName": known.name if known else "",
                    "responseStatus": "accepted" if attendee["id"] == user.unionid else "needsAction",
                    "isOptional": bool(attendee.get("isOptional", False)),
                }
            )
        reminders_in = body.get("reminders")
        if reminders_in is None:
            reminders = [{"method": "dingtalk", "minutes": "15"}]
        else:
            reminders = [
                {"method": str(item.get("method", "dingtalk")), "minutes": str(item.get("minutes", 15))}
                for item in reminders_in
                if isinstance(item, dict)
            ]
        online = None
        online_in = body.get("onlineMeetingInfo")
        if isinstance(online_in, dict) and online_in.get("type") == "dingtalk":
            conference = data.stable_hex(12, state.seed, "conference", state.event_counter)
            online = {
                "type": "dingtalk",
                "conferenceId": conference,
                "url": f"dingtalk://dingtalkclient/page/videoConfFront?roomCode={conference}",
                "extraInfo": {},
            }
        rule = recurrence.parse(body.get("recurrence"), start, ZoneInfo(tz_start) if tz_start else SHANGHAI)
        state.event_counter += 1
        event = SimEvent(
            event_id=data.stable_event_id(state.seed, "api", state.event_counter, user.unionid),
            organizer=user.unionid,
            summary=summary,
            description=str(body.get("description") or ""),
            start=start,
            end=end,
            all_day=all_day,
            time_zone=tz_start,
            attendees=attendees,
            location=dict(body["location"]) if isinstance(body.get("location"), dict) else None,
            reminders=reminders,
            online_meeting=online,
            created=now,
            updated=now,
            recurrence=rule,
        )
        state.events[event.event_id] = event
        state.created_per_day[day_key] = state.created_per_day.get(day_key, 0) + 1
        return ok(self._access.wire(event, viewer=user.unionid, with_rooms=False))

    @serves("getEvent")
    def get(self, params: dict[str, str], request: Request) -> Reply:
        user, event = self._access.event_for(params)
        return ok(self._access.wire(event, viewer=user.unionid, with_rooms=True))

    @serves("listEvents")
    def list(self, params: dict[str, str], request: Request) -> Reply:
        """The user's events overlapping [timeMin, timeMax), soonest first, a page at a time (`nextToken`)."""
        user = self._access.calendar(params)
        query = request.query
        time_min = parse_iso(query.get("timeMin")) if query.get("timeMin") else None
        time_max = parse_iso(query.get("timeMax")) if query.get("timeMax") else None
        if (query.get("timeMin") and time_min is None) or (query.get("timeMax") and time_max is None):
            raise Problem(400, "invalidParameter", "timeMin or timeMax is invalid, expected ISO-8601")
        if time_min is not None and time_max is not None and time_max <= time_min:
            raise Problem(400, "invalidParameter", "timeMax must be after timeMin")
        try:
            max_results = int(query.get("maxResults") or MAX_LIST_RESULTS)
            offset = int(query.get("nextToken") or 0)
        except ValueError:
            raise Problem(400, "invalidParameter", "maxResults or nextToken is invalid") from None
        if not 0 < max_results <= MAX_LIST_RESULTS or offset < 0:
            raise Problem(400, "invalidParameter", f"maxResults must be between 1 and {MAX_LIST_RESULTS}")
        mine = [
            event
            for event in self._state.events.values()
            if (event.organizer == user.unionid or any(a["id"] == user.unionid for a in event.attendees))
            and (time_min is None or event.end > time_min)
            and (time_max is None or event.start < time_max)
        ]
        mine.sort(key=lambda event: (event.start, event.event_id))
        page = mine[offset : offset + max_results]
        body: dict[str, Any] = {"events": [self._access.wire(event, viewer=user.unionid, with_rooms=True) for event in page]}
        if offset + max_results < len(mine):
            body["nextToken"] = str(offset + max_results)
        return ok(body)

    @serves("deleteEvent")
    def delete(self, params: dict[str, str], request: Request) -> Reply:
        return self._access.once_on_event("deleteEvent", params, request, self._delete)

    def _delete(self, params: dict[str, str], request: Request) -> Reply:
        user, event = self._access.event_for(params)
        if event.organizer == user.unionid:
            del self._state.events[event.event_id]  # cancels it for everyone and frees its rooms
            if request.query.get("pushNotification", "").lower() == "true":
                for attendee in event.attendees:
                    if attendee["id"] != user.unionid:
                        self._state.notifications.append(
                            {
                                "to": attendee["id"],
                                "kind": "eventCancelled",
                                "eventId": event.event_id,
                                "summary": event.summary,
                                "by": user.unionid,
                            }
                        )
        else:
            event.attendees = [a for a in event.attendees if a["id"] != user.unionid]
        return Reply(200, b"", content_type="application/json;charset=utf-8")

    @serves("patchEvent")
    def patch(self, params: dict[str, str], request: Request) -> Reply:
        """`PUT …/events/{eventId}`: a partial update by the organizer; rooms are re-checked at a new time."""
        return self._access.once_on_event("patchEvent", params, request, self._patch)

    def _patch(self, params: dict[str, str], request: Request) -> Reply:
        user, event = self._access.event_for(params)
        if event.organizer != user.unionid:
            raise Problem(403, "forbidden.accessDenied", "Only the organizer can modify the event")
        body = json_body(request)
        if body.get("id") not in (None, event.event_id):
            raise Problem(400, "invalidParameter", "event id does not match")
        start, end, time_zone = event.start, event.end, event.time_zone
        if "start" in body:
            start, time_zone = event_time(body.get("start"), event.all_day, "start")
        if "end" in body:
            end, end_zone = event_time(body.get("end"), event.all_day, "end")
            if "start" in body and end_zone != time_zone:
                raise Problem(400, "invalidParameter", "end.timeZone must be the same as start.timeZone")
        if end <= start:
            raise Problem(400, "invalidParameter", "Event end time must be after start time.")
        for room_id, status in event.rooms.items():
            room = self._state.find_room(room_id)
            if room is None or status not in ("accepted", "tentative"):
                continue
            if any(True for _busy in self._free_busy.occupancy(room, start, end, skip_event=event.event_id)):
                raise Problem(400, "invalidParameter", "Meeting room invalid")
        if isinstance(body.get("summary"), str) and body["summary"].strip():
            event.summary = body["summary"]
        if isinstance(body.get("description"), str):
            event.description = body["description"]
        event.start, event.end, event.time_zone = start, end, time_zone or event.time_zone
        event.updated = self._state.now()
        return ok(self._access.wire(event, viewer=user.unionid, with_rooms=False))
