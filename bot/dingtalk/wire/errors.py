"""DingTalk's error replies → the exceptions of `bot.errors`: the one table from (HTTP status,
code, message) to an exception class, for the new-style host and the old-style oapi host."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.errors import (
    BadCredentials,
    DingTalkError,
    DingTalkParameterError,
    EmptyRoomList,
    EventLimitReached,
    InvalidRoomId,
    ItemNotFound,
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
