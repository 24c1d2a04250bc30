"""The housekeeping jobs: prune tables that only grow, and keep the room directory fresh.

Each function does one pass for every team the database knows and returns a short note for the
log and `roombot jobs run --once`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.present import messages
from bot.store import Store
from bot.store.sync import DirectoryClient, ensure_fresh_directory

log = logging.getLogger(__name__)


def prune_processed_events(store: Store, *, now: datetime, keep: timedelta) -> str:
    """Forget Slack event ids handled more than `keep` ago (Slack stops retrying a delivery within the hour)."""
    older_than = now - keep
    deleted = sum(store.events.prune(team, older_than=older_than) for team in store.users.team_ids())
    return messages.jobs_pruned_events(deleted)


def prune_schedule_cache(store: Store, *, now: datetime, keep: timedelta) -> str:
    """Drop cached free/busy answers fetched more than `keep` ago (they are only read while fresh)."""
    older_than = now - keep
    deleted = sum(store.schedules.prune(team, older_than=older_than) for team in store.users.team_ids())
    return messages.jobs_pruned_schedules(deleted)


def refresh_directories(
    *, store: Store, client: DirectoryClient | None, union_id: str | None, now: datetime, max_age_s: float
) -> str:
    """Sync the room directory of each team whose copy is older than `max_age_s`.

    Every team is tried even when one fails; the first failure is then raised so the runner
    records it and retries. Without a client or an operator (DingTalk not configured) it skips.
    """
    if client is None or not union_id:
        return messages.WORDS.jobs_dingtalk_not_configured
    refreshed = 0
    teams = store.users.team_ids()
    first_error: Exception | None = None
    for team in teams:
        try:
            report = ensure_fresh_directory(
                store=store, client=client, team_id=team, union_id=union_id, now=now, max_age_s=max_age_s
            )
        except Exception as exc:
            log.warning("directory of %s not refreshed: %s", team, type(exc).__name__)
            first_error = first_error or exc
            continue
        refreshed += report is not None
    if first_error is not None:
        raise first_error
    return messages.jobs_directories_refreshed(refreshed, len(teams))


__all__ = ["prune_processed_events", "prune_schedule_cache", "refresh_directories"]
