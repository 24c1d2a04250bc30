"""Shared fixtures: a clean environment, real databases (SQLite, and Postgres when configured).

The whole database suite runs once on SQLite and again on Postgres when
`ROOMBOT_TEST_DATABASE_URL` is set (`.ci/run` sets it). Each Postgres test gets a schema of its
own, so several test runs can share one server.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx
import pytest

if TYPE_CHECKING:
    from bot.sim import Simulator

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
        with admin.connect() as conn:
            # A session a test left behind may hold a lock on the schema: fail, rather than hang the run.
            conn.execute(sa.text("SET lock_timeout = '10s'"))
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A DingTalk simulator on a free loopback port (seed 7, 24 rooms); stopped after the test."""
    from bot.sim import Simulator

    simulator = Simulator(seed=7, rooms=24).start(port=0)
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def http(sim: Simulator) -> Iterator[httpx.Client]:
    """Raw HTTP to the simulator with a valid access token, for checks against the wire itself."""
    with httpx.Client(base_url=sim.url) as client:
        token = client.post("/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret})
        client.headers["x-acs-dingtalk-access-token"] = token.json()["accessToken"]
        yield client
