"""`BookingsRepository`: bookings roombot made, one per idempotency key, and their outcome."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.policy import may_change
from bot.errors import NotAllowed, NotAllowedReason, NotFound
from bot.store import models as m
from bot.store.base import Repository, rowcount, to_record
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
        lease: timedelta = timedelta(0),
    ) -> tuple[BookingRecord, bool]:
        """Record a booking about to be made, once per idempotency key.

        Returns the booking and True, or, when the key was seen before (a double click, a retried
        delivery, another process racing), the existing booking and False. A new booking is
        leased to its caller for `lease` (nobody else resumes it meanwhile), and its booker is
        owed the final answer until the caller says it was given.
        """

        def existing(session: Session) -> BookingRecord | None:
            row = session.scalar(
                select(m.Booking).where(m.Booking.team_id == team_id, m.Booking.idempotency_key == idempotency_key)
            )
            return booking_record(row) if row else None

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
                attempts=1,
                next_check_at=now + lease,
                release=False,
                notify=m.NOTIFY_OWED,
            )
            session.add(row)
            session.flush()
            return booking_record(row), True

        def lost_race(exc: IntegrityError) -> tuple[BookingRecord, bool]:
            found = self._read(existing)
            if found is None:
                raise exc
            return found, False

        return self._run(work, on_conflict=lost_race)

    def complete(
        self, team_id: str, booking_id: int, *, event_id: str, status: str = m.BOOKING_BOOKED, told: bool = True
    ) -> BookingRecord:
        """DingTalk accepted: `status` is "booked", or "pending" when the room needs approval.

        `told`: the caller answers the clicker with this outcome (a user told "in progress" meanwhile is
        still owed it); else whoever is owed the answer stays owed it.
        """
        if status not in (m.BOOKING_BOOKED, m.BOOKING_PENDING):
            raise ValueError(f"a completed booking is booked or pending, not {status!r}")
        return self._settle(team_id, booking_id, told=told, event_id=event_id, status=status, error=None, release=False)

    def fail(self, team_id: str, booking_id: int, error: str, *, told: bool = True) -> BookingRecord:
        """DingTalk refused and holds nothing of it; `error` is a short code or reason (never a secret)."""
        return self._settle(team_id, booking_id, told=told, status=m.BOOKING_FAILED, error=error[:2000], release=False)

    def record_event(self, team_id: str, booking_id: int, event_id: str) -> BookingRecord:
        """DingTalk created the booking's event: written at once, so that a crash cannot lose it."""
        return self._update(team_id, booking_id, event_id=event_id)

    def refuse_later(self, team_id: str, booking_id: int, error: str, *, told: bool = True) -> BookingRecord:
        """Refused, but releasing what DingTalk holds failed: the reconciler releases it, then marks it failed."""
        return self._update(
            team_id,
            booking_id,
            status=m.BOOKING_REQUESTED,
            release=True,
            error=error[:2000],
            next_check_at=self._clock(),
            notify=_keep_promise(told),
        )

    def defer(self, team_id: str, booking_id: int, *, error: str, check_at: datetime, promised: bool) -> BookingRecord:
        """The outcome is unknown (DingTalk did not answer): look again at `check_at`.

        `promised`: the user was told "in progress" and is owed the final answer.
        """
        values: dict[str, Any] = {"error": error[:2000], "next_check_at": check_at}
        if promised:
            values["notify"] = m.NOTIFY_PROMISED
        return self._update(team_id, booking_id, **values)

    def promise(self, team_id: str, booking_id: int) -> None:
        """The user was told "in progress": whoever settles the booking owes them the final answer."""
        self._run(
            lambda session: session.execute(
                update(m.Booking)
                .where(m.Booking.team_id == team_id, m.Booking.id == booking_id)
                .values(notify=m.NOTIFY_PROMISED)
            )
        )

    def told(self, team_id: str, booking_id: int) -> None:
        """The final answer reached the user."""
        self._run(
            lambda session: session.execute(
                update(m.Booking).where(m.Booking.team_id == team_id, m.Booking.id == booking_id).values(notify=None)
            )
        )

    def claim(self, team_id: str, booking_id: int, *, now: datetime, until: datetime) -> BookingRecord | None:
        """Take an unsettled booking whose lease ran out, until `until`; None when it is settled or someone holds it.

        One conditional UPDATE, so two processes (a click and the reconciler) never work on it at once.
        """

        def work(session: Session) -> BookingRecord | None:
            result = session.execute(
                update(m.Booking)
                .where(
                    m.Booking.team_id == team_id,
                    m.Booking.id == booking_id,
                    m.Booking.status == m.BOOKING_REQUESTED,
                    or_(m.Booking.next_check_at.is_(None), m.Booking.next_check_at <= now),
                )
                .values(next_check_at=until, attempts=m.Booking.attempts + 1, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if rowcount(result) != 1:
                return None
            row = session.scalar(select(m.Booking).where(m.Booking.team_id == team_id, m.Booking.id == booking_id))
            return booking_record(row) if row is not None else None

        return self._run(work)

    def by_key(self, team_id: str, idempotency_key: str) -> BookingRecord | None:
        """The booking of one key (the marker roombot writes in its events names the key)."""

        def work(session: Session) -> BookingRecord | None:
            row = session.scalar(
                select(m.Booking).where(m.Booking.team_id == team_id, m.Booking.idempotency_key == idempotency_key)
            )
            return booking_record(row) if row else None

        return self._read(work)

    def unsettled(self, team_id: str, *, due_at: datetime | None = None, limit: int = 200) -> list[BookingRecord]:
        """Bookings not in a final state (oldest first); with `due_at`, only those due for a check by then."""

        def work(session: Session) -> list[BookingRecord]:
            query = select(m.Booking).where(m.Booking.team_id == team_id, m.Booking.status == m.BOOKING_REQUESTED)
            if due_at is not None:
                query = query.where(or_(m.Booking.next_check_at.is_(None), m.Booking.next_check_at <= due_at))
            rows = session.scalars(query.order_by(m.Booking.id).limit(limit))
            return [booking_record(row) for row in rows]

        return self._read(work)

    def owed_answers(self, team_id: str, *, limit: int = 200) -> list[BookingRecord]:
        """Settled bookings whose user was promised the final answer and has not had it."""

        def work(session: Session) -> list[BookingRecord]:
            rows = session.scalars(
                select(m.Booking)
                .where(
                    m.Booking.team_id == team_id,
                    m.Booking.status != m.BOOKING_REQUESTED,
                    m.Booking.notify.is_not(None),
                )
                .order_by(m.Booking.id)
                .limit(limit)
            )
            return [booking_record(row) for row in rows]

        return self._read(work)

    def team_ids_with_work(self) -> list[str]:
        """The teams with a booking unsettled or an answer owed (the reconciler's round; ids only)."""

        def work(session: Session) -> list[str]:
            query = (
                select(m.Booking.team_id)
                .where(or_(m.Booking.status == m.BOOKING_REQUESTED, m.Booking.notify.is_not(None)))
                .distinct()
                .order_by(m.Booking.team_id)
            )
            return list(session.scalars(query))

        return self._read(work)

    def _settle(self, team_id: str, booking_id: int, *, told: bool, **values: Any) -> BookingRecord:
        return self._update(team_id, booking_id, next_check_at=None, notify=_keep_promise(told), **values)

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
        return self._read(lambda session: booking_record(_booking_row(session, team_id, booking_id)))

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
            return [booking_record(row) for row in rows]

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
            return booking_record(row) if row else None

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
            return [booking_record(row) for row in rows]

        return self._read(work)

    def approval_undecided(self, team_id: str, booking_id: int, *, next_check_at: datetime) -> BookingRecord:
        """Still pending: count the check and set the next one."""
        return self._update(team_id, booking_id, check=_count_approval_check, approval_check_at=next_check_at)

    def approval_decided(self, team_id: str, booking_id: int, *, status: str) -> BookingRecord | None:
        """Move a pending booking to its outcome (booked, declined or cancelled); None when it is no
        longer pending (cancelled meanwhile, or decided by another run)."""

        def work(session: Session) -> BookingRecord | None:
            row = _booking_row(session, team_id, booking_id)
            if row.status != m.BOOKING_PENDING:
                return None
            row.status = status
            _count_approval_check(row)
            row.approval_check_at = None
            row.updated_at = self._clock()
            session.flush()
            return booking_record(row)

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
            return [booking_record(row) for row in session.scalars(query.order_by(m.Booking.id).limit(limit))]

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
        """Set `values` on the booking and stamp it; `check` sees (and may refuse or count on) the row first."""

        def work(session: Session) -> BookingRecord:
            row = _booking_row(session, team_id, booking_id)
            if check is not None:
                check(row)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = self._clock()
            session.flush()
            return booking_record(row)

        return self._run(work)


def _keep_promise(told: bool) -> Any:
    """The `notify` value once the caller answered the clicker (`told`), or not (left as it is).

    A SQL expression, evaluated under the row's lock, so a promise written by another process
    just before is never overwritten.
    """
    if not told:
        return m.Booking.notify
    return case((m.Booking.notify == m.NOTIFY_PROMISED, m.NOTIFY_PROMISED), else_=None)


def _booking_row(session: Session, team_id: str, booking_id: int) -> m.Booking:
    row = session.scalar(select(m.Booking).where(m.Booking.team_id == team_id, m.Booking.id == booking_id))
    if row is None:
        raise NotFound("booking", str(booking_id))
    return row


def booking_record(row: m.Booking) -> BookingRecord:
    """A booking row as a record (the check-in repository reads bookings too)."""
    return to_record(
        BookingRecord,
        row,
        start=row.start_at,
        end=row.end_at,
        attempts=row.attempts or 0,
        release=bool(row.release),
    )


def _count_approval_check(row: m.Booking) -> None:
    row.approval_checks = (row.approval_checks or 0) + 1


__all__ = ["ACTIVE_BOOKING_STATUSES", "UPCOMING_BOOKING_STATUSES", "BookingsRepository", "booking_record"]
