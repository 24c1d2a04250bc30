"""Fault injection: queued one-off errors, and the knobs (latency, 5xx, 403 throttling, malformed
replies, per-endpoint QPS limit, monthly quota)."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from bot.sim import data
from bot.sim.http import Reply
from bot.sim.replies import error_reply, oapi_reply
from bot.sim.routes import ENDPOINTS, OAPI_ENDPOINTS, OAPI_QUOTA_COUNTED, TOKEN_ENDPOINTS
from bot.sim.state import SimState

# Token and contact (old-style) APIs do not count toward the organisation's monthly quota.
# Work notifications are old-style too, but are messages, not look-ups: they count.
QUOTA_EXEMPT = TOKEN_ENDPOINTS | (OAPI_ENDPOINTS - OAPI_QUOTA_COUNTED)

# The scope each endpoint needs (a permission fault without explicit scopes names it).
REQUIRED_SCOPES = {
    "schedules": "Calendar.Event.Read",
    "querySchedule": "Calendar.EventSchedule.Read",
    "getEvent": "Calendar.Event.Read",
    "listEvents": "Calendar.Event.Read",
    "createEvent": "Calendar.Event.Write",
    "deleteEvent": "Calendar.Event.Write",
    "addMeetingRooms": "Calendar.Event.Write",
    "removeMeetingRooms": "Calendar.Event.Write",
    "patchEvent": "Calendar.Event.Write",
    "signInEvent": "Calendar.Event.Write",
    "signInList": "Calendar.Event.Read",
    "meetingRoomLists": "VideoConference.Conference.Read",
    "groupLists": "VideoConference.Conference.Read",
    "group": "VideoConference.Conference.Read",
    "meetingRoom": "VideoConference.Conference.Read",
    "userGet": "qyapi_get_member",
    "userGetByMobile": "qyapi_get_member_by_mobile",
    "userGetByUnionId": "qyapi_get_member",
}

PERMISSION_DENIED = "Forbidden.AccessDenied.AccessTokenPermissionDenied"
PERMISSION_MESSAGE = (
    "没有调用该接口的权限，接口权限申请参考：https://open.dingtalk.com/document/orgapp-server/add-api-permission"
)
QPS_LIMIT = "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"
# Lost replies: the call is carried out, then its answer is dropped (the caller sees a 503) or held
# until released (the caller waits, as behind a stuck gateway).
REPLY_DROP = "drop"
REPLY_HOLD = "hold"
REPLY_MODES = (REPLY_DROP, REPLY_HOLD)
# A held reply is let go after this long even if nobody releases it, so no server thread waits forever.
HOLD_LIMIT_S = 120.0
QUOTA_LIMIT = "Forbidden.AccessDenied.ApiCountLimitForOrg"


@dataclass
class Fault:
    status: int
    code: str
    message: str
    count: int
    body: Any = None
    required_scopes: tuple[str, ...] = ()


@dataclass
class LostReplies:
    mode: str  # REPLY_DROP or REPLY_HOLD
    count: int  # calls still to lose


class Faults:
    """Queued faults and the random-fault dice; all state is guarded by the shared state lock."""

    def __init__(self, *, state: SimState) -> None:
        self._state = state
        self._rng = random.Random(data.stable_int(state.seed, "faults"))
        self._queued: dict[str, list[Fault]] = {}
        self._quota_used = 0
        self._qps_window: dict[str, tuple[int, int]] = {}
        self._lost: dict[str, list[LostReplies]] = {}
        self._release = threading.Event()
        self._held = 0

    def lose_replies(self, endpoint: str, *, mode: str, count: int = 1) -> None:
        """The next `count` successful calls to `endpoint` are carried out, and their replies dropped or held."""
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of: {', '.join(ENDPOINTS)}")
        if mode not in REPLY_MODES:
            raise ValueError(f"mode must be one of {', '.join(REPLY_MODES)}, not {mode!r}")
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._state.lock:
            if mode == REPLY_HOLD:
                self._release.clear()
            self._lost.setdefault(endpoint, []).append(LostReplies(mode, int(count)))

    def take_lost(self, key: str) -> str | None:
        """How the reply of this call to `key` is lost (`drop`, `hold`), if it is (lock held)."""
        entry = _use_one(self._lost, key)
        return entry.mode if entry is not None else None

    def hold(self) -> None:
        """Wait (without the state lock) until held replies are released."""
        with self._state.lock:
            self._held += 1
        try:
            self._release.wait(HOLD_LIMIT_S)
        finally:
            with self._state.lock:
                self._held -= 1

    def release_held(self) -> None:
        """Let every held reply go, and forget the replies still to be lost."""
        with self._state.lock:
            self._lost.clear()
        self._release.set()

    @property
    def held(self) -> int:
        with self._state.lock:
            return self._held

    def inject(self, endpoint: str, fault: Fault) -> None:
        """Queue `fault` for the next calls to `endpoint`."""
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of: {', '.join(ENDPOINTS)}")
        if fault.count < 1:
            raise ValueError("count must be at least 1")
        with self._state.lock:
            self._queued.setdefault(endpoint, []).append(fault)

    def clear(self) -> None:
        with self._state.lock:
            self._queued.clear()
        self.release_held()

    def reset_quota(self) -> None:
        with self._state.lock:
            self._quota_used = 0

    def reset(self) -> None:
        with self._state.lock:
            self._queued.clear()
            self._quota_used = 0
            self._qps_window.clear()
        self.release_held()

    def take(self, key: str) -> Fault | None:
        """The queued fault the next call to `key` answers with, used up by one (lock held)."""
        return _use_one(self._queued, key)

    def reply(self, key: str, fault: Fault) -> Reply:
        """The answer a queued fault makes for endpoint `key`."""
        if fault.body is not None:
            if isinstance(fault.body, bytes | str):
                raw = fault.body.encode() if isinstance(fault.body, str) else fault.body
                return Reply(fault.status, raw, content_type="application/json;charset=utf-8")
            return Reply.json(fault.status, fault.body)
        if key in OAPI_ENDPOINTS:
            errcode = int(fault.code) if fault.code.lstrip("-").isdigit() else -1
            reply = oapi_reply(errcode, fault.message or fault.code)
            reply.status = fault.status
            return reply
        extra: dict[str, Any] = {}
        if fault.status == 403 and (fault.required_scopes or fault.code == PERMISSION_DENIED):
            scopes = list(fault.required_scopes) or [REQUIRED_SCOPES.get(key, "")]
            extra["accessdenieddetail"] = {"requiredScopes": scopes}
        message = fault.message or (PERMISSION_MESSAGE if fault.code == PERMISSION_DENIED else fault.code)
        return error_reply(fault.status, fault.code, message, extra=extra)

    def roll(self, key: str) -> Reply | None:
        """The knobs: QPS limit, monthly quota, throttle, 5xx and malformed rates (lock held)."""
        config = self._state.config
        if key in TOKEN_ENDPOINTS and not config.fault_tokens:
            return None
        oapi = key in OAPI_ENDPOINTS
        if config.qps_limit:
            second = int(self._state.clock())
            window, calls = self._qps_window.get(key, (second, 0))
            calls = calls + 1 if window == second else 1
            self._qps_window[key] = (second, calls)
            if calls > config.qps_limit:
                return _throttle_reply(oapi)
        if config.monthly_quota and key not in QUOTA_EXEMPT:
            self._quota_used += 1
            if self._quota_used > config.monthly_quota:
                return error_reply(403, QUOTA_LIMIT, "调用次数已超过组织每月调用量上限")
        if config.throttle_rate and self._rng.random() < config.throttle_rate:
            return _throttle_reply(oapi)
        if config.fail_rate and self._rng.random() < config.fail_rate:
            status = self._rng.choice((500, 502, 503))
            if oapi:
                reply = oapi_reply(-1, "系统繁忙")
                reply.status = status
                return reply
            code = "systemError" if status == 503 else "system.error"
            return error_reply(status, code, "系统错误，请稍后重试" if status == 503 else "System Error")
        if config.malformed_rate and self._rng.random() < config.malformed_rate:
            return self._malformed_reply()
        return None

    def _malformed_reply(self) -> Reply:
        kind = self._rng.randrange(4)
        if kind == 0:
            return Reply(200, b'{"scheduleInformation": [{"roomId": "', content_type="application/json;charset=utf-8")
        if kind == 1:
            return Reply(200, b"<html><body><h1>502 Bad Gateway</h1></body></html>", content_type="text/html")
        if kind == 2:
            return Reply.json(200, [{"unexpected": True}])
        return Reply.json(200, {"result": "not what you expected", "hasMore": "maybe"})


class _Counted(Protocol):
    count: int


CountedT = TypeVar("CountedT", bound=_Counted)


def _use_one(queues: dict[str, list[CountedT]], key: str) -> CountedT | None:
    """The first entry queued for `key`, used up by one call (and dropped when none is left)."""
    queue = queues.get(key)
    if not queue:
        return None
    entry = queue[0]
    entry.count -= 1
    if entry.count <= 0:
        queue.pop(0)
    return entry


def _throttle_reply(oapi: bool) -> Reply:
    if oapi:
        return oapi_reply(90018, "当前企业调用该接口超过每秒调用次数限制")
    return error_reply(403, QPS_LIMIT, "应用调用该接口的QPS超过限制，请降低调用频率")
