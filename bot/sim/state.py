"""The simulator's in-memory state: credentials, directory, rooms, events, tokens and counters.

One re-entrant lock guards all of it; endpoint handlers run with it held, so a handler sees and
changes the state atomically.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.sim import data, recurrence
from bot.sim.http import Reply
from bot.sim.recurrence import Recurrence
from bot.sim.routes import ENDPOINTS
from bot.sim.timefmt import SHANGHAI


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

    def changed(self, knobs: dict[str, Any]) -> SimConfig:
        """A validated copy with `knobs` applied; unknown names raise ValueError."""
        unknown = sorted(set(knobs) - set(CONFIG_TYPES))
        if unknown:
            raise ValueError(f"unknown simulator setting(s): {', '.join(unknown)}")
        values = asdict(self)
        for name, value in knobs.items():
            values[name] = CONFIG_TYPES[name](value)
        return SimConfig(**values).validated()


CONFIG_TYPES: dict[str, Callable[[Any], Any]] = {
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
class SimEvent:
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
    sign_ins: dict[str, datetime] = field(default_factory=dict)  # unionId -> when they signed in
    recurrence: Recurrence | None = None

    @property
    def zone(self) -> ZoneInfo:
        """Where the series' wall-clock times are kept (all-day events: Shanghai)."""
        return ZoneInfo(self.time_zone) if self.time_zone else SHANGHAI

    def occurrences(self, until: datetime) -> list[tuple[datetime, datetime]]:
        """The event's occurrences starting before `until` (one, unless it recurs)."""
        return list(recurrence.occurrences(self.recurrence, self.start, self.end, self.zone, until=until))


class SimState:
    """Everything the simulated DingTalk remembers.

    Args:
        seed: everything generated (credentials, rooms, users, meetings) follows from it.
        rooms: how many demo rooms.
        today: the date the demo is laid around (default: today in Asia/Shanghai).
        clock: seconds since the epoch (token expiry, idempotency, QPS windows).
        all_day_share: the share of a demo room's working days booked all day.
    """

    def __init__(
        self,
        *,
        seed: int,
        rooms: int,
        today: date | None,
        clock: Callable[[], float],
        all_day_share: float = data.ALL_DAY_SHARE,
    ) -> None:
        self.seed = seed
        self.all_day_share = all_day_share
        self.clock = clock
        self.real_today = datetime.fromtimestamp(clock(), SHANGHAI).date()
        self.today = today or self.real_today
        self.lock = threading.RLock()

        self.corp_id = "ding" + data.stable_hex(16, seed, "corp")
        self.app_key = "dingsim" + data.stable_hex(13, seed, "appKey")
        self.app_secret = data.stable_alnum(64, seed, "appSecret")
        self.suite_key = "suitesim" + data.stable_hex(12, seed, "suiteKey")
        self.suite_secret = data.stable_alnum(64, seed, "suiteSecret")
        self.suite_ticket = data.stable_alnum(48, seed, "suiteTicket")
        self.agent_id = 1_000_000_000 + data.stable_int(seed, "agentId") % 1_000_000_000
        self.ticket_serial = 0
        self.callback: dict[str, str] | None = None  # url, token, aes_key of the HTTP event callback

        self.users = data.build_users(seed)
        self.operator = self.users[0]
        self.rooms = data.build_rooms(seed, rooms, corp_id=self.corp_id, today=self.today, operator=self.operator)
        self.next_room_index = rooms
        self.groups = [dict(group) for group in data.GROUPS]
        self.organizers = tuple(user.unionid for user in self.users)

        self.config = SimConfig()
        self.calls: dict[str, int] = dict.fromkeys(ENDPOINTS, 0)
        self.total = 0
        self.tokens: dict[str, float] = {}  # token -> expiry (clock seconds)
        self.app_token: str | None = None
        self.revoked = False
        self.events: dict[str, SimEvent] = {}
        self.event_counter = 0
        self.created_per_day: dict[tuple[str, date], int] = {}
        # (scope…, x-client-token) -> (expiry, first reply, digest of the first request's body)
        self.idempotent: dict[tuple[str, ...], tuple[float, Reply, str]] = {}
        # What was "delivered" to people (GET /_sim/notifications): work notifications, and cancel
        # notices to an event's attendees.
        self.notifications: list[dict[str, Any]] = []
        self.task_counter = 0

    # --- lookups (call with the lock held) ---------------------------------------------------

    def room(self, room_id: str) -> data.SimRoom:
        for room in self.rooms:
            if room.room_id == room_id:
                return room
        raise KeyError(room_id)

    def find_room(self, room_id: str) -> data.SimRoom | None:
        try:
            return self.room(room_id)
        except KeyError:
            return None

    def user_by_union(self, union_id: str) -> data.SimUser | None:
        return next((user for user in self.users if user.unionid == union_id), None)

    def now(self) -> datetime:
        """The simulated present: `today` at the current wall-clock time of day."""
        real = datetime.fromtimestamp(self.clock(), SHANGHAI)
        return real + timedelta(days=(self.today - self.real_today).days)

    # --- tokens ------------------------------------------------------------------------------

    def token_valid(self, token: str) -> bool:
        expiry = self.tokens.get(token)
        return expiry is not None and expiry > self.clock()

    def issue_token(self) -> str:
        token = secrets.token_hex(16)
        self.tokens[token] = self.clock() + self.config.token_ttl_s
        return token

    def extend_token(self, token: str) -> None:
        self.tokens[token] = self.clock() + self.config.token_ttl_s

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.app_token = None

    # --- counters ----------------------------------------------------------------------------

    def count_call(self, key: str) -> None:
        self.calls[key] += 1
        self.total += 1

    def stats(self) -> dict[str, int]:
        with self.lock:
            return {**self.calls, "total": self.total}

    def reset_stats(self) -> None:
        with self.lock:
            self.calls = dict.fromkeys(ENDPOINTS, 0)
            self.total = 0

    def reset(self) -> None:
        """No bookings, tokens or counts; default knobs; credentials work again."""
        with self.lock:
            self.reset_stats()
            self.config = SimConfig()
            self.tokens.clear()
            self.app_token = None
            self.revoked = False
            self.events.clear()
            self.created_per_day.clear()
            self.idempotent.clear()
            self.notifications.clear()
