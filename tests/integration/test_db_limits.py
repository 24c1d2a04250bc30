"""The database's waits are bounded: a SQLite lock held by another process ends in an error after
the busy timeout, and a pooled connection is waited for only so long."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from bot.config import Settings
from bot.store.db import DatabaseLimits, make_engine
from bot.wiring import database_limits


def test_the_settings_become_the_engines_limits() -> None:
    settings = Settings.from_env(
        {
            "ROOMBOT_DB_CONNECT_TIMEOUT_S": "3",
            "ROOMBOT_DB_STATEMENT_TIMEOUT_MS": "4000",
            "ROOMBOT_DB_BUSY_TIMEOUT_MS": "250",
            "ROOMBOT_DB_POOL_TIMEOUT_S": "1.5",
        }
    )
    assert database_limits(settings) == DatabaseLimits(
        connect_timeout_s=3.0, statement_timeout_ms=4000, busy_timeout_ms=250, pool_timeout_s=1.5
    )


def test_a_sqlite_write_behind_another_writers_lock_fails_after_the_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    engine = make_engine(f"sqlite:///{path}", limits=DatabaseLimits(busy_timeout_ms=200, pool_timeout_s=1.0))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 200
    assert engine.pool.timeout() == 1.0  # type: ignore[attr-defined]
    holder = sqlite3.connect(str(path))
    try:
        holder.execute("BEGIN EXCLUSIVE")  # another process, stuck mid-transaction
        with pytest.raises(OperationalError, match="locked"), engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        holder.rollback()
        holder.close()
        engine.dispose()
    with engine.begin() as connection:  # the lock gone, writes work again
        connection.execute(text("INSERT INTO t VALUES (1)"))


def test_postgres_gets_connect_statement_and_keepalive_limits() -> None:
    pytest.importorskip("psycopg")
    engine = make_engine(
        "postgres://u:p@127.0.0.1:1/db",
        limits=DatabaseLimits(connect_timeout_s=2.0, statement_timeout_ms=3000, pool_timeout_s=4.0),
    )
    seen: dict[str, object] = {}

    class Stop(Exception):
        pass

    @event.listens_for(engine, "do_connect")
    def capture(dialect: object, record: object, cargs: object, cparams: dict[str, object]) -> None:
        seen.update(cparams)  # what the driver would be given; no connection is opened
        raise Stop

    try:
        with pytest.raises(Stop):
            engine.connect()
    finally:
        engine.dispose()
    assert seen["connect_timeout"] == 2
    assert seen["options"] == "-c statement_timeout=3000"
    assert seen["keepalives"] == 1 and seen["tcp_user_timeout"] == 5000
    assert engine.pool.timeout() == 4.0  # type: ignore[attr-defined]
