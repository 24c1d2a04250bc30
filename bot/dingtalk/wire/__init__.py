"""DingTalk's wire format: JSON → models, error bodies → exceptions, datetimes → strings.

Pure functions, no I/O. Field names are DingTalk's own (camelCase on the new-style host,
lower case on the old-style oapi host); anything that is not the documented shape raises
`MalformedReply` rather than being guessed at. One module per API family: `shape` (times and
the small readers), `schedules` (free/busy), `rooms` (rooms and groups), `events` (calendar)
and `errors` (error replies); callers import from here.
"""

from __future__ import annotations

from bot.dingtalk.wire.errors import AUTH_CODES, OAPI_AUTH_ERRCODES, error_class, error_from_body, is_flood_reply, oapi_error
from bot.dingtalk.wire.events import (
    EventList,
    EventPage,
    parse_check_in_time,
    parse_event,
    parse_event_page,
    parse_result_flag,
)
from bot.dingtalk.wire.rooms import (
    RoomPage,
    parse_group,
    parse_group_list,
    parse_room,
    parse_room_detail,
    parse_room_page,
)
from bot.dingtalk.wire.schedules import parse_people_schedules, parse_schedule_item, parse_schedules
from bot.dingtalk.wire.shape import check_window, format_time, parse_time

__all__ = [
    "AUTH_CODES",
    "EventList",
    "EventPage",
    "OAPI_AUTH_ERRCODES",
    "RoomPage",
    "check_window",
    "error_class",
    "error_from_body",
    "format_time",
    "is_flood_reply",
    "oapi_error",
    "parse_check_in_time",
    "parse_event",
    "parse_event_page",
    "parse_group",
    "parse_group_list",
    "parse_people_schedules",
    "parse_result_flag",
    "parse_room",
    "parse_room_detail",
    "parse_room_page",
    "parse_schedule_item",
    "parse_schedules",
    "parse_time",
]
