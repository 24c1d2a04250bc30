"""Booking and cancelling rooms in DingTalk, safely.

The flow: check the window and the room's own booking rules first, so a violation is explained
before DingTalk is called; write the booking down (its intent, under its key) before the first
DingTalk call; create the event in the organizer's calendar, and write its id down as soon as
DingTalk returns it; add the room. When the room cannot be added, delete the event again so
nothing is left half-booked.

A booking ends in a final state: booked, pending (approval), failed (refused: DingTalk holds
nothing of it) or cancelled. When DingTalk's answer is lost (a timeout, a crash, an unreadable
reply) nothing is assumed: the booking stays `requested`, the user is told it is in progress, and
the next click or the reconciler (`bot.usecases.bookings.reconcile`) carries it on with the same
`x-client-token`s, so DingTalk recognises every repeat. The store's unique idempotency key decides
the winner across threads and processes, and a lease (`claim`) lets one of them work on a
booking at a time; see `bot.usecases.bookings.rules` for how keys are made and chained.

This module decides and books; `bot.usecases.bookings.usecase` turns the outcomes into replies.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain.models import BUSY, TENTATIVE, Event, Room, ScheduleItem
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
from bot.store import (
    BOOKING_BOOKED,
    BOOKING_CANCELLED,
    BOOKING_PENDING,
    BOOKING_REQUESTED,
    BookingRecord,
)
from bot.usecases.bookings.rules import (
    check_rules,
    check_window,
    client_token,
    event_marker,
    next_key,
    outcome_unknown,
)
from bot.usecases.context import Asker, Backends, linked_union_id

# How many refused or cancelled attempts one booking may be retried after.
MAX_ATTEMPTS = 20
BookingStatus = Literal["booked", "pending", "in_progress", "unconfirmed", "busy", "taken"]
CancelStatus = Literal["cancelled", "already_cancelled", "ended", "not_active"]


@dataclass(frozen=True)
class BookingOutcome:
    """What became of a booking request.

    Attributes:
        status: "booked"; "pending" (the room's administrator must approve); "in_progress" (the
            same booking is being made right now, by a double click or a retried delivery);
            "unconfirmed" (DingTalk's answer was lost: it is checked again, and the user is told
            the outcome); "busy" (someone took the room first; nothing is kept); "taken" (the room
            was already booked then, as far as the last minute's schedule shows: nothing was asked
            of DingTalk). For "in_progress" and "unconfirmed" the user is owed the final answer,
            which the reconciler delivers.
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
    event: Event | None = None  # the event as created (this attempt only; None for a replay)


@dataclass(frozen=True, kw_only=True)
class BookingAsk:
    """One booking as a button or a command asks for it: the room and the window, the key that
    every click and retry of it carries (`rules.booking_key`), and the Slack message the button
    was on, if any."""

    room_id: str
    start: datetime
    end: datetime
    idempotency_key: str
    message_ts: str | None = None


@dataclass(frozen=True)
class Invitation:
    """Who to invite with a booking (unionIds), and whether to add a DingTalk video meeting."""

    attendees: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    video: bool = False


@dataclass(frozen=True)
class CancelOutcome:
    """What became of a cancel request: "cancelled", or why nothing needed doing."""

    status: CancelStatus
    booking: BookingRecord


@dataclass(frozen=True, kw_only=True)
class _EventDetails:
    """What a booking's event says beyond its room and window: whose name, in which zone, and whom
    it invites."""

    user_name: str
    tz: str
    invitation: Invitation | None


class _Unsure(Exception):
    """DingTalk may or may not have done it: the booking stays unsettled (internal)."""


