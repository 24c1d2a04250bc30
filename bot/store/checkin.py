"""`CheckinRepository`: the reminder, check-in and release states of roombot's bookings.

Every state change is one conditional UPDATE (`... WHERE reminded_at IS NULL`, ...) whose row
count says whether this caller won: two clock processes sweeping at once, or a check-in racing
the release, can never both act on one booking.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.errors import NotFound
from bot.store import models as m
from bot.store.base import Repository, rowcount, upsert_rows
from bot.store.bookings import booking_record
from bot.store.records import BookingRecord

RELEASED = "released"
"""Released by the sweep: nobody checked in within the grace period."""
SKIPPED = "skipped"
"""Not released: the sweep came too late (after downtime), so it left the booking alone."""
ENDED = "ended"
"""Given back early by its booker (release / end my meeting now)."""

# Reminders and releases look at bookings that started at most this long ago (a bound on the scan).
LOOK_BACK = timedelta(days=2)


class CheckinRepository(Repository):
    """Reminder preferences, group grace periods, and the once-only state changes of bookings."""

    # --- sweeps ------------------------------------------------------------------------------

    def reminder_candidates(self, *, now: datetime, horizon: timedelta) -> list[BookingRecord]:
        """Bookings not yet reminded, checked in or released, starting within `horizon` and not over."""

        def work(session: Session) -> list[BookingRecord]:
            rows = session.scalars(
                select(m.Booking)
                .where(
                    m.Booking.status.in_([m.BOOKING_BOOKED, m.BOOKING_PENDING]),
                    m.Booking.event_id.is_not(None),
                    m.Booking.reminded_at.is_(None),
                    m.Booking.checked_in_at.is_(None),
                    m.Booking.released_at.is_(None),
                    m.Booking.start_at <= now + horizon,
                    m.Booking.end_at > now,
                )
                .order_by(m.Booking.start_at, m.Booking.id)
            )
            return [booking_record(row) for row in rows]

        return self._read(work)

    def release_candidates(self, *, now: datetime) -> list[BookingRecord]:
        """Booked rooms that have started, with no check-in and no release decision yet."""

        def work(session: Session) -> list[BookingRecord]:
            rows = session.scalars(
                select(m.Booking)
                .where(
                    m.Booking.status == m.BOOKING_BOOKED,
                    m.Booking.event_id.is_not(None),
                    m.Booking.checked_in_at.is_(None),
                    m.Booking.released_at.is_(None),
                    m.Booking.start_at <= now,
                    m.Booking.start_at > now - LOOK_BACK,
                )
                .order_by(m.Booking.start_at, m.Booking.id)
            )
            return [booking_record(row) for row in rows]

        return self._read(work)

    # --- once-only state changes -------------------------------------------------------------

    def claim_reminder(self, team_id: str, booking_id: int, *, now: datetime) -> bool:
        """Mark the booking reminded; True only for the one caller that did."""
        return self._set_once(
            team_id,
            booking_id,
            conditions=(m.Booking.reminded_at.is_(None), m.Booking.released_at.is_(None)),
            values={"reminded_at": now},
        )

    def unclaim_reminder(self, team_id: str, booking_id: int, *, claimed_at: datetime) -> None:
        """The reminder could not be delivered: let a later sweep try again."""
        self._set_once(team_id, booking_id, conditions=(m.Booking.reminded_at == claimed_at,), values={"reminded_at": None})

    def check_in(self, team_id: str, booking_id: int, *, now: datetime) -> bool:
        """Mark the booking checked in, unless it was released first; True when this call did it."""
        return self._set_once(
            team_id,
            booking_id,
            conditions=(m.Booking.checked_in_at.is_(None), _not_released()),
            values={"checked_in_at": now},
        )

    def claim_release(self, team_id: str, booking_id: int, *, now: datetime, reason: str) -> bool:
        """Decide the booking's release (`reason` released, skipped or ended); True for the one caller that did.

        A checked-in booking is never auto-released; a booker ending their own meeting early may.
        """
        # A skipped release still lets its booker give the room back themselves.
        conditions: tuple[Any, ...] = (_not_released() if reason == ENDED else m.Booking.released_at.is_(None),)
        if reason != ENDED:
            conditions = (*conditions, m.Booking.checked_in_at.is_(None))
        return self._set_once(
            team_id, booking_id, conditions=conditions, values={"released_at": now, "release_reason": reason}
        )

    def unclaim_release(self, team_id: str, booking_id: int, *, claimed_at: datetime) -> None:
        """DingTalk did not take the release: undo the claim so the next sweep tries again."""
        self._set_once(
            team_id,
            booking_id,
            conditions=(m.Booking.released_at == claimed_at,),
            values={"released_at": None, "release_reason": None},
        )

    def set_end(self, team_id: str, booking_id: int, *, end: datetime) -> BookingRecord:
        """The booking's new end (extended, or ended early), after DingTalk moved the event's end."""

        def work(session: Session) -> BookingRecord:
            row = session.scalar(select(m.Booking).where(m.Booking.team_id == team_id, m.Booking.id == booking_id))
            if row is None:
                raise NotFound("booking", str(booking_id))
            row.end_at = end
            row.updated_at = self._clock()
            session.flush()
            return booking_record(row)

        return self._run(work)

    def _set_once(self, team_id: str, booking_id: int, *, conditions: Sequence[Any], values: dict[str, Any]) -> bool:
        def work(session: Session) -> bool:
            result = session.execute(
                update(m.Booking)
                .where(m.Booking.team_id == team_id, m.Booking.id == booking_id, *conditions)
                .values(**values, updated_at=self._clock())
            )
            return rowcount(result) == 1

        return self._run(work)

    # --- preferences -------------------------------------------------------------------------

    def reminder_minutes(self, team_id: str, user_ids: Sequence[str]) -> dict[str, int | None]:
        """The users who chose their own reminder: minutes before, or None for off."""
        if not user_ids:
            return {}

        def work(session: Session) -> dict[str, int | None]:
            rows = session.scalars(
                select(m.ReminderPreference).where(
                    m.ReminderPreference.team_id == team_id, m.ReminderPreference.user_id.in_(list(set(user_ids)))
                )
            )
            return {row.user_id: row.minutes for row in rows}

        return self._read(work)

    def set_reminder_minutes(self, team_id: str, user_id: str, minutes: int | None) -> None:
        row = {"team_id": team_id, "user_id": user_id, "minutes": minutes, "updated_at": self._clock()}
        self._run(
            lambda session: upsert_rows(
                session, m.ReminderPreference, [row], keys=["team_id", "user_id"], update=["minutes", "updated_at"]
            )
        )

    def set_group_grace(self, team_id: str, group_id: int, grace_minutes: int | None) -> None:
        """A group's own grace period (None: back to the workspace setting)."""

        def work(session: Session) -> None:
            if grace_minutes is None:
                row = session.get(m.GroupCheckinGrace, (team_id, group_id))
                if row is not None:
                    session.delete(row)
                return
            upsert_rows(
                session,
                m.GroupCheckinGrace,
                [{"team_id": team_id, "group_id": group_id, "grace_minutes": grace_minutes, "updated_at": self._clock()}],
                keys=["team_id", "group_id"],
                update=["grace_minutes", "updated_at"],
            )

        self._run(work)

    def group_grace(self, team_id: str, room_ids: Sequence[str]) -> dict[str, int]:
        """Each room's group override: the one of the oldest group holding the room that sets one."""
        if not room_ids:
            return {}

        def work(session: Session) -> dict[str, int]:
            rows = session.execute(
                select(m.RoomGroupMember.room_id, m.GroupCheckinGrace.grace_minutes)
                .join(
                    m.GroupCheckinGrace,
                    (m.GroupCheckinGrace.team_id == m.RoomGroupMember.team_id)
                    & (m.GroupCheckinGrace.group_id == m.RoomGroupMember.group_id),
                )
                .where(m.RoomGroupMember.team_id == team_id, m.RoomGroupMember.room_id.in_(list(set(room_ids))))
                .order_by(m.RoomGroupMember.group_id)
            )
            found: dict[str, int] = {}
            for room_id, grace in rows:
                found.setdefault(room_id, int(grace))
            return found

        return self._read(work)


def _not_released() -> Any:
    """Not given back: no release decision, or only a skipped one."""
    return or_(m.Booking.released_at.is_(None), m.Booking.release_reason == SKIPPED)


__all__ = ["ENDED", "RELEASED", "SKIPPED", "CheckinRepository"]
