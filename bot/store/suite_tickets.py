"""`SuiteTicketsRepository`: the latest suite ticket of each third-party app, shared by every process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store import models as m
from bot.store.base import Repository, upsert_rows


class SuiteTicketsRepository(Repository):
    """One row per suite key; a push replaces the ticket unless an older push arrives late."""

    def save(self, suite_key: str, ticket: str, *, received_at: datetime) -> None:
        def work(session: Session) -> None:
            row = session.get(m.SuiteTicket, suite_key)
            if row is not None and row.received_at > received_at:
                return  # a late delivery of an older push must not bring its ticket back
            upsert_rows(
                session,
                m.SuiteTicket,
                [{"suite_key": suite_key, "ticket": ticket, "received_at": received_at}],
                keys=["suite_key"],
                update=["ticket", "received_at"],
            )

        self._run(work)

    def latest(self, suite_key: str) -> str | None:
        return self._read(
            lambda session: session.scalar(select(m.SuiteTicket.ticket).where(m.SuiteTicket.suite_key == suite_key))
        )


__all__ = ["SuiteTicketsRepository"]
