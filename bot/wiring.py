"""The composition root: settings → database → store → DingTalk client → service.

One function builds the whole runtime for every front end (terminal, Slack, benchmarks), so
they all take the same production code paths; only base URLs differ.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from bot.config import Clock, Settings, utc_now
from bot.dingtalk import DingTalkClient
from bot.dingtalk.ratelimit import RateLimiter
from bot.errors import ConfigError, StoreUnavailable
from bot.jobs.refresh import refresh_requester
from bot.quota import QuotaKeeper
from bot.schedules import ScheduleProvider, SingleFlight
from bot.slack.notify import notifier_for
from bot.store import Store
from bot.store.db import DatabaseLimits, ensure_schema, make_engine, make_session_factory, safe_url
from bot.store.jobs import JobRepository
from bot.usecases.context import Backends
from bot.usecases.router import RoomService

logger = logging.getLogger(__name__)

DEMO_TEAM_ID = "T_DEMO"


@dataclass
class Runtime:
    """Everything a front end needs, and how to shut it down."""

    settings: Settings
    engine: Engine
    store: Store
    dingtalk: DingTalkClient
    service: RoomService
    quota: QuotaKeeper | None = None
    simulator: object | None = None
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for closer in reversed(self._closers):
            try:
                closer()
            except Exception:  # pragma: no cover - best effort on shutdown
                logger.exception("error while shutting down")
        self._closers.clear()

    @property
    def approvals(self) -> Callable[[datetime], str]:
        """The approvals job's pass (for the job runner)."""
        return self.service.follow_up_approvals

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def build_client(
    settings: Settings,
    *,
    rate_limiter: RateLimiter | None = None,
    suite_ticket_source: Callable[[], str | None] | None = None,
    call_counter: Callable[[str], None] | None = None,
) -> DingTalkClient:
    """A DingTalk client for the configured app (internal or third-party); `rate_limiter` e.g. shared via Redis;
    `suite_ticket_source` the latest pushed suite ticket (read at every token fetch); `call_counter` counts its
    quota-counted calls (`bot.quota.CallCounter`)."""
    return DingTalkClient(
        suite_ticket_source=suite_ticket_source,
        base_url=settings.dingtalk_api_url,
        oapi_url=settings.dingtalk_oapi_url,
        app_key=settings.dingtalk_app_key,
        app_secret=settings.dingtalk_app_secret,
        suite_key=settings.dingtalk_suite_key,
        suite_secret=settings.dingtalk_suite_secret,
        auth_corp_id=settings.dingtalk_auth_corp_id,
        suite_ticket=settings.dingtalk_suite_ticket,
        batch_size=settings.batch_size,
        qps=settings.qps,
        max_workers=settings.max_workers,
        deadline_s=settings.deadline_s,
        timeout_s=settings.request_timeout_s,
        rate_limiter=rate_limiter,
        call_counter=call_counter,
    )


def start_simulator(settings: Settings, *, seed: int = 7, today: date | None = None) -> tuple[Settings, object]:
    """Start the embedded DingTalk simulator and point the settings at it."""
    from bot.sim import Simulator

    sim = Simulator(seed=seed, today=today).start(host="127.0.0.1", port=0)
    return point_at_simulator(settings, sim), sim


class SimulatorEndpoint(Protocol):
    """What settings need of a running simulator (in this process, or `roombot sim` elsewhere)."""

    @property
    def url(self) -> str: ...

    @property
    def app_key(self) -> str: ...

    @property
    def app_secret(self) -> str: ...

    @property
    def operator_union_id(self) -> str: ...

    @property
    def agent_id(self) -> int: ...


def point_at_simulator(settings: Settings, sim: SimulatorEndpoint) -> Settings:
    """The settings with DingTalk replaced by a simulator: its URL and demo internal-app credentials."""
    return settings.with_overrides(
        dingtalk_api_url=sim.url,
        dingtalk_oapi_url=sim.url,
        dingtalk_app_key=sim.app_key,
        dingtalk_app_secret=sim.app_secret,
        dingtalk_suite_key=None,
        dingtalk_suite_secret=None,
        dingtalk_auth_corp_id=None,
        dingtalk_suite_ticket=None,
        dingtalk_operator_union_id=sim.operator_union_id,
        dingtalk_agent_id=sim.agent_id,
    )


