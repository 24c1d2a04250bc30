"""Shared fixtures: a clean environment, real databases (SQLite, and Postgres when configured).

The whole database suite runs once on SQLite and again on Postgres when
`ROOMBOT_TEST_DATABASE_URL` is set (`.ci/run` sets it). Each Postgres test gets a schema of its
own, named after the process and a counter, so several test runs, and the pytest-xdist workers of
one run (`make test` runs `-n 4`), can share one server. SQLite files live under each test's
`tmp_path`, and servers (simulator, fake Slack) listen on ports the OS picks.
"""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx
import pytest

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.sim import Simulator
    from tests.e2e.fake_slack import FakeSlack

# Read before `clean_environ` empties the environment for each test.
POSTGRES_URL = os.environ.get("ROOMBOT_TEST_DATABASE_URL", "").strip()
_schema_counter = itertools.count()

_VARIABLE_PREFIXES = ("SLACK_", "DINGTALK_", "ROOMBOT_", "DATABASE_URL", "REDIS_URL", "PORT")


def pytest_report_header(config: pytest.Config) -> str:
    if POSTGRES_URL:
        return "roombot: database tests run on SQLite and on Postgres (ROOMBOT_TEST_DATABASE_URL)"
    return "roombot: Postgres runs are skipped: ROOMBOT_TEST_DATABASE_URL is not set (SQLite runs only)"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's own Slack/DingTalk/database settings out of the tests."""
    for name in list(os.environ):
        if name.startswith(_VARIABLE_PREFIXES):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a fresh Postgres schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'roombot-test.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("Postgres run skipped: ROOMBOT_TEST_DATABASE_URL is not set")
    yield from _postgres_schema_url()


def _postgres_schema_url() -> Iterator[str]:
    import sqlalchemy as sa

    schema = f"rbtest_{os.getpid()}_{next(_schema_counter)}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.skip(f"Postgres run skipped: cannot reach ROOMBOT_TEST_DATABASE_URL ({exc.__class__.__name__})")
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        try:
            _drop_schema(admin, schema)
        finally:
            admin.dispose()


def _drop_schema(admin: Engine, schema: str) -> None:
    """Drop the test's schema without waiting on a connection the test left open.

    A session left idle in a transaction (a thread or process the test did not end) holds locks on
    the schema's tables, and a plain DROP would wait for it for ever and stall the whole run (and,
    under pytest-xdist, one worker's share of it). Such sessions are ended first; the DROP itself
    gives up after a few seconds with a warning rather than hang, leaving the schema behind.
    """
    import sqlalchemy as sa

    holders = sa.text(
        "SELECT DISTINCT l.pid FROM pg_locks l"
        " JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = :schema AND l.pid <> pg_backend_pid()"
    )
    with admin.connect() as conn:
        for _attempt in range(3):
            for (pid,) in conn.execute(holders, {"schema": schema}).all():
                conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            try:
                conn.execute(sa.text("SET lock_timeout = '5s'"))
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                return
            except sa.exc.OperationalError:
                continue
    warnings.warn(f"could not drop the test schema {schema}: a session still holds it", stacklevel=1)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A DingTalk simulator on a free loopback port (seed 7, 24 rooms); stopped after the test.

    Its demo rooms have no all-day bookings: tests book a room "tomorrow evening", and an all-day
    item falls on some dates only, so such a test would fail on those dates and pass on others.
    The all-day items have their own tests (`sim_with_all_day`).
    """
    from bot.sim import Simulator

    with Simulator(seed=7, rooms=24, all_day_share=0).start(port=0) as simulator:
        yield simulator


@pytest.fixture
def sim_with_all_day() -> Iterator[Simulator]:
    """The simulator as the demo has it: about one working day in 30 a room is booked all day."""
    from bot.sim import Simulator

    with Simulator(seed=7, rooms=24).start(port=0) as simulator:
        yield simulator


@pytest.fixture
def http(sim: Simulator) -> Iterator[httpx.Client]:
    """Raw HTTP to the simulator with a valid access token, for checks against the wire itself."""
    with httpx.Client(base_url=sim.url) as client:
        token = client.post("/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret})
        client.headers["x-acs-dingtalk-access-token"] = token.json()["accessToken"]
        yield client


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API on a free loopback port, for a real `slack_sdk.WebClient`; stopped after the test."""
    from tests.e2e.fake_slack import running_fake_slack

    with running_fake_slack() as fake:
        yield fake
