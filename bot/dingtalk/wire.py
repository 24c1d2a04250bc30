"""DingTalk's wire format: JSON → models, error bodies → exceptions, datetimes → strings.

Pure functions, no I/O. Field names are DingTalk's own (camelCase on the new-style host,
lower case on the old-style oapi host); anything that is not the documented shape raises
`MalformedReply` rather than being guessed at.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.models import (
    AdvanceReservation,
    AuthorizedMember,
    Event,
    EventRoom,
    Label,
    OnlineMeeting,
    PersonSchedule,
    ReservationClosed,
    Room,
    RoomDetail,
    RoomGroupRef,
    RoomSchedule,
    ScheduleItem,
)
from bot.errors import (
    BadCredentials,
    DingTalkError,
    DingTalkParameterError,
    EmptyRoomList,
    EventLimitReached,
    InvalidRoomId,
    ItemNotFound,
    MalformedReply,
    NotInEvent,
    OutsideVisibility,
    PermissionMissing,
    QuotaExhausted,
    RoomBusy,
    RoomRuleRefused,
    Throttled,
    TooManyRooms,
    UpstreamUnavailable,
    UserNotFound,
    WindowTooLong,
)

# --- times -----------------------------------------------------------------------------------


def check_window(start: datetime, end: datetime) -> None:
    """A window to ask DingTalk about: both ends time-zone aware, the end after the start (else ValueError)."""
    for moment in (start, end):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"times must be time-zone aware, got {moment!r}")
    if end <= start:
        raise ValueError("the end must be after the start")


def format_time(moment: datetime, *, round_up: bool = False, zone: ZoneInfo | None = None) -> str:
    """ISO-8601 with whole seconds and an explicit offset, the form every DingTalk endpoint reads alike.

    Sub-second parts are dropped; `round_up` rounds them up instead, so the end of a window is
    never moved earlier.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"time must be time-zone aware: {moment!r}")
    if round_up and moment.microsecond:
        moment = moment + timedelta(microseconds=1_000_000 - moment.microsecond)
    moment = moment.replace(microsecond=0)
    if zone is not None:
        moment = moment.astimezone(zone)
    return moment.isoformat(timespec="seconds")


