"""Alembic environment for roombot.

The database comes from, in order: the connection handed over by `bot.store.db.upgrade`
(`config.attributes["connection"]`), `alembic -x url=...`, `sqlalchemy.url` set on the config,
then `DATABASE_URL` (a `.env` file is read when present; `postgres://` is accepted), then the
default `sqlite:///roombot.db`.
"""

from __future__ import annotations

import os
from logging.config import fileConfig
from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import pool

from bot.config import DEFAULT_DATABASE_URL, normalize_database_url
from bot.store.db import make_engine
from bot.store.models import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata

# Programmatic runs (roombot db, tests) keep the caller's logging; `alembic` on the command line gets alembic.ini's.
if config.config_file_name is not None and "connection" not in config.attributes:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        if os.path.exists(".env"):
            from dotenv import load_dotenv

            load_dotenv(".env", override=False)
        url = os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    return normalize_database_url(url)


def render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | Literal[False]:
    # Migrations spell UTCDateTime as its column type, so they never import application code.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure(**kwargs: object) -> None:
    # render_as_batch: ALTERs become table copies on SQLite, plain ALTERs elsewhere.
    context.configure(
        target_metadata=target_metadata, render_as_batch=True, compare_type=True, render_item=render_item, **kwargs
    )


def run_migrations_offline() -> None:
    configure(url=database_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(database_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            configure(connection=connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
