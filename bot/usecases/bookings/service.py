"""Booking and cancelling rooms in DingTalk, safely.

The flow: check the window and the room's own booking rules first, so a violation is explained
before DingTalk is called; record the attempt in the store under an idempotency key; create the
event in the organizer's calendar; add the room; on any failure while adding the room, delete the
event again so nothing is left half-booked.

The store's unique idempotency key decides the winner across threads and processes; see
`bot.usecases.bookings.rules` for how keys are made and chained.

This module decides and books; `bot.usecases.bookings.usecase` turns the outcomes into replies.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.config import Clock, Settings
from bot.dingtalk import DingTalkClient
from bot.domain.models import BUSY, TENTATIVE, Room, ScheduleItem
from bot.domain.policy import may_change
from bot.errors import (
    AccountNotLinked,
    BookingRuleViolation,
    DingTalkError,
    ItemNotFound,
    LimitExceeded,
    LimitReason,
    NotAllowed,
    NotAllowedReason,
    RoomBusy,
    SearchHeld,
    StoreError,
    UnknownRoom,
)
from bot.present import messages
from bot.schedules import ScheduleProvider
from bot.store import (
    BOOKING_BOOKED,
    BOOKING_CANCELLED,
    BOOKING_PENDING,
    BOOKING_REQUESTED,
    BookingRecord,
    Store,
)
from bot.usecases.bookings.rules import check_rules, check_window, client_token, next_key

# An attempt still "requested" after this long was abandoned (a crashed worker): resume it.
# Resuming is safe because every DingTalk call repeats with the same x-client-token.
STALE_ATTEMPT = timedelta(minutes=2)
# How many failed or cancelled attempts one button may be retried after.
MAX_ATTEMPTS = 20
BookingStatus = Literal["booked", "pending", "in_progress", "busy", "taken"]
CancelStatus = Literal["cancelled", "already_cancelled", "ended", "not_active"]


@dataclass(frozen=True)
class BookingOutcome:
    """What became of a booking request.

    Attributes:
        status: "booked"; "pending" (the room's administrator must approve); "in_progress" (the
            same action is being booked right now, by a double click or a retried delivery);
            "busy" (someone took the room first; nothing was left behind); "taken" (the room was
            already booked then, as far as the last minute's schedule shows: nothing was asked of
            DingTalk).
        booking: the store's record of the attempt.
        room: the room, from the synced directory.
        on_behalf: booked with the operator account because the user has no linked account.
        replayed: the outcome of an earlier identical action, not a new booking.
    """

    status: BookingStatus
    booking: BookingRecord
    room: Room
    on_behalf: bool = False
    replayed: bool = False


@dataclass(frozen=True)
class CancelOutcome:
    """What became of a cancel request: "cancelled", or why nothing needed doing."""

    status: CancelStatus
    booking: BookingRecord


@dataclass(kw_only=True, eq=False)
class BookingService:
    """Book and cancel rooms: DingTalk calls, the store's records and the schedule cache."""

    settings: Settings
    store: Store
    dingtalk: DingTalkClient
    schedules: ScheduleProvider
    clock: Clock
    log: logging.Logger
    # Failures the store could not record (it was down): booking id -> (team, reason). Written
    # as soon as the store is back, so a retry is not told "already booking" for minutes.
    _unrecorded: dict[int, tuple[str, str]] = field(default_factory=dict, init=False)
    _unrecorded_lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    # --- booking -----------------------------------------------------------------------------

    def book(
        self,
        *,
        team_id: str,
        user_id: str,
        user_name: str,
        room_id: str,
        start: datetime,
        end: datetime,
        idempotency_key: str,
        tz: str,
        channel_id: str | None = None,
        message_ts: str | None = None,
    ) -> BookingOutcome:
        """Book `room_id` for [start, end) for a Slack user, once per idempotency key.

        Raises:
            UnknownRoom: the room is not in the synced directory.
            BookingRuleViolation: the window is over, or the room's rules forbid it.
            AccountNotLinked: the user has no linked account and the settings refuse.
            DingTalkError: DingTalk refused (EventLimitReached, PermissionMissing, ...) or is down;
                nothing was left half-booked.
        """
        self._record_deferred_failures()
        room = self.store.rooms.get_many(team_id, [room_id]).get(room_id)
        if room is None:
            raise UnknownRoom(room_id)
        check_window(start, end, now=self.clock(), room_name=room.name)
        organizer, on_behalf = self._organizer(team_id, user_id)
        key = idempotency_key
        for _ in range(MAX_ATTEMPTS):
            record, created = self.store.bookings.begin(
                team_id,
                idempotency_key=key,
                slack_user_id=user_id,
                room_id=room_id,
                room_name=room.name,
                start=start,
                end=end,
                organizer_union_id=organizer,
                channel_id=channel_id,
                message_ts=message_ts,
            )
            if created:
                return self._attempt(record, room, user_id=user_id, user_name=user_name, tz=tz, on_behalf=on_behalf)
            if record.status in (BOOKING_BOOKED, BOOKING_PENDING):
                status: BookingStatus = "pending" if record.status == BOOKING_PENDING else "booked"
                return BookingOutcome(status, record, room, on_behalf=self._is_operator(record), replayed=True)
            if record.status == BOOKING_REQUESTED:
                updated = record.updated_at or record.created_at
                if updated is not None and self.clock() - _aware(updated) > STALE_ATTEMPT:
                    self.log.warning("resuming abandoned booking attempt %s", record.id)
                    return self._attempt(
                        record, room, user_id=user_id, user_name=user_name, tz=tz, on_behalf=self._is_operator(record)
                    )
                return BookingOutcome("in_progress", record, room, on_behalf=self._is_operator(record), replayed=True)
            # Failed or cancelled since: this click is a new attempt under the next key of the chain.
            key = next_key(key, record.id)
        raise LimitExceeded(LimitReason.BOOKING_ATTEMPTS, limit=MAX_ATTEMPTS)

    def _organizer(self, team_id: str, user_id: str) -> tuple[str, bool]:
        """The unionId that organizes the event, and whether it is the operator's on the user's behalf."""
        user = self.store.users.get(team_id, user_id)
        if user is not None and user.union_id:
            return user.union_id, False
        operator = self.settings.dingtalk_operator_union_id
        if self.settings.unlinked_booking == "refuse" or not operator:
            raise AccountNotLinked(f"user {user_id} has no linked DingTalk account")
        return operator, True

    def _is_operator(self, record: BookingRecord) -> bool:
        operator = self.settings.dingtalk_operator_union_id
        return bool(operator) and record.organizer_union_id == operator

    def _attempt(
        self, record: BookingRecord, room: Room, *, user_id: str, user_name: str, tz: str, on_behalf: bool
    ) -> BookingOutcome:
        organizer = record.organizer_union_id or ""
        key = record.idempotency_key
        try:
            detail = self.dingtalk.get_room(self.settings.dingtalk_operator_union_id or organizer, record.room_id)
            check_rules(detail, record.start, record.end, now=self.clock(), zone=self.settings.default_zone)
        except BaseException as exc:
            self._fail(record, exc)
            raise
        if self._already_taken(record):
            # Known busy from the schedule the user just saw: no event to create and delete again.
            self._fail(record, RoomBusy("already booked in the schedule"))
            return BookingOutcome("taken", record, room, on_behalf=on_behalf)
        try:
            event = self.dingtalk.create_event(
                organizer,
                summary=messages.booking_event_summary(self.settings.event_title, user_name),
                description=messages.booking_event_description(user_name, user_id, on_behalf=on_behalf),
                start=record.start,
                end=record.end,
                time_zone=tz,
                location=room.name,
                client_token=client_token(key, "create"),
            )
        except BaseException as exc:
            self._fail(record, exc)
            raise
        try:
            self.dingtalk.add_rooms(organizer, event.event_id, [record.room_id], client_token=client_token(key, "add"))
        except BaseException as exc:
            self._undo(organizer, event.event_id, key)
            self._fail(record, exc)
            self._invalidate(record)
            if isinstance(exc, RoomBusy):
                self.log.info("room %s was taken before booking %s could add it", record.room_id, record.id)
                return BookingOutcome("busy", record, room, on_behalf=on_behalf)
            raise
        status = BOOKING_PENDING if detail.approval_required else BOOKING_BOOKED
        if detail.approval_required:
            status = self._approval_status(organizer, event.event_id, record.room_id)
        try:
            done = self.store.bookings.complete(record.team_id, record.id, event_id=event.event_id, status=status)
        except BaseException as exc:
            # The store could not record it: release the room rather than keep a booking nobody can see.
            self.log.error("could not record booking %s; releasing event %s", record.id, event.event_id)
            self._undo(organizer, event.event_id, key)
            self._fail(record, exc)
            self._invalidate(record)
            raise
        self._record_in_cache(done, add=True)
        return BookingOutcome("pending" if status == BOOKING_PENDING else "booked", done, room, on_behalf=on_behalf)

    def _already_taken(self, record: BookingRecord) -> bool:
        """Whether the room's schedule (the shared cache, or one call) shows a booking in the window."""
        try:
            schedules = self.schedules.get(
                record.team_id, [record.room_id], record.start, record.end, self.settings.default_zone
            )
        except (DingTalkError, SearchHeld):
            return False  # let the booking itself find out
        schedule = schedules.by_room.get(record.room_id)
        if schedule is None or schedule.error:
            return False
        return any(item.start < record.end and item.end > record.start for item in schedule.items)

    def _approval_status(self, organizer: str, event_id: str, room_id: str) -> str:
        """ "pending" while the room's administrator has not approved, else "booked"."""
        try:
            event = self.dingtalk.get_event(organizer, event_id)
        except DingTalkError:
            self.log.warning("could not read event %s back; assuming approval is pending", event_id, exc_info=True)
            return BOOKING_PENDING
        status = next((room.status for room in event.meeting_rooms if room.room_id == room_id), "")
        return BOOKING_BOOKED if status.lower() == "accepted" else BOOKING_PENDING

    def _undo(self, organizer: str, event_id: str, key: str) -> None:
        """Delete an event whose room could not be added (compensation); log an orphan if that fails too."""
        try:
            self.dingtalk.delete_event(organizer, event_id, client_token=client_token(key, "undo"))
        except ItemNotFound:
            pass
        except Exception:
            self.log.error("could not delete event %s after a failed booking: it is left without a room", event_id)

    def _fail(self, record: BookingRecord, exc: BaseException) -> None:
        reason = _reason(exc)
        try:
            self.store.bookings.fail(record.team_id, record.id, reason)
        except StoreError:
            self.log.warning("could not mark booking %s failed (%s); will retry", record.id, reason, exc_info=True)
            with self._unrecorded_lock:
                self._unrecorded[record.id] = (record.team_id, reason)

    def _record_deferred_failures(self) -> None:
        """Write the failures the store missed while it was down (stops at the first that still fails)."""
        with self._unrecorded_lock:
            pending = list(self._unrecorded.items())
        for booking_id, (team_id, reason) in pending:
            try:
                self.store.bookings.fail(team_id, booking_id, reason)
            except StoreError:
                return
            except Exception:
                self.log.warning("could not mark booking %s failed; giving up", booking_id, exc_info=True)
            with self._unrecorded_lock:
                self._unrecorded.pop(booking_id, None)

    def _record_in_cache(self, record: BookingRecord, *, add: bool) -> None:
        """The cache learns roombot's own booking or cancellation at once, without spending a call."""
        if not record.event_id:
            self._invalidate(record)
            return
        try:
            if add:
                status = TENTATIVE if record.status == BOOKING_PENDING else BUSY
                item = ScheduleItem(
                    status=status,
                    start=record.start,
                    end=record.end,
                    event_id=record.event_id,
                    organizer_id=record.organizer_union_id,
                )
                self.schedules.record_booking(record.team_id, record.room_id, item)
            else:
                self.schedules.record_cancel(record.team_id, record.room_id, record.event_id)
        except Exception:
            # The booking stands whatever happens here; a cache that cannot learn it forgets the room instead.
            self.log.warning("could not update the cached schedule of %s", record.room_id, exc_info=True)
            self._invalidate(record)

    def _invalidate(self, record: BookingRecord) -> None:
        try:
            self.schedules.invalidate(record.team_id, [record.room_id])
        except StoreError:
            self.log.warning("could not invalidate the cached schedule of %s", record.room_id, exc_info=True)

    # --- cancelling --------------------------------------------------------------------------

    def cancel(self, *, team_id: str, user_id: str, booking_id: int, is_admin: bool) -> CancelOutcome:
        """Cancel a booking made through roombot: delete its event (or remove the room, per the setting).

        Raises:
            NotFound: no such booking in this team.
            NotAllowed: someone else's booking, and the user is not an admin.
            DingTalkError: DingTalk refused or is down; the booking stays as it was.
        """
        record = self.store.bookings.get(team_id, booking_id)
        if not may_change(owner_user_id=record.slack_user_id, acting_user=user_id, is_admin=is_admin):
            raise NotAllowed(NotAllowedReason.CANCEL_BOOKING)
        if record.status == BOOKING_CANCELLED:
            return CancelOutcome("already_cancelled", record)
        if record.status not in (BOOKING_BOOKED, BOOKING_PENDING):
            return CancelOutcome("not_active", record)
        if _aware(record.end) <= self.clock():
            return CancelOutcome("ended", record)
        organizer = record.organizer_union_id or self.settings.dingtalk_operator_union_id or ""
        if record.event_id:
            token = client_token(record.idempotency_key, f"cancel-{record.id}")
            try:
                if self.settings.cancel_mode == "remove_room":
                    self.dingtalk.remove_rooms(organizer, record.event_id, [record.room_id], client_token=token)
                else:
                    self.dingtalk.delete_event(organizer, record.event_id, client_token=token)
            except ItemNotFound:
                self.log.info("event of booking %s was already gone in DingTalk", record.id)
        done = self.store.bookings.cancel(team_id, booking_id, acting_user=user_id, is_admin=is_admin)
        self._record_in_cache(done, add=False)
        return CancelOutcome("cancelled", done)

    # --- listing -----------------------------------------------------------------------------

    def upcoming(self, *, team_id: str, user_id: str) -> list[BookingRecord]:
        """The user's bookings through roombot that have not ended, soonest first."""
        return self.store.bookings.for_user(team_id, user_id=user_id, start_after=self.clock())

    def starting_at(self, *, team_id: str, user_id: str, start: datetime, zone: ZoneInfo) -> list[BookingRecord]:
        """The user's upcoming bookings starting at `start`; else those starting at that time of day.

        "cancel my 2pm booking" names a time and often no day: today's 2pm when there is one,
        otherwise any upcoming booking at 2pm.
        """
        bookings = self.upcoming(team_id=team_id, user_id=user_id)
        exact = [booking for booking in bookings if _aware(booking.start) == start]
        if exact:
            return exact
        wanted = start.astimezone(zone).time()
        return [booking for booking in bookings if _aware(booking.start).astimezone(zone).time() == wanted]


def _aware(moment: datetime) -> datetime:
    """A naive datetime from a database is UTC; make it comparable."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _reason(exc: BaseException) -> str:
    """A short reason for the store (an error code; never a secret or a user's text)."""
    if isinstance(exc, BookingRuleViolation):
        return f"rule:{exc.rule}"
    if isinstance(exc, DingTalkError):
        return exc.code or type(exc).__name__
    return type(exc).__name__


__all__ = ["BookingOutcome", "BookingService", "BookingStatus", "CancelOutcome", "CancelStatus"]
