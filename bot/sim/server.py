"""The DingTalk simulator: a real HTTP server on loopback speaking dingtalk-api.md's wire format.

`Simulator(seed=7, rooms=24).start(port=0)` serves api.dingtalk.com and oapi.dingtalk.com paths
on one base URL (`sim.url`). It keeps tokens, events and room bookings in memory under one lock,
counts the calls it serves per endpoint, and injects faults (latency, 5xx, 403 throttling,
malformed replies, queued one-off errors) on request. See /work/notes/sim-api.md for the
in-process and `/_sim/...` control API.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.sim import data
from bot.sim.http import HttpServer, Reply, Request
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
    to_ms,
)

# Endpoint keys (stats, faults) -> (method, path pattern). Order matters: longer paths first.
_EVENTS = r"/v1\.0/calendar/users/(?P<user>[^/]+)/calendars/(?P<calendar>[^/]+)/events"
ROUTES: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (key, method, re.compile(pattern + r"/?\Z"))
    for key, method, pattern in (
        ("accessToken", "POST", r"/v1\.0/oauth2/accessToken"),
        ("corpAccessToken", "POST", r"/v1\.0/oauth2/corpAccessToken"),
        ("schedules", "POST", r"/v1\.0/calendar/users/(?P<user>[^/]+)/meetingRooms/schedules/query"),
        ("meetingRoomLists", "GET", r"/v1\.0/rooms/meetingRoomLists"),
        ("groupLists", "GET", r"/v1\.0/rooms/groupLists"),
        ("group", "GET", r"/v1\.0/rooms/groups/(?P<group>[^/]+)"),
        ("meetingRoom", "GET", r"/v1\.0/rooms/meetingRooms/(?P<room>[^/]+)"),
        ("removeMeetingRooms", "POST", _EVENTS + r"/(?P<event>[^/]+)/meetingRooms/batchRemove"),
        ("addMeetingRooms", "POST", _EVENTS + r"/(?P<event>[^/]+)/meetingRooms"),
        ("getEvent", "GET", _EVENTS + r"/(?P<event>[^/]+)"),
        ("deleteEvent", "DELETE", _EVENTS + r"/(?P<event>[^/]+)"),
        ("createEvent", "POST", _EVENTS),
        ("userGet", "POST", r"/topapi/v2/user/get"),
        ("userGetByMobile", "POST", r"/topapi/v2/user/getbymobile"),
        ("userGetByUnionId", "POST", r"/topapi/user/getbyunionid"),
    )
)
ENDPOINTS: tuple[str, ...] = tuple(key for key, _method, _pattern in ROUTES)
TOKEN_ENDPOINTS = frozenset({"accessToken", "corpAccessToken"})
OAPI_ENDPOINTS = frozenset({"userGet", "userGetByMobile", "userGetByUnionId"})
# DOC:1432: token and contact APIs do not count toward the monthly quota.
QUOTA_EXEMPT = TOKEN_ENDPOINTS | OAPI_ENDPOINTS

# The scope each endpoint needs (a permission fault without explicit scopes names it).
REQUIRED_SCOPES = {
    "schedules": "Calendar.Event.Read",
    "getEvent": "Calendar.Event.Read",
    "createEvent": "Calendar.Event.Write",
    "deleteEvent": "Calendar.Event.Write",
    "addMeetingRooms": "Calendar.Event.Write",
    "removeMeetingRooms": "Calendar.Event.Write",
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
QUOTA_LIMIT = "Forbidden.AccessDenied.ApiCountLimitForOrg"
MAX_ROOMS_PER_EVENT = 5
IDEMPOTENCY_S = 24 * 3600.0
MOBILE_PATTERN = re.compile(r"^(?:\+?86-?)?1\d{10}$")


@dataclass
class SimConfig:
    """The run-time knobs (`configure()`, `GET/POST /_sim/config`)."""

    latency_ms: float = 0.0
    fail_rate: float = 0.0
    throttle_rate: float = 0.0
    malformed_rate: float = 0.0
    max_rooms_per_call: int = 5
    token_ttl_s: int = 7200
    qps_limit: int = 0  # 0 = off; else per endpoint per second
    monthly_quota: int = 0  # 0 = off; else non-exempt calls before ApiCountLimitForOrg
    fault_tokens: bool = False  # random faults also hit the token endpoints
    enforce_booking_rules: bool = True
    events_per_day: int = 100  # flowLimit: events one organizer may create per day

    def validated(self) -> SimConfig:
        for name in ("fail_rate", "throttle_rate", "malformed_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        if self.max_rooms_per_call < 1:
            raise ValueError("max_rooms_per_call must be at least 1")
        if self.token_ttl_s < 1:
            raise ValueError("token_ttl_s must be at least 1")
        for name in ("qps_limit", "monthly_quota", "events_per_day"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        return self


_CONFIG_TYPES: dict[str, Callable[[Any], Any]] = {
    "latency_ms": float,
    "fail_rate": float,
    "throttle_rate": float,
    "malformed_rate": float,
    "max_rooms_per_call": int,
    "token_ttl_s": int,
    "qps_limit": int,
    "monthly_quota": int,
    "fault_tokens": bool,
    "enforce_booking_rules": bool,
    "events_per_day": int,
}


@dataclass
class _Fault:
    status: int
    code: str
    message: str
    count: int
    body: Any = None
    required_scopes: tuple[str, ...] = ()


@dataclass
class _Event:
    """A calendar event created through the API."""

    event_id: str
    organizer: str
    summary: str
    description: str
    start: datetime
    end: datetime
    all_day: bool
    time_zone: str
    attendees: list[dict[str, Any]]
    location: dict[str, Any] | None
    reminders: list[dict[str, Any]]
    online_meeting: dict[str, Any] | None
    created: datetime
    updated: datetime
    rooms: dict[str, str] = field(default_factory=dict)  # roomId -> accepted | tentative | declined


class _Problem(Exception):
    """An error answer raised from inside an endpoint handler."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def _request_id() -> str:
    return str(uuid.uuid4()).upper()


