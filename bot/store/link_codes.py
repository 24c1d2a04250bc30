"""`LinkCodesRepository`: pending `link`s (a hashed one-time code per Slack user) and their limits.

Each method is one transaction that locks the user's row first, so concurrent guesses queue and
each one counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.identity import LinkLimits, code_matches, hash_code, new_salt
from bot.store import models as m
from bot.store.base import Repository
from bot.store.users import mark_linked

ConfirmStatus = Literal["linked", "wrong", "expired", "none", "cooling_down"]


@dataclass(frozen=True)
class CodeIssued:
    """`issued` False: the user is cooling down until `cooldown_until`."""

    issued: bool
    cooldown_until: datetime | None = None


@dataclass(frozen=True)
class CodeChecked:
    status: ConfirmStatus
    union_id: str | None = None
    attempts_left: int = 0
    cooldown_until: datetime | None = None


class LinkCodesRepository(Repository):
    """One pending code per (team, Slack user); asking again replaces it."""

    def issue(self, team_id: str, user_id: str, *, union_id: str, code: str, limits: LinkLimits) -> CodeIssued:
        """Store the hash of a fresh code for `union_id`, unless the user must wait.

        Counts the send: the `max_attempts`-th code within one cool-down window starts the cool-down
        for the next request.
        """

        def work(session: Session) -> CodeIssued:
            now = self._clock()
            row = _locked(session, team_id, user_id, now)
            if row.cooldown_until is not None and row.cooldown_until > now:
                return CodeIssued(False, row.cooldown_until)
            window = timedelta(seconds=limits.cooldown_s)
            if row.window_started_at is None or row.window_started_at + window <= now:
                row.window_started_at = now
                row.sends = 0
            row.sends += 1
            if row.sends >= limits.max_attempts:
                # This code is still sent; the next request waits.
                row.cooldown_until = now + window
            salt = new_salt()
            row.union_id = union_id
            row.salt = salt
            row.code_hash = hash_code(salt=salt, team_id=team_id, user_id=user_id, union_id=union_id, code=code)
            row.expires_at = now + timedelta(seconds=limits.ttl_s)
            row.attempts = 0
            row.updated_at = now
            return CodeIssued(True)

        return self._run(work)

    def withdraw(self, team_id: str, user_id: str) -> None:
        """Forget the pending code (it could not be delivered); the send still counts."""

        def work(session: Session) -> None:
            row = session.get(m.LinkCode, (team_id, user_id))
            if row is not None:
                row.code_hash = row.salt = row.union_id = None
                row.expires_at = None

        self._run(work)

    def confirm(self, team_id: str, user_id: str, *, code: str, limits: LinkLimits) -> CodeChecked:
        """Check a typed code; on a match, link the account as verified in the same transaction."""

        def work(session: Session) -> CodeChecked:
            now = self._clock()
            row = _locked(session, team_id, user_id, now)
            if row.cooldown_until is not None and row.cooldown_until > now and row.code_hash is None:
                return CodeChecked("cooling_down", cooldown_until=row.cooldown_until)
            if row.code_hash is None or row.salt is None or row.union_id is None:
                return CodeChecked("none")
            if row.expires_at is None or row.expires_at <= now:
                row.code_hash = row.salt = None
                return CodeChecked("expired")
            if code_matches(
                stored_hash=row.code_hash, salt=row.salt, team_id=team_id, user_id=user_id, union_id=row.union_id, code=code
            ):
                union_id = row.union_id
                session.delete(row)
                mark_linked(session, team_id, user_id, union_id, verified=True, now=now)
                return CodeChecked("linked", union_id=union_id)
            row.attempts += 1
            row.updated_at = now
            left = max(limits.max_attempts - row.attempts, 0)
            if left == 0:
                # The code is spent: guessing further needs a new code, after the cool-down.
                row.code_hash = row.salt = None
                row.cooldown_until = now + timedelta(seconds=limits.cooldown_s)
                return CodeChecked("cooling_down", cooldown_until=row.cooldown_until)
            return CodeChecked("wrong", attempts_left=left)

        return self._run(work)

    def pending_union_id(self, team_id: str, user_id: str) -> str | None:
        def work(session: Session) -> str | None:
            row = session.scalar(select(m.LinkCode).where(m.LinkCode.team_id == team_id, m.LinkCode.user_id == user_id))
            return row.union_id if row is not None and row.code_hash else None

        return self._read(work)


def _locked(session: Session, team_id: str, user_id: str, now: datetime) -> m.LinkCode:
    row = session.get(m.LinkCode, (team_id, user_id), with_for_update=True)
    if row is None:
        row = m.LinkCode(team_id=team_id, user_id=user_id, attempts=0, sends=0, created_at=now, updated_at=now)
        session.add(row)
        session.flush()
    return row


__all__ = ["CodeChecked", "CodeIssued", "LinkCodesRepository"]
