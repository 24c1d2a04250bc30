"""Engines, sessions and migrations.

`make_engine` accepts Heroku-style `postgres://` URLs and tunes SQLite for several threads and
processes (foreign keys on, WAL, a busy timeout). `upgrade`/`downgrade` run Alembic in-process on
the same connection, so `roombot db upgrade`, `roombot demo` and the tests need no `alembic.ini`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.config import normalize_database_url
from bot.errors import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 5000

# migrations/ sits beside the `bot` package in the source tree (and in the Heroku slug).
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"


@dataclass(frozen=True)
class DatabaseLimits:
    """How long any database wait may last, so a hung database costs seconds and ends in an error.

    Each bound covers a different wait: opening a connection (`connect_timeout_s`), one statement
    on Postgres (`statement_timeout_ms`, enforced by the server), a lock held by another writer on
    SQLite (`busy_timeout_ms`), and a free connection in the pool (`pool_timeout_s`). On Postgres,
    TCP keepalives and `tcp_user_timeout` also end a connection whose packets go unanswered (a
    network partition), which no server-side timeout can notice.
    """

    connect_timeout_s: float = 5.0
    statement_timeout_ms: int = 10_000
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
    pool_timeout_s: float = 5.0


def make_engine(url: str, *, limits: DatabaseLimits | None = None, **kwargs: Any) -> Engine:
    """An engine for `url` (`postgres://` accepted); extra keyword arguments go to `create_engine`."""
    limits = limits or DatabaseLimits()
    url = normalize_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connect_args = dict(kwargs.pop("connect_args", {}))
        # Sessions are handed between threads (Bolt's thread pool); SQLite's own check would refuse.
        connect_args.setdefault("check_same_thread", False)
        connect_args.setdefault("timeout", limits.busy_timeout_ms / 1000)
        in_memory = parsed.database in (None, "", ":memory:")
        if not in_memory and "poolclass" not in kwargs:
            kwargs.setdefault("pool_timeout", limits.pool_timeout_s)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect(wal=not in_memory, busy_timeout_ms=limits.busy_timeout_ms))
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:  # a pool without a queue (NullPool) takes no checkout timeout
        kwargs.setdefault("pool_timeout", limits.pool_timeout_s)
    connect_args = dict(kwargs.pop("connect_args", {}))
    if parsed.get_backend_name() == "postgresql":
        connect_args.setdefault("connect_timeout", max(1, round(limits.connect_timeout_s)))
        # `options` given here would replace the URL's own (a search_path, say): keep both.
        given = parsed.query.get("options")
        url_options = " ".join([given] if isinstance(given, str) else list(given or ()))
        timeout = f"-c statement_timeout={limits.statement_timeout_ms}"
        connect_args.setdefault("options", f"{url_options} {timeout}".strip())
        connect_args.setdefault("keepalives", 1)
        connect_args.setdefault("keepalives_idle", 5)
        connect_args.setdefault("keepalives_interval", 2)
        connect_args.setdefault("keepalives_count", 3)
        connect_args.setdefault("tcp_user_timeout", limits.statement_timeout_ms + 2000)
    return create_engine(url, connect_args=connect_args, **kwargs)


def _sqlite_on_connect(*, wal: bool, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> Any:
    def on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            if wal:
                # WAL lets readers work while a writer commits: the web process, the worker and the
                # command line share one file.
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    return on_connect


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (the store returns plain records anyway)."""
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    if not (MIGRATIONS_DIR / "env.py").is_file():
        raise ConfigError(f"Alembic migrations not found at {MIGRATIONS_DIR}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def _run(url_or_engine: str | Engine, action: str, revision: str) -> None:
    from alembic import command

    owned = isinstance(url_or_engine, str)
    engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    try:
        with engine.begin() as connection:
            cfg = _alembic_config(connection)
            getattr(command, action)(cfg, revision)
    finally:
        if owned:
            engine.dispose()


def upgrade(url_or_engine: str | Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` (Alembic, in-process, one transaction where the backend allows)."""
    _run(url_or_engine, "upgrade", revision)


def downgrade(url_or_engine: str | Engine, revision: str = "base") -> None:
    """Undo migrations down to `revision` (`base` removes every table)."""
    _run(url_or_engine, "downgrade", revision)


def current_revision(url_or_engine: str | Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    owned = isinstance(url_or_engine, str)
    engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    try:
        with engine.connect() as connection:
            revision: str | None = MigrationContext.configure(connection).get_current_revision()
            return revision
    finally:
        if owned:
            engine.dispose()


def head_revision() -> str | None:
    """The newest revision in migrations/."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(None))
    head: str | None = script.get_current_head()
    return head


def ensure_schema(engine: Engine) -> None:
    """Bring the database to the newest schema (the demo and single-process setups call this at start)."""
    upgrade(engine, "head")


__all__ = [
    "DatabaseLimits",
    "current_revision",
    "downgrade",
    "ensure_schema",
    "head_revision",
    "make_engine",
    "make_session_factory",
    "upgrade",
]


def safe_url(url: str) -> str:
    """A database URL fit for messages and logs: the password hidden."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparsable DATABASE_URL)"
