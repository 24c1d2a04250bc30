"""`roombot jobs run [--once] [--now ISO]` and `roombot jobs list`.

`run` is the long-running job runner (the Procfile's `clock:`); `--once` runs what is due at that
moment and exits: 0 when every job that ran succeeded, 1 when one failed or the database cannot
be reached, 2 when the configuration is wrong. `list` shows every job, when it is due, its last
run and its last error.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import FrameType
from typing import TextIO

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot.commands.common import Invocation, entry_point, parse_now
from bot.config import Clock, Settings, utc_now
from bot.dingtalk import DingTalkClient
from bot.errors import ConfigError, StoreUnavailable
from bot.jobs.host import JobHost, build_runner, job_repository
from bot.jobs.quota import AdminNotifier
from bot.jobs.runner import Outcome
from bot.present import messages
from bot.present.reply import TextReply
from bot.slack.app import make_web_client
from bot.slack.delivery import SlackDirectMessages, dm_sender
from bot.store.db import ensure_schema, make_engine, make_session_factory, safe_url
from bot.store.repository import Store
from bot.usecases.checkin import Notifier
from bot.wiring import build_runtime


@dataclass
class _Host:
    """The database and, when configured, DingTalk: all the jobs need."""

    settings: Settings
    engine: Engine
    store: Store
    dingtalk: DingTalkClient | None
    close: Callable[[], None]
    approvals: Callable[[datetime], str] | None = None


def _open_host(settings: Settings) -> _Host:
    """With DingTalk configured, the production runtime; without, only the database (the refresh then skips).

    Pruning needs no DingTalk, so `roombot jobs` works on a fresh database with nothing configured.
    """
    if settings.has_dingtalk_credentials:
        runtime = build_runtime(settings)
        return _Host(settings, runtime.engine, runtime.store, runtime.dingtalk, runtime.close, runtime.approvals)
    try:
        engine = make_engine(settings.database_url)
    except Exception as exc:  # SQLAlchemy's ArgumentError, a missing driver
        raise ConfigError(f"DATABASE_URL is not a database roombot can use: {exc}", variable="DATABASE_URL") from exc
    try:
        ensure_schema(engine)
    except OperationalError as exc:
        engine.dispose()
        raise StoreUnavailable(f"cannot reach the database at {safe_url(settings.database_url)}") from exc
    store = Store(
        session_factory=make_session_factory(engine),
        group_max_rooms=settings.group_max_rooms,
        name_max_length=settings.name_max_length,
    )
    return _Host(settings, engine, store, None, engine.dispose)


@entry_point(lambda args: f"roombot jobs {args.action}")
def run(args: argparse.Namespace, cli: Invocation) -> int:
    """Entry point of `roombot jobs`; returns the exit code."""
    now: datetime | None = None
    if args.action == "run" and args.now:
        now = parse_now(args.now)
        if now is None:
            return cli.fail(messages.cli_bad_now(args.now), 2)
    try:
        host = _open_host(cli.settings)
    except ConfigError as exc:
        return cli.fail(exc, 2)
    try:
        if args.action == "list":
            return _list(host, out=cli.out)
        clock: Clock = (lambda: now) if now is not None else utc_now
        if args.once or now is not None:
            return _run_once(host, clock=clock, out=cli.out)
        return _run_forever(host, err=cli.err)
    finally:
        host.close()


class PrintedMessages:
    """Without a Slack bot token, the jobs' direct messages are printed (`roombot jobs run --once`)."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def notify(self, *, team_id: str, user_id: str, reply: TextReply) -> None:
        print(messages.dm_printed(user_id, reply.text), file=self._out)
        for button in reply.buttons:
            print(f"  [{button.text}]", file=self._out)


def _notifier(settings: Settings, out: TextIO) -> Notifier:
    """DMs go to `SLACK_API_URL` when a bot token is set; otherwise they are printed."""
    if settings.slack_bot_token:
        return SlackDirectMessages(client=make_web_client(settings))
    return PrintedMessages(out)


def _admin_notifier(settings: Settings) -> AdminNotifier | None:
    """DMs to the admins through the bot's Slack client, when a bot token is set."""
    if not settings.slack_bot_token:
        return None
    return dm_sender(make_web_client(settings))


def _run_once(host: JobHost, *, clock: Clock, out: TextIO) -> int:
    runner = build_runner(
        host, clock=clock, notifier=_notifier(host.settings, out), notify_admin=_admin_notifier(host.settings)
    )
    outcomes = runner.run_once()
    if not outcomes:
        print(messages.jobs_nothing_due(clock()), file=out)
    for outcome in outcomes:
        print(_describe(outcome), file=out)
    return 0 if all(outcome.ok for outcome in outcomes) else 1


def _describe(outcome: Outcome) -> str:
    if not outcome.recorded:
        return messages.jobs_lease_lost(outcome.name)
    if outcome.ok:
        return messages.jobs_ran(outcome.name, outcome.duration_s, outcome.note)
    return messages.jobs_failed(outcome.name, outcome.attempts, outcome.next_due_at, outcome.note)


def _run_forever(host: JobHost, *, err: TextIO) -> int:
    runner = build_runner(host, notifier=_notifier(host.settings, sys.stdout), notify_admin=_admin_notifier(host.settings))
    stop = threading.Event()

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        # Platforms stop a process with SIGTERM: finish the job in progress, then exit normally.
        stop.set()

    signal.signal(signal.SIGTERM, on_sigterm)
    print(f"roombot jobs run: {messages.jobs_runner_started(runner.worker_id)}", file=err)
    try:
        runner.run_forever(stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


def _list(host: JobHost, *, out: TextIO) -> int:
    runner = build_runner(host, notifier=PrintedMessages(out))
    rows = {row.name: row for row in job_repository(host).all()}
    intervals = {spec.name: spec.interval_s for spec in runner.specs}
    names = [spec.name for spec in runner.specs] + sorted(set(rows) - set(intervals))
    if not names:
        print(messages.WORDS.jobs_list_empty, file=out)
        return 0
    now = utc_now()
    entries = []
    for name in names:
        row = rows.get(name)
        entries.append(
            messages.jobs_list_entry(
                name=name,
                every_s=row.interval_s if row else intervals.get(name),
                now=now,
                due_at=row.due_at if row else None,
                locked_by=row.locked_by if row else None,
                locked_until=row.locked_until if row else None,
                last_run_at=row.last_run_at if row else None,
                last_status=row.last_status if row else None,
                last_duration_s=row.last_duration_s if row else None,
                attempts=row.attempts if row else 0,
                last_error=row.last_error if row else None,
                last_error_at=row.last_error_at if row else None,
            )
        )
    print("\n\n".join(entries), file=out)
    return 0
