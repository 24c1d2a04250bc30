"""`UsersRepository`: Slack users (time zone, DingTalk link, default group) and the teams the database knows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import UnknownGroup
from bot.store import models as m
from bot.store.base import Repository, to_record
from bot.store.group_rows import group_row
from bot.store.records import UserRecord


class UsersRepository(Repository):
    """Users by (team, Slack user id), created on first sight."""

    def team_ids(self) -> list[str]:
        """Teams known to the database (synced directories and users). Ids only; for `roombot sync`."""

        def work(session: Session) -> list[str]:
            teams = set(session.scalars(select(m.DirectorySync.team_id)))
            teams.update(session.scalars(select(m.User.team_id).distinct()))
            return sorted(teams)

        return self._read(work)

    def get(self, team_id: str, user_id: str) -> UserRecord | None:
        def work(session: Session) -> UserRecord | None:
            row = session.get(m.User, (team_id, user_id))
            return _user_record(row) if row else None

        return self._read(work)

    def ensure(self, team_id: str, user_id: str) -> UserRecord:
        """The user's record, created on first sight."""
        return self._run(lambda session: _user_record(self._user_row(session, team_id, user_id)))

    def set_tz(self, team_id: str, user_id: str, tz: str | None, fetched_at: datetime) -> UserRecord:
        """Cache the user's Slack time zone (`tz` None: Slack gave none) and when it was fetched."""

        def work(session: Session) -> UserRecord:
            row = self._user_row(session, team_id, user_id)
            row.tz = tz
            row.tz_fetched_at = fetched_at
            row.updated_at = self._clock()
            return _user_record(row)

        return self._run(work)

    def link(self, team_id: str, user_id: str, union_id: str | None, *, verified: bool = False) -> UserRecord:
        """Link (or with None, unlink) the user's DingTalk unionId; `verified` when they proved it is theirs."""

        def work(session: Session) -> UserRecord:
            return _user_record(mark_linked(session, team_id, user_id, union_id, verified=verified, now=self._clock()))

        return self._run(work)

    def unlink(self, team_id: str, user_id: str) -> bool:
        """Remove the user's link; False when there was none."""

        def work(session: Session) -> bool:
            row = session.get(m.User, (team_id, user_id))
            if row is None or not row.union_id:
                return False
            mark_linked(session, team_id, user_id, None, verified=False, now=self._clock())
            return True

        return self._run(work)

    def set_default_group(self, team_id: str, user_id: str, group_id: int | None) -> UserRecord:
        """Set (or clear) the user's default group; it must be one the user can see."""

        def work(session: Session) -> UserRecord:
            if group_id is not None:
                group = group_row(session, team_id, group_id)
                if group.scope == m.SCOPE_PERSONAL and group.owner_user_id != user_id:
                    raise UnknownGroup(str(group_id))
            row = self._user_row(session, team_id, user_id)
            row.default_group_id = group_id
            row.updated_at = self._clock()
            return _user_record(row)

        return self._run(work)

    def _user_row(self, session: Session, team_id: str, user_id: str) -> m.User:
        row = session.get(m.User, (team_id, user_id))
        if row is None:
            now = self._clock()
            row = m.User(team_id=team_id, user_id=user_id, created_at=now, updated_at=now)
            session.add(row)
            session.flush()
        return row


def mark_linked(
    session: Session, team_id: str, user_id: str, union_id: str | None, *, verified: bool, now: datetime
) -> m.User:
    """Set the user's link inside the caller's transaction (created on first sight)."""
    row = session.get(m.User, (team_id, user_id))
    if row is None:
        row = m.User(team_id=team_id, user_id=user_id, created_at=now, updated_at=now)
        session.add(row)
    row.union_id = union_id
    row.union_verified = bool(union_id) and verified
    row.updated_at = now
    session.flush()
    return row


def _user_record(row: m.User) -> UserRecord:
    return to_record(UserRecord, row, verified=bool(row.union_verified))


__all__ = ["UsersRepository", "mark_linked"]
