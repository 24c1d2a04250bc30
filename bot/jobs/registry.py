"""The jobs roombot runs in the background, by name, with how often each runs.

Names are stable: they are the keys of the `jobs` table, and `roombot jobs list` shows them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.config import Settings
from bot.jobs.maintenance import prune_processed_events, prune_schedule_cache, refresh_directories
from bot.jobs.quota import AdminNotifier, watch_quota
from bot.jobs.schedule import JobSpec
from bot.quota import QuotaKeeper
from bot.store.repository import Store
from bot.store.sync import DirectoryClient

PRUNE_PROCESSED_EVENTS = "prune-processed-events"
PRUNE_SCHEDULE_CACHE = "prune-schedule-cache"
REFRESH_ROOM_DIRECTORY = "refresh-room-directory"
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
# A sync lists every room, page by page, within DingTalk's rate limit.
REFRESH_LEASE = timedelta(minutes=30)


def default_jobs(
    *,
    store: Store,
    directory: DirectoryClient | None,
    settings: Settings,
    notify_admin: AdminNotifier | None = None,
) -> list[JobSpec]:
    """roombot's background jobs, bound to their dependencies (`directory` None: DingTalk not configured;
    `notify_admin` None: no Slack client, so the admins cannot be told the budget runs low)."""
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

    return [
        JobSpec(name=PRUNE_PROCESSED_EVENTS, interval=PRUNE_EVERY, run=prune_events),
        JobSpec(name=PRUNE_SCHEDULE_CACHE, interval=PRUNE_EVERY, run=prune_schedules),
        JobSpec(name=REFRESH_ROOM_DIRECTORY, interval=REFRESH_EVERY, run=refresh, lease=REFRESH_LEASE),
        JobSpec(name=WATCH_QUOTA, interval=WATCH_QUOTA_EVERY, run=watch),
    ]


__all__ = [
    "PRUNE_PROCESSED_EVENTS",
    "PRUNE_SCHEDULE_CACHE",
    "REFRESH_ROOM_DIRECTORY",
    "WATCH_QUOTA",
    "default_jobs",
]
