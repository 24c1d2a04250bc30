"""The rooms and sign-ins of an event: `addMeetingRooms`, `removeMeetingRooms`, `signInEvent`
and `signInList`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.sim import data, recurrence
from bot.sim.endpoints.calendar import FreeBusy
from bot.sim.endpoints.event_access import EventAccess
from bot.sim.http import Reply, Request
from bot.sim.replies import Endpoints, Problem, json_body, ok, serves
from bot.sim.state import SimEvent, SimState
from bot.sim.timefmt import local_midnight

MAX_ROOMS_PER_EVENT = 5


class EventRooms(Endpoints):
    """Booking rooms on an event (checked against the room's scope, rules and schedule) and releasing
    them, and DingTalk's own sign-in list of an event."""

    def __init__(self, *, state: SimState, access: EventAccess, free_busy: FreeBusy) -> None:
        self._state = state
        self._access = access
        self._free_busy = free_busy

    @serves("addMeetingRooms")
    def add_rooms(self, params: dict[str, str], request: Request) -> Reply:
        return self._access.once_on_event("addMeetingRooms", params, request, self._add_rooms)

    def _add_rooms(self, params: dict[str, str], request: Request) -> Reply:
        state = self._state
        _user, event = self._access.event_for(params)
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
        return ok({"result": True})

    @serves("removeMeetingRooms")
    def remove_rooms(self, params: dict[str, str], request: Request) -> Reply:
        return self._access.once_on_event("removeMeetingRooms", params, request, self._remove_rooms)

    def _remove_rooms(self, params: dict[str, str], request: Request) -> Reply:
        _user, event = self._access.event_for(params)
        body = json_body(request, required=False)
        wanted = _room_ids(body.get("meetingRoomsToRemove"))
        if not wanted:
            raise Problem(400, "invalidParameter", "Meeting rooms to remove must be provided.")
        removed = False
        for room_id in wanted:
            removed = event.rooms.pop(room_id, None) is not None or removed
        if removed:
            event.updated = self._state.now()
        return ok({"result": True})

    @serves("signInEvent")
    def sign_in(self, params: dict[str, str], request: Request) -> Reply:
        """`POST …/events/{eventId}/signin`: the organizer or an attendee signs in (the first time stays)."""
        user, event = self._access.event_on_calendar(params)
        if event.organizer != user.unionid and all(a["id"] != user.unionid for a in event.attendees):
            raise Problem(400, "notInEvent", "用户不在日程内")
        moment = event.sign_ins.setdefault(user.unionid, self._state.now())
        return ok({"checkInTime": int(moment.timestamp() * 1000)})

    @serves("signInList")
    def sign_in_list(self, params: dict[str, str], request: Request) -> Reply:
        """`GET …/events/{eventId}/signin?type=sign_in|not_yet_sign_in&maxResults=`: who signed in or not."""
        _user, event = self._access.event_for(params)
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
