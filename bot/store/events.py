"""`EventsRepository`: the Slack event ids already handled, so a retried delivery is answered once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.store import models as m
from bot.store.base import Repository


class EventsRepository(Repository):
    """Processed Slack events by (team, event id)."""

    def mark_processed(self, team_id: str, event_id: str, now: datetime) -> bool:
        """True the first time an event id is seen, False for every repeat (race-safe across processes)."""

        def work(session: Session) -> bool:
            if session.get(m.ProcessedEvent, (team_id, event_id)) is not None:
                return False
            session.add(m.ProcessedEvent(team_id=team_id, event_id=event_id, processed_at=now))
            session.flush()
            return True

        return self._run(work, on_conflict=lambda exc: False)

    def prune(self, team_id: str, *, older_than: datetime) -> int:
        """Forget event ids handled before `older_than` (Slack retries within minutes). Returns how many."""

        event = m.ProcessedEvent
        return self._delete_where(event, event.team_id == team_id, event.processed_at < older_than)


__all__ = ["EventsRepository"]
