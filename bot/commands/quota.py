"""`roombot quota [--now ISO]`: this month's DingTalk calls by API, the budget, the projection, the refresh age.

Reads the counts every process writes (`api_call_counts`); needs only the database. Exit codes:
0 printed, 1 the database cannot be reached, 2 the configuration is wrong.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TextIO

from sqlalchemy.exc import OperationalError

from bot.commands.common import settings_or_report
from bot.config import utc_now
from bot.errors import StoreUnavailable
from bot.present import messages
from bot.quota import QuotaKeeper
from bot.store.db import ensure_schema, make_engine, make_session_factory, safe_url
from bot.store.quota import QuotaRepository
from bot.usecases.quota import quota_report


def run(
    args: argparse.Namespace,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Entry point of `roombot quota`; returns the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    settings = settings_or_report("roombot quota", err=err, environ=environ)
    if settings is None:
        return 2
    now = utc_now()
    if getattr(args, "now", None):
        try:
            parsed = datetime.fromisoformat(args.now)
        except ValueError:
            print(f"roombot quota: {messages.cli_bad_now(args.now)}", file=err)
            return 2
        now = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        engine = make_engine(settings.database_url)
    except Exception as exc:  # SQLAlchemy's ArgumentError, a missing driver
        print(f"roombot quota: DATABASE_URL is not a database roombot can use ({type(exc).__name__})", file=err)
        return 2
    try:
        ensure_schema(engine)
        keeper = QuotaKeeper(
            counts=QuotaRepository(session_factory=make_session_factory(engine)), settings=settings, clock=lambda: now
        )
        for line in quota_report(keeper, batch_size=settings.batch_size):
            print(line, file=out)
        return 0
    except (StoreUnavailable, OperationalError):
        print(f"roombot quota: {messages.cli_cannot_reach_database(safe_url(settings.database_url))}", file=err)
        return 1
    finally:
        engine.dispose()


__all__ = ["run"]
