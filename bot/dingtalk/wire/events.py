"""Calendar events: one event, a page of events, a sign-in's time, a `{result: bool}` answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.dingtalk.wire.shape import as_bool, as_list, as_object, as_str, parse_moment, required_str
from bot.domain.models import Event, EventRoom, OnlineMeeting
from bot.errors import MalformedReply


def parse_event(body: object) -> Event:
    obj = as_object(body, "event")
    organizer = obj.get("organizer")
    rooms = []
    for raw in as_list(obj.get("meetingRooms"), "meetingRooms"):
        room = as_object(raw, "meetingRooms[]")
        rooms.append(
            EventRoom(
                room_id=required_str(room, "roomId", "meetingRooms[]"),
                status=as_str(room.get("responseStatus")),
                display_name=as_str(room.get("displayName")),
            )
        )
    attendees = tuple(as_str(as_object(raw, "attendees[]").get("id")) for raw in as_list(obj.get("attendees"), "attendees"))
    online_raw = obj.get("onlineMeetingInfo")
    online = None
    if online_raw is not None:
        info = as_object(online_raw, "onlineMeetingInfo")
        online = OnlineMeeting(conference_id=as_str(info.get("conferenceId")), url=as_str(info.get("url")))
    return Event(
        event_id=required_str(obj, "id", "event"),
        summary=as_str(obj.get("summary")),
        start=parse_moment(obj.get("start"), "event start").at,
        end=parse_moment(obj.get("end"), "event end").at,
        organizer_id=as_str(as_object(organizer, "organizer").get("id")) if organizer is not None else "",
        description=as_str(obj.get("description")),
        meeting_rooms=tuple(rooms),
        attendee_ids=tuple(a for a in attendees if a),
        online_meeting=online,
    )


def parse_check_in_time(body: object) -> datetime:
    """`{checkInTime}` of a sign-in: epoch milliseconds."""
    obj = as_object(body, "signin")
    raw = obj.get("checkInTime")
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise MalformedReply("signin reply has no checkInTime")
    try:
        millis = int(raw)
    except ValueError as exc:
        raise MalformedReply("signin reply has a bad checkInTime") from exc
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


@dataclass(frozen=True)
class EventPage:
    events: list[Event]
    next_token: str | None
    skipped: int  # items that were not events roombot can read (kept out, never guessed at)


@dataclass(frozen=True)
class EventList:
    """The events of a calendar window, and how many calls (pages) it took to read them."""

    events: list[Event]
    calls: int
    skipped: int = 0


def parse_event_page(body: object) -> EventPage:
    """One page of ListEvents: `{"events": [...], "nextToken": ...}`."""
    obj = as_object(body, "event list reply")
    events: list[Event] = []
    skipped = 0
    for raw in as_list(obj.get("events"), "events"):
        try:
            events.append(parse_event(raw))
        except MalformedReply:
            skipped += 1
    token = obj.get("nextToken")
    return EventPage(events=events, next_token=str(token) if token not in (None, "") else None, skipped=skipped)


def parse_result_flag(body: object, what: str) -> bool:
    obj = as_object(body, what)
    if "result" not in obj:
        raise MalformedReply(f"{what} reply has no result")
    return as_bool(obj.get("result"), default=False)
