"""The jobs roombot runs in the background, by name, with how often each runs.

Names are stable: they are the keys of the `jobs` table, and `roombot jobs list` shows them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.config import Settings
from bot.dingtalk import DingTalkClient
from bot.jobs.maintenance import prune_processed_events, prune_schedule_cache, refresh_directories
from bot.jobs.quota import AdminNotifier, watch_quota
from bot.jobs.schedule import JobSpec
from bot.present import messages
from bot.quota import QuotaKeeper
from bot.store.repository import Store
from bot.store.sync import DirectoryClient
from bot.usecases.bookings.reconcile import Reconciler
from bot.usecases.checkin import CheckinSweeps, Notifier

PRUNE_PROCESSED_EVENTS = "prune-processed-events"
PRUNE_SCHEDULE_CACHE = "prune-schedule-cache"
REFRESH_ROOM_DIRECTORY = "refresh-room-directory"
SEND_REMINDERS = "send-reminders"
RELEASE_NO_SHOWS = "release-no-shows"
RECONCILE_BOOKINGS = "reconcile-bookings"
SWEEP_ORPHAN_EVENTS = "sweep-orphan-events"
FOLLOW_UP_APPROVALS = "follow-up-approvals"
WATCH_QUOTA = "watch-quota"

PRUNE_EVERY = timedelta(hours=1)
# Slack retries an unanswered event at most three times, within minutes; a day leaves a wide margin.
PROCESSED_EVENTS_KEPT = timedelta(days=1)
# Cache rows are answered from whatever their age while the budget holds searching (to the month's
# end at worst), and a fetch fills a horizon of days: a week keeps what answers still use.
SCHEDULE_CACHE_KEPT = timedelta(days=7)
# How often the projected month-end use is compared with the budget (to tell the admins once).
WATCH_QUOTA_EVERY = timedelta(hours=1)
# The directory is refreshed this long before questions would find it stale and pay for a sync.
REFRESH_EVERY = timedelta(hours=1)
# Each pending booking has its own pause between reads (bot/usecases/approvals.py); the job only
# looks for the ones that are due.
APPROVALS_EVERY = timedelta(minutes=1)
# A sync lists every room, page by page, within DingTalk's rate limit.
REFRESH_LEASE = timedelta(minutes=30)
# Reminders and releases are minute-grained; each sweep acts on each booking once (a conditional UPDATE).
CHECKIN_EVERY = timedelta(minutes=1)
CHECKIN_LEASE = timedelta(minutes=5)
# Settling bookings reads and writes a few events; a lease of its own keeps a second runner off meanwhile.
RECONCILE_LEASE = timedelta(minutes=10)


def default_jobs(
    *,
    store: Store,
    directory: DirectoryClient | None,
    settings: Settings,
    checkin: CheckinSweeps | None = None,
    notifier: Notifier | None = None,
    reconciler: Reconciler | None = None,
    approvals: Callable[[datetime], str] | None = None,
    notify_admin: AdminNotifier | None = None,
) -> list[JobSpec]:
    """roombot's background jobs, bound to their dependencies (`directory`, `reconciler` None: DingTalk
    not configured; `approvals` None: no service to follow approvals up with; `notify_admin` None: no
    Slack client, so the admins cannot be told the budget runs low).

    The reminder and release sweeps run when a `notifier` (the Slack DMs, or the terminal) is given.
    """
    cache_kept = max(SCHEDULE_CACHE_KEPT, timedelta(seconds=2 * settings.cache_ttl_s))
    refresh_age_s = max(settings.directory_max_age_s - REFRESH_EVERY.total_seconds(), 0.0)

    def prune_events(now: datetime) -> str:
        return prune_processed_events(store, now=now, keep=PROCESSED_EVENTS_KEPT)

    def prune_schedules(now: datetime) -> str:
        return prune_schedule_cache(store, now=now, keep=cache_kept)

    def refresh(now: datetime) -> str:
        union_id = settings.dingtalk_operator_union_id if directory is not None else None
        return refresh_directories(store=store, client=directory, union_id=union_id, now=now, max_age_s=refresh_age_s)

    def watch(now: datetime) -> str:
        keeper = QuotaKeeper(counts=store.quota, settings=settings, clock=lambda: now)
        store.quota.prune_user_fetches(older_than=now - timedelta(days=1))  # only the current hour limits anyone
        return watch_quota(keeper=keeper, admins=settings.admin_user_ids, notify=notify_admin, now=now)

    def reconcile(now: datetime) -> str:
        if reconciler is None:
            return messages.WORDS.jobs_dingtalk_not_configured
        return reconciler.run(now, sweep=False).note()

    def sweep(now: datetime) -> str:
        if reconciler is None:
            return messages.WORDS.jobs_dingtalk_not_configured
        swept = reconciler.sweep(now, release=True)
        return messages.sweep_note(released=sum(1 for o in swept.orphans if o.released), calls=swept.calls)

    specs = [
        JobSpec(name=PRUNE_PROCESSED_EVENTS, interval=PRUNE_EVERY, run=prune_events),
        JobSpec(name=PRUNE_SCHEDULE_CACHE, interval=PRUNE_EVERY, run=prune_schedules),
        JobSpec(name=REFRESH_ROOM_DIRECTORY, interval=REFRESH_EVERY, run=refresh, lease=REFRESH_LEASE),
        JobSpec(name=WATCH_QUOTA, interval=WATCH_QUOTA_EVERY, run=watch),
        JobSpec(
            name=RECONCILE_BOOKINGS,
            interval=timedelta(seconds=settings.reconcile_every_s),
            run=reconcile,
            lease=RECONCILE_LEASE,
            at_start=True,
        ),
        JobSpec(
            name=SWEEP_ORPHAN_EVENTS,
            interval=timedelta(seconds=settings.orphan_sweep_every_s),
            run=sweep,
            lease=RECONCILE_LEASE,
        ),
    ]
    if approvals is not None:
        specs.append(JobSpec(name=FOLLOW_UP_APPROVALS, interval=APPROVALS_EVERY, run=approvals))
    if notifier is None:
        return specs
    sweeps = checkin or CheckinSweeps(
        settings=settings,
        store=store,
        dingtalk=directory if isinstance(directory, DingTalkClient) else None,
        log=logging.getLogger("bot.jobs.checkin"),
    )
    dm = notifier

    def remind(now: datetime) -> str:
        report = sweeps.send_reminders(now, dm)
        return messages.jobs_reminders_note(report.done, report.failed, report.calls)

    def release(now: datetime) -> str:
        report = sweeps.release_no_shows(now, dm)
        return messages.jobs_releases_note(report.done, report.skipped, report.failed, report.calls)

    specs += [
        JobSpec(name=SEND_REMINDERS, interval=CHECKIN_EVERY, run=remind, lease=CHECKIN_LEASE),
        JobSpec(name=RELEASE_NO_SHOWS, interval=CHECKIN_EVERY, run=release, lease=CHECKIN_LEASE),
    ]
    return specs


__all__ = [
    "FOLLOW_UP_APPROVALS",
    "PRUNE_PROCESSED_EVENTS",
    "PRUNE_SCHEDULE_CACHE",
    "RECONCILE_BOOKINGS",
    "REFRESH_ROOM_DIRECTORY",
    "RELEASE_NO_SHOWS",
    "SEND_REMINDERS",
    "SWEEP_ORPHAN_EVENTS",
    "WATCH_QUOTA",
    "default_jobs",
]
