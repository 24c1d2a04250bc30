"""Book, cancel and list my bookings: the answers the user reads around `BookingService`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain import availability
from bot.errors import ParseError
from bot.parsing import Request, TimeKind
from bot.present import messages
from bot.present.reply import BookingsReply, BookingView, ButtonSpec, FindReply, Reply, ReplyKind, TextReply
from bot.store import BOOKING_BOOKED, BOOKING_PENDING, BookingRecord, Store
from bot.usecases.bookings.rules import booking_key
from bot.usecases.bookings.service import BookingAsk, BookingOutcome, BookingService, CancelOutcome
from bot.usecases.checkin import booking_state
from bot.usecases.context import Admins, Asker, Directory
from bot.usecases.find import FindRooms, window_request


@dataclass(frozen=True, kw_only=True)
class Bookings:
    """Booking from a button or from text, cancelling, and the user's upcoming bookings."""

    booking: BookingService
    find: FindRooms
    store: Store
    directory: Directory
    admins: Admins
    cancel_mode: str
    log: logging.Logger

    # --- booking -----------------------------------------------------------------------------

    def book(self, asker: Asker, ask: BookingAsk) -> Reply:
        """Book the room, once per idempotency key.

        The answer is the same window again with the room marked as booked by the user (and a
        Cancel button); when someone took the room first, the next best rooms for that window.
        """
        self.directory.ensure_fresh(asker.team_id)
        outcome = self.booking.book(asker, ask)
        if outcome.status == "in_progress":
            return TextReply(messages.booking_in_progress(outcome.room.name), kind="info")
        if outcome.status == "unconfirmed":
            return TextReply(messages.booking_unconfirmed(outcome.room.name), kind="info")
        if outcome.status in ("busy", "taken"):
            return self._busy_reply(asker, outcome)
        return self._booked_reply(asker, outcome)

    def _held(self, asker: Asker, room_id: str, start: datetime, end: datetime) -> BookingRecord | None:
        """The asker's own active booking of this room that already covers the window, if any."""
        for booking in self.booking.upcoming(team_id=asker.team_id, user_id=asker.user_id):
            if booking.status not in (BOOKING_BOOKED, BOOKING_PENDING) or booking.room_id != room_id:
                continue
            if _utc(booking.start) <= start and _utc(booking.end) >= end:
                return booking
        return None

    def book_text(self, request: Request, asker: Asker) -> Reply:
        """`book 3F-Everest tomorrow 2-3pm` / `预订 3F-Everest 明天下午2点到3点`."""
        example = messages.WORDS.booking_text_example
        if not request.rooms:
            detail = {"command": "book", "needs": messages.WORDS.booking_needs_room}
            raise ParseError("missing_argument", understood=request.text, example=example, detail=detail, text=request.text)
        if request.start is None or request.end is None or request.time_kind not in (TimeKind.POINT, TimeKind.INTERVAL):
            # A day or "afternoon" alone is a search, not a booking: ask for the exact time.
            raise ParseError("no_time", understood=request.text, example=example, text=request.text)
        self.directory.ensure_fresh(asker.team_id)
        room = self.store.rooms.resolve(asker.team_id, request.rooms[0])
        held = self._held(asker, room.room_id, request.start, request.end)
        if held is not None:  # asked again in words: say so rather than "Booked" a second time
            return self._bookings_reply(
                asker,
                intro=messages.booking_already_yours(
                    held.room_name, _utc(held.start).astimezone(asker.zone), _utc(held.end).astimezone(asker.zone)
                ),
                only=[held],
            )
        key = booking_key(asker.team_id, asker.user_id, room.room_id, request.start, request.end)
        return self.book(asker, BookingAsk(room_id=room.room_id, start=request.start, end=request.end, idempotency_key=key))

    def _booked_reply(self, asker: Asker, outcome: BookingOutcome) -> Reply:
        """The same window again, the booked room first and marked as the user's, with a Cancel button."""
        booking = outcome.booking
        zone = asker.zone
        intro = messages.booking_done(
            outcome.room.name,
            booking.start.astimezone(zone),
            booking.end.astimezone(zone),
            pending=outcome.status == "pending",
            on_behalf=outcome.on_behalf,
        )
        cancel = ButtonSpec(
            messages.cancel_button_long(outcome.room.name, booking.start.astimezone(zone)),
            f"cancel_booking:{booking.id}",
            str(booking.id),
            "danger",
        )
        try:
            found = self.find.find(
                window_request(booking.start, booking.end),
                asker,
                include=(booking.room_id,),
                offer_alternatives=False,
            )
        except Exception:
            # The booking stands; only the refreshed picture of the window is missing.
            self.log.warning("booked %s, but could not show the window again", booking.id, exc_info=True)
            found = None
        if not isinstance(found, FindReply):
            return TextReply(intro, kind="success", buttons=(cancel,))
        mine = [replace(r, booked_by=asker.user_name) for r in found.results if r.room.room_id == booking.room_id]
        others = [r for r in found.results if r.room.room_id != booking.room_id]
        return replace(
            found,
            results=tuple(mine + others),
            intro=intro,
            intro_kind="success",
            buttons=(cancel, *found.buttons),
            acted=True,
        )

    def _busy_reply(self, asker: Asker, outcome: BookingOutcome) -> Reply:
        """Someone took the room first: the next best rooms for the same window, that room left out."""
        booking = outcome.booking
        found = self.find.find(window_request(booking.start, booking.end), asker, exclude={booking.room_id})
        # Only rooms free for the whole window: a partly free room would fail the same way.
        fitting = tuple(r for r in found.results if r.assessment.fits) if isinstance(found, FindReply) else ()
        if not isinstance(found, FindReply) or not fitting:
            return TextReply(
                messages.booking_busy_nothing_else(outcome.room.name, just_taken=outcome.status == "busy"), kind="info"
            )
        intro = messages.room_busy(outcome.room.name) if outcome.status == "busy" else messages.room_taken(outcome.room.name)
        summary = availability.summarize([r.assessment for r in fitting])
        return replace(found, results=fitting, summary=summary, alternatives=(), intro=intro, intro_kind="info", acted=True)

    # --- cancelling --------------------------------------------------------------------------

    def cancel(self, asker: Asker, booking_id: int, *, is_admin: bool) -> Reply:
        """Cancel one booking: only the booker or a workspace admin may."""
        outcome = self.booking.cancel(
            team_id=asker.team_id,
            user_id=asker.user_id,
            booking_id=booking_id,
            is_admin=is_admin or self.admins.of(asker),
        )
        return self._bookings_reply(
            asker,
            intro=_cancel_sentence(outcome, asker.zone, self.cancel_mode),
            intro_kind="success" if outcome.status == "cancelled" else "info",
        )

    def cancel_text(self, request: Request, asker: Asker) -> Reply:
        """`cancel 12`, `cancel my 2pm booking`, or `cancel` alone (which lists the bookings)."""
        numbers = [arg.lstrip("#") for arg in request.args if arg.lstrip("#").isdigit()]
        if numbers:
            return self.cancel(asker, int(numbers[0]), is_admin=False)
        moment = request.start.astimezone(asker.zone) if request.start is not None else None
        if not self.booking.upcoming(team_id=asker.team_id, user_id=asker.user_id):
            return TextReply(messages.cancel_nothing_booked(moment), kind="info")
        if request.start is None or moment is None:
            return self._bookings_reply(asker, intro=messages.WORDS.cancel_pick)
        matches = self.booking.starting_at(
            team_id=asker.team_id, user_id=asker.user_id, start=request.start, zone=asker.zone
        )
        if len(matches) == 1:
            return self.cancel(asker, matches[0].id, is_admin=False)
        if not matches:
            return self._bookings_reply(asker, intro=messages.cancel_none_at(moment))
        return self._bookings_reply(asker, intro=messages.cancel_several_at(moment), only=matches)

    # --- listing -----------------------------------------------------------------------------

    def mine(self, request: Request, asker: Asker) -> Reply:
        return self._bookings_reply(asker)

    def _bookings_reply(
        self,
        asker: Asker,
        *,
        intro: str | None = None,
        intro_kind: ReplyKind = "info",
        only: Sequence[BookingRecord] | None = None,
    ) -> BookingsReply:
        bookings = only if only is not None else self.booking.upcoming(team_id=asker.team_id, user_id=asker.user_id)
        views = tuple(
            BookingView(booking_id=b.id, room_name=b.room_name, start=b.start, end=b.end, status=booking_state(b))
            for b in bookings
        )
        return BookingsReply(bookings=views, tz=asker.zone.key, intro=intro, intro_kind=intro_kind)


def _utc(moment: datetime) -> datetime:
    """Stored times may come back naive (SQLite): they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _cancel_sentence(outcome: CancelOutcome, zone: ZoneInfo, cancel_mode: str) -> str:
    booking = outcome.booking
    start, end = booking.start.astimezone(zone), booking.end.astimezone(zone)
    if outcome.status == "cancelled":
        return messages.cancel_done(booking.room_name, start, end, cancel_mode=cancel_mode)
    if outcome.status == "already_cancelled":
        return messages.cancel_already(booking.room_name, start, end)
    if outcome.status == "ended":
        return messages.cancel_ended(booking.room_name, start, end)
    return messages.cancel_not_active(booking.room_name)


__all__ = ["Bookings"]
