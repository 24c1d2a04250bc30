"""The simulated endpoints: key (used by stats and faults) -> HTTP method and path pattern.

api.dingtalk.com and oapi.dingtalk.com paths are served on one base URL.
"""

from __future__ import annotations

import re

_EVENTS = r"/v1\.0/calendar/users/(?P<user>[^/]+)/calendars/(?P<calendar>[^/]+)/events"
# Old-style endpoints, all POST: token in `?access_token=`, errors as HTTP 200 errcode/errmsg.
_OAPI = {
    "userGet": r"/topapi/v2/user/get",
    "userGetByMobile": r"/topapi/v2/user/getbymobile",
    "userGetByUnionId": r"/topapi/user/getbyunionid",
    "workNotify": r"/topapi/message/corpconversation/asyncsend_v2",
    "userList": r"/topapi/v2/user/list",
    "departmentSubIds": r"/topapi/v2/department/listsubid",
}
# Order matters: the first match wins, so longer paths come first.
ROUTES: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (key, method, re.compile(pattern + r"/?\Z"))
    for key, method, pattern in (
        ("accessToken", "POST", r"/v1\.0/oauth2/accessToken"),
        ("corpAccessToken", "POST", r"/v1\.0/oauth2/corpAccessToken"),
        ("schedules", "POST", r"/v1\.0/calendar/users/(?P<user>[^/]+)/meetingRooms/schedules/query"),
        ("querySchedule", "POST", r"/v1\.0/calendar/users/(?P<user>[^/]+)/querySchedule"),
        ("meetingRoomLists", "GET", r"/v1\.0/rooms/meetingRoomLists"),
        ("groupLists", "GET", r"/v1\.0/rooms/groupLists"),
        ("group", "GET", r"/v1\.0/rooms/groups/(?P<group>[^/]+)"),
        ("meetingRoom", "GET", r"/v1\.0/rooms/meetingRooms/(?P<room>[^/]+)"),
        ("removeMeetingRooms", "POST", _EVENTS + r"/(?P<event>[^/]+)/meetingRooms/batchRemove"),
        ("addMeetingRooms", "POST", _EVENTS + r"/(?P<event>[^/]+)/meetingRooms"),
        ("signInEvent", "POST", _EVENTS + r"/(?P<event>[^/]+)/signin"),
        ("signInList", "GET", _EVENTS + r"/(?P<event>[^/]+)/signin"),
        ("patchEvent", "PUT", _EVENTS + r"/(?P<event>[^/]+)"),
        ("getEvent", "GET", _EVENTS + r"/(?P<event>[^/]+)"),
        ("deleteEvent", "DELETE", _EVENTS + r"/(?P<event>[^/]+)"),
        ("createEvent", "POST", _EVENTS),
        ("listEvents", "GET", _EVENTS),
        *((key, "POST", path) for key, path in _OAPI.items()),
    )
)
ENDPOINTS: tuple[str, ...] = tuple(key for key, _method, _pattern in ROUTES)
TOKEN_ENDPOINTS = frozenset({"accessToken", "corpAccessToken"})
OAPI_ENDPOINTS = frozenset(_OAPI)
# Old-style endpoints that are not contact look-ups: they count against the monthly quota.
OAPI_QUOTA_COUNTED = frozenset({"workNotify"})


def match_route(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """(endpoint key, path parameters) of a request, or None when no endpoint serves it."""
    for key, route_method, pattern in ROUTES:
        match = pattern.match(path)
        if match and method == route_method:
            return key, match.groupdict()
    return None