@dataclass(kw_only=True, eq=False)
class BookingService:
    """Book and cancel rooms: DingTalk calls, the store's records and the schedule cache."""

    backends: Backends
    # Failures the store could not record (it was down): booking id -> (team, reason). Written
    # as soon as the store is back, so a retry is not told "already booking" for minutes.
    _unrecorded: dict[int, tuple[str, str]] = field(default_factory=dict, init=False)
    _unrecorded_lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.backends.settings.booking_lease_s)

    # --- booking -----------------------------------------------------------------------------

    def book(self, asker: Asker, ask: BookingAsk, *, invitation: Invitation | None = None) -> BookingOutcome:
        """Book the asked room for [start, end) for the asker, once per idempotency key.

        With an `invitation`, the event is made in the user's own name only (a linked account,
        never the shared one) and invites the attendees, with a video meeting when asked.

        The asker's name names them in the event, and their zone is the event's. The ask's
        `idempotency_key` names the logical booking: every click and retry of it carries the same
        key until the booking is settled.

        Raises:
            UnknownRoom: the room is not in the synced directory.
            BookingRuleViolation: the window is over, or the room's rules forbid it.
            AccountNotLinked: the user has no linked account and the settings refuse.
            DingTalkError: DingTalk refused (EventLimitReached, PermissionMissing, ...) or is down
                before anything was written; nothing is held in DingTalk.
        """
        self._record_deferred_failures()
        team_id, user_id = asker.team_id, asker.user_id
        details = _EventDetails(user_name=asker.user_name, tz=asker.zone.key, invitation=invitation)
        room = self.backends.store.rooms.get_many(team_id, [ask.room_id]).get(ask.room_id)
        if room is None:
            raise UnknownRoom(ask.room_id)
        check_window(ask.start, ask.end, now=self.backends.clock(), room_name=room.name)
        organizer, on_behalf = self._organizer(team_id, user_id, own_name=invitation is not None)
        key = ask.idempotency_key
        for _ in range(MAX_ATTEMPTS):
            record, created = self.backends.store.bookings.begin(
                team_id,
                idempotency_key=key,
                slack_user_id=user_id,
                room_id=ask.room_id,
                room_name=room.name,
                start=ask.start,
                end=ask.end,
                organizer_union_id=organizer,
                channel_id=asker.channel_id,
                message_ts=ask.message_ts,
                lease=self.lease,
            )
            if created:
                return self._attempt(record, room, details, on_behalf=on_behalf, resumed=False)
            # A room given back (released or ended early) can be booked again by the same button.
            given_back = record.released_at is not None and record.release_reason != "skipped"
            if record.status in (BOOKING_BOOKED, BOOKING_PENDING) and not given_back:
                status: BookingStatus = "pending" if record.status == BOOKING_PENDING else "booked"
                return BookingOutcome(status, record, room, on_behalf=self._is_operator(record), replayed=True)
            if record.status == BOOKING_REQUESTED:
                return self._resume(record, room, details)
            # Refused, cancelled or given back since: this click is a new booking under the next key of the chain.
            key = next_key(key, record.id)
        raise LimitExceeded(LimitReason.BOOKING_ATTEMPTS, limit=MAX_ATTEMPTS)

    def _resume(self, record: BookingRecord, room: Room, details: _EventDetails) -> BookingOutcome:
        """A click on a booking not settled yet: carry it on if nobody else is, else say it is in progress."""
        now = self.backends.clock()
        on_behalf = self._is_operator(record)
        claimed = self.backends.store.bookings.claim(record.team_id, record.id, now=now, until=now + self.lease)
        if claimed is None:
            # Someone is booking it right now (or just settled it): whoever settles it owes this user the answer.
            self.backends.store.bookings.promise(record.team_id, record.id)
            return BookingOutcome("in_progress", record, room, on_behalf=on_behalf, replayed=True)
        self.backends.log.info("resuming unsettled booking %s (attempt %d)", claimed.id, claimed.attempts)
        if claimed.release:
            return self._release_refused(claimed, room, on_behalf=on_behalf)
        return self._attempt(claimed, room, details, on_behalf=on_behalf, resumed=True)

    def _organizer(self, team_id: str, user_id: str, *, own_name: bool = False) -> tuple[str, bool]:
        """The unionId that organizes the event, and whether it is the operator's on the user's behalf."""
        union_id = linked_union_id(self.backends.store, team_id, user_id)
        if union_id:
            return union_id, False
        operator = self.backends.settings.dingtalk_operator_union_id
        if own_name or self.backends.settings.unlinked_booking == "refuse" or not operator:
            raise AccountNotLinked(f"user {user_id} has no linked DingTalk account")
        return operator, True

    def _is_operator(self, record: BookingRecord) -> bool:
        operator = self.backends.settings.dingtalk_operator_union_id
        return bool(operator) and record.organizer_union_id == operator

    def _attempt(
        self, record: BookingRecord, room: Room, details: _EventDetails, *, on_behalf: bool, resumed: bool
    ) -> BookingOutcome:
        """Make the booking, or carry on one whose earlier attempt was cut short (`resumed`).

        Before the first DingTalk write, a failure refuses the booking outright. After it (or on
        any resumed booking, whose earlier create may have gone through), only a definite answer
        settles it; a lost one leaves it to be checked again.
        """
        organizer = record.organizer_union_id or ""
        try:
            detail = self.backends.dingtalk.get_room(
                self.backends.settings.dingtalk_operator_union_id or organizer, record.room_id
            )
            check_rules(
                detail,
                record.start,
                record.end,
                now=self.backends.clock(),
                zone=self.backends.settings.org_zone,
                booker=organizer or None,
            )
        except BaseException as exc:
            if not resumed:
                self._fail(record, exc)
                raise
            if outcome_unknown(exc) or not isinstance(exc, BookingRuleViolation) or record.event_id is None:
                # An event made by the cut-short attempt may exist unrecorded: the reconciler finds it by its marker.
                return self._unsure(record, room, exc, on_behalf=on_behalf)
            return self._refuse(record, room, exc, event_id=record.event_id, on_behalf=on_behalf)
        if not resumed and self._already_taken(record):
            # Known busy from the schedule the user just saw: no event to create and delete again.
            # (Not on a resumed booking: the schedule may show its own event.)
            self._fail(record, RoomBusy("already booked in the schedule"))
            return BookingOutcome("taken", record, room, on_behalf=on_behalf)
        try:
            event = self._create_event(record, room, details, on_behalf=on_behalf)
        except _Unsure as unsure:
            return self._unsure(record, room, unsure.__cause__ or unsure, on_behalf=on_behalf)
        except BaseException as exc:
            self._fail(record, exc)
            raise
        try:
            # A resumed booking may hold its room already (only the answer was lost): never ask twice.
            if not (resumed and self._holds_room(organizer, event.event_id, record.room_id)):
                self.backends.dingtalk.add_rooms(
                    organizer, event.event_id, [record.room_id], client_token=client_token(record.idempotency_key, "add")
                )
        except BaseException as exc:
            if outcome_unknown(exc):
                return self._unsure(record, room, exc, on_behalf=on_behalf)
            return self._refuse(record, room, exc, event_id=event.event_id, on_behalf=on_behalf)
        status = BOOKING_PENDING if detail.approval_required else BOOKING_BOOKED
        if detail.approval_required:
            status = self._approval_status(organizer, event.event_id, record.room_id)
        try:
            done = self.backends.store.bookings.complete(record.team_id, record.id, event_id=event.event_id, status=status)
        except BaseException as exc:
            # The store could not record it: release the room rather than keep a booking nobody can see.
            self.backends.log.error("could not record booking %s; releasing event %s", record.id, event.event_id)
            self._undo(organizer, event.event_id, record.idempotency_key)
            self._fail(record, exc)
            self._invalidate(record)
            raise
        self._record_in_cache(done, add=True)
        return BookingOutcome(
            "pending" if status == BOOKING_PENDING else "booked", done, room, on_behalf=on_behalf, event=event
        )

    def _create_event(self, record: BookingRecord, room: Room, details: _EventDetails, *, on_behalf: bool) -> Event:
        """Create the booking's event (a repeat returns the same one), and write its id down at once.

        Raises:
            _Unsure: DingTalk may have created it (its answer was lost).
            DingTalkError: DingTalk refused; nothing was created.
        """
        if record.event_id:
            return Event(event_id=record.event_id, summary="", start=record.start, end=record.end)
        user_name, invitation = details.user_name, details.invitation
        description = messages.booking_event_description(user_name, record.slack_user_id, on_behalf=on_behalf)
        try:
            event = self.backends.dingtalk.create_event(
                record.organizer_union_id or "",
                summary=messages.booking_event_summary(self.backends.settings.event_title, user_name),
                description=f"{description}\n\n{event_marker(record.team_id, record.idempotency_key)}",
                start=record.start,
                end=record.end,
                time_zone=details.tz,
                location=room.name,
                client_token=client_token(record.idempotency_key, "create"),
                attendees=invitation.attendees if invitation else (),
                optional_attendees=invitation.optional if invitation else (),
                online_meeting=bool(invitation and invitation.video),
            )
        except BaseException as exc:
            if outcome_unknown(exc):
                raise _Unsure() from exc
            raise
        try:
            self.backends.store.bookings.record_event(record.team_id, record.id, event.event_id)
        except StoreError:
            # The marker in the event still ties it to this booking; completing writes the id too.
            self.backends.log.warning("could not write event %s of booking %s yet", event.event_id, record.id, exc_info=True)
        return event

    def _unsure(self, record: BookingRecord, room: Room, exc: BaseException, *, on_behalf: bool) -> BookingOutcome:
        """DingTalk's answer was lost: keep the booking unsettled and promise the user its outcome."""
        self.backends.log.warning(
            "booking %s: DingTalk's answer was lost (%s); it will be checked again", record.id, _reason(exc)
        )
        try:
            # Due at once: the next click may carry it on, else the reconciler's next round does.
            kept = self.backends.store.bookings.defer(
                record.team_id, record.id, error=_reason(exc), check_at=self.backends.clock(), promised=True
            )
        except StoreError:
            self.backends.log.warning("could not note booking %s as unconfirmed; its lease runs out instead", record.id)
            kept = record
        if not isinstance(exc, Exception):
            raise exc  # KeyboardInterrupt, SystemExit: the booking waits for the reconciler
        return BookingOutcome("unconfirmed", kept, room, on_behalf=on_behalf)

    def _refuse(
        self, record: BookingRecord, room: Room, exc: BaseException, *, event_id: str | None, on_behalf: bool
    ) -> BookingOutcome:
        """DingTalk refused the room: delete the event (compensation), then answer "busy" or raise.

        If the event cannot be deleted now, the booking is marked to be released by the reconciler.
        """
        organizer = record.organizer_union_id or ""
        released = event_id is None or self._undo(organizer, event_id, record.idempotency_key)
        if released:
            self._fail(record, exc)
        else:
            try:
                self.backends.store.bookings.refuse_later(record.team_id, record.id, _reason(exc))
            except StoreError:
                self.backends.log.error("booking %s: event %s is left for the orphan sweep", record.id, event_id)
        self._invalidate(record)
        if isinstance(exc, RoomBusy):
            self.backends.log.info("room %s was taken before booking %s could add it", record.room_id, record.id)
            return BookingOutcome("busy", record, room, on_behalf=on_behalf)
        raise exc

    def _release_refused(self, record: BookingRecord, room: Room, *, on_behalf: bool) -> BookingOutcome:
        """A click on a refused booking whose event is still to be deleted: try again, else leave it to the reconciler."""
        organizer = record.organizer_union_id or ""
        if record.event_id is None or self._undo(organizer, record.event_id, record.idempotency_key):
            self._fail(record, RoomBusy(record.error or "refused"))
            return BookingOutcome("busy", record, room, on_behalf=on_behalf)
        self.backends.store.bookings.defer(
            record.team_id, record.id, error=record.error or "refused", check_at=self.backends.clock(), promised=True
        )
        return BookingOutcome("in_progress", record, room, on_behalf=on_behalf, replayed=True)

    def _already_taken(self, record: BookingRecord) -> bool:
        """Whether the room's schedule (the shared cache, or one call) shows a booking in the window."""
        try:
            schedules = self.backends.schedules.get(
                record.team_id, [record.room_id], record.start, record.end, self.backends.settings.default_zone
            )
        except (DingTalkError, SearchHeld):
            return False  # let the booking itself find out
        schedule = schedules.by_room.get(record.room_id)
        if schedule is None or schedule.error:
            return False
        return any(item.start < record.end and item.end > record.start for item in schedule.items)

    def _holds_room(self, organizer: str, event_id: str, room_id: str) -> bool:
        """Whether the event already has the room (accepted, or awaiting approval)."""
        event = self.backends.dingtalk.get_event(organizer, event_id)
        return any(room.room_id == room_id and room.status.lower() != "declined" for room in event.meeting_rooms)

    def _approval_status(self, organizer: str, event_id: str, room_id: str) -> str:
        """ "pending" while the room's administrator has not approved, else "booked"."""
        try:
            event = self.backends.dingtalk.get_event(organizer, event_id)
        except DingTalkError:
            self.backends.log.warning("could not read event %s back; assuming approval is pending", event_id, exc_info=True)
            return BOOKING_PENDING
        status = next((room.status for room in event.meeting_rooms if room.room_id == room_id), "")
        return BOOKING_BOOKED if status.lower() == "accepted" else BOOKING_PENDING

    def _undo(self, organizer: str, event_id: str, key: str) -> bool:
        """Delete an event whose room could not be added (compensation): whether it is gone."""
        try:
            self.backends.dingtalk.delete_event(organizer, event_id, client_token=client_token(key, "undo"))
        except ItemNotFound:
            return True
        except Exception as exc:
            self.backends.log.error(
                "could not delete event %s after a failed booking (%s); it is released later", event_id, _reason(exc)
            )
            return False
        return True

    def _fail(self, record: BookingRecord, exc: BaseException) -> None:
        reason = _reason(exc)
        try:
            self.backends.store.bookings.fail(record.team_id, record.id, reason)
        except StoreError:
            self.backends.log.warning("could not mark booking %s failed (%s); will retry", record.id, reason, exc_info=True)
            with self._unrecorded_lock:
                self._unrecorded[record.id] = (record.team_id, reason)

    def _record_deferred_failures(self) -> None:
        """Write the failures the store missed while it was down (stops at the first that still fails)."""
        with self._unrecorded_lock:
            pending = list(self._unrecorded.items())
        for booking_id, (team_id, reason) in pending:
            try:
                self.backends.store.bookings.fail(team_id, booking_id, reason)
            except StoreError:
                return
            except Exception:
                self.backends.log.warning("could not mark booking %s failed; giving up", booking_id, exc_info=True)
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
                self.backends.schedules.record_booking(record.team_id, record.room_id, item)
            else:
                self.backends.schedules.record_cancel(record.team_id, record.room_id, record.event_id)
        except Exception:
            # The booking stands whatever happens here; a cache that cannot learn it forgets the room instead.
            self.backends.log.warning("could not update the cached schedule of %s", record.room_id, exc_info=True)
            self._invalidate(record)

    def _invalidate(self, record: BookingRecord) -> None:
        try:
            self.backends.schedules.invalidate(record.team_id, [record.room_id])
        except StoreError:
            self.backends.log.warning("could not invalidate the cached schedule of %s", record.room_id, exc_info=True)

    # --- cancelling --------------------------------------------------------------------------

    def cancel(self, *, team_id: str, user_id: str, booking_id: int, is_admin: bool) -> CancelOutcome:
        """Cancel a booking made through roombot: delete its event (or remove the room, per the setting).

        Raises:
            NotFound: no such booking in this team.
            NotAllowed: someone else's booking, and the user is not an admin.
            DingTalkError: DingTalk refused or is down; the booking stays as it was.
        """
        record = self.backends.store.bookings.get(team_id, booking_id)
        if not may_change(owner_user_id=record.slack_user_id, acting_user=user_id, is_admin=is_admin):
            raise NotAllowed(NotAllowedReason.CANCEL_BOOKING)
        if record.status == BOOKING_CANCELLED:
            return CancelOutcome("already_cancelled", record)
        if record.status not in (BOOKING_BOOKED, BOOKING_PENDING):
            return CancelOutcome("not_active", record)
        if _aware(record.end) <= self.backends.clock():
            return CancelOutcome("ended", record)
        organizer = record.organizer_union_id or self.backends.settings.dingtalk_operator_union_id or ""
        if record.event_id:
            token = client_token(record.idempotency_key, f"cancel-{record.id}")
            try:
                if self.backends.settings.cancel_mode == "remove_room":
                    self.backends.dingtalk.remove_rooms(organizer, record.event_id, [record.room_id], client_token=token)
                else:
                    # DingTalk tells the event's attendees, if it has any, that it was cancelled.
                    self.backends.dingtalk.delete_event(
                        organizer, record.event_id, client_token=token, push_notification=True
                    )
            except ItemNotFound:
                self.backends.log.info("event of booking %s was already gone in DingTalk", record.id)
        done = self.backends.store.bookings.cancel(team_id, booking_id, acting_user=user_id, is_admin=is_admin)
        self._record_in_cache(done, add=False)
        return CancelOutcome("cancelled", done)

    # --- listing -----------------------------------------------------------------------------

    def upcoming(self, *, team_id: str, user_id: str) -> list[BookingRecord]:
        """The user's bookings through roombot that have not ended, soonest first."""
        return self.backends.store.bookings.for_user(team_id, user_id=user_id, start_after=self.backends.clock())

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


__all__ = ["BookingAsk", "BookingOutcome", "BookingService", "Invitation", "BookingStatus", "CancelOutcome", "CancelStatus"]
