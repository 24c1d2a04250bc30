"""`SchedulesRepository`: free/busy fetched from DingTalk, cached per room and window for every process."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.domain.models import RoomSchedule, ScheduleItem
from bot.store import models as m
from bot.store.base import Repository, upsert_rows
from bot.store.records import CachedSchedule


class SchedulesRepository(Repository):
    """Cached schedules by (team, room, window start, window end)."""

    def get(
        self,
        team_id: str,
        room_ids: Iterable[str],
        window_start: datetime,
        window_end: datetime,
        *,
        max_age_s: float,
        now: datetime,
    ) -> dict[str, CachedSchedule]:
        """Cached schedules of these rooms for exactly this window, fetched at most `max_age_s` ago."""
        wanted = list(dict.fromkeys(room_ids))
        if not wanted:
            return {}
        oldest = now - timedelta(seconds=max_age_s)

        def work(session: Session) -> dict[str, CachedSchedule]:
            # Plain rows rather than ORM objects: this read is on every question's path.
            entry = m.ScheduleCacheEntry
            rows = session.execute(
                select(entry.room_id, entry.items, entry.error, entry.fetched_at).where(
                    entry.team_id == team_id,
                    entry.room_id.in_(wanted),
                    entry.window_start == window_start,
                    entry.window_end == window_end,
                    entry.fetched_at >= oldest,
                )
            )
            return {
                row.room_id: CachedSchedule(
                    schedule=_schedule_from_row(row.room_id, row.items, row.error), fetched_at=row.fetched_at
                )
                for row in rows
            }

        return self._read(work)

    def put(
        self,
        team_id: str,
        window_start: datetime,
        window_end: datetime,
        schedules: Sequence[RoomSchedule],
        *,
        fetched_at: datetime,
    ) -> None:
        """Store (or replace) the schedules of rooms for one window."""
        self.put_windows(team_id, [(window_start, window_end, schedules)], fetched_at=fetched_at)

    def put_windows(
        self,
        team_id: str,
        windows: Sequence[tuple[datetime, datetime, Sequence[RoomSchedule]]],
        *,
        fetched_at: datetime,
    ) -> None:
        """Store (or replace) the schedules of rooms for several windows (the days of one fetch) in one transaction."""
        values = {
            (schedule.room_id, window_start): {
                "team_id": team_id,
                "room_id": schedule.room_id,
                "window_start": window_start,
                "window_end": window_end,
                "items": [_item_to_json(item) for item in schedule.items],
                "error": schedule.error or None,
                "fetched_at": fetched_at,
            }
            for window_start, window_end, schedules in windows
            for schedule in schedules
        }
        if not values:
            return
        self._run(
            lambda session: upsert_rows(
                session,
                m.ScheduleCacheEntry,
                list(values.values()),
                keys=["team_id", "room_id", "window_start", "window_end"],
                update=["items", "error", "fetched_at"],
            )
        )

    def invalidate(self, team_id: str, room_ids: Iterable[str]) -> None:
        """Drop every cached day of these rooms (after roombot booked or cancelled one)."""
        wanted = list(dict.fromkeys(room_ids))
        if not wanted:
            return

        def work(session: Session) -> None:
            session.execute(
                delete(m.ScheduleCacheEntry).where(
                    m.ScheduleCacheEntry.team_id == team_id, m.ScheduleCacheEntry.room_id.in_(wanted)
                )
            )

        self._run(work)

    def apply_change(
        self, team_id: str, room_id: str, *, add: ScheduleItem | None = None, remove_event_id: str | None = None
    ) -> None:
        """Write a booking (or its cancellation) made through roombot into the room's cached days at once,
        keeping their fetch time: DingTalk would answer the same, and no call is spent to learn it."""

        def work(session: Session) -> None:
            entry = m.ScheduleCacheEntry
            query = select(entry.window_start, entry.window_end, entry.items).where(
                entry.team_id == team_id, entry.room_id == room_id
            )
            if add is not None:
                query = query.where(entry.window_start < add.end, entry.window_end > add.start)
            for row in session.execute(query).all():
                items = [item for item in row.items or [] if not remove_event_id or item.get("event_id") != remove_event_id]
                if add is not None:
                    items = [item for item in items if not add.event_id or item.get("event_id") != add.event_id]
                    items.append(_item_to_json(add))
                    items.sort(key=lambda item: (item["start"], item["end"]))
                # By key, without the ORM's row check: a row another process just dropped is simply gone.
                session.execute(
                    update(entry)
                    .where(
                        entry.team_id == team_id,
                        entry.room_id == room_id,
                        entry.window_start == row.window_start,
                        entry.window_end == row.window_end,
                    )
                    .values(items=items)
                )

        self._run(work)

    def prune(self, team_id: str, *, older_than: datetime) -> int:
        """Drop cache entries fetched before `older_than`. Returns how many."""

        entry = m.ScheduleCacheEntry
        return self._delete_where(entry, entry.team_id == team_id, entry.fetched_at < older_than)


def _item_to_json(item: ScheduleItem) -> dict[str, Any]:
    return {
        "status": item.status,
        "start": item.start.isoformat(),
        "end": item.end.isoformat(),
        "event_id": item.event_id,
        "organizer_id": item.organizer_id,
        "all_day": item.all_day,
    }


def _schedule_from_row(room_id: str, stored_items: list[dict[str, Any]] | None, error: str | None) -> RoomSchedule:
    items = tuple(
        ScheduleItem(
            status=str(item["status"]),
            start=datetime.fromisoformat(item["start"]),
            end=datetime.fromisoformat(item["end"]),
            event_id=item.get("event_id"),
            organizer_id=item.get("organizer_id"),
            all_day=bool(item.get("all_day", False)),
        )
        for item in stored_items or []
    )
    return RoomSchedule(room_id=room_id, items=items, error=error)


__all__ = ["SchedulesRepository"]