def parse_time(value: object, *, zone_name: str | None = None) -> datetime:
    """A `dateTime` string with any offset or `Z`; a naive one is read in `zone_name`."""
    if not isinstance(value, str) or not value:
        raise MalformedReply(f"expected a date-time string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise MalformedReply(f"unreadable date-time {value!r}") from exc
    if parsed.tzinfo is None:
        zone = _zone(zone_name)
        if zone is None:
            raise MalformedReply(f"date-time {value!r} has no offset and no time zone")
        parsed = parsed.replace(tzinfo=zone)
    return parsed


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    if name.upper() in {"UTC", "Z", "GMT"}:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class _Moment:
    at: datetime
    is_date: bool  # given as a `date` (all-day) rather than a `dateTime`
    zone_name: str


def _parse_moment(raw: object, what: str) -> _Moment:
    """`{dateTime, timeZone}` or `{date}` (all-day; read as midnight UTC unless a zone is given)."""
    obj = _obj(raw, what)
    zone_name = _str(obj.get("timeZone"))
    if obj.get("dateTime"):
        return _Moment(parse_time(obj.get("dateTime"), zone_name=zone_name), False, zone_name)
    if obj.get("date"):
        try:
            day = date.fromisoformat(str(obj["date"]))
        except ValueError as exc:
            raise MalformedReply(f"unreadable date {obj['date']!r} in {what}") from exc
        zone = _zone(zone_name) or UTC
        return _Moment(datetime.combine(day, time(0), tzinfo=zone), True, zone_name or "UTC")
    raise MalformedReply(f"{what} has neither dateTime nor date")


def _is_all_day(start: _Moment, end: _Moment) -> bool:
    """DingTalk sends all-day items as UTC midnights spanning whole days."""
    if start.is_date or end.is_date:
        return True
    if start.zone_name.upper() != "UTC" or end.zone_name.upper() != "UTC":
        return False
    span = end.at - start.at
    utc_start = start.at.astimezone(UTC)
    return span > timedelta(0) and span % timedelta(days=1) == timedelta(0) and utc_start.time() == time(0)


# --- small shape helpers -----------------------------------------------------------------------


def _obj(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise MalformedReply(f"expected an object for {what}, got {type(value).__name__}")
    return value


def _list(value: object, what: str) -> list[Any]:
    """A JSON array; an omitted (null) array is empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedReply(f"expected a list for {what}, got {type(value).__name__}")
    return value


def _str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    raise MalformedReply(f"expected a string, got {type(value).__name__}")


def _required_str(obj: Mapping[str, Any], key: str, what: str) -> str:
    value = _str(obj.get(key))
    if not value:
        raise MalformedReply(f"{what} has no {key}")
    return value


def _int(value: object, what: str, *, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise MalformedReply(f"expected a number for {what}, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    raise MalformedReply(f"expected a number for {what}, got {value!r}")


def _bool(value: object, *, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    raise MalformedReply(f"expected a boolean, got {value!r}")


# --- free/busy (§2) --------------------------------------------------------------------------


def parse_schedule_item(raw: object) -> ScheduleItem:
    obj = _obj(raw, "scheduleItems[]")
    start = _parse_moment(obj.get("start"), "scheduleItems[].start")
    end = _parse_moment(obj.get("end"), "scheduleItems[].end")
    status = _str(obj.get("status")).upper() or "BUSY"  # an unlabelled item still blocks the room
    organizer = obj.get("organizer")
    organizer_id = _str(_obj(organizer, "organizer").get("id")) if organizer is not None else ""
    return ScheduleItem(
        status=status,
        start=start.at,
        end=end.at,
        event_id=_str(obj.get("eventId")) or None,
        organizer_id=organizer_id or None,
        all_day=_is_all_day(start, end),
    )


def parse_schedules(body: object) -> list[RoomSchedule]:
    """The `scheduleInformation` list; `scheduleItems` and `error` may be omitted or empty."""
    obj = _obj(body, "free/busy reply")
    if "scheduleInformation" not in obj:
        raise MalformedReply("free/busy reply has no scheduleInformation")
    schedules = []
    for raw in _list(obj.get("scheduleInformation"), "scheduleInformation"):
        info = _obj(raw, "scheduleInformation[]")
        room_id = _required_str(info, "roomId", "scheduleInformation[]")
        error = _str(info.get("error")) or None
        items = tuple(parse_schedule_item(item) for item in _list(info.get("scheduleItems"), "scheduleItems"))
        schedules.append(RoomSchedule(room_id=room_id, items=items, error=error))
    return schedules


def parse_people_schedules(body: object) -> list[PersonSchedule]:
    """querySchedule's `scheduleInformation` list for people: `userId`, `error`, `scheduleItems`."""
    obj = _obj(body, "people free/busy reply")
    if "scheduleInformation" not in obj:
        raise MalformedReply("people free/busy reply has no scheduleInformation")
    schedules = []
    for raw in _list(obj.get("scheduleInformation"), "scheduleInformation"):
        info = _obj(raw, "scheduleInformation[]")
        user_id = _required_str(info, "userId", "scheduleInformation[]")
        error = _str(info.get("error")) or None
        items = tuple(parse_schedule_item(item) for item in _list(info.get("scheduleItems"), "scheduleItems"))
        schedules.append(PersonSchedule(user_id=user_id, items=items, error=error))
    return schedules


# --- rooms and groups (§3, §4) ---------------------------------------------------------------


def parse_group(raw: object) -> RoomGroupRef:
    obj = _obj(raw, "room group")
    group_id = _int(obj.get("groupId"), "groupId")
    if group_id is None:
        raise MalformedReply("room group has no groupId")
    return RoomGroupRef(
        group_id=group_id, name=_str(obj.get("groupName")), parent_id=_int(obj.get("parentId"), "parentId", default=0) or 0
    )


def parse_room(raw: object) -> Room:
    obj = _obj(raw, "room")
    location = obj.get("roomLocation")
    loc = _obj(location, "roomLocation") if location is not None else {}
    labels = []
    for label in _list(obj.get("roomLabels"), "roomLabels"):
        label_obj = _obj(label, "roomLabels[]")
        label_id = _int(label_obj.get("labelId"), "labelId")
        if label_id is None:
            raise MalformedReply("room label has no labelId")
        labels.append(Label(id=label_id, name=_str(label_obj.get("labelName"))))
    group = obj.get("roomGroup")
    # An empty roomGroup object means "no group" rather than a broken reply.
    parsed_group = parse_group(group) if isinstance(group, Mapping) and group.get("groupId") is not None else None
    if group is not None and not isinstance(group, Mapping):
        raise MalformedReply("roomGroup is not an object")
    return Room(
        room_id=_required_str(obj, "roomId", "room"),
        name=_str(obj.get("roomName")),
        capacity=_int(obj.get("roomCapacity"), "roomCapacity"),
        location_title=_str(loc.get("title")),
        location_desc=_str(loc.get("desc")),
        labels=tuple(labels),
        group=parsed_group,
        status=_int(obj.get("roomStatus"), "roomStatus", default=0) or 0,
        isv_room_id=_str(obj.get("isvRoomId")),
    )


@dataclass(frozen=True)
class RoomPage:
    rooms: list[Room]
    has_more: bool
    next_token: int | None


def parse_room_page(body: object) -> RoomPage:
    obj = _obj(body, "room list reply")
    if "result" not in obj:
        raise MalformedReply("room list reply has no result")
    rooms = [parse_room(raw) for raw in _list(obj.get("result"), "result")]
    has_more = _bool(obj.get("hasMore"), default=False)
    next_token = _int(obj.get("nextToken"), "nextToken")
    if has_more and next_token is None:
        raise MalformedReply("room list says hasMore but gives no nextToken")
    return RoomPage(rooms=rooms, has_more=has_more, next_token=next_token)


def parse_group_list(body: object) -> list[RoomGroupRef]:
    obj = _obj(body, "group list reply")
    if "result" not in obj:
        raise MalformedReply("group list reply has no result")
    return [parse_group(raw) for raw in _list(obj.get("result"), "result")]


def _from_millis(value: object, what: str) -> datetime | None:
    millis = _int(value, what)
    if millis is None:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def parse_room_detail(body: object) -> RoomDetail:
    obj = _obj(body, "room reply")
    result = _obj(obj.get("result"), "room reply result")
    room = parse_room(result)
    config_raw = result.get("extensionConfig")
    config = _obj(config_raw, "extensionConfig") if config_raw is not None else {}
    advance = None
    if (adv_raw := config.get("advanceReservation")) is not None:
        adv = _obj(adv_raw, "advanceReservation")
        amount = _int(adv.get("advanceReservationTime"), "advanceReservationTime")
        if amount is not None and amount > 0:
            advance = AdvanceReservation(
                amount=amount,
                unit=_str(adv.get("advanceReservationTimeUnit")).lower() or "days",
                book_time=_str(adv.get("advanceBookTimeFormat")),
            )
    closed = None
    if (close_raw := config.get("reservationCloseDetail")) is not None:
        close = _obj(close_raw, "reservationCloseDetail")
        if close:
            closed = ReservationClosed(
                start=_from_millis(close.get("taskStartTime"), "taskStartTime"),
                end=_from_millis(close.get("taskEndTime"), "taskEndTime"),
                reason=_str(close.get("closeReason")),
            )
    members: tuple[AuthorizedMember, ...] | None = None
    if room.status == 2:
        # Open to some members only: the reservation scope lists who may book.
        authority_raw = result.get("reservationAuthority")
        authority = _obj(authority_raw, "reservationAuthority") if authority_raw is not None else {}
        members = tuple(
            AuthorizedMember(
                member_id=_required_str(_obj(raw, "authorizedMembers[]"), "memberId", "authorizedMembers[]"),
                member_type=_str(_obj(raw, "authorizedMembers[]").get("memberType")) or "user",
            )
            for raw in _list(authority.get("authorizedMembers"), "authorizedMembers")
        )
    return RoomDetail(
        room=room,
        members=members,
        open_reservation=_bool(config.get("openReservation"), default=True),
        max_minutes=_int(config.get("maxReservationTimeInterval"), "maxReservationTimeInterval", default=0) or 0,
        min_minutes=_int(config.get("minReservationTimeInterval"), "minReservationTimeInterval", default=0) or 0,
        advance=advance,
        closed=closed,
        approval_required=_bool(config.get("approvalSwitch"), default=False),
        description=_str(result.get("roomDescription")),
    )


# --- events (§5–§7) --------------------------------------------------------------------------


def parse_event(body: object) -> Event:
    obj = _obj(body, "event")
    organizer = obj.get("organizer")
    rooms = []
    for raw in _list(obj.get("meetingRooms"), "meetingRooms"):
        room = _obj(raw, "meetingRooms[]")
        rooms.append(
            EventRoom(
                room_id=_required_str(room, "roomId", "meetingRooms[]"),
                status=_str(room.get("responseStatus")),
                display_name=_str(room.get("displayName")),
            )
        )
    attendees = tuple(_str(_obj(raw, "attendees[]").get("id")) for raw in _list(obj.get("attendees"), "attendees"))
    online_raw = obj.get("onlineMeetingInfo")
    online = None
    if online_raw is not None:
        info = _obj(online_raw, "onlineMeetingInfo")
        online = OnlineMeeting(conference_id=_str(info.get("conferenceId")), url=_str(info.get("url")))
    return Event(
        event_id=_required_str(obj, "id", "event"),
        summary=_str(obj.get("summary")),
        start=_parse_moment(obj.get("start"), "event start").at,
        end=_parse_moment(obj.get("end"), "event end").at,
        organizer_id=_str(_obj(organizer, "organizer").get("id")) if organizer is not None else "",
        description=_str(obj.get("description")),
        meeting_rooms=tuple(rooms),
        attendee_ids=tuple(a for a in attendees if a),
        online_meeting=online,
    )


def parse_check_in_time(body: object) -> datetime:
    """`{checkInTime}` of a sign-in: epoch milliseconds."""
    obj = _obj(body, "signin")
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
    obj = _obj(body, "event list reply")
    events: list[Event] = []
    skipped = 0
    for raw in _list(obj.get("events"), "events"):
        try:
            events.append(parse_event(raw))
        except MalformedReply:
            skipped += 1
    token = obj.get("nextToken")
    return EventPage(events=events, next_token=str(token) if token not in (None, "") else None, skipped=skipped)


def parse_result_flag(body: object, what: str) -> bool:
    obj = _obj(body, what)
    if "result" not in obj:
        raise MalformedReply(f"{what} reply has no result")
    return _bool(obj.get("result"), default=False)


# --- errors (§9) -----------------------------------------------------------------------------

AUTH_CODES = frozenset({"InvalidAuthentication", "accesstoken.expired"})
"""New-style codes that mean "this token is no longer good": refresh once and retry."""

_CODE_TABLE: dict[str, type[DingTalkError]] = {
    # credentials (token endpoints)
    "invalidClientIdOrSecret": BadCredentials,
    "invalidSuiteKey": BadCredentials,
    "invalidSuiteTicket": BadCredentials,
    "invalidAuthInfo": BadCredentials,
    "invalid.client": BadCredentials,
    "unauthorized.client": BadCredentials,
    "InvalidAuthentication": BadCredentials,  # only reached when a fresh token is refused too
    "accesstoken.expired": BadCredentials,
    # permissions
    "Forbidden.AccessDenied.AccessTokenPermissionDenied": PermissionMissing,
    "Forbidden.AccessDenied.IpNotInWhiteList": PermissionMissing,
    "forbidden.accessDenied": OutsideVisibility,
    "permissionDeny": OutsideVisibility,
    # quota and throttling
    "Forbidden.AccessDenied.ApiCountLimitForOrg": QuotaExhausted,
    "system.busy": Throttled,
    "systemBusy": Throttled,
    # business outcomes
    "meetingRoomNotAvailable": RoomBusy,
    "flowLimit": EventLimitReached,
    "itemNotFound": ItemNotFound,
    "notInEvent": NotInEvent,
    "user.not.employee": UserNotFound,
    # a request with the same x-client-token is still being processed: wait and retry
    "idempotencyProcessing": UpstreamUnavailable,
    # server side
    "system.error": UpstreamUnavailable,
    "systemError": UpstreamUnavailable,
    "group.query.error": UpstreamUnavailable,
    "server.error": UpstreamUnavailable,
}

# invalidParameter messages that the user needs told apart (matched case-insensitively, as substrings).
_MESSAGE_TABLE: tuple[tuple[str, type[DingTalkError]], ...] = (
    ("query ids cannot be empty", EmptyRoomList),
    ("roomid must be provided", EmptyRoomList),
    ("meeting rooms to remove must be provided", EmptyRoomList),
    ("for more than limit", TooManyRooms),
    ("batch size too large", TooManyRooms),
    ("more than 90 days", WindowTooLong),
    ("roomid invalid", InvalidRoomId),
    ("meeting room invalid", InvalidRoomId),
)

_OAPI_ERRCODES: dict[int, type[DingTalkError]] = {
    60121: UserNotFound,  # 未找到该用户
    40104: UserNotFound,  # 企业中无效的手机号
    33012: UserNotFound,  # 无效的userId
    40014: BadCredentials,  # invalid token: refreshed first, raised only if a fresh one fails too
    88: BadCredentials,
    90018: Throttled,
    90002: Throttled,
    90020: QuotaExhausted,
    60011: PermissionMissing,
    -1: UpstreamUnavailable,  # 系统繁忙
}
OAPI_AUTH_ERRCODES = frozenset({40014, 88})


def error_class(status: int, code: str, message: str) -> type[DingTalkError]:
    """The one table from DingTalk's (HTTP status, code, message) to an exception class."""
    if code == "meetingRoomNotAvailable" and not _says_taken(message):
        return RoomRuleRefused
    if code.startswith(("Forbidden.AccessDenied.Qps", "Forbidden.AccessDenied.Qpm")):
        return Throttled
    if code in _CODE_TABLE:
        return _CODE_TABLE[code]
    lowered = message.lower()
    if status < 500:
        for fragment, cls in _MESSAGE_TABLE:
            if fragment in lowered:
                return cls
    if status == 429:
        return Throttled
    if status == 401:
        return BadCredentials
    if status == 404:
        return ItemNotFound
    if status == 403:
        return PermissionMissing
    if status >= 500:
        return UpstreamUnavailable
    return DingTalkParameterError


# How DingTalk words "another booking holds the room" (the simulator says "room busy").
_TAKEN_WORDS = ("busy", "occupied", "conflict", "占用", "冲突", "已被预订", "已预订")


def _says_taken(message: str) -> bool:
    lowered = message.strip().lower()
    return not lowered or any(word in lowered for word in _TAKEN_WORDS)


def is_flood_reply(body: object) -> bool:
    """DingTalk's per-IP flood limit answers with its own body, even with HTTP 200:
    `{"status": 1111, "wait": 5, "punish": "deny", …}`."""
    return isinstance(body, Mapping) and ("punish" in body or body.get("status") == 1111)


def error_from_body(status: int, body: object) -> DingTalkError:
    """An exception for a 4xx/5xx reply; `body` is the decoded JSON (or None if it was not JSON)."""
    if is_flood_reply(body):
        # The per-IP flood limit answers with its own body (status 1111, or a "punish" field): wait and retry.
        return Throttled("too many calls from this IP address", code="IpFlowLimit", status=status)
    if body is None and status == 403:
        # A 403 without a JSON body is the gateway's flood-protection page, not a permission answer.
        return Throttled("refused by DingTalk's gateway (403 without an error body)", code="Forbidden", status=status)
    obj: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
    code = _safe_str(obj.get("code") or obj.get("Code"))
    message = _safe_str(obj.get("message") or obj.get("Message"))
    request_id = _safe_str(obj.get("requestid") or obj.get("requestId") or obj.get("RequestId"))
    if not obj and not message:
        message = "reply without an error body"
    cls = error_class(status, code, message)
    if cls is PermissionMissing or cls is OutsideVisibility:
        detail = obj.get("accessdenieddetail") or obj.get("AccessDeniedDetail")
        scopes: list[str] = []
        if isinstance(detail, Mapping):
            raw_scopes = detail.get("requiredScopes")
            if isinstance(raw_scopes, list):
                scopes = [str(s) for s in raw_scopes if isinstance(s, (str, int))]
        return cls(message, required_scopes=scopes, code=code, request_id=request_id, status=status)
    return cls(message, code=code, request_id=request_id, status=status)


def oapi_error(errcode: int, errmsg: str, request_id: str, status: int) -> DingTalkError:
    cls = _OAPI_ERRCODES.get(errcode, DingTalkParameterError)
    return cls(errmsg, code=str(errcode), request_id=request_id, status=status)


def _safe_str(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


__all__ = [
    "AUTH_CODES",
    "EventList",
    "EventPage",
    "OAPI_AUTH_ERRCODES",
    "RoomPage",
    "check_window",
    "error_class",
    "error_from_body",
    "is_flood_reply",
    "format_time",
    "oapi_error",
    "parse_event",
    "parse_event_page",
    "parse_group",
    "parse_group_list",
    "parse_result_flag",
    "parse_room",
    "parse_room_detail",
    "parse_room_page",
    "parse_schedule_item",
    "parse_schedules",
    "parse_time",
]
