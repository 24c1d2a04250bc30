"""The `jobs` table: background jobs, when each is due, and which process holds it.

A claim is one conditional UPDATE (`... WHERE due_at <= now AND (locked_until IS NULL OR
locked_until <= now)`) whose row count says who won: Postgres re-checks the condition after
waiting for the row lock, SQLite lets one writer at a time in, so two processes never both see 1.
Completing or failing a job only touches the row while `locked_by` is still the caller: a process
whose lease ran out and was taken over cannot overwrite the newer run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.store import models as m
from bot.store.base import Repository, to_record

log = logging.getLogger(__name__)

T = TypeVar("T")

JOB_OK = "ok"
JOB_FAILED = "failed"

# Long errors (a whole HTTP body) would bloat the row and `roombot jobs list`.
ERROR_MAX_LENGTH = 1000


@dataclass(frozen=True)
class JobRun:
    """One run of a job, as the process that held it saw it."""

    name: str
    worker: str
    started_at: datetime
    finished_at: datetime
    duration_s: float


@dataclass(frozen=True)
class JobRecord:
    """One row of `jobs`, as plain data."""

    name: str
    interval_s: int
    due_at: datetime
    attempts: int
    locked_by: str | None
    locked_until: datetime | None
    last_run_at: datetime | None
    last_status: str | None
    last_duration_s: float | None
    last_error: str | None
    last_error_at: datetime | None

    def is_locked(self, now: datetime) -> bool:
        """Held by a process whose lease has not run out."""
        return self.locked_until is not None and self.locked_until > now

    def is_due(self, now: datetime) -> bool:
        """Due and free to claim at `now`."""
        return self.due_at <= now and not self.is_locked(now)


class JobRepository(Repository):
    """Reads and writes of the `jobs` table, one transaction per method."""

    def ensure(self, name: str, *, interval_s: int, first_due_at: datetime, now: datetime) -> None:
        """Add the job when it is missing (due at `first_due_at`); keep its schedule, update its interval.

        Writes come first and nothing is read: on SQLite a transaction that read before writing
        fails at once when another process wrote meanwhile, instead of waiting its turn.
        """
        row = {
            "name": name,
            "interval_s": interval_s,
            "due_at": first_due_at,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }

        def work(session: Session) -> None:
            dialect = session.get_bind().dialect.name
            insert: Any = pg_insert if dialect == "postgresql" else sqlite_insert
            table = m.Job.__table__
            session.connection().execute(insert(table).values(row).on_conflict_do_nothing(index_elements=["name"]))
            changed = (m.Job.name == name, m.Job.interval_s != interval_s)
            self._update(session, changed, interval_s=interval_s, updated_at=now)

        self._run(work)

    def due_by(self, name: str, moment: datetime) -> None:
        """Make the job due no later than `moment` (a later schedule is brought forward)."""

        def work(session: Session) -> None:
            self._update(session, (m.Job.name == name, m.Job.due_at > moment), due_at=moment)

        self._run(work)

    def get(self, name: str) -> JobRecord | None:
        def work(session: Session) -> JobRecord | None:
            row = session.get(m.Job, name)
            return None if row is None else _record(row)

        return self._run(work)

    def all(self) -> list[JobRecord]:
        """Every job, by name."""
        return self._run(lambda session: [_record(row) for row in session.scalars(select(m.Job).order_by(m.Job.name))])

    def claim(self, name: str, *, worker: str, now: datetime, lease: timedelta) -> JobRecord | None:
        """Take the job for `worker` until `now + lease` if it is due and free; None when it is not (or someone won)."""
        condition = (
            m.Job.name == name,
            m.Job.due_at <= now,
            or_(m.Job.locked_until.is_(None), m.Job.locked_until <= now),
        )

        def work(session: Session) -> JobRecord | None:
            if not self._update(session, condition, locked_by=worker, locked_until=now + lease, updated_at=now):
                return None
            row = session.get(m.Job, name)
            return None if row is None else _record(row)

        return self._run(work)

    def complete(self, run: JobRun, *, next_due_at: datetime) -> bool:
        """Record a successful run and release the job; False when `run.worker` no longer holds it."""
        return self._finish(run, due_at=next_due_at, attempts=0, last_status=JOB_OK)

    def fail(self, run: JobRun, *, error: str, attempts: int, next_due_at: datetime) -> bool:
        """Record a failed run (the error kept, `attempts` failures in a row) and release the job until `next_due_at`."""
        return self._finish(
            run,
            due_at=next_due_at,
            attempts=attempts,
            last_status=JOB_FAILED,
            last_error=error[:ERROR_MAX_LENGTH],
            last_error_at=run.started_at,
        )

    def _finish(self, run: JobRun, **values: Any) -> bool:
        condition = (m.Job.name == run.name, m.Job.locked_by == run.worker)
        values.update(last_run_at=run.started_at, last_duration_s=run.duration_s)

        def work(session: Session) -> bool:
            return self._update(session, condition, locked_by=None, locked_until=None, updated_at=run.finished_at, **values)

        finished = self._run(work)
        if not finished:
            log.warning(
                "job %s: the lease of %s ran out and another process took the job; not recorded", run.name, run.worker
            )
        return finished

    @staticmethod
    def _update(session: Session, condition: tuple[Any, ...], **values: Any) -> bool:
        statement = update(m.Job).where(*condition).values(**values).execution_options(synchronize_session=False)
        result = session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0) == 1


def _record(row: m.Job) -> JobRecord:
    return to_record(JobRecord, row)


__all__ = ["JOB_FAILED", "JOB_OK", "JobRecord", "JobRepository", "JobRun"]
