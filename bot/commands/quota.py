"""`roombot quota [--now ISO]`: this month's DingTalk calls by API, the budget, the projection, the refresh age.

Reads the counts every process writes (`api_call_counts`); needs only the database. Exit codes:
0 printed, 1 the database cannot be reached, 2 the configuration is wrong.
"""

from __future__ import annotations

import argparse

from sqlalchemy.exc import OperationalError

from bot.commands.common import Invocation, entry_point, parse_now
from bot.config import utc_now
from bot.errors import StoreUnavailable
from bot.present import messages
from bot.quota import QuotaKeeper
from bot.store.db import ensure_schema, make_engine, make_session_factory
from bot.store.quota import QuotaRepository
from bot.usecases.quota import quota_report


@entry_point(lambda args: "roombot quota")
def run(args: argparse.Namespace, cli: Invocation) -> int:
    """Entry point of `roombot quota`; returns the exit code."""
    settings = cli.settings
    now = utc_now()
    if getattr(args, "now", None):
        parsed = parse_now(args.now)
        if parsed is None:
            return cli.fail(messages.cli_bad_now(args.now), 2)
        now = parsed
    try:
        engine = make_engine(settings.database_url)
    except Exception as exc:  # SQLAlchemy's ArgumentError, a missing driver
        return cli.fail(f"DATABASE_URL is not a database roombot can use ({type(exc).__name__})", 2)
    try:
        ensure_schema(engine)
        keeper = QuotaKeeper(
            counts=QuotaRepository(session_factory=make_session_factory(engine)), settings=settings, clock=lambda: now
        )
        for line in quota_report(keeper, batch_size=settings.batch_size):
            print(line, file=cli.out)
        return 0
    except (StoreUnavailable, OperationalError):
        return cli.database_unreachable()
    finally:
        engine.dispose()


__all__ = ["run"]