def error_reply(status: int, code: str, message: str, *, extra: Mapping[str, Any] | None = None) -> Reply:
    """A new-style error body: `{"code", "message", "requestid"}` (dingtalk-api.md §9)."""
    request_id = _request_id()
    body: dict[str, Any] = {"code": code, "message": message, "requestid": request_id}
    body.update(extra or {})
    return Reply.json(status, body, headers={"x-acs-request-id": request_id, "x-acs-trace-id": secrets.token_hex(16)})


def _ok(payload: Any) -> Reply:
    return Reply.json(200, payload, headers={"x-acs-request-id": _request_id()})


def _oapi(errcode: int, errmsg: str, **extra: Any) -> Reply:
    return Reply.json(200, {"errcode": errcode, "errmsg": errmsg, **extra, "request_id": secrets.token_hex(12)})


class Simulator:
    """A DingTalk look-alike for tests, the demo and benchmarks.

    Args:
        seed: everything generated (rooms, ids, users, meetings, fault dice) follows from it.
        rooms: how many demo rooms.
        today: the date the demo is laid around (default: today in Asia/Shanghai). Booking rules
            (advance window, closures) are judged at this date and the current time of day.
        clock: seconds since the epoch (token expiry, idempotency, QPS windows); default time.time.
        sleep: how latency is applied; default time.sleep.
    """

    def __init__(
        self,
        *,
        seed: int = 7,
        rooms: int = 24,
        today: date | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if rooms < 0:
            raise ValueError("rooms must not be negative")
        self.seed = seed
        self._clock = clock or time.time
        self._sleep = sleep or time.sleep
        self._real_today = datetime.fromtimestamp(self._clock(), SHANGHAI).date()
        self.today = today or self._real_today
        self._lock = threading.RLock()
        self._server: HttpServer | None = None
        self._url = ""

        self.corp_id = "ding" + data.stable_hex(16, seed, "corp")
        self.app_key = "dingsim" + data.stable_hex(13, seed, "appKey")
        self.app_secret = data.stable_alnum(64, seed, "appSecret")
        self.suite_key = "suitesim" + data.stable_hex(12, seed, "suiteKey")
        self.suite_secret = data.stable_alnum(64, seed, "suiteSecret")
        self.suite_ticket = data.stable_alnum(48, seed, "suiteTicket")

        self._users = data.build_users(seed)
        self._operator = self._users[0]
        self._rooms = data.build_rooms(seed, rooms, corp_id=self.corp_id, today=self.today, operator=self._operator)
        self._next_room_index = rooms
        self._groups = [dict(group) for group in data.GROUPS]
        self._organizers = tuple(user.unionid for user in self._users)

        self._config = SimConfig()
        self._fault_rng = random.Random(data.stable_int(seed, "faults"))
        self._faults: dict[str, list[_Fault]] = {}
        self._stats: dict[str, int] = dict.fromkeys(ENDPOINTS, 0)
        self._total = 0
        self._quota_used = 0
        self._qps_window: dict[str, tuple[int, int]] = {}
        self._tokens: dict[str, float] = {}  # token -> expiry (clock seconds)
        self._app_token: str | None = None
        self._revoked = False
        self._events: dict[str, _Event] = {}
        self._event_counter = 0
        self._created_per_day: dict[tuple[str, date], int] = {}
        self._idempotent: dict[tuple[str, ...], tuple[float, Reply]] = {}

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Simulator:
        """Serve on (host, port) from a background thread; port 0 picks a free port."""
        if self._server is not None:
            return self
        server = HttpServer(dispatch=self.dispatch, host=host, port=port)
        bound_host, bound_port = server.address
        shown = "127.0.0.1" if bound_host in ("0.0.0.0", "") else bound_host
        self._url = f"http://{shown}:{bound_port}"
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if not self._url:
            raise RuntimeError("the simulator is not started; call start() first")
        return self._url

    @property
    def operator_union_id(self) -> str:
        return self._operator.unionid

    @property
    def operator_user_id(self) -> str:
        return self._operator.userid

    # --- knobs -------------------------------------------------------------------------------

    def configure(self, **knobs: Any) -> Simulator:
        """Change any subset of the knobs (see SimConfig); unknown names raise ValueError."""
        unknown = sorted(set(knobs) - set(_CONFIG_TYPES))
        if unknown:
            raise ValueError(f"unknown simulator setting(s): {', '.join(unknown)}")
        with self._lock:
            values = asdict(self._config)
            for name, value in knobs.items():
                values[name] = _CONFIG_TYPES[name](value)
            self._config = SimConfig(**values).validated()
            if "monthly_quota" in knobs:
                self._quota_used = 0
        return self

    @property
    def config(self) -> dict[str, Any]:
        with self._lock:
            return asdict(self._config)

    def inject_fault(
        self,
        endpoint: str,
        *,
        status: int,
        code: str,
        message: str = "",
        count: int = 1,
        body: Any = None,
        required_scopes: Sequence[str] = (),
    ) -> None:
        """The next `count` calls to `endpoint` answer `status` with this error.

        `body` replaces the JSON error body: a dict/list is sent as JSON, a str or bytes is sent
        as is (for malformed replies). A 403 `Forbidden.AccessDenied.AccessTokenPermissionDenied`
        carries `accessdenieddetail.requiredScopes` (the endpoint's scope unless given).
        """
        if endpoint not in self._stats:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of: {', '.join(ENDPOINTS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        fault = _Fault(int(status), code, message, int(count), body, tuple(required_scopes))
        with self._lock:
            self._faults.setdefault(endpoint, []).append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def expire_tokens(self) -> None:
        """Every issued token becomes invalid (400 InvalidAuthentication on next use)."""
        with self._lock:
            self._tokens.clear()
            self._app_token = None

    def revoke_credentials(self) -> None:
        """The app secret and suite secret stop working (400 invalidClientIdOrSecret / invalidSuiteKey)."""
        with self._lock:
            self._revoked = True

    def restore_credentials(self) -> None:
        with self._lock:
            self._revoked = False

    def stats(self) -> dict[str, int]:
        """Calls served per endpoint key, plus "total" (control calls are not counted)."""
        with self._lock:
            return {**self._stats, "total": self._total}

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = dict.fromkeys(ENDPOINTS, 0)
            self._total = 0

    def reset(self) -> None:
        """Back to the just-started state: no bookings, tokens, faults or counts; default knobs."""
        with self._lock:
            self.reset_stats()
            self._config = SimConfig()
            self._faults.clear()
            self._tokens.clear()
            self._app_token = None
            self._revoked = False
            self._events.clear()
            self._created_per_day.clear()
            self._idempotent.clear()
            self._quota_used = 0
            self._qps_window.clear()

    def info(self) -> dict[str, Any]:
        """The URL, demo credentials and operator, as `GET /_sim/info` shows them."""
        return {
            "url": self._url,
            "seed": self.seed,
            "rooms": len(self._rooms),
            "today": self.today.isoformat(),
            "app_key": self.app_key,
            "app_secret": self.app_secret,
            "suite_key": self.suite_key,
            "suite_secret": self.suite_secret,
            "corp_id": self.corp_id,
            "suite_ticket": self.suite_ticket,
            "operator_union_id": self.operator_union_id,
            "operator_user_id": self.operator_user_id,
        }

    # --- data --------------------------------------------------------------------------------

    @property
    def rooms(self) -> list[dict[str, Any]]:
        """The room list as served (wire dicts, copies)."""
        with self._lock:
            return [json.loads(json.dumps(room.wire)) for room in self._rooms]

    @property
    def groups(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(group) for group in self._groups]

    @property
    def users(self) -> list[dict[str, Any]]:
        """The demo user directory: the operator first (userid, unionid, name, mobile, email...)."""
        with self._lock:
            return [user.wire() for user in self._users]

    @property
    def events(self) -> list[dict[str, Any]]:
        """Live events created through the API, in get-event form (with `meetingRooms`)."""
        with self._lock:
            return [self._event_wire(event, viewer=event.organizer, with_rooms=True) for event in self._events.values()]

    def room_rules(self, room_id: str) -> data.RoomRules:
        with self._lock:
            return self._room(room_id).rules

    def add_user(
        self, name: str, *, mobile: str, userid: str | None = None, unionid: str | None = None, email: str = ""
    ) -> dict[str, Any]:
        """Add a person to the directory; missing ids are derived from the name."""
        with self._lock:
            number = len(self._users)
            user = data.SimUser(
                userid=userid or f"{data.stable_int(self.seed, 'userid', name) % 90_000_000 + 10_000_000}",
                unionid=unionid or data.stable_alnum(27, self.seed, "unionid", name) + "E",
                name=name,
                mobile=mobile,
                email=email or f"user{number}@example.com",
            )
            self._users.append(user)
            self._organizers = tuple(u.unionid for u in self._users)
            return user.wire()

    def add_room(
        self,
        name: str,
        *,
        capacity: int = 8,
        group_id: int | None = 172,
        labels: Sequence[int] = (),
        location: tuple[str, str] = ("HQ Building A", "3F"),
        rules: data.RoomRules | None = None,
    ) -> dict[str, Any]:
        """Add a room (e.g. to test a re-sync); returns its wire dict."""
        with self._lock:
            index = self._next_room_index
            self._next_room_index += 1
            group = next((g for g in self._groups if g["groupId"] == group_id), None)
            wire: dict[str, Any] = {
                "roomId": data.stable_hex(16, self.seed, "roomId", index),
                "roomStaffId": "",
                "corpId": self.corp_id,
                "roomName": name,
                "roomStatus": 0,
                "roomLabels": [{"labelId": label, "labelName": data.LABEL_NAMES.get(label, "")} for label in labels],
                "roomCapacity": capacity,
                "roomLocation": {"title": location[0], "desc": location[1]},
                "roomPicture": "",
                "isvRoomId": "",
            }
            if group is not None:
                wire["roomGroup"] = dict(group)
            self._rooms.append(data.SimRoom(index=index, wire=wire, rules=rules or data.RoomRules()))
            return json.loads(json.dumps(wire))  # type: ignore[no-any-return]

    def update_room(self, room_id: str, **wire_fields: Any) -> dict[str, Any]:
        """Change wire fields of a room, e.g. `update_room(rid, roomName="3F-Everest (big)", roomCapacity=14)`."""
        with self._lock:
            room = self._room(room_id)
            room.wire.update(wire_fields)
            return json.loads(json.dumps(room.wire))  # type: ignore[no-any-return]

    def remove_room(self, room_id: str) -> None:
        """The room disappears from DingTalk (its id becomes `roomId invalid`)."""
        with self._lock:
            room = self._room(room_id)
            self._rooms.remove(room)

    def decide_approval(self, event_id: str, room_id: str, *, approve: bool) -> None:
        """An administrator approves (accepted) or rejects (declined) a pending room booking."""
        with self._lock:
            event = self._events[event_id]
            if room_id not in event.rooms:
                raise KeyError(room_id)
            event.rooms[room_id] = "accepted" if approve else "declined"

    def schedule(self, room_id: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """The free/busy items of one room, exactly as `schedules/query` would list them."""
        with self._lock:
            return [item for _key, item in self._room_items(self._room(room_id), start, end)]

    def _room(self, room_id: str) -> data.SimRoom:
        for room in self._rooms:
            if room.room_id == room_id:
                return room
        raise KeyError(room_id)

    def _find_room(self, room_id: str) -> data.SimRoom | None:
        try:
            return self._room(room_id)
        except KeyError:
            return None

    def _user_by_union(self, union_id: str) -> data.SimUser | None:
        return next((user for user in self._users if user.unionid == union_id), None)

    def _now(self) -> datetime:
        """The simulated present: `today` at the current wall-clock time of day."""
        real = datetime.fromtimestamp(self._clock(), SHANGHAI)
        return real + timedelta(days=(self.today - self._real_today).days)

    # --- dispatch ----------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Reply:
        """Answer one HTTP request (called from the server's threads)."""
        if request.path.startswith("/_sim/") or request.path == "/_sim":
            return self._control(request)
        for key, method, pattern in ROUTES:
            match = pattern.match(request.path)
            if match and request.method == method:
                return self._serve_endpoint(key, match.groupdict(), request)
        return error_reply(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")

    def _serve_endpoint(self, key: str, params: dict[str, str], request: Request) -> Reply:
        with self._lock:
            self._stats[key] += 1
            self._total += 1
            queue = self._faults.get(key)
            fault = None
            if queue:
                fault = queue[0]
                fault.count -= 1
                if fault.count <= 0:
                    queue.pop(0)
            latency = self._config.latency_ms
        if latency > 0:
            self._sleep(latency / 1000.0)  # outside the lock: parallel calls overlap
        if fault is not None:
            return self._fault_reply(key, fault)
        with self._lock:
            if key not in TOKEN_ENDPOINTS:
                denied = self._check_token(key, request)
                if denied is not None:
                    return denied
            random_fault = self._random_fault(key)
            if random_fault is not None:
                return random_fault
            try:
                return self._handle(key, params, request)
            except _Problem as problem:
                if key in OAPI_ENDPOINTS:
                    return _oapi(int(problem.code), problem.message)
                return error_reply(problem.status, problem.code, problem.message)

    def _fault_reply(self, key: str, fault: _Fault) -> Reply:
        if fault.body is not None:
            if isinstance(fault.body, bytes | str):
                raw = fault.body.encode() if isinstance(fault.body, str) else fault.body
                return Reply(fault.status, raw, content_type="application/json;charset=utf-8")
            return Reply.json(fault.status, fault.body)
        if key in OAPI_ENDPOINTS:
            errcode = int(fault.code) if fault.code.lstrip("-").isdigit() else -1
            reply = _oapi(errcode, fault.message or fault.code)
            reply.status = fault.status
            return reply
        extra: dict[str, Any] = {}
        if fault.status == 403 and (fault.required_scopes or fault.code == PERMISSION_DENIED):
            scopes = list(fault.required_scopes) or [REQUIRED_SCOPES.get(key, "")]
            extra["accessdenieddetail"] = {"requiredScopes": scopes}
        message = fault.message or (PERMISSION_MESSAGE if fault.code == PERMISSION_DENIED else fault.code)
        return error_reply(fault.status, fault.code, message, extra=extra)

    def _check_token(self, key: str, request: Request) -> Reply | None:
        if key in OAPI_ENDPOINTS:
            token = request.query.get("access_token", "")
            if not self._token_valid(token):
                return _oapi(40014, "不合法的access_token")
            return None
        if "x-acs-dingtalk-access-token" not in request.headers:
            return error_reply(401, "Unauthorized", "access_token缺失或无效")
        if not self._token_valid(request.headers["x-acs-dingtalk-access-token"].strip()):
            return error_reply(400, "InvalidAuthentication", "不合法的access_token")
        return None

    def _token_valid(self, token: str) -> bool:
        expiry = self._tokens.get(token)
        return expiry is not None and expiry > self._clock()

    def _random_fault(self, key: str) -> Reply | None:
        """The knobs: QPS limit, monthly quota, throttle, 5xx and malformed rates (under the lock)."""
        config = self._config
        if key in TOKEN_ENDPOINTS and not config.fault_tokens:
            return None
        oapi = key in OAPI_ENDPOINTS
        if config.qps_limit:
            second = int(self._clock())
            window, calls = self._qps_window.get(key, (second, 0))
            calls = calls + 1 if window == second else 1
            self._qps_window[key] = (second, calls)
            if calls > config.qps_limit:
                return self._throttle_reply(oapi)
        if config.monthly_quota and key not in QUOTA_EXEMPT:
            self._quota_used += 1
            if self._quota_used > config.monthly_quota:
                return error_reply(403, QUOTA_LIMIT, "调用次数已超过组织每月调用量上限")
        if config.throttle_rate and self._fault_rng.random() < config.throttle_rate:
            return self._throttle_reply(oapi)
        if config.fail_rate and self._fault_rng.random() < config.fail_rate:
            status = self._fault_rng.choice((500, 502, 503))
            if oapi:
                reply = _oapi(-1, "系统繁忙")
                reply.status = status
                return reply
            code = "systemError" if status == 503 else "system.error"
            return error_reply(status, code, "系统错误，请稍后重试" if status == 503 else "System Error")
        if config.malformed_rate and self._fault_rng.random() < config.malformed_rate:
            return self._malformed_reply()
        return None

    @staticmethod
    def _throttle_reply(oapi: bool) -> Reply:
        if oapi:
            return _oapi(90018, "当前企业调用该接口超过每秒调用次数限制")
        return error_reply(403, QPS_LIMIT, "应用调用该接口的QPS超过限制，请降低调用频率")

    def _malformed_reply(self) -> Reply:
        kind = self._fault_rng.randrange(4)
        if kind == 0:
            return Reply(200, b'{"scheduleInformation": [{"roomId": "', content_type="application/json;charset=utf-8")
        if kind == 1:
            return Reply(200, b"<html><body><h1>502 Bad Gateway</h1></body></html>", content_type="text/html")
        if kind == 2:
            return Reply.json(200, [{"unexpected": True}])
        return Reply.json(200, {"result": "not what you expected", "hasMore": "maybe"})

    # --- control API -------------------------------------------------------------------------

    def _control(self, request: Request) -> Reply:
        route = (request.method, request.path.rstrip("/"))
        try:
            payload = json.loads(request.body) if request.body.strip() else {}
        except ValueError:
            return Reply.json(400, {"error": "body is not valid JSON"})
        if not isinstance(payload, dict):
            return Reply.json(400, {"error": "body must be a JSON object"})
        try:
            if route == ("GET", "/_sim/stats"):
                return Reply.json(200, self.stats())
            if route == ("POST", "/_sim/stats/reset"):
                self.reset_stats()
                return Reply.json(200, self.stats())
            if route == ("GET", "/_sim/config"):
                return Reply.json(200, self.config)
            if route == ("POST", "/_sim/config"):
                self.configure(**payload)
                return Reply.json(200, self.config)
            if route == ("POST", "/_sim/faults"):
                self.inject_fault(
                    str(payload.get("endpoint", "")),
                    status=int(payload.get("status", 500)),
                    code=str(payload.get("code", "system.error")),
                    message=str(payload.get("message", "")),
                    count=int(payload.get("count", 1)),
                    body=payload.get("body"),
                    required_scopes=[str(scope) for scope in payload.get("requiredScopes", [])],
                )
                return Reply.json(200, {"ok": True})
            if route == ("DELETE", "/_sim/faults"):
                self.clear_faults()
                return Reply.json(200, {"ok": True})
            if route == ("POST", "/_sim/tokens/expire"):
                self.expire_tokens()
                return Reply.json(200, {"ok": True})
            if route == ("POST", "/_sim/credentials/revoke"):
                self.revoke_credentials()
                return Reply.json(200, {"ok": True})
            if route == ("POST", "/_sim/credentials/restore"):
                self.restore_credentials()
                return Reply.json(200, {"ok": True})
            if route == ("GET", "/_sim/events"):
                return Reply.json(200, {"events": self.events})
            if route == ("GET", "/_sim/info"):
                return Reply.json(200, self.info())
            if route == ("GET", "/_sim/rooms"):
                return Reply.json(200, {"rooms": self.rooms})
            if route == ("GET", "/_sim/users"):
                return Reply.json(200, {"users": self.users})
            if route == ("POST", "/_sim/reset"):
                self.reset()
                return Reply.json(200, {"ok": True})
        except (TypeError, ValueError) as exc:
            return Reply.json(400, {"error": str(exc)})
        return Reply.json(404, {"error": f"no control endpoint {request.method} {request.path}"})

    # --- endpoints ---------------------------------------------------------------------------

    def _handle(self, key: str, params: dict[str, str], request: Request) -> Reply:
        handler: Callable[[dict[str, str], Request], Reply] = getattr(self, f"_ep_{key}")
        return handler(params, request)

    @staticmethod
    def _json_body(request: Request, *, required: bool = True) -> dict[str, Any]:
        if not request.body.strip():
            if required:
                raise _Problem(400, "Missingbody", "body is mandatory for this action")
            return {}
        try:
            body = json.loads(request.body)
        except ValueError:
            raise _Problem(400, "invalidParameter", "body is not valid JSON") from None
        if not isinstance(body, dict):
            raise _Problem(400, "invalidParameter", "body must be a JSON object")
        return body

    def _issue_token(self) -> str:
        token = secrets.token_hex(16)
        self._tokens[token] = self._clock() + self._config.token_ttl_s
        return token

    def _ep_accessToken(self, params: dict[str, str], request: Request) -> Reply:
        body = self._json_body(request)
        if self._revoked or body.get("appKey") != self.app_key or body.get("appSecret") != self.app_secret:
            raise _Problem(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
        # Same token while valid, and each fetch extends it (DOC:0033).
        token = self._app_token
        if token is None or not self._token_valid(token):
            token = self._issue_token()
            self._app_token = token
        else:
            self._tokens[token] = self._clock() + self._config.token_ttl_s
        return _ok({"accessToken": token, "expireIn": self._config.token_ttl_s})

    def _ep_corpAccessToken(self, params: dict[str, str], request: Request) -> Reply:
        body = self._json_body(request)
        if self._revoked or body.get("suiteKey") != self.suite_key or body.get("suiteSecret") != self.suite_secret:
            raise _Problem(400, "invalidSuiteKey", "无效的suiteKey或suiteSecret")
        if body.get("suiteTicket") != self.suite_ticket:
            raise _Problem(400, "invalidSuiteTicket", "无效的suiteTicket")
        if body.get("authCorpId") != self.corp_id:
            raise _Problem(400, "invalidAuthInfo", "授权关系不存在")
        return _ok({"accessToken": self._issue_token(), "expireIn": self._config.token_ttl_s})

    # free/busy

    def _ep_schedules(self, params: dict[str, str], request: Request) -> Reply:
        self._calendar_user(params["user"])
        body = self._json_body(request)
        room_ids = body.get("roomIds")
        if not room_ids or not isinstance(room_ids, list):
            raise _Problem(400, "invalidParameter", "query ids cannot be empty")
        if len(room_ids) > self._config.max_rooms_per_call:
            raise _Problem(400, "invalidParameter", "Cannot get schedule information for more than limit.")
        start = parse_iso(body.get("startTime"))
        end = parse_iso(body.get("endTime"))
        if start is None:
            raise _Problem(400, "invalidParameter", "startTime is invalid, expected ISO-8601 such as 2022-07-29T14:55Z")
        if end is None:
            raise _Problem(400, "invalidParameter", "endTime is invalid, expected ISO-8601 such as 2022-07-29T14:55Z")
        if end <= start:
            raise _Problem(400, "invalidParameter", "endTime must be after startTime")
        if end - start > timedelta(days=90):
            raise _Problem(400, "invalidParameter", "Cannot query schedule for more than 90 days.")
        found = [(position, str(room_id), self._find_room(str(room_id))) for position, room_id in enumerate(room_ids)]
        if all(room is None for _position, _room_id, room in found):
            raise _Problem(400, "invalidParameter", "roomId invalid")
        information = []
        for position, room_id, room in found:
            # Some rooms omit empty fields and others send them empty (both forms are seen in the
            # wild; dingtalk-api.md §2 leaves it open), so clients must handle both.
            parity = room.index % 2 if room is not None else position % 2
            entry: dict[str, Any] = {"roomId": room_id}
            if room is None:
                entry["error"] = "roomId invalid"
                if parity == 0:
                    entry["scheduleItems"] = []
            else:
                items = [item for _key, item in self._room_items(room, start, end)]
                if items or parity == 0:
                    entry["scheduleItems"] = items
                if parity == 1:
                    entry["error"] = ""
            information.append(entry)
        return _ok({"scheduleInformation": information})

    def _occupancy(
        self, room: data.SimRoom, start: datetime, end: datetime, *, skip_event: str = ""
    ) -> Iterator[tuple[datetime, datetime, dict[str, Any]]]:
        """Every busy interval of `room` overlapping [start, end): (start, end, wire item)."""
        # Demo meetings never cross midnight; an all-day one covers its local day.
        for day in local_days(start, end):
            for demo in data.day_items(
                self.seed, room.room_id, day, organizers=self._organizers, approval=room.rules.approval
            ):
                if demo.start < end and start < demo.end:
                    yield (
                        demo.start,
                        demo.end,
                        _wire_item(demo.status, demo.event_id, demo.organizer_id, demo.start, demo.end, demo.all_day),
                    )
        for event in self._events.values():
            status = event.rooms.get(room.room_id)
            if event.event_id == skip_event or status not in ("accepted", "tentative"):
                continue
            if event.start < end and start < event.end:
                item_status = data.TENTATIVE if status == "tentative" else data.BUSY
                yield (
                    event.start,
                    event.end,
                    _wire_item(item_status, event.event_id, event.organizer, event.start, event.end, event.all_day),
                )

    def _room_items(self, room: data.SimRoom, start: datetime, end: datetime) -> list[tuple[datetime, dict[str, Any]]]:
        items = [(item_start, item) for item_start, _item_end, item in self._occupancy(room, start, end)]
        items.sort(key=lambda pair: pair[0])
        return items

    # rooms

    def _rooms_user(self, request: Request) -> data.SimUser:
        union_id = request.query.get("unionId", "").strip()
        if not union_id:
            raise _Problem(400, "param.error", "Param Error")
        user = self._user_by_union(union_id)
        if user is None:
            raise _Problem(400, "user.not.employee", "User Not Employee")
        return user

    def _ep_meetingRoomLists(self, params: dict[str, str], request: Request) -> Reply:
        self._rooms_user(request)
        try:
            max_results = int(request.query.get("maxResults") or 20)
            offset = int(request.query.get("nextToken") or 0)
        except ValueError:
            raise _Problem(405, "params.invalid", "无效的分页请求参数nextToken和maxResults") from None
        if max_results > 100:
            raise _Problem(400, "param.error.maxresults", "Too Large MaxResults")
        if max_results < 1 or offset < 0 or offset > len(self._rooms):
            raise _Problem(405, "params.invalid", "无效的分页请求参数nextToken和maxResults")
        page = self._rooms[offset : offset + max_results]
        has_more = offset + max_results < len(self._rooms)
        payload: dict[str, Any] = {"hasMore": has_more, "result": [json.loads(json.dumps(room.wire)) for room in page]}
        if has_more:
            payload["nextToken"] = offset + max_results
        return _ok(payload)

    def _ep_groupLists(self, params: dict[str, str], request: Request) -> Reply:
        self._rooms_user(request)
        return _ok({"result": [dict(group) for group in self._groups]})

    def _ep_group(self, params: dict[str, str], request: Request) -> Reply:
        self._rooms_user(request)
        group = next((g for g in self._groups if str(g["groupId"]) == params["group"]), None)
        if group is None:
            raise _Problem(400, "param.error", "Param Error")
        return _ok(dict(group))

    def _ep_meetingRoom(self, params: dict[str, str], request: Request) -> Reply:
        self._rooms_user(request)
        room = self._find_room(params["room"])
        if room is None:
            raise _Problem(400, "param.error", "Param Error")
        return _ok({"result": self._room_detail(room)})

    def _room_detail(self, room: data.SimRoom) -> dict[str, Any]:
        rules = room.rules
        extension: dict[str, Any] = {
            "openReservation": rules.open_reservation,
            "maxReservationTimeInterval": rules.max_minutes,
            "minReservationTimeInterval": rules.min_minutes,
            "advanceReservation": {
                "advanceReservationTime": rules.advance_days,
                "advanceReservationTimeUnit": "days",
                "advanceBookTimeFormat": "00:00",
            },
            "approvalSwitch": rules.approval,
            "approvalType": 1,
        }
        if rules.closed_from is not None:
            extension["reservationCloseDetail"] = {
                "taskStartTime": to_ms(rules.closed_from),
                "taskEndTime": to_ms(rules.closed_until) if rules.closed_until is not None else None,
                "closeReason": rules.close_reason,
                "contactUnionId": self._operator.unionid,
                "contactNick": self._operator.name,
                "sendNotify": False,
            }
        detail = json.loads(json.dumps(room.wire))
        detail.update(
            {
                "deviceUnionIds": [],
                "roomUnionId": data.stable_alnum(24, self.seed, "roomUnionId", room.room_id),
                "roomDescription": room.description,
                "enableCycleReservation": True,
                "extensionConfig": extension,
            }
        )
        if room.wire.get("roomStatus") == 2:
            detail["reservationAuthority"] = {"authorizedMembers": [dict(member) for member in room.authorized_members]}
        return detail  # type: ignore[no-any-return]

    # events

    def _calendar_user(self, union_id: str) -> data.SimUser:
        user = self._user_by_union(union_id)
        if user is None:
            raise _Problem(400, "permissionDeny", "用户不在授权范围内")
        return user

    def _calendar(self, params: dict[str, str]) -> data.SimUser:
        user = self._calendar_user(params["user"])
        if not params["calendar"].strip():
            raise _Problem(400, "invalidParameter", "CalendarId cannot be blank")
        if params["calendar"] != "primary":
            raise _Problem(404, "itemNotFound", "calendar not found")
        return user

    def _idempotent_reply(self, request: Request, *scope: str) -> tuple[tuple[str, ...] | None, Reply | None]:
        token = request.headers.get("x-client-token", "").strip()
        if not token:
            return None, None
        now = self._clock()
        for stale in [key for key, (expiry, _reply) in self._idempotent.items() if expiry <= now]:
            del self._idempotent[stale]
        key = (*scope, token)
        stored = self._idempotent.get(key)
        if stored is None:
            return key, None
        return key, Reply(stored[1].status, stored[1].body, stored[1].content_type, {"x-acs-request-id": _request_id()})

    def _remember(self, key: tuple[str, ...] | None, reply: Reply) -> Reply:
        if key is not None and reply.status < 300:
            self._idempotent[key] = (self._clock() + IDEMPOTENCY_S, reply)
        return reply

    def _ep_createEvent(self, params: dict[str, str], request: Request) -> Reply:
        user = self._calendar(params)
        key, replay = self._idempotent_reply(request, "createEvent", user.unionid)
        if replay is not None:
            return replay
        body = self._json_body(request)
        if not body:
            raise _Problem(400, "invalidParameter", "Event must be provided.")
        summary = body.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            raise _Problem(400, "invalidParameter", "Event summary cannot be blank")
        all_day = bool(body.get("isAllDay"))
        start, tz_start = _event_time(body.get("start"), all_day, "start")
        end, tz_end = _event_time(body.get("end"), all_day, "end")
        if tz_start != tz_end:
            raise _Problem(400, "invalidParameter", "end.timeZone must be the same as start.timeZone")
        if end <= start:
            raise _Problem(400, "invalidParameter", "Event end time must be after start time.")
        now = self._now()
        day_key = (user.unionid, now.date())
        if self._created_per_day.get(day_key, 0) >= self._config.events_per_day:
            raise _Problem(
                400, "flowLimit", f"current user can not create events exceed {self._config.events_per_day} per day"
            )
        attendees = []
        for attendee in body.get("attendees") or []:
            if not isinstance(attendee, dict) or not attendee.get("id"):
                raise _Problem(400, "invalidParameter", "attendee id cannot be blank")
            known = self._user_by_union(str(attendee["id"]))
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
            conference = data.stable_hex(12, self.seed, "conference", self._event_counter)
            online = {
                "type": "dingtalk",
                "conferenceId": conference,
                "url": f"dingtalk://dingtalkclient/page/videoConfFront?roomCode={conference}",
                "extraInfo": {},
            }
        self._event_counter += 1
        event = _Event(
            event_id=data.stable_event_id(self.seed, "api", self._event_counter, user.unionid),
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
        )
        self._events[event.event_id] = event
        self._created_per_day[day_key] = self._created_per_day.get(day_key, 0) + 1
        return self._remember(key, _ok(self._event_wire(event, viewer=user.unionid, with_rooms=False)))

    def _event_for(self, params: dict[str, str]) -> tuple[data.SimUser, _Event]:
        user = self._calendar(params)
        event = self._events.get(params["event"])
        if event is None or (event.organizer != user.unionid and all(a["id"] != user.unionid for a in event.attendees)):
            raise _Problem(404, "itemNotFound", "event not found")
        return user, event

    def _ep_getEvent(self, params: dict[str, str], request: Request) -> Reply:
        user, event = self._event_for(params)
        return _ok(self._event_wire(event, viewer=user.unionid, with_rooms=True))

    def _ep_deleteEvent(self, params: dict[str, str], request: Request) -> Reply:
        key, replay = self._idempotent_reply(request, "deleteEvent", params["user"], params["event"])
        if replay is not None:
            return replay
        user, event = self._event_for(params)
        if event.organizer == user.unionid:
            del self._events[event.event_id]  # cancels it for everyone and frees its rooms
        else:
            event.attendees = [a for a in event.attendees if a["id"] != user.unionid]
        return self._remember(key, Reply(200, b"", content_type="application/json;charset=utf-8"))

    def _ep_addMeetingRooms(self, params: dict[str, str], request: Request) -> Reply:
        key, replay = self._idempotent_reply(request, "addMeetingRooms", params["user"], params["event"])
        if replay is not None:
            return replay
        _user, event = self._event_for(params)
        body = self._json_body(request, required=False)
        wanted = _room_ids(body.get("meetingRoomsToAdd"))
        if not wanted:
            raise _Problem(400, "invalidParameter", "roomId must be provided.")
        new = [room_id for room_id in dict.fromkeys(wanted) if room_id not in event.rooms]
        if len(event.rooms) + len(new) > MAX_ROOMS_PER_EVENT:
            raise _Problem(400, "invalidParameter", f"attendees batch size too large. Maximum allowed:{MAX_ROOMS_PER_EVENT}")
        rooms = []
        for room_id in new:
            room = self._find_room(room_id)
            if room is None:
                raise _Problem(400, "invalidParameter", "roomId invalid")
            rooms.append(room)
        for room in rooms:  # check all first: a refused call adds nothing
            if self._config.enforce_booking_rules:
                self._check_rules(room, event)
            if any(True for _busy in self._occupancy(room, event.start, event.end, skip_event=event.event_id)):
                raise _Problem(400, "meetingRoomNotAvailable", "room busy")
        for room in rooms:
            event.rooms[room.room_id] = "tentative" if room.rules.approval else "accepted"
        if rooms:
            event.updated = self._now()
        return self._remember(key, _ok({"result": True}))

    def _check_rules(self, room: data.SimRoom, event: _Event) -> None:
        rules = room.rules
        minutes = int((event.end - event.start).total_seconds() // 60)
        if not rules.open_reservation:
            raise _Problem(400, "meetingRoomNotAvailable", "会议室未开放预订")
        if (
            rules.closed_from is not None
            and event.end > rules.closed_from
            and (rules.closed_until is None or event.start < rules.closed_until)
        ):
            raise _Problem(400, "meetingRoomNotAvailable", f"会议室已关闭: {rules.close_reason}")
        if rules.max_minutes and minutes > rules.max_minutes:
            raise _Problem(400, "meetingRoomNotAvailable", f"预订时长不得超过 {rules.max_minutes} 分钟")
        if rules.min_minutes and minutes < rules.min_minutes:
            raise _Problem(400, "meetingRoomNotAvailable", f"预订时长不得少于 {rules.min_minutes} 分钟")
        if rules.advance_days:
            limit = local_midnight(self._now().date() + timedelta(days=rules.advance_days + 1))
            if event.start >= limit:
                raise _Problem(400, "meetingRoomNotAvailable", f"只能提前 {rules.advance_days} 天预订")

    def _ep_removeMeetingRooms(self, params: dict[str, str], request: Request) -> Reply:
        key, replay = self._idempotent_reply(request, "removeMeetingRooms", params["user"], params["event"])
        if replay is not None:
            return replay
        _user, event = self._event_for(params)
        body = self._json_body(request, required=False)
        wanted = _room_ids(body.get("meetingRoomsToRemove"))
        if not wanted:
            raise _Problem(400, "invalidParameter", "Meeting rooms to remove must be provided.")
        removed = False
        for room_id in wanted:
            removed = event.rooms.pop(room_id, None) is not None or removed
        if removed:
            event.updated = self._now()
        return self._remember(key, _ok({"result": True}))

    def _event_wire(self, event: _Event, *, viewer: str, with_rooms: bool) -> dict[str, Any]:
        organizer = self._user_by_union(event.organizer)
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
        if event.online_meeting is not None:
            wire["onlineMeetingInfo"] = dict(event.online_meeting)
        if with_rooms:
            wire["meetingRooms"] = [
                {"roomId": room_id, "responseStatus": status, "displayName": self._room_name(room_id)}
                for room_id, status in event.rooms.items()
            ]
        return wire

    def _room_name(self, room_id: str) -> str:
        room = self._find_room(room_id)
        return str(room.wire.get("roomName", "")) if room else ""

    # old-style (oapi) user lookups: errors are errcode/errmsg with HTTP 200

    def _oapi_body(self, request: Request) -> dict[str, Any]:
        try:
            return self._json_body(request, required=False)
        except _Problem:
            raise _Problem(200, "40035", "不合法的参数") from None

    def _ep_userGet(self, params: dict[str, str], request: Request) -> Reply:
        userid = self._oapi_body(request).get("userid")
        if not isinstance(userid, str) or not userid.strip():
            raise _Problem(200, "33012", "无效的USERID")
        user = next((u for u in self._users if u.userid == userid), None)
        if user is None:
            raise _Problem(200, "60121", "找不到该用户")
        return _oapi(0, "ok", result=user.wire())

    def _ep_userGetByMobile(self, params: dict[str, str], request: Request) -> Reply:
        mobile = str(self._oapi_body(request).get("mobile") or "").strip()
        if not MOBILE_PATTERN.match(mobile):
            raise _Problem(200, "40104", "企业中无效的手机号")
        digits = mobile[-11:]
        user = next((u for u in self._users if u.mobile == digits), None)
        if user is None:
            raise _Problem(200, "60121", "找不到该用户")
        return _oapi(0, "ok", result={"userid": user.userid})

    def _ep_userGetByUnionId(self, params: dict[str, str], request: Request) -> Reply:
        unionid = self._oapi_body(request).get("unionid")
        user = self._user_by_union(unionid) if isinstance(unionid, str) else None
        if user is None:
            raise _Problem(200, "60121", "找不到该用户")
        return _oapi(0, "ok", result={"contact_type": 0, "userid": user.userid})


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
        raise _Problem(400, "invalidParameter", f"Event {which} time not set.")
    if all_day or value.get("date"):
        try:
            day = date.fromisoformat(str(value.get("date")))
        except ValueError:
            raise _Problem(400, "invalidParameter", f"Event {which} date is invalid, expected yyyy-MM-dd") from None
        return local_midnight(day), ""
    zone_name = str(value.get("timeZone") or "")
    try:
        zone = ZoneInfo(zone_name) if zone_name else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    if zone is None:
        raise _Problem(400, "invalidParameter", f"Event {which} timeZone is invalid")
    moment = parse_iso(value.get("dateTime"))
    if moment is None:
        # A local wall-clock time in the named zone is accepted too.
        try:
            naive = datetime.fromisoformat(str(value.get("dateTime")))
        except ValueError:
            raise _Problem(400, "invalidParameter", f"Event {which} dateTime is invalid") from None
        if naive.tzinfo is not None:
            raise _Problem(400, "invalidParameter", f"Event {which} dateTime is invalid")
        moment = naive.replace(tzinfo=zone)
    return moment, zone_name


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


__all__ = ["ENDPOINTS", "SimConfig", "Simulator", "error_reply"]
