"""Stale-while-refresh: answers served from the cache past their refresh age queue the rooms, and this
job fetches them again, off the request path.

A question never waits for this fetch and never starts a thread: it writes one row per room to
`schedule_refresh_requests` (so many questions about the same rooms make one request) and brings
the `refresh-schedules` job forward; whichever runner claims the job fetches the queued rooms, one
call per five rooms over the whole horizon, within the monthly budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.present import messages
from bot.schedules import RefreshRequester

REFRESH_SCHEDULES = "refresh-schedules"


class RefreshQueue(Protocol):
    """The queue in the store (`bot.store.schedule_cache.SchedulesRepository`)."""

    def request_refresh(self, team_id: str, room_ids: Sequence[str], *, now: datetime) -> None: ...

    def take_refresh_requests(self) -> dict[str, list[str]]: ...


class DueJobs(Protocol):
    """The `jobs` table (`bot.store.jobs.JobRepository`)."""

    def due_by(self, name: str, moment: datetime) -> None: ...


class RoomRefresher(Protocol):
    """The schedule provider's side (`bot.schedules.ScheduleProvider.refresh_rooms`)."""

    def refresh_rooms(self, team_id: str, room_ids: Sequence[str], zone: ZoneInfo) -> int: ...


def refresh_requester(*, queue: RefreshQueue, jobs: DueJobs) -> RefreshRequester:
    """What the schedule provider calls to have rooms refreshed in the background."""

    def request(team_id: str, room_ids: Sequence[str], now: datetime) -> None:
        queue.request_refresh(team_id, room_ids, now=now)
        jobs.due_by(REFRESH_SCHEDULES, now)

    return request


def refresh_schedules(*, queue: RefreshQueue, refresher: RoomRefresher, zone: ZoneInfo) -> str:
    """One pass: fetch the queued rooms of every team again."""
    fetched = 0
    for team_id, room_ids in queue.take_refresh_requests().items():
        fetched += refresher.refresh_rooms(team_id, room_ids, zone)
    return messages.jobs_schedules_refreshed(fetched)


__all__ = ["REFRESH_SCHEDULES", "refresh_requester", "refresh_schedules"]
