"""DingTalk's JSON → models, and DingTalk's error bodies → the exception hierarchy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot import errors
from bot.dingtalk import wire
from bot.domain.models import Label, RoomGroupRef

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLUS8 = timezone(timedelta(hours=8))


def timed(start: str, end: str, **extra: object) -> dict[str, object]:
    return {
        "status": "BUSY",
        "eventId": "ev1",
        "organizer": {"id": "org1"},
        "start": {"dateTime": start, "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": end, "timeZone": "Asia/Shanghai"},
        **extra,
    }


# --- times ---------------------------------------------------------------------------------


def test_times_are_sent_as_whole_seconds_with_an_explicit_offset() -> None:
    moment = datetime(2026, 9, 22, 10, 0, 5, 250_000, tzinfo=SHANGHAI)
    assert wire.format_time(moment) == "2026-09-22T10:00:05+08:00"
    assert wire.format_time(moment, round_up=True) == "2026-09-22T10:00:06+08:00"
    assert wire.format_time(moment, zone=ZoneInfo("UTC")) == "2026-09-22T02:00:05+00:00"


def test_a_naive_time_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(ValueError, match="time-zone aware"):
        wire.format_time(datetime(2026, 9, 22, 10, 0))


@pytest.mark.parametrize(
    "text",
    ["2026-09-22T02:00:00Z", "2026-09-22T02:00Z", "2026-09-22T10:00:00+08:00", "2026-09-22T02:00:00.000Z"],
)
def test_date_times_with_any_offset_or_z_parse_to_the_same_instant(text: str) -> None:
    assert wire.parse_time(text) == datetime(2026, 9, 22, 2, 0, tzinfo=UTC)


def test_a_date_time_without_offset_is_read_in_its_time_zone() -> None:
    parsed = wire.parse_time("2026-09-22T10:00:00", zone_name="Asia/Shanghai")
    assert parsed == datetime(2026, 9, 22, 2, 0, tzinfo=UTC)
    with pytest.raises(errors.MalformedReply):
        wire.parse_time("2026-09-22T10:00:00")


# --- free/busy -----------------------------------------------------------------------------


def test_free_busy_reply_with_busy_and_tentative_items() -> None:
    body = {
        "scheduleInformation": [
            {
                "roomId": "r1",
                "scheduleItems": [
                    timed("2026-09-22T10:00:00+08:00", "2026-09-22T11:00:00+08:00"),
                    timed("2026-09-22T14:00:00+08:00", "2026-09-22T15:30:00+08:00", status="TENTATIVE", eventId="ev2"),
                ],
            }
        ]
    }
    [schedule] = wire.parse_schedules(body)
    assert schedule.room_id == "r1"
    assert not schedule.unknown
    busy, tentative = schedule.items
    assert (busy.status, busy.event_id, busy.organizer_id) == ("BUSY", "ev1", "org1")
    assert busy.start == datetime(2026, 9, 22, 10, 0, tzinfo=PLUS8)
    assert busy.end - busy.start == timedelta(hours=1)
    assert busy.start.utcoffset() == timedelta(hours=8)
    assert not busy.all_day
    assert (tentative.status, tentative.event_id) == ("TENTATIVE", "ev2")


@pytest.mark.parametrize(
    "info",
    [
        {"roomId": "r1"},
        {"roomId": "r1", "scheduleItems": [], "error": ""},
        {"roomId": "r1", "scheduleItems": None, "error": None},
    ],
    ids=["omitted", "empty", "null"],
)
def test_a_free_room_may_omit_or_empty_its_items_and_error(info: dict[str, object]) -> None:
    [schedule] = wire.parse_schedules({"scheduleInformation": [info]})
    assert schedule.items == ()
    assert schedule.error is None
    assert not schedule.unknown


def test_a_per_room_error_marks_the_room_unknown_not_free() -> None:
    [schedule] = wire.parse_schedules({"scheduleInformation": [{"roomId": "r9", "error": "无权限"}]})
    assert schedule.unknown
    assert schedule.error == "无权限"


def test_all_day_items_come_as_utc_midnights_spanning_whole_days() -> None:
    item = {
        "status": "BUSY",
        "start": {"dateTime": "2026-09-22T00:00:00Z", "timeZone": "UTC"},
        "end": {"dateTime": "2026-09-24T00:00:00Z", "timeZone": "UTC"},
    }
    [schedule] = wire.parse_schedules({"scheduleInformation": [{"roomId": "r1", "scheduleItems": [item]}]})
    [parsed] = schedule.items
    assert parsed.all_day
    assert parsed.start == datetime(2026, 9, 22, tzinfo=UTC)
    assert parsed.end == datetime(2026, 9, 24, tzinfo=UTC)
    assert parsed.event_id is None
    assert parsed.organizer_id is None


def test_a_utc_item_that_is_not_whole_days_is_a_timed_item() -> None:
    item = {
        "status": "BUSY",
        "start": {"dateTime": "2026-09-22T00:00:00Z", "timeZone": "UTC"},
        "end": {"dateTime": "2026-09-22T01:00:00Z", "timeZone": "UTC"},
    }
    assert not wire.parse_schedule_item(item).all_day


def test_an_all_day_item_given_as_date_is_accepted() -> None:
    item = {"status": "BUSY", "start": {"date": "2026-09-22"}, "end": {"date": "2026-09-23"}}
    parsed = wire.parse_schedule_item(item)
    assert parsed.all_day
    assert (parsed.start, parsed.end) == (datetime(2026, 9, 22, tzinfo=UTC), datetime(2026, 9, 23, tzinfo=UTC))


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"scheduleInformation": "nope"},
        {"scheduleInformation": [{"scheduleItems": []}]},
        {"scheduleInformation": [{"roomId": "r1", "scheduleItems": [{"status": "BUSY", "start": {}, "end": {}}]}]},
        {"scheduleInformation": [{"roomId": "r1", "scheduleItems": [timed("yesterday", "today")]}]},
        ["scheduleInformation"],
    ],
    ids=["no-key", "not-a-list", "no-room-id", "no-times", "bad-times", "not-an-object"],
)
def test_free_busy_replies_of_the_wrong_shape_are_malformed(body: object) -> None:
    with pytest.raises(errors.MalformedReply):
        wire.parse_schedules(body)


# --- rooms, groups, details ----------------------------------------------------------------

ROOM = {
    "roomId": "4002f89a7c1d2e3f",
    "roomStaffId": "0122414",
    "corpId": "ding994a1b2c3d4e",
    "roomName": "3F-Everest",
    "roomStatus": 0,
    "roomLabels": [{"labelId": 1, "labelName": "电视"}, {"labelId": 5, "labelName": "视频会议"}],
    "roomCapacity": 10,
    "roomLocation": {"title": "HQ Building A", "desc": "3F, east wing"},
    "roomPicture": "https://static.dingtalk.com/media/x.jpg",
    "isvRoomId": "",
    "roomGroup": {"groupId": 172, "groupName": "HQ 3F", "parentId": 170},
}


def test_a_room_of_the_list_parses_every_field_roombot_uses() -> None:
    room = wire.parse_room(ROOM)
    assert room.room_id == "4002f89a7c1d2e3f"
    assert room.name == "3F-Everest"
    assert room.capacity == 10
    assert (room.location_title, room.location_desc) == ("HQ Building A", "3F, east wing")
    assert room.labels == (Label(1, "电视"), Label(5, "视频会议"))
    assert room.group == RoomGroupRef(group_id=172, name="HQ 3F", parent_id=170)
    assert room.status == 0


def test_a_room_without_optional_fields_still_parses() -> None:
    room = wire.parse_room({"roomId": "r1", "roomName": "Hub", "roomGroup": {}})
    assert (room.capacity, room.labels, room.group, room.location_title) == (None, (), None, "")


def test_a_room_page_keeps_has_more_and_next_token() -> None:
    page = wire.parse_room_page({"hasMore": True, "nextToken": 100, "result": [ROOM]})
    assert page.has_more and page.next_token == 100
    assert [r.name for r in page.rooms] == ["3F-Everest"]
    with pytest.raises(errors.MalformedReply, match="nextToken"):
        wire.parse_room_page({"hasMore": True, "result": []})


def test_room_detail_reads_the_booking_rules() -> None:
    body = {
        "result": {
            **ROOM,
            "roomDescription": "Big screen",
            "extensionConfig": {
                "openReservation": True,
                "maxReservationTimeInterval": 120,
                "minReservationTimeInterval": 15,
                "advanceReservation": {
                    "advanceReservationTime": 30,
                    "advanceReservationTimeUnit": "days",
                    "advanceBookTimeFormat": "09:00",
                },
                "reservationCloseDetail": {"taskStartTime": 1790000000000, "taskEndTime": None, "closeReason": "Repairs"},
                "approvalSwitch": True,
            },
        }
    }
    detail = wire.parse_room_detail(body)
    assert detail.room.name == "3F-Everest"
    assert (detail.open_reservation, detail.max_minutes, detail.min_minutes) == (True, 120, 15)
    assert detail.advance is not None and (detail.advance.amount, detail.advance.unit, detail.advance.book_time) == (
        30,
        "days",
        "09:00",
    )
    assert detail.closed is not None
    assert detail.closed.start == datetime.fromtimestamp(1790000000, tz=UTC)
    assert detail.closed.end is None
    assert detail.closed.reason == "Repairs"
    assert detail.approval_required
    assert detail.description == "Big screen"


def test_room_detail_without_extension_config_is_open_with_no_limits() -> None:
    detail = wire.parse_room_detail({"result": {"roomId": "r1", "roomName": "Hub"}})
    assert (detail.open_reservation, detail.max_minutes, detail.advance, detail.closed, detail.approval_required) == (
        True,
        0,
        None,
        None,
        False,
    )


def test_group_list_and_single_group() -> None:
    assert wire.parse_group_list({"result": [{"groupId": 172, "groupName": "测试分组", "parentId": 0}]}) == [
        RoomGroupRef(172, "测试分组", 0)
    ]
    assert wire.parse_group({"groupId": "173", "groupName": "Lab"}) == RoomGroupRef(173, "Lab", 0)


# --- events --------------------------------------------------------------------------------


def test_an_event_with_room_statuses() -> None:
    body = {
        "id": "cnNTbW1Y/+==",
        "summary": "Sprint review",
        "description": "Booked via roombot",
        "start": {"dateTime": "2026-09-22T10:00:00+08:00", "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": "2026-09-22T11:00:00+08:00", "timeZone": "Asia/Shanghai"},
        "organizer": {"id": "org1", "displayName": "Han", "self": True},
        "meetingRooms": [{"roomId": "r1", "responseStatus": "tentative", "displayName": "3F-Everest"}],
    }
    event = wire.parse_event(body)
    assert event.event_id == "cnNTbW1Y/+=="
    assert (event.summary, event.description, event.organizer_id) == ("Sprint review", "Booked via roombot", "org1")
    assert event.start == datetime(2026, 9, 22, 2, 0, tzinfo=UTC)
    assert [(r.room_id, r.status, r.display_name) for r in event.meeting_rooms] == [("r1", "tentative", "3F-Everest")]


def test_an_event_without_id_is_malformed() -> None:
    with pytest.raises(errors.MalformedReply):
        wire.parse_event({"summary": "x", "start": {"date": "2026-09-22"}, "end": {"date": "2026-09-23"}})


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (400, "invalidParameter", "query ids cannot be empty", errors.EmptyRoomList),
        (400, "invalidParameter", "Cannot get schedule information for more than limit.", errors.TooManyRooms),
        (400, "invalidParameter", "Cannot query schedule for more than 90 days.", errors.WindowTooLong),
        (400, "invalidParameter", "roomId invalid", errors.InvalidRoomId),
        (400, "invalidParameter", "forwardErrorMessage", errors.DingTalkParameterError),
        (400, "param.error", "Param Error", errors.DingTalkParameterError),
        (400, "meetingRoomNotAvailable", "room busy", errors.RoomBusy),
        (400, "flowLimit", "current user can not create events exceed 100 per day", errors.EventLimitReached),
        (404, "itemNotFound", "not found", errors.ItemNotFound),
        (400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret", errors.BadCredentials),
        (400, "invalidSuiteTicket", "bad ticket", errors.BadCredentials),
        (403, "Forbidden.AccessDenied.AccessTokenPermissionDenied", "没有调用该接口的权限", errors.PermissionMissing),
        (403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", "qps", errors.Throttled),
        (403, "Forbidden.AccessDenied.QpsLimitForApi", "qps", errors.Throttled),
        (403, "Forbidden.AccessDenied.QpmLimitForAppkeyAndApi", "qpm", errors.Throttled),
        (403, "Forbidden.AccessDenied.ApiCountLimitForOrg", "quota", errors.QuotaExhausted),
        (429, "system.busy", "system busy, request too frequest", errors.Throttled),
        (429, "", "", errors.Throttled),
        (500, "system.error", "oops", errors.UpstreamUnavailable),
        (503, "", "", errors.UpstreamUnavailable),
        (400, "user.not.employee", "User Not Employee", errors.UserNotFound),
    ],
)
def test_one_table_maps_status_code_and_message_to_an_exception(
    status: int, code: str, message: str, expected: type[errors.DingTalkError]
) -> None:
    error = wire.error_from_body(status, {"code": code, "message": message, "requestid": "RID-1"})
    assert type(error) is expected
    assert (error.status, error.code, error.message, error.request_id) == (status, code, message, "RID-1")


def test_permission_errors_carry_the_required_scopes() -> None:
    body = {
        "code": "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        "requestid": "RID-2",
        "message": "没有调用该接口的权限",
        "accessdenieddetail": {"requiredScopes": ["Calendar.Event.Read"]},
    }
    error = wire.error_from_body(403, body)
    assert isinstance(error, errors.PermissionMissing)
    assert error.required_scopes == ("Calendar.Event.Read",)
    assert "RID-2" in str(error)


def test_an_error_reply_that_is_not_json_still_maps_by_status() -> None:
    assert type(wire.error_from_body(502, None)) is errors.UpstreamUnavailable
    assert type(wire.error_from_body(403, {"status": 1111, "wait": 5, "punish": "deny"})) is errors.Throttled
    assert type(wire.error_from_body(403, None)) is errors.Throttled  # the flood-protection HTML page
    assert type(wire.error_from_body(400, None)) is errors.DingTalkParameterError


@pytest.mark.parametrize(
    ("errcode", "expected"),
    [
        (60121, errors.UserNotFound),
        (40104, errors.UserNotFound),
        (33012, errors.UserNotFound),
        (90018, errors.Throttled),
        (90020, errors.QuotaExhausted),
        (400002, errors.DingTalkParameterError),
    ],
)
def test_old_style_errcodes_map_onto_the_same_hierarchy(errcode: int, expected: type[errors.DingTalkError]) -> None:
    error = wire.oapi_error(errcode, "msg", "req-9", 200)
    assert type(error) is expected
    assert (error.code, error.message, error.request_id) == (str(errcode), "msg", "req-9")
