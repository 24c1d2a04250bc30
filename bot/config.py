"""Settings from the environment: one place, typed, validated at start.

`Settings.from_env(os.environ)` reads every variable roombot reads (a `.env` file is loaded
by the command line before this is called). Nothing here reads the environment at import time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError

Clock = Callable[[], datetime]
"""A function returning the current time, time-zone aware (UTC)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


DEFAULT_DINGTALK_API_URL = "https://api.dingtalk.com"
DEFAULT_DINGTALK_OAPI_URL = "https://oapi.dingtalk.com"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///roombot.db"


def normalize_database_url(url: str) -> str:
    """Accept Heroku-style `postgres://` URLs and pick the psycopg 3 driver for Postgres."""
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


@dataclass(frozen=True)
class Settings:
    """Every setting roombot reads, with the defaults the README lists."""

    # DingTalk
    dingtalk_app_key: str | None = None
    dingtalk_app_secret: str | None = field(default=None, repr=False)
    dingtalk_suite_key: str | None = None
    dingtalk_suite_secret: str | None = field(default=None, repr=False)
    dingtalk_auth_corp_id: str | None = None
    dingtalk_suite_ticket: str | None = field(default=None, repr=False)
    dingtalk_operator_union_id: str | None = None
    dingtalk_callback_token: str | None = field(default=None, repr=False)  # HTTP event callback: signature token
    dingtalk_callback_aes_key: str | None = field(default=None, repr=False)  # and its 43-character AES key
    dingtalk_api_url: str = DEFAULT_DINGTALK_API_URL
    dingtalk_oapi_url: str = DEFAULT_DINGTALK_OAPI_URL
    # Slack
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    # Storage and processes
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    port: int = 3000
    # roombot behaviour (ROOMBOT_*)
    default_tz: str = "Asia/Shanghai"
    # The DingTalk organisation's zone: where its all-day items fall (their calendar date) and where
    # its quota month begins.
    org_tz: str = "Asia/Shanghai"
    batch_size: int = 5
    qps: float = 20.0
    max_workers: int = 20  # free/busy calls in flight: 100 rooms = 20 batches at once (one 20/s window)
    deadline_s: float = 20.0
    request_timeout_s: float = 10.0
    cache_ttl_s: float = 60.0
    directory_max_age_s: float = 24 * 3600.0
    tz_max_age_s: float = 24 * 3600.0
    default_meeting_minutes: int = 30
    work_start: time = time(9, 0)
    work_end: time = time(18, 0)
    date_order: str = "MDY"
    max_span_days: int = 31
    group_max_rooms: int = 100
    name_max_length: int = 60
    unlinked_booking: str = "operator"  # "operator" | "refuse"
    cancel_mode: str = "delete"  # "delete" | "remove_room"
    event_title: str = "Meeting"
    admin_user_ids: tuple[str, ...] = ()
    # Identity (issue 15): work-notification link codes, group caps, Slack Connect guests.
    dingtalk_agent_id: int = 0  # the app's AgentId for work notifications (0: link codes cannot be sent)
    link_code_ttl_s: int = 600
    link_max_attempts: int = 5  # wrong codes (or codes sent) before a cool-down
    link_cooldown_s: int = 900
    # Offer "Link as <email>?" when the Slack e-mail matches the DingTalk directory's. None: only for
    # internal apps, the ones DingTalk shows directory e-mails to.
    link_email_match: bool | None = None
    max_groups_per_user: int = 50
    external_can_see: bool = False  # Slack Connect guests may ask what is free in shared channels
    run_jobs_in_worker: bool = True  # the Socket Mode worker also runs the background jobs
    # Check-in (bot.usecases.checkin): minutes; a reminder or grace of 0 turns it off.
    reminder_minutes: int = 10
    checkin_grace_minutes: int = 15
    release_max_overdue_minutes: int = 30  # a release later than this after its due time is skipped
    extend_minutes: int = 30
    # A booking is leased to the process making it this long; after that it is resumed (by a
    # click or the reconciler). It must exceed a booking's DingTalk calls (4 x deadline_s).
    booking_lease_s: float = 180.0
    reconcile_every_s: float = 180.0  # how often the reconciler settles bookings left unsettled
    orphan_sweep_days: int = 7  # the orphan sweep reads the operator's calendar from a day ago to this far ahead
    # The sweep costs a call per 100 events against the monthly quota: 4 a day is 120 a month.
    orphan_sweep_every_s: float = 6 * 3600.0
    # Slack answers and the database's limits: a slow DingTalk or a hung database costs seconds, never the ack.
    slack_workers: int = 32  # answers computed at once, after the ack (mostly waiting on DingTalk)
    slack_queue: int = 256  # answers waiting for a worker; beyond it, "busy, try again in a minute"
    slack_queue_wait_s: float = 20.0  # an answer that waited longer for a worker is "busy, try again" too
    answer_deadline_s: float = 30.0  # an answer still not computed by then is given up with a clear sentence
    event_dedup_timeout_s: float = 0.5  # how long the event de-duplication may hold up an ack
    db_connect_timeout_s: float = 5.0
    db_statement_timeout_ms: int = 10_000  # Postgres statement_timeout
    db_busy_timeout_ms: int = 5000  # SQLite busy_timeout
    db_pool_timeout_s: float = 5.0  # waiting for a pooled connection
    health_timeout_s: float = 2.0  # /healthz answers 503 when its checks take longer
    http_threads: int = 32  # HTTP mode: request threads of the one gunicorn worker
    http_request_timeout_s: float = 10.0  # HTTP mode: a request may hold a thread this long, slow client or not
    # The monthly DingTalk call budget (bot.quota): 0 = no limit.
    monthly_call_budget: int = 4000
    budget_reserve: float = 0.1  # the part of the budget kept for booking and cancelling
    fetch_horizon_days: int = 7  # one free/busy fetch covers this many days from today (bench/month.py)
    max_refresh_age_s: float = 4 * 3600.0
    refresh_min_age_s: float = 120.0  # the Refresh button spends a call only on data older than this
    user_fetches_per_hour: int = 20  # cold fetches one user may cause an hour; 0 = no limit

    @property
    def has_dingtalk_credentials(self) -> bool:
        return bool(self.dingtalk_app_key and self.dingtalk_app_secret) or bool(
            self.dingtalk_suite_key and self.dingtalk_suite_secret and self.dingtalk_auth_corp_id
        )

    @property
    def email_match_enabled(self) -> bool:
        if self.link_email_match is not None:
            return self.link_email_match
        return bool(self.dingtalk_app_key and self.dingtalk_app_secret)

    @property
    def quota_org(self) -> str:
        """Whose monthly DingTalk quota the calls count against: the organisation (corp id), or the internal app."""
        return self.dingtalk_auth_corp_id or self.dingtalk_app_key or "default"

    @property
    def org_zone(self) -> ZoneInfo:
        return ZoneInfo(self.org_tz)

    @property
    def default_zone(self) -> ZoneInfo:
        return ZoneInfo(self.default_tz)

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read and validate the settings; raise ConfigError naming the bad variable."""

        def get(name: str) -> str | None:
            value = environ.get(name)
            if value is None or not value.strip():
                return None
            return value.strip()

        values: dict[str, object] = {
            "dingtalk_app_key": get("DINGTALK_APP_KEY"),
            "dingtalk_app_secret": get("DINGTALK_APP_SECRET"),
            "dingtalk_suite_key": get("DINGTALK_SUITE_KEY"),
            "dingtalk_suite_secret": get("DINGTALK_SUITE_SECRET"),
            "dingtalk_auth_corp_id": get("DINGTALK_AUTH_CORP_ID"),
            "dingtalk_suite_ticket": get("DINGTALK_SUITE_TICKET"),
            "dingtalk_operator_union_id": get("DINGTALK_OPERATOR_UNION_ID"),
            "dingtalk_callback_token": get("DINGTALK_CALLBACK_TOKEN"),
            "dingtalk_callback_aes_key": get("DINGTALK_CALLBACK_AES_KEY"),
            "dingtalk_api_url": get("DINGTALK_API_URL") or DEFAULT_DINGTALK_API_URL,
            "dingtalk_oapi_url": get("DINGTALK_OAPI_URL") or get("DINGTALK_API_URL") or DEFAULT_DINGTALK_OAPI_URL,
            "slack_bot_token": get("SLACK_BOT_TOKEN"),
            "slack_signing_secret": get("SLACK_SIGNING_SECRET"),
            "slack_app_token": get("SLACK_APP_TOKEN"),
            "slack_api_url": get("SLACK_API_URL") or DEFAULT_SLACK_API_URL,
            "database_url": normalize_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL),
            "redis_url": get("REDIS_URL"),
        }
        if (port := get("PORT")) is not None:
            values["port"] = _parse_int("PORT", port, minimum=1, maximum=65535)

        tz = get("ROOMBOT_DEFAULT_TZ")
        if tz is not None:
            values["default_tz"] = tz
        if (org_tz := get("ROOMBOT_ORG_TZ")) is not None:
            values["org_tz"] = org_tz
        numeric: dict[str, tuple[str, type, float]] = {
            "ROOMBOT_BATCH_SIZE": ("batch_size", int, 1),
            "ROOMBOT_QPS": ("qps", float, 0.1),
            "ROOMBOT_MAX_WORKERS": ("max_workers", int, 1),
            "ROOMBOT_DEADLINE_S": ("deadline_s", float, 0.1),
            "ROOMBOT_REQUEST_TIMEOUT_S": ("request_timeout_s", float, 0.1),
            "ROOMBOT_CACHE_TTL_S": ("cache_ttl_s", float, 0),
            "ROOMBOT_DIRECTORY_MAX_AGE_S": ("directory_max_age_s", float, 0),
            "ROOMBOT_TZ_MAX_AGE_S": ("tz_max_age_s", float, 0),
            "ROOMBOT_DEFAULT_MEETING_MINUTES": ("default_meeting_minutes", int, 5),
            "ROOMBOT_MAX_SPAN_DAYS": ("max_span_days", int, 1),
            "ROOMBOT_GROUP_MAX_ROOMS": ("group_max_rooms", int, 1),
            "ROOMBOT_NAME_MAX_LENGTH": ("name_max_length", int, 1),
            "ROOMBOT_REMINDER_MINUTES": ("reminder_minutes", int, 0),
            "ROOMBOT_CHECKIN_GRACE_MINUTES": ("checkin_grace_minutes", int, 0),
            "ROOMBOT_RELEASE_MAX_OVERDUE_MINUTES": ("release_max_overdue_minutes", int, 1),
            "ROOMBOT_EXTEND_MINUTES": ("extend_minutes", int, 5),
            "ROOMBOT_BOOKING_LEASE_S": ("booking_lease_s", float, 1),
            "ROOMBOT_RECONCILE_EVERY_S": ("reconcile_every_s", float, 10),
            "ROOMBOT_ORPHAN_SWEEP_DAYS": ("orphan_sweep_days", int, 0),
            "ROOMBOT_ORPHAN_SWEEP_EVERY_S": ("orphan_sweep_every_s", float, 60),
            "DINGTALK_AGENT_ID": ("dingtalk_agent_id", int, 0),
            "ROOMBOT_LINK_CODE_TTL_S": ("link_code_ttl_s", int, 60),
            "ROOMBOT_LINK_MAX_ATTEMPTS": ("link_max_attempts", int, 1),
            "ROOMBOT_LINK_COOLDOWN_S": ("link_cooldown_s", int, 0),
            "ROOMBOT_MAX_GROUPS_PER_USER": ("max_groups_per_user", int, 1),
            "ROOMBOT_SLACK_WORKERS": ("slack_workers", int, 1),
            "ROOMBOT_SLACK_QUEUE": ("slack_queue", int, 0),
            "ROOMBOT_SLACK_QUEUE_WAIT_S": ("slack_queue_wait_s", float, 0.1),
            "ROOMBOT_ANSWER_DEADLINE_S": ("answer_deadline_s", float, 0.1),
            "ROOMBOT_EVENT_DEDUP_TIMEOUT_S": ("event_dedup_timeout_s", float, 0.01),
            "ROOMBOT_DB_CONNECT_TIMEOUT_S": ("db_connect_timeout_s", float, 0.1),
            "ROOMBOT_DB_STATEMENT_TIMEOUT_MS": ("db_statement_timeout_ms", int, 1),
            "ROOMBOT_DB_BUSY_TIMEOUT_MS": ("db_busy_timeout_ms", int, 1),
            "ROOMBOT_DB_POOL_TIMEOUT_S": ("db_pool_timeout_s", float, 0.1),
            "ROOMBOT_HEALTH_TIMEOUT_S": ("health_timeout_s", float, 0.1),
            "ROOMBOT_HTTP_THREADS": ("http_threads", int, 1),
            "ROOMBOT_HTTP_REQUEST_TIMEOUT_S": ("http_request_timeout_s", float, 0.5),
            "ROOMBOT_MONTHLY_CALL_BUDGET": ("monthly_call_budget", int, 0),
            "ROOMBOT_FETCH_HORIZON_DAYS": ("fetch_horizon_days", int, 1),
            "ROOMBOT_MAX_REFRESH_AGE_S": ("max_refresh_age_s", float, 60),
            "ROOMBOT_REFRESH_MIN_AGE_S": ("refresh_min_age_s", float, 0),
            "ROOMBOT_USER_FETCHES_PER_HOUR": ("user_fetches_per_hour", int, 0),
        }
        for variable, (name, kind, minimum) in numeric.items():
            raw = get(variable)
            if raw is None:
                continue
            if kind is int:
                values[name] = _parse_int(variable, raw, minimum=int(minimum))
            else:
                values[name] = _parse_float(variable, raw, minimum=minimum)

        if (reserve := get("ROOMBOT_BUDGET_RESERVE")) is not None:
            values["budget_reserve"] = _parse_float("ROOMBOT_BUDGET_RESERVE", reserve, minimum=0.0)
            if float(str(values["budget_reserve"])) >= 1.0:
                raise ConfigError(
                    "ROOMBOT_BUDGET_RESERVE is the share kept for bookings: a number from 0 to below 1 (0.1 = 10%)",
                    variable="ROOMBOT_BUDGET_RESERVE",
                )
        if (hours := get("ROOMBOT_WORKING_HOURS")) is not None:
            values["work_start"], values["work_end"] = _parse_hours("ROOMBOT_WORKING_HOURS", hours)
        if (order := get("ROOMBOT_DATE_ORDER")) is not None:
            order = order.upper()
            if order not in {"MDY", "DMY", "YMD"}:
                raise ConfigError("ROOMBOT_DATE_ORDER must be MDY, DMY or YMD", variable="ROOMBOT_DATE_ORDER")
            values["date_order"] = order
        if (mode := get("ROOMBOT_UNLINKED_BOOKING")) is not None:
            if mode not in {"operator", "refuse"}:
                raise ConfigError(
                    "ROOMBOT_UNLINKED_BOOKING must be 'operator' or 'refuse'", variable="ROOMBOT_UNLINKED_BOOKING"
                )
            values["unlinked_booking"] = mode
        if (mode := get("ROOMBOT_CANCEL_MODE")) is not None:
            if mode not in {"delete", "remove_room"}:
                raise ConfigError("ROOMBOT_CANCEL_MODE must be 'delete' or 'remove_room'", variable="ROOMBOT_CANCEL_MODE")
            values["cancel_mode"] = mode
        if (title := get("ROOMBOT_EVENT_TITLE")) is not None:
            values["event_title"] = title
        if (admins := get("ROOMBOT_ADMIN_USER_IDS")) is not None:
            values["admin_user_ids"] = tuple(a.strip() for a in admins.split(",") if a.strip())
        for variable, name in (
            ("ROOMBOT_LINK_EMAIL_MATCH", "link_email_match"),
            ("ROOMBOT_EXTERNAL_CAN_SEE", "external_can_see"),
        ):
            if (flag := get(variable)) is not None:
                values[name] = _parse_bool(variable, flag)
        if (run_jobs := get("ROOMBOT_RUN_JOBS_IN_WORKER")) is not None:
            values["run_jobs_in_worker"] = _parse_bool("ROOMBOT_RUN_JOBS_IN_WORKER", run_jobs)

        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        for variable, zone in (("ROOMBOT_DEFAULT_TZ", self.default_tz), ("ROOMBOT_ORG_TZ", self.org_tz)):
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ConfigError(f"{variable} is not a known time zone: {zone!r}", variable=variable) from exc
        if bool(self.dingtalk_callback_token) != bool(self.dingtalk_callback_aes_key):
            raise ConfigError(
                "DINGTALK_CALLBACK_TOKEN and DINGTALK_CALLBACK_AES_KEY go together", variable="DINGTALK_CALLBACK_AES_KEY"
            )
        if self.dingtalk_callback_aes_key is not None and len(self.dingtalk_callback_aes_key) != 43:
            raise ConfigError("DINGTALK_CALLBACK_AES_KEY must be 43 characters", variable="DINGTALK_CALLBACK_AES_KEY")
        if self.work_start >= self.work_end:
            raise ConfigError("ROOMBOT_WORKING_HOURS must start before it ends", variable="ROOMBOT_WORKING_HOURS")
        if self.booking_lease_s < 4 * self.deadline_s:
            # A booking makes up to four DingTalk calls, each within the deadline: a shorter lease
            # would let a click or the reconciler take over a booking still being made.
            raise ConfigError(
                f"ROOMBOT_BOOKING_LEASE_S must be at least 4 x ROOMBOT_DEADLINE_S ({4 * self.deadline_s:g} s)",
                variable="ROOMBOT_BOOKING_LEASE_S",
            )
        if self.dingtalk_app_key and not self.dingtalk_app_secret:
            raise ConfigError("DINGTALK_APP_SECRET is required with DINGTALK_APP_KEY", variable="DINGTALK_APP_SECRET")
        if self.dingtalk_app_secret and not self.dingtalk_app_key:
            raise ConfigError("DINGTALK_APP_KEY is required with DINGTALK_APP_SECRET", variable="DINGTALK_APP_KEY")
        suite = {
            "DINGTALK_SUITE_KEY": self.dingtalk_suite_key,
            "DINGTALK_SUITE_SECRET": self.dingtalk_suite_secret,
            "DINGTALK_AUTH_CORP_ID": self.dingtalk_auth_corp_id,
        }
        if any(suite.values()) and not all(suite.values()):
            missing = ", ".join(name for name, value in suite.items() if not value)
            raise ConfigError(f"third-party app credentials are incomplete: missing {missing}", variable=missing)
        if self.has_dingtalk_credentials and not self.dingtalk_operator_union_id:
            raise ConfigError(
                "DINGTALK_OPERATOR_UNION_ID is required with DingTalk credentials", variable="DINGTALK_OPERATOR_UNION_ID"
            )
        for name in ("dingtalk_api_url", "dingtalk_oapi_url", "slack_api_url"):
            url = getattr(self, name)
            if not re.match(r"^https?://", url):
                variable = name.upper()
                raise ConfigError(f"{variable} must be an http(s) URL", variable=variable)


def _parse_int(variable: str, raw: str, *, minimum: int, maximum: int | None = None) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{variable} must be a whole number, got {raw!r}", variable=variable) from exc
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"at least {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise ConfigError(f"{variable} must be {bounds}, got {value}", variable=variable)
    return value


def _parse_float(variable: str, raw: str, *, minimum: float) -> float:
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{variable} must be a number, got {raw!r}", variable=variable) from exc
    if value < minimum:
        raise ConfigError(f"{variable} must be at least {minimum}, got {value}", variable=variable)
    return value


def _parse_bool(variable: str, raw: str) -> bool:
    value = raw.lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{variable} must be true or false, got {raw!r}", variable=variable)


def _parse_hours(variable: str, raw: str) -> tuple[time, time]:
    match = re.fullmatch(r"\s*(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?\s*", raw)
    if not match:
        raise ConfigError(f"{variable} must look like 09:00-18:00, got {raw!r}", variable=variable)
    try:
        start = time(int(match[1]), int(match[2] or 0))
        end = time(int(match[3]), int(match[4] or 0))
    except ValueError as exc:
        raise ConfigError(f"{variable} has an invalid time: {raw!r}", variable=variable) from exc
    return start, end


__all__ = ["Clock", "Settings", "normalize_database_url", "utc_now"]