def build_runtime(
    settings: Settings,
    *,
    use_simulator: bool = False,
    sim_seed: int = 7,
    sim_today: date | None = None,
    clock: Clock = utc_now,
    migrate: bool = True,
    single_flight: SingleFlight | None = None,
) -> Runtime:
    """Build the runtime. With `use_simulator`, DingTalk is the embedded simulator."""
    closers: list[Callable[[], None]] = []
    simulator: object | None = None
    if use_simulator:
        settings, simulator = start_simulator(settings, seed=sim_seed, today=sim_today)
        closers.append(simulator.stop)  # type: ignore[attr-defined]
    try:
        engine = _open_database(settings.database_url, migrate=migrate, limits=database_limits(settings))
        closers.append(engine.dispose)
        store = Store(
            session_factory=make_session_factory(engine),
            clock=clock,
            group_max_rooms=settings.group_max_rooms,
            name_max_length=settings.name_max_length,
            max_groups_per_user=settings.max_groups_per_user,
        )
        rate_limiter: RateLimiter | None = None
        if settings.redis_url:
            # Several processes act as one: DingTalk's rate limit and in-flight dedupe shared via Redis.
            from bot.coordination import build_coordination

            coordination = build_coordination(settings)
            closers.append(coordination.close)
            rate_limiter = coordination.rate_limiter
            single_flight = single_flight or coordination.single_flight
        suite_key = settings.dingtalk_suite_key
        tickets = store.suite_tickets
        keeper = QuotaKeeper(counts=store.quota, settings=settings, clock=clock)
        dingtalk = build_client(
            settings,
            rate_limiter=rate_limiter,
            suite_ticket_source=(lambda: tickets.latest(suite_key)) if suite_key else None,
            call_counter=keeper.counter(),
        )
        closers.append(dingtalk.close)
        schedules = ScheduleProvider(
            store=store.schedules,
            source=dingtalk,
            union_id=settings.dingtalk_operator_union_id or "",
            clock=clock,
            ttl_s=settings.cache_ttl_s,
            keeper=keeper,
            horizon_days=settings.fetch_horizon_days,
            batch_size=settings.batch_size,
            single_flight=single_flight,
            org_zone=settings.org_zone,
            verify_shown=settings.verify_shown_rooms,
            request_refresh=refresh_requester(
                queue=store.schedules, jobs=JobRepository(session_factory=make_session_factory(engine))
            ),
            background_from_day=settings.background_from_day,
        )
        backends = Backends(settings=settings, store=store, dingtalk=dingtalk, schedules=schedules, clock=clock)
        service = RoomService(backends=backends, notifier=notifier_for(settings), quota=keeper)
        closers.append(service.close)
    except BaseException:
        for closer in reversed(closers):
            closer()
        raise
    return Runtime(
        settings=settings,
        engine=engine,
        store=store,
        dingtalk=dingtalk,
        service=service,
        quota=keeper,
        simulator=simulator,
        _closers=closers,
    )


def database_limits(settings: Settings) -> DatabaseLimits:
    """The database waits the settings allow (connect, statement, busy lock, pool checkout)."""
    return DatabaseLimits(
        connect_timeout_s=settings.db_connect_timeout_s,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        busy_timeout_ms=settings.db_busy_timeout_ms,
        pool_timeout_s=settings.db_pool_timeout_s,
    )


def _open_database(url: str, *, migrate: bool, limits: DatabaseLimits | None = None) -> Engine:
    """The engine, with the schema up to date; a bad URL or an unreachable server says so plainly."""
    try:
        engine = make_engine(url, limits=limits)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        shown = safe_url(url)
        named = "" if shown.startswith("(") else f" ({shown})"
        raise ConfigError(
            f"DATABASE_URL is not a database roombot can use{named}; use sqlite:///… or postgres://…",
            variable="DATABASE_URL",
        ) from exc
    if migrate:
        try:
            ensure_schema(engine)
        except OperationalError as exc:
            engine.dispose()
            raise StoreUnavailable(f"cannot reach the database at {safe_url(url)}") from exc
    return engine
