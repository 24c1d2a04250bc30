"""`QuotaRepository`: the organisation's DingTalk calls this month, per-user cold fetches, one-off notices.

The counts live in the database so that every process (web, worker, command line) adds to and
reads the same numbers; increments are single atomic statements, never read-modify-write.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.store import models as m
from bot.store.base import Repository


class QuotaRepository(Repository):
    """Calls by organisation, month and API; cold fetches by user and hour; notices sent once."""

    def add_calls(self, org: str, month: str, api: str, calls: int = 1) -> None:
        """Count `calls` more calls of `api` (atomic across processes)."""
        now = self._clock()
        row = {"org": org, "month": month, "api": api, "calls": calls, "updated_at": now}
        table = m.ApiCallCount.__table__

        def work(session: Session) -> None:
            stmt = _insert(session)(table).values(**row)
            stmt = stmt.on_conflict_do_update(
                index_elements=["org", "month", "api"],
                set_={"calls": table.c.calls + stmt.excluded.calls, "updated_at": stmt.excluded.updated_at},
            )
            session.execute(stmt)

        self._run(work)

    def calls_by_api(self, org: str, month: str) -> dict[str, int]:
        """This month's calls per API, most used first."""
        entry = m.ApiCallCount

        def work(session: Session) -> dict[str, int]:
            rows = session.execute(
                select(entry.api, entry.calls)
                .where(entry.org == org, entry.month == month)
                .order_by(entry.calls.desc(), entry.api)
            )
            return {row.api: int(row.calls) for row in rows}

        return self._read(work)

    def total(self, org: str, month: str) -> int:
        """This month's calls over every API."""
        entry = m.ApiCallCount

        def work(session: Session) -> int:
            total = session.execute(
                select(func.coalesce(func.sum(entry.calls), 0)).where(entry.org == org, entry.month == month)
            ).scalar()
            return int(total or 0)

        return self._read(work)

    def add_user_fetch(self, team_id: str, user_id: str, hour: datetime) -> None:
        """Count one cold fetch for the user in the hour starting at `hour`."""
        row = {"team_id": team_id, "user_id": user_id, "hour": hour, "fetches": 1}
        table = m.UserFetchCount.__table__

        def work(session: Session) -> None:
            stmt = _insert(session)(table).values(**row)
            stmt = stmt.on_conflict_do_update(
                index_elements=["team_id", "user_id", "hour"], set_={"fetches": table.c.fetches + 1}
            )
            session.execute(stmt)

        self._run(work)

    def user_fetches(self, team_id: str, user_id: str, hour: datetime) -> int:
        """The user's cold fetches in the hour starting at `hour`."""
        entry = m.UserFetchCount

        def work(session: Session) -> int:
            value = session.execute(
                select(entry.fetches).where(entry.team_id == team_id, entry.user_id == user_id, entry.hour == hour)
            ).scalar()
            return int(value or 0)

        return self._read(work)

    def prune_user_fetches(self, *, older_than: datetime) -> None:
        """Forget hourly counts that can no longer limit anyone."""
        self._run(lambda session: session.query(m.UserFetchCount).filter(m.UserFetchCount.hour < older_than).delete())

    def claim_notice(self, org: str, month: str, kind: str) -> bool:
        """True for the one caller (in any process) that records this notice first this month."""
        now = self._clock()

        def work(session: Session) -> bool:
            session.add(m.QuotaNotice(org=org, month=month, kind=kind, created_at=now))
            session.flush()
            return True

        return self._run(work, on_conflict=lambda _exc: False)

    def record_notice(self, org: str, month: str, kind: str) -> None:
        """Record (or move to now) this month's notice of `kind`."""
        row = {"org": org, "month": month, "kind": kind, "created_at": self._clock()}
        table = m.QuotaNotice.__table__

        def work(session: Session) -> None:
            stmt = _insert(session)(table).values(**row)
            stmt = stmt.on_conflict_do_update(
                index_elements=["org", "month", "kind"], set_={"created_at": stmt.excluded.created_at}
            )
            session.execute(stmt)

        self._run(work)

    def notice(self, org: str, month: str, kind: str) -> datetime | None:
        """When this month's notice of `kind` was recorded, if it was."""
        entry = m.QuotaNotice

        def work(session: Session) -> datetime | None:
            return session.execute(
                select(entry.created_at).where(entry.org == org, entry.month == month, entry.kind == kind)
            ).scalar()

        return self._read(work)


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


__all__ = ["QuotaRepository"]
