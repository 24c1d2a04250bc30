"""The DingTalk simulator: a real HTTP server on loopback speaking DingTalk's wire format.

`Simulator(seed=7, rooms=24).start(port=0)` serves api.dingtalk.com and oapi.dingtalk.com paths
on one base URL (`sim.url`). It keeps tokens, events and room bookings in memory under one lock
(bot.sim.state), counts the calls it serves per endpoint, and injects faults (bot.sim.faults:
latency, 5xx, 403 throttling, malformed replies, queued one-off errors) on request. This module
only wires the endpoint families (bot.sim.endpoints) to the routes and the `/_sim/...` control
routes (bot.sim.control), and offers the in-process control API.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date, datetime
from types import TracebackType
from typing import Any, Generic, TypeVar

from bot.sim import data
from bot.sim.callback import push
from bot.sim.control import control, is_control_path
from bot.sim.endpoints.auth import AuthEndpoints
from bot.sim.endpoints.calendar import FreeBusy
from bot.sim.endpoints.events import EventEndpoints
from bot.sim.endpoints.messages import WorkNotifications
from bot.sim.endpoints.oapi import OapiEndpoints
from bot.sim.endpoints.people import PeopleSchedules
from bot.sim.endpoints.rooms import RoomEndpoints
from bot.sim.endpoints.users import Directory
from bot.sim.faults import REPLY_DROP, REPLY_HOLD, Fault, Faults
from bot.sim.http import HttpServer, Reply, Request
from bot.sim.replies import Handler, Problem, error_reply, oapi_reply
from bot.sim.routes import OAPI_ENDPOINTS, TOKEN_ENDPOINTS, match_route
from bot.sim.state import SimState

T = TypeVar("T")

# What `info()` shows after the URL, seed, room count and date, in this order.
_SHOWN_IDENTITY = (
    "app_key",
    "app_secret",
    "suite_key",
    "suite_secret",
    "corp_id",
    "suite_ticket",
    "operator_union_id",
    "operator_user_id",
    "agent_id",
)


class _FromState(Generic[T]):
    """A read-only attribute of the Simulator that reads the shared state (under no lock: these
    values are set once, or swapped whole by `rotate_suite_ticket`)."""

    def __init__(self, read: Callable[[SimState], T]) -> None:
        self._read = read

    def __get__(self, sim: Simulator, owner: type[Simulator] | None = None) -> T:
        return self._read(sim._state)


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
        self._state = state = SimState(seed=seed, rooms=rooms, today=today, clock=clock or time.time)
        self._sleep = sleep or time.sleep
        self._server: HttpServer | None = None
        self._url = ""
        self._faults = Faults(state=state)
        self._directory = Directory(state=state)
        # Looked up at each call, so that every token minted goes through `_issue_token`.
        self._auth = AuthEndpoints(state=state, issue_token=lambda: self._issue_token())
        self._rooms = RoomEndpoints(state=state, directory=self._directory)
        self._free_busy = FreeBusy(state=state, directory=self._directory)
        self._events = EventEndpoints(state=state, directory=self._directory, free_busy=self._free_busy)
        self._people = PeopleSchedules(state=state, directory=self._directory)
        self._handlers: dict[str, Handler] = {
            **self._auth.handlers(),
            **self._people.handlers(),
            **self._rooms.handlers(),
            **self._free_busy.handlers(),
            **self._events.handlers(),
            **OapiEndpoints(state=state).handlers(),
            **WorkNotifications(state=state).handlers(),
        }

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

    # --- identity: the demo credentials, and who the operator is ------------------------------

    seed = _FromState(lambda state: state.seed)
    today = _FromState(lambda state: state.today)
    corp_id = _FromState(lambda state: state.corp_id)
    app_key = _FromState(lambda state: state.app_key)
    app_secret = _FromState(lambda state: state.app_secret)
    suite_key = _FromState(lambda state: state.suite_key)
    suite_secret = _FromState(lambda state: state.suite_secret)
    suite_ticket = _FromState(lambda state: state.suite_ticket)
    operator_union_id = _FromState(lambda state: state.operator.unionid)
    operator_user_id = _FromState(lambda state: state.operator.userid)
    agent_id = _FromState(lambda state: state.agent_id)
    """The demo app's AgentId (work notifications name it)."""

    @property
    def notifications(self) -> list[dict[str, Any]]:
        """What DingTalk "delivered" to people so far, oldest first: work notifications, cancel notices."""
        with self._state.lock:
            return [dict(note) for note in self._state.notifications]

    def info(self) -> dict[str, Any]:
        """The URL, demo credentials and operator, as `GET /_sim/info` shows them."""
        shown = {name: getattr(self, name) for name in _SHOWN_IDENTITY}
        return {
            "url": self._url,
            "seed": self.seed,
            "rooms": len(self._state.rooms),
            "today": self.today.isoformat(),
            **shown,
        }

    # --- knobs, faults, tokens, stats --------------------------------------------------------

    def configure(self, **knobs: Any) -> Simulator:
        """Change any subset of the knobs (see SimConfig); unknown names raise ValueError."""
        with self._state.lock:
            self._state.config = self._state.config.changed(knobs)
            if "monthly_quota" in knobs:
                self._faults.reset_quota()
        return self

    @property
    def config(self) -> dict[str, Any]:
        with self._state.lock:
            return asdict(self._state.config)

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
        self._faults.inject(endpoint, Fault(int(status), code, message, int(count), body, tuple(required_scopes)))

    def clear_faults(self) -> None:
        self._faults.clear()

    def lose_replies(self, endpoint: str, *, mode: str, count: int = 1) -> None:
        """The next `count` successful calls to `endpoint` are carried out, but their replies are lost.

        `drop`: the caller gets a 503 as from a failing gateway (and retries, with the same
        `x-client-token`). `hold`: the reply waits until `release_replies()` (or two minutes), as
        behind a stuck connection; `held_replies` says how many are waiting.
        """
        self._faults.lose_replies(endpoint, mode=mode, count=count)

    def release_replies(self) -> None:
        """Let every held reply go, and lose no more."""
        self._faults.release_held()

    @property
    def held_replies(self) -> int:
        return self._faults.held

    def expire_tokens(self) -> None:
        """Every issued token becomes invalid (400 InvalidAuthentication on next use)."""
        self._state.expire_tokens()

    def revoke_credentials(self) -> None:
        """The app secret and suite secret stop working (400 invalidClientIdOrSecret / invalidSuiteKey)."""
        with self._state.lock:
            self._state.revoked = True

    def restore_credentials(self) -> None:
        with self._state.lock:
            self._state.revoked = False

    def stats(self) -> dict[str, int]:
        """Calls served per endpoint key, plus "total" (control calls are not counted)."""
        return self._state.stats()

    def reset_stats(self) -> None:
        self._state.reset_stats()

    def reset(self) -> None:
        """Back to the just-started state: no bookings, tokens, faults or counts; default knobs."""
        with self._state.lock:
            self._state.reset()
            self._faults.reset()

    def _issue_token(self) -> str:
        return self._state.issue_token()

    # --- data --------------------------------------------------------------------------------

    @property
    def rooms(self) -> list[dict[str, Any]]:
        """The room list as served (wire dicts, copies)."""
        return self._rooms.rooms()

    @property
    def groups(self) -> list[dict[str, Any]]:
        return self._rooms.groups()

    @property
    def users(self) -> list[dict[str, Any]]:
        """The demo user directory: the operator first (userid, unionid, name, mobile, email...)."""
        return self._directory.users()

    @property
    def events(self) -> list[dict[str, Any]]:
        """Live events created through the API, in get-event form (with `meetingRooms`)."""
        return self._events.events()

    def room_rules(self, room_id: str) -> data.RoomRules:
        return self._rooms.room_rules(room_id)

    def add_user(
        self, name: str, *, mobile: str, userid: str | None = None, unionid: str | None = None, email: str = ""
    ) -> dict[str, Any]:
        """Add a person to the directory; missing ids are derived from the name."""
        return self._directory.add_user(name, mobile=mobile, userid=userid, unionid=unionid, email=email)

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
        return self._rooms.add_room(
            data.NewRoom(name, capacity, group_id, tuple(labels), location, rules or data.RoomRules())
        )

    def update_room(self, room_id: str, **wire_fields: Any) -> dict[str, Any]:
        """Change wire fields of a room, e.g. `update_room(rid, roomName="3F-Everest (big)", roomCapacity=14)`."""
        return self._rooms.update_room(room_id, **wire_fields)

    def remove_room(self, room_id: str) -> None:
        """The room disappears from DingTalk (its id becomes `roomId invalid`)."""
        self._rooms.remove_room(room_id)

    def close_room(self, room_id: str, *, until: datetime | None, reason: str = "", start: datetime | None = None) -> None:
        """Close a room for bookings from `start` (default now) until `until` (None: indefinitely)."""
        self._rooms.close_room(room_id, start=start or self._state.now(), until=until, reason=reason)

    def reopen_room(self, room_id: str) -> None:
        self._rooms.reopen_room(room_id)

    def set_room_members(self, room_id: str, union_ids: Sequence[str] | None) -> None:
        """Open a room to these DingTalk users only, or with None to everyone."""
        self._rooms.set_members(room_id, union_ids)

    def register_callback(self, url: str, *, token: str, aes_key: str) -> None:
        """Where the simulated DingTalk pushes events (HTTP event callback), with its token and AES key."""
        if len(aes_key) != 43:
            raise ValueError("the AES key must be 43 characters")
        with self._state.lock:
            self._state.callback = {"url": url, "token": token, "aes_key": aes_key}

    def rotate_suite_ticket(self) -> dict[str, Any]:
        """DingTalk's five-hourly ticket change: a new ticket, the old one refused from now on, and the
        new one pushed to the registered callback (if any). Returns the ticket and the push's outcome."""
        state = self._state
        with state.lock:
            state.ticket_serial += 1
            state.suite_ticket = data.stable_alnum(48, state.seed, "suiteTicket", state.ticket_serial)
            ticket, callback, suite_key = state.suite_ticket, state.callback, state.suite_key
        delivery: dict[str, Any] = {"status": None, "acknowledged": False}
        if callback is not None:  # outside the lock: the receiver may call the simulator back
            message = {
                "EventType": "suite_ticket",
                "SuiteTicket": ticket,
                "SuiteKey": suite_key,
                "TimeStamp": str(int(self._state.clock() * 1000)),
            }
            delivery = push(
                callback["url"], message, token=callback["token"], aes_key=callback["aes_key"], owner_key=suite_key
            )
        return {"suite_ticket": ticket, **delivery}

    def invite(self, event_id: str, union_id: str) -> None:
        """Someone adds a colleague to an event in DingTalk itself (not through roombot)."""
        with self._state.lock:
            event = self._state.events[event_id]
            user = self._state.user_by_union(union_id)
            event.attendees.append(
                {
                    "id": union_id,
                    "displayName": user.name if user else "",
                    "responseStatus": "needsAction",
                    "isOptional": False,
                }
            )

    def decide_approval(self, event_id: str, room_id: str | None, *, approve: bool) -> None:
        """An administrator approves (accepted) or rejects (declined) a pending room booking (None: every
        room of the event that awaits approval)."""
        self._events.decide_approval(event_id, room_id, approve=approve)

    def person_schedule(self, union_id: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """A person's busy items in [start, end), as querySchedule would answer (in process)."""
        return self._people.busy(union_id, start, end)

    def schedule(self, room_id: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """The free/busy items of one room, exactly as `schedules/query` would list them."""
        return self._free_busy.schedule(room_id, start, end)

    # --- dispatch ----------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Reply:
        """Answer one HTTP request (called from the server's threads)."""
        if is_control_path(request.path):
            return control(self, request)
        found = match_route(request.method, request.path)
        if found is None:
            return error_reply(
                404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method."
            )
        key, params = found
        return self._serve(key, params, request)

    def _serve(self, key: str, params: dict[str, str], request: Request) -> Reply:
        state = self._state
        with state.lock:
            state.count_call(key)
            fault = self._faults.take(key)
            latency = state.config.latency_ms
        if latency > 0:
            self._sleep(latency / 1000.0)  # outside the lock: parallel calls overlap
        if fault is not None:
            return self._faults.reply(key, fault)
        with state.lock:
            if key not in TOKEN_ENDPOINTS:
                denied = self._auth.check_token(key, request)
                if denied is not None:
                    return denied
            random_fault = self._faults.roll(key)
            if random_fault is not None:
                return random_fault
            try:
                reply = self._handlers[key](params, request)
            except Problem as problem:
                if key in OAPI_ENDPOINTS:
                    return oapi_reply(int(problem.code), problem.message)
                return error_reply(problem.status, problem.code, problem.message)
            lost = self._faults.take_lost(key) if reply.status < 300 else None
        if lost == REPLY_HOLD:
            self._faults.hold()  # done, but the caller hears nothing until released
            return reply
        if lost == REPLY_DROP:
            return error_reply(503, "systemError", "系统错误，请稍后重试")
        return reply


__all__ = ["Simulator"]
