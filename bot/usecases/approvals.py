"""Approval outcomes: bookings of rooms that need an administrator's approval are read again from
DingTalk until decided, and the booker is told in a direct message.

DingTalk answers a booking of such a room at once with the room `tentative`; the decision comes
later and nothing is pushed for it to an internal app's HTTP server. So the approvals job reads each
pending booking's event (`GET …/events/{id}`, `meetingRooms[].responseStatus`) with a growing
pause between reads, until the room is accepted or declined or the meeting is over.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.models import Event
from bot.errors import DingTalkError, ItemNotFound, RoomBotError
from bot.present import messages
from bot.present.reply import FindReply, Reply, TextReply
from bot.store import Store
from bot.store.models import BOOKING_BOOKED, BOOKING_CANCELLED, BOOKING_DECLINED
from bot.store.records import BookingRecord
from bot.usecases.context import Askers, Caller
from bot.usecases.find import FindRooms, window_request

# The pause after the n-th undecided read: 1, 2, 4, … minutes, at most half an hour.
FIRST_PAUSE = timedelta(minutes=1)
LONGEST_PAUSE = timedelta(minutes=30)


class EventReader(Protocol):
    def get_event(self, union_id: str, event_id: str) -> Event: ...


class Notifier(Protocol):
    """Sends a reply to a user privately (a Slack DM)."""

    def tell(self, team_id: str, user_id: str, reply: Reply) -> None: ...


def next_pause(checks: int) -> timedelta:
    """The pause after `checks` undecided reads (0 → the first pause)."""
    pause: timedelta = FIRST_PAUSE * (2 ** min(checks, 16))
    return min(pause, LONGEST_PAUSE)


@dataclass(frozen=True)
class FollowUpReport:
    checked: int = 0
    approved: int = 0
    declined: int = 0
    told: int = 0


@dataclass(frozen=True, kw_only=True)
class Approvals:
    """Reads pending bookings' approval state and tells bookers the outcome."""

    store: Store
    dingtalk: EventReader
    find: FindRooms
    askers: Askers
    notifier: Notifier | None
    default_tz: str
    log: logging.Logger

    def follow_up(self, now: datetime) -> FollowUpReport:
        """One pass over every team: read what is due, then tell what was decided.

        Telling comes after recording, so an outcome whose message failed is told on a later pass;
        a booking is told once (`outcome_notified_at`).
        """
        checked = approved = declined = told = 0
        for team_id in self.store.bookings.team_ids_with_pending():
            for record in self.store.bookings.awaiting_approval(team_id, now=now):
                checked += 1
                status = self._read_status(record)
                if status == "accepted":
                    approved += self.store.bookings.approval_decided(team_id, record.id, status=BOOKING_BOOKED) is not None
                elif status == "declined":
                    declined += self.store.bookings.approval_decided(team_id, record.id, status=BOOKING_DECLINED) is not None
                elif status == "gone":
                    self.store.bookings.approval_decided(team_id, record.id, status=BOOKING_CANCELLED)
                else:
                    pause = next_pause(record.approval_checks or 0)
                    self.store.bookings.approval_undecided(team_id, record.id, next_check_at=now + pause)
            if self.notifier is None:
                continue
            for record in self.store.bookings.outcomes_to_tell(team_id):
                try:
                    self.notifier.tell(team_id, record.slack_user_id, self._outcome_reply(record, now))
                except Exception:
                    self.log.warning(
                        "could not tell %s about booking %s; trying again later", record.slack_user_id, record.id
                    )
                    continue
                self.store.bookings.outcome_told(team_id, record.id, at=now)
                told += 1
        return FollowUpReport(checked=checked, approved=approved, declined=declined, told=told)

    def _read_status(self, record: BookingRecord) -> str:
        """`accepted`, `declined`, `tentative`, `gone` (the event no longer exists), or `` (unreadable now)."""
        assert record.event_id is not None
        try:
            event = self.dingtalk.get_event(record.organizer_union_id or "", record.event_id)
        except ItemNotFound:
            return "gone"
        except DingTalkError as exc:
            self.log.warning("approval of booking %s not read (%s); reading again later", record.id, type(exc).__name__)
            return ""
        status = next((room.status for room in event.meeting_rooms if room.room_id == record.room_id), None)
        if status is None:
            return "gone"  # the room was taken off the event
        return status.strip().lower()

    def _outcome_reply(self, record: BookingRecord, now: datetime) -> Reply:
        user = self.store.users.get(record.team_id, record.slack_user_id)
        zone = (user.tz if user else None) or self.default_tz
        asker = self.askers.asker(Caller(team_id=record.team_id, user_id=record.slack_user_id, tz=zone, now=now))
        start, end = record.start.astimezone(asker.zone), record.end.astimezone(asker.zone)
        if record.status == BOOKING_BOOKED:
            return TextReply(messages.approval_approved(record.room_name, start, end), kind="success")
        sentence = messages.approval_declined(record.room_name, start, end)
        try:
            found = self.find.find(window_request(record.start, record.end), asker, exclude={record.room_id})
        except RoomBotError as exc:
            self.log.info("no alternatives for declined booking %s (%s)", record.id, type(exc).__name__)
            found = None
        if isinstance(found, FindReply) and any(result.assessment.fits for result in found.results):
            return replace(found, intro=sentence + " " + messages.WORDS.approval_alternatives, intro_kind="info")
        return TextReply(sentence + " " + messages.WORDS.approval_no_alternatives, kind="info")


__all__ = ["Approvals", "FollowUpReport", "Notifier", "next_pause"]
