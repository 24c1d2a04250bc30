"""Calendars: room free/busy schedules, and events (create, get, delete, add and remove rooms)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.sim import data, recurrence
from bot.sim.endpoints.users import Directory
from bot.sim.http import Reply, Request
from bot.sim.replies import Handler, Problem, json_body, ok, request_id
from bot.sim.state import SimEvent, SimState
from bot.sim.timefmt import (
    SHANGHAI,
    SHANGHAI_NAME,
    format_in_zone,
    format_local,
    format_utc,
    format_utc_midnight,
    local_days,
    local_midnight,
    parse_iso,
)

MAX_ROOMS_PER_EVENT = 5
# ListEvents pages: `maxResults` defaults to 100 and may not exceed it.
MAX_LIST_RESULTS = 100
IDEMPOTENCY_S = 24 * 3600.0


class FreeBusy:
    """`schedules`: the busy items of rooms, from the demo meetings and the events booked through the API."""

    def __init__(self, *, state: SimState, directory: Directory) -> None:
        self._state = state
        self._directory = directory

    def handlers(self) -> dict[str, Handler]:
        return {"schedules": self.query}

    def schedule(self, room_id: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        with self._state.lock:
            return [item for _key, item in self.room_items(self._state.room(room_id), start, end)]

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


class EventEndpoints:
    """`createEvent`, `getEvent`, `deleteEvent`, `addMeetingRooms` and `removeMeetingRooms`.

    Writes honour an `x-client-token` header: a repeat within a day answers the first reply again.
    """

    def __init__(self, *, state: SimState, directory: Directory, free_busy: FreeBusy) -> None:
        self._state = state
        self._directory = directory
        self._free_busy = free_busy

    def handlers(self) -> dict[str, Handler]:
        return {
            "createEvent": self.create,
            "getEvent": self.get,
            "listEvents": self.list,
            "deleteEvent": self.delete,
            "addMeetingRooms": self.add_rooms,
            "removeMeetingRooms": self.remove_rooms,
            "patchEvent": self.patch,
            "signInEvent": self.sign_in,
            "signInList": self.sign_in_list,
        }

    # --- in process --------------------------------------------------------------------------

    def events(self) -> list[dict[str, Any]]:
        """Live events in get-event form (with `meetingRooms`)."""
        with self._state.lock:
            return [self._wire(event, viewer=event.organizer, with_rooms=True) for event in self._state.events.values()]

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

    def create(self, params: dict[str, str], request: Request) -> Reply:
        state = self._state
        user = self._calendar(params)
        key, replay = self._idempotent_reply(request, "createEvent", user.unionid)
        if replay is not None:
            return replay
        body = json_body(request)
        if not body:
            raise Problem(400, "invalidParameter", "Event must be provided.")
        summary = body.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            raise Problem(400, "invalidParameter", "Event summary cannot be blank")
        all_day = bool(body.get("isAllDay"))
        start, tz_start = _event_time(body.get("start"), all_day, "start")
        end, tz_end = _event_time(body.get("end"), all_day, "end")
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
        return self._remember(key, ok(self._wire(event, viewer=user.unionid, with_rooms=False)), request)

    def get(self, params: dict[str, str], request: Request) -> Reply:
        user, event = self._event_for(params)
        return ok(self._wire(event, viewer=user.unionid, with_rooms=True))

    def list(self, params: dict[str, str], request: Request) -> Reply:
        """The user's events overlapping [timeMin, timeMax), soonest first, a page at a time (`nextToken`)."""
        user = self._calendar(params)
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
        body: dict[str, Any] = {"events": [self._wire(event, viewer=user.unionid, with_rooms=True) for event in page]}
        if offset + max_results < len(mine):
            body["nextToken"] = str(offset + max_results)
        return ok(body)

    def delete(self, params: dict[str, str], request: Request) -> Reply:
        key, replay = self._idempotent_reply(request, "deleteEvent", params["user"], params["event"])
        if replay is not None:
            return replay
        user, event = self._event_for(params)
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
        return self._remember(key, Reply(200, b"", content_type="application/json;charset=utf-8"), request)

    def add_rooms(self, params: dict[str, str], request: Request) -> Reply:
        state = self._state
        key, replay = self._idempotent_reply(request, "addMeetingRooms", params["user"], params["event"])
        if replay is not None:
            return replay
        _user, event = self._event_for(params)
        body = json_body(request, required=False)
        wanted = _room_ids(body.get("meetingRoomsToAdd"))
        if not wanted:
            raise Problem(400, "invalidParameter", "roomId must be provided.")
        new = [room_id for room_id in dict.fromkeys(wanted) if room_id not in event.rooms]
        if len(event.rooms) + len(new) > MAX_ROOMS_PER_EVENT:
            raise Problem(400, "invalidParameter", f"attendees batch size too large. Maximum allowed:{MAX_ROOMS_PER_EVENT}")
        rooms = []
        for room_id in new:
            room = state.find_room(room_id)
            if room is None:
                raise Problem(400, "invalidParameter", "roomId invalid")
            rooms.append(room)
        for room in rooms:  # check all first: a refused call adds nothing
            self._check_scope(room, event)
            if state.config.enforce_booking_rules:
                self._check_rules(room, event)
            # Every occurrence of a recurring event must find the room free.
            for occurrence_start, occurrence_end in event.occurrences(until=event.start + recurrence.NO_END_HORIZON):
                busy = self._free_busy.occupancy(room, occurrence_start, occurrence_end, skip_event=event.event_id)
                if any(True for _busy in busy):
                    raise Problem(400, "meetingRoomNotAvailable", "room busy")
        for room in rooms:
            event.rooms[room.room_id] = "tentative" if room.rules.approval else "accepted"
        if rooms:
            event.updated = state.now()
        return self._remember(key, ok({"result": True}), request)

    def remove_rooms(self, params: dict[str, str], request: Request) -> Reply:
        key, replay = self._idempotent_reply(request, "removeMeetingRooms", params["user"], params["event"])
        if replay is not None:
            return replay
        _user, event = self._event_for(params)
        body = json_body(request, required=False)
        wanted = _room_ids(body.get("meetingRoomsToRemove"))
        if not wanted:
            raise Problem(400, "invalidParameter", "Meeting rooms to remove must be provided.")
        removed = False
        for room_id in wanted:
            removed = event.rooms.pop(room_id, None) is not None or removed
        if removed:
            event.updated = self._state.now()
        return self._remember(key, ok({"result": True}), request)

    def patch(self, params: dict[str, str], request: Request) -> Reply:
        """`PUT …/events/{eventId}`: a partial update by the organizer; rooms are re-checked at a new time."""
        key, replay = self._idempotent_reply(request, "patchEvent", params["user"], params["event"])
        if replay is not None:
            return replay
        user, event = self._event_for(params)
        if event.organizer != user.unionid:
            raise Problem(403, "forbidden.accessDenied", "Only the organizer can modify the event")
        body = json_body(request)
        if body.get("id") not in (None, event.event_id):
            raise Problem(400, "invalidParameter", "event id does not match")
        start, end, time_zone = event.start, event.end, event.time_zone
        if "start" in body:
            start, time_zone = _event_time(body.get("start"), event.all_day, "start")
        if "end" in body:
            end, end_zone = _event_time(body.get("end"), event.all_day, "end")
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
        return self._remember(key, ok(self._wire(event, viewer=user.unionid, with_rooms=False)), request)

    def sign_in(self, params: dict[str, str], request: Request) -> Reply:
        """`POST …/events/{eventId}/signin`: the organizer or an attendee signs in (the first time stays)."""
        user, event = self._event_on_calendar(params)
        if event.organizer != user.unionid and all(a["id"] != user.unionid for a in event.attendees):
            raise Problem(400, "notInEvent", "用户不在日程内")
        moment = event.sign_ins.setdefault(user.unionid, self._state.now())
        return ok({"checkInTime": int(moment.timestamp() * 1000)})

    def sign_in_list(self, params: dict[str, str], request: Request) -> Reply:
        """`GET …/events/{eventId}/signin?type=sign_in|not_yet_sign_in&maxResults=`: who signed in or not."""
        _user, event = self._event_for(params)
        kind = request.query.get("type", "")
        if kind not in ("sign_in", "not_yet_sign_in"):
            raise Problem(400, "invalidParameter", "type is invalid")
        raw_max = request.query.get("maxResults", "")
        if not raw_max.isdigit() or not 0 < int(raw_max) <= 500:
            raise Problem(400, "invalidParameter", "maxResults is invalid")
        people = [event.organizer, *(a["id"] for a in event.attendees if a["id"] != event.organizer)]
        users = []
        for union_id in people:
            signed = event.sign_ins.get(union_id)
            if (kind == "sign_in") != (signed is not None):
                continue
            known = self._state.user_by_union(union_id)
            entry: dict[str, Any] = {"userId": union_id, "displayName": known.name if known else ""}
            if signed is not None:
                entry["checkInTime"] = int(signed.timestamp() * 1000)
            users.append(entry)
        return ok({"users": users[: int(raw_max)]})

    # --- helpers -----------------------------------------------------------------------------

    def _event_on_calendar(self, params: dict[str, str]) -> tuple[data.SimUser, SimEvent]:
        user = self._calendar(params)
        event = self._state.events.get(params["event"])
        if event is None:
            raise Problem(404, "itemNotFound", "event not found")
        return user, event

    def _calendar(self, params: dict[str, str]) -> data.SimUser:
        user = self._directory.calendar_user(params["user"])
        if not params["calendar"].strip():
            raise Problem(400, "invalidParameter", "CalendarId cannot be blank")
        if params["calendar"] != "primary":
            raise Problem(404, "itemNotFound", "calendar not found")
        return user

    def _event_for(self, params: dict[str, str]) -> tuple[data.SimUser, SimEvent]:
        user = self._calendar(params)
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

    def _remember(self, key: tuple[str, ...] | None, reply: Reply, request: Request) -> Reply:
        if key is not None and reply.status < 300:
            self._state.idempotent[key] = (self._state.clock() + IDEMPOTENCY_S, reply, _body_digest(request))
        return reply

    def _check_scope(self, room: data.SimRoom, event: SimEvent) -> None:
        """A room open to some members only (roomStatus 2) takes bookings from those members alone.

        DingTalk's documentation names no error for this; the simulator answers as for any other
        room that cannot be booked, with the reason in the message.
        """
        if room.wire.get("roomStatus") != 2:
            return
        members = {member["memberId"] for member in room.authorized_members if member.get("memberType") == "user"}
        if event.organizer not in members:
            raise Problem(400, "meetingRoomNotAvailable", "无权限预订该会议室")

    def _check_rules(self, room: data.SimRoom, event: SimEvent) -> None:
        rules = room.rules
        minutes = int((event.end - event.start).total_seconds() // 60)
        if not rules.open_reservation:
            raise Problem(400, "meetingRoomNotAvailable", "会议室未开放预订")
        if (
            rules.closed_from is not None
            and event.end > rules.closed_from
            and (rules.closed_until is None or event.start < rules.closed_until)
        ):
            raise Problem(400, "meetingRoomNotAvailable", f"会议室已关闭: {rules.close_reason}")
        if rules.max_minutes and minutes > rules.max_minutes:
            raise Problem(400, "meetingRoomNotAvailable", f"预订时长不得超过 {rules.max_minutes} 分钟")
        if rules.min_minutes and minutes < rules.min_minutes:
            raise Problem(400, "meetingRoomNotAvailable", f"预订时长不得少于 {rules.min_minutes} 分钟")
        if rules.advance_days:
            limit = local_midnight(self._state.now().date() + timedelta(days=rules.advance_days + 1))
            if event.start >= limit:
                raise Problem(400, "meetingRoomNotAvailable", f"只能提前 {rules.advance_days} 天预订")

    def _wire(self, event: SimEvent, *, viewer: str, with_rooms: bool) -> dict[str, Any]:
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


def _event_time(value: Any, all_day: bool, which: str) -> tuple[datetime, str]:
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


def _room_ids(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    ids = []
    for item in value:
        room_id = item.get("roomId") if isinstance(item, dict) else None
        if not isinstance(room_id, str) or not room_id.strip():
            return []
        ids.append(room_id)
    return ids
