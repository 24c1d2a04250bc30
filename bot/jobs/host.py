"""A runner for a running roombot: the `jobs` table and the default jobs over a runtime's pieces.

Takes the pieces structurally (anything with `settings`, `engine`, `store` and `dingtalk`, such as
`bot.wiring.Runtime`), so the jobs package does not depend on the composition root. `dingtalk` may
be None where DingTalk is not configured: the directory refresh then skips.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy import Engine

from bot.config import Clock, Settings, utc_now
from bot.dingtalk import DingTalkClient
from bot.jobs.quota import AdminNotifier
from bot.jobs.registry import default_jobs
from bot.jobs.runner import BackgroundRunner, Runner
from bot.slack.delivery import slack_notifier
from bot.store.db import make_session_factory
from bot.store.jobs import JobRepository
from bot.store.repository import Store
from bot.store.sync import DirectoryClient
from bot.usecases.bookings.reconcile import Reconciler
from bot.usecases.checkin import Notifier


class JobHost(Protocol):
    """What a runner needs of the runtime it lives in."""

    @property
    def settings(self) -> Settings: ...

    @property
    def engine(self) -> Engine: ...

    @property
    def store(self) -> Store: ...

    @property
    def dingtalk(self) -> DirectoryClient | None: ...

    @property
    def approvals(self) -> Callable[[datetime], str] | None: ...


def job_repository(host: JobHost) -> JobRepository:
    return JobRepository(session_factory=make_session_factory(host.engine))


def build_reconciler(host: JobHost) -> Reconciler | None:
    """The booking reconciler over the host's DingTalk and Slack (None without DingTalk)."""
    if not isinstance(host.dingtalk, DingTalkClient):
        return None
    return Reconciler(
        settings=host.settings,
        store=host.store,
        dingtalk=host.dingtalk,
        notifier=slack_notifier(host.settings),
        log=logging.getLogger("bot.reconcile"),
    )


def build_runner(
    host: JobHost,
    *,
    clock: Clock = utc_now,
    worker_id: str | None = None,
    notifier: Notifier | None = None,
    notify_admin: AdminNotifier | None = None,
) -> Runner:
    """A runner of roombot's default jobs on the host's database (with `notifier`, reminders and releases
    too; `notify_admin`: DMs to admins via Slack)."""
    specs = default_jobs(
        store=host.store,
        directory=host.dingtalk,
        settings=host.settings,
        notifier=notifier,
        reconciler=build_reconciler(host),
        approvals=host.approvals,
        notify_admin=notify_admin,
    )
    return Runner(jobs=job_repository(host), specs=specs, clock=clock, worker_id=worker_id)


def start_background(
    host: JobHost,
    *,
    clock: Clock = utc_now,
    notifier: Notifier | None = None,
    notify_admin: AdminNotifier | None = None,
) -> BackgroundRunner:
    """Run the jobs in a daemon thread of this process; call `.stop()` on shutdown."""
    runner = build_runner(host, clock=clock, notifier=notifier, notify_admin=notify_admin)
    return BackgroundRunner(runner=runner).start()


__all__ = ["JobHost", "build_reconciler", "build_runner", "job_repository", "start_background"]
