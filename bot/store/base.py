"""What every repository shares: one transaction per call, and an upsert for SQLite and Postgres.

Rules every repository keeps:
- Every method takes the Slack team id first and filters on it, so no call reaches another
  workspace's rows (an id from another team is "unknown", never "not allowed").
- One transaction per method: an error leaves nothing half-written. Connection failures become
  `StoreUnavailable`; broken rules become the store errors of `bot.errors`.
- Records come back as frozen dataclasses (`bot.domain.models`, `bot.store.records`), never ORM objects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import (
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from bot.config import Clock, utc_now
from bot.errors import StoreUnavailable
from bot.store import models as m

log = logging.getLogger(__name__)

T = TypeVar("T")

SessionFactory = Callable[[], Session]

_UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)
_CONFLICT_RETRIES = 3
_UPSERT_CHUNK = 200


class Repository:
    """Base of the repositories: runs work in one transaction over the shared session factory.

    Args:
        session_factory: makes sessions (`bot.store.db.make_session_factory(engine)`).
        clock: the current time (aware UTC); used for created/updated times.
    """

    def __init__(self, *, session_factory: SessionFactory, clock: Clock = utc_now) -> None:
        self._session_factory = session_factory
        self._clock = clock

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        try:
            with self._session_factory() as session, session.begin():
                yield session
        except _UNAVAILABLE as exc:
            # The driver's text may name hosts and users; keep the message generic (the cause stays chained).
            raise StoreUnavailable(f"database unavailable ({type(exc).__name__})") from exc

    def _run(
        self,
        work: Callable[[Session], T],
        *,
        on_conflict: Callable[[IntegrityError], T] | None = None,
    ) -> T:
        """Run `work` in one transaction; a unique-key race is retried (or handed to `on_conflict`)."""
        for attempt in range(_CONFLICT_RETRIES):
            try:
                with self._transaction() as session:
                    return work(session)
            except IntegrityError as exc:
                if on_conflict is not None:
                    return on_conflict(exc)
                log.debug("write conflict, retrying (attempt %d)", attempt + 1)
        raise StoreUnavailable("concurrent writes kept conflicting")

    def _read(self, work: Callable[[Session], T]) -> T:
        with self._transaction() as session:
            return work(session)

    def _delete_where(self, model: type[m.Base], *conditions: ColumnElement[bool]) -> int:
        """Delete, in one transaction, the rows of `model` that meet every condition; how many went."""
        return self._run(lambda session: rowcount(session.execute(delete(model).where(*conditions))))

    def ping(self) -> None:
        """Raise StoreUnavailable unless the database answers (health checks)."""
        self._read(lambda session: session.execute(select(1)).scalar())


def upsert_rows(
    session: Session, model: type[m.Base], rows: list[dict[str, Any]], *, keys: list[str], update: list[str]
) -> None:
    """INSERT ... ON CONFLICT DO UPDATE, on SQLite and Postgres."""
    dialect = session.get_bind().dialect.name
    insert: Any
    if dialect == "postgresql":
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:  # pragma: no cover - roombot runs on SQLite and Postgres
        for values in rows:
            session.merge(model(**values))
        session.flush()
        return
    # One statement executed for many rows: SQLAlchemy caches its compiled form, where a
    # multi-VALUES statement would be compiled afresh for every call (the schedule cache's hot path).
    # Core, not the ORM's bulk path: the rows are plain dicts and the ORM would only add overhead.
    stmt = insert(model.__table__)
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_={column: stmt.excluded[column] for column in update})
    for start in range(0, len(rows), _UPSERT_CHUNK):
        session.connection().execute(stmt, rows[start : start + _UPSERT_CHUNK])


def rowcount(result: object) -> int:
    """Rows a DELETE or UPDATE touched (0 when the driver does not say)."""
    return int(getattr(result, "rowcount", 0) or 0)


def to_record(cls: type[T], row: object, **given: object) -> T:
    """A frozen record from an ORM row: each field read from the row's column of the same name, unless given.

    One mapping for every aggregate, so a column added to a table and its record flows through
    without another hand-written copy. A field the table does not keep takes its default, and a
    required one that is missing fails when the record is built.
    """
    values = dict(given)
    for f in fields(cls):  # type: ignore[arg-type]
        if f.init and f.name not in values and hasattr(row, f.name):
            values[f.name] = getattr(row, f.name)
    return cls(**values)


__all__ = ["Repository", "SessionFactory", "rowcount", "to_record", "upsert_rows"]
