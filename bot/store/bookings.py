"""`BookingsRepository`: bookings roombot made, one per idempotency key, and their outcome."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.policy import may_change
from bot.errors import NotAllowed, NotAllowedReason, NotFound
from bot.store import models as m
from bot.store.base import Repository
from bot.store.records import BookingRecord

# `NotAllowed.what` value.

ACTIVE_BOOKING_STATUSES = (m.BOOKING_REQUESTED, m.BOOKING_BOOKED, m.BOOKING_PENDING)
UPCOMING_BOOKING_STATUSES = (m.BOOKING_BOOKED, m.BOOKING_PENDING, m.BOOKING_DECLINED)


class BookingsRepository(Repository):
    """Bookings by (team, id); each attempt is recorded before DingTalk is asked."""

    def begin(
        self,
        team_id: str,
        *,
        idempotency_key: str,
        slack_user_id: str,
        room_id: str,
        room_name: str,
        start: datetime,
        end: datetime,
        organizer_union_id: str | None,
        channel_id: str | None = None,
        message_ts: str | None = None,
    ) -> tuple[BookingRecord, bool]:
        """Record a booking about to be made, once per idempotency key.

        Returns the booking and True, or, when the key was seen before (a double click, a retried
        delivery, another process racing), the existing booking and False.
        """

        def existing(session: Session) -> BookingRecord | None:
            row = session.scalar(
                select(m.Booking).where(m.Booking.team_id == team_id, m.Booking.idempotency_key == idempotency_key)
            )
            return _booking_record(row) if row else None

        def work(session: Session) -> tuple[BookingRecord, bool]:
            found = existing(session)
            if found is not None:
                return found, False
            now = self._clock()
            row = m.Booking(
                team_id=team_id,
                idempotency_key=idempotency_key,
                slack_user_id=slack_user_id,
                channel_id=channel_id,
                message_ts=message_ts,
                room_id=room_id,
                room_name=room_name,
                start_at=start,
                end_at=end,
                organizer_union_id=organizer_union_id,
                status=m.BOOKING_REQUESTED,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            return _booking_record(row), True

        def lost_race(exc: IntegrityError) -> tuple[BookingRecord, bool]:
            found = self._read(existing)
            if found is None:
                raise exc
            return found, False

        return self._run(work, on_conflict=lost_race)

    def complete(self, team_id: str, booking_id: int, *, event_id: str, status: str = m.BOOKING_BOOKED) -> BookingRecord:
        """DingTalk accepted: `status` is "booked", or "pending" when the room needs approval."""
        if status not in (m.BOOKING_BOOKED, m.BOOKING_PENDING):
            raise ValueError(f"a completed booking is booked or pending, not {status!r}")
        return self._update(team_id, booking_id, event_id=event_id, status=status, error=None)

    def fail(self, team_id: str, booking_id: int, error: str) -> BookingRecord:
        """DingTalk refused or the attempt broke; `error` is a short code or reason (never a secret)."""
        return self._update(team_id, booking_id, status=m.BOOKING_FAILED, error=error[:2000])

    def cancel(
        self, team_id: str, booking_id: int, *, acting_user: str | None = None, is_admin: bool = False
    ) -> BookingRecord:
        """Mark a booking cancelled. With `acting_user`, only its booker (or an admin) may.

        Raises:
            NotFound: no such booking in this team.
            NotAllowed: someone else's booking.
        """

        def check(row: m.Booking) -> None:
            if acting_user is not None and not may_change(
                owner_user_id=row.slack_user_id, acting_user=acting_user, is_admin=is_admin
            ):
                raise NotAllowed(NotAllowedReason.CANCEL_BOOKING)

        return self._update(team_id, booking_id, status=m.BOOKING_CANCELLED, check=check)

    def get(self, team_id: str, booking_id: int) -> BookingRecord:
        """Raises NotFound when there is no such booking in this team."""
        return self._read(lambda session: _booking_record(_booking_row(session, team_id, booking_id)))

    def for_user(
        self,
        team_id: str,
        *,
        user_id: str,
        start_after: datetime | None = None,
        statuses: Sequence[str] = UPCOMING_BOOKING_STATUSES,
        limit: int = 50,
    ) -> list[BookingRecord]:
        """The user's bookings ending after `start_after` (upcoming and ongoing), soonest first."""

        def work(session: Session) -> list[BookingRecord]:
            query = select(m.Booking).where(
                m.Booking.team_id == team_id, m.Booking.slack_user_id == user_id, m.Booking.status.in_(list(statuses))
            )
            if start_after is not None:
                query = query.where(m.Booking.end_at > start_after)
            rows = session.scalars(query.order_by(m.Booking.start_at, m.Booking.id).limit(limit))
            return [_booking_record(row) for row in rows]

        return self._read(work)

    def find_active(self, team_id: str, room_id: str, start: datetime, end: datetime) -> BookingRecord | None:
        """An active booking roombot holds on the room overlapping [start, end), if any."""

        def work(session: Session) -> BookingRecord | None:
            row = session.scalar(
                select(m.Booking)
                .where(
                    m.Booking.team_id == team_id,
                    m.Booking.room_id == room_id,
                    m.Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                    m.Booking.start_at < end,
                    m.Booking.end_at > start,
                )
                .order_by(m.Booking.start_at, m.Booking.id)
                .limit(1)
            )
            return _booking_record(row) if row else None

        return self._read(work)

    # --- approval follow-up ------------------------------------------------------------------

    def awaiting_approval(self, team_id: str, *, now: datetime, limit: int = 50) -> list[BookingRecord]:
        """Pending bookings whose next approval check is due and whose meeting has not ended."""

        def work(session: Session) -> list[BookingRecord]:
            query = select(m.Booking).where(
                m.Booking.team_id == team_id,
                m.Booking.status == m.BOOKING_PENDING,
                m.Booking.event_id.is_not(None),
                m.Booking.end_at > now,
                or_(m.Booking.approval_check_at.is_(None), m.Booking.approval_check_at <= now),
            )
            rows = session.scalars(query.order_by(m.Booking.approval_check_at, m.Booking.id).limit(limit))
            return [_booking_record(row) for row in rows]

        return self._read(work)

    def approval_undecided(self, team_id: str, booking_id: int, *, next_check_at: datetime) -> BookingRecord:
        """Still pending: count the check and set the next one."""

        def work(session: Session) -> BookingRecord:
            row = _booking_row(session, team_id, booking_id)
            row.approval_checks = (row.approval_checks or 0) + 1
            row.approval_check_at = next_check_at
            row.updated_at = self._clock()
            session.flush()
            return _booking_record(row)

        return self._run(work)

    def approval_decided(self, team_id: str, booking_id: int, *, status: str) -> BookingRecord | None:
        """Move a pending booking to its outcome (booked, declined or cancelled); None when it is no
        longer pending (cancelled meanwhile, or decided by another run)."""

        def work(session: Session) -> BookingRecord | None:
            row = _booking_row(session, team_id, booking_id)
            if row.status != m.BOOKING_PENDING:
                return None
            row.status = status
            row.approval_checks = (row.approval_checks or 0) + 1
            row.approval_check_at = None
            row.updated_at = self._clock()
            session.flush()
            return _booking_record(row)

        return self._run(work)

    def outcomes_to_tell(self, team_id: str, *, limit: int = 50) -> list[BookingRecord]:
        """Approval outcomes learned by the follow-up that the booker was not told yet."""

        def work(session: Session) -> list[BookingRecord]:
            query = select(m.Booking).where(
                m.Booking.team_id == team_id,
                m.Booking.status.in_([m.BOOKING_BOOKED, m.BOOKING_DECLINED]),
                m.Booking.approval_checks.is_not(None),
                m.Booking.outcome_notified_at.is_(None),
            )
            return [_booking_record(row) for row in session.scalars(query.order_by(m.Booking.id).limit(limit))]

        return self._read(work)

    def outcome_told(self, team_id: str, booking_id: int, *, at: datetime) -> None:
        def work(session: Session) -> None:
            _booking_row(session, team_id, booking_id).outcome_notified_at = at

        self._run(work)

    def team_ids_with_pending(self) -> list[str]:
        """Teams with bookings pending approval or outcomes not yet told."""

        def work(session: Session) -> list[str]:
            query = (
                select(m.Booking.team_id)
                .where(
                    or_(
                        m.Booking.status == m.BOOKING_PENDING,
                        and_(m.Booking.approval_checks.is_not(None), m.Booking.outcome_notified_at.is_(None)),
                    )
                )
                .distinct()
            )
            return list(session.scalars(query))

        return self._read(work)

    def _update(
        self, team_id: str, booking_id: int, *, check: Callable[[m.Booking], None] | None = None, **values: Any
    ) -> BookingRecord:
        def work(session: Session) -> BookingRecord:
            row = _booking_row(session, team_id, booking_id)
            if check is not None:
                check(row)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = self._clock()
            session.flush()
            return _booking_record(row)

        return self._run(work)


def _booking_row(session: Session, team_id: str, booking_id: int) -> m.Booking:
    row = session.scalar(select(m.Booking).where(m.Booking.team_id == team_id, m.Booking.id == booking_id))
    if row is None:
        raise NotFound("booking", str(booking_id))
    return row


def _booking_record(row: m.Booking) -> BookingRecord:
    return BookingRecord(
        id=row.id,
        team_id=row.team_id,
        idempotency_key=row.idempotency_key,
        slack_user_id=row.slack_user_id,
        room_id=row.room_id,
        room_name=row.room_name,
        start=row.start_at,
        end=row.end_at,
        status=row.status,
        event_id=row.event_id,
        organizer_union_id=row.organizer_union_id,
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        error=row.error,
        created_at=row.created_at,
        updated_at=row.updated_at,
        approval_checks=row.approval_checks,
    )


__all__ = ["ACTIVE_BOOKING_STATUSES", "UPCOMING_BOOKING_STATUSES", "BookingsRepository"]
