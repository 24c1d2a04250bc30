"""The reconciler: every booking reaches a final state, nothing roombot made is left behind in
DingTalk, and every user promised an answer gets it.

One round (`run`), on the job runner at start and every few minutes:

1. Each booking still `requested` whose lease ran out (its process died, or DingTalk's answer was
   lost) is claimed and settled. Its event is found by the recorded id, else by roombot's marker
   in the organizer's calendar within the booking's window. Then the booking is completed
   (booked or pending) or compensated (the event deleted), and marked so.
2. Each settled booking whose user is still owed the final answer gets it in Slack: in the thread
   of the message the booking came from, or by DM.
3. The orphan sweep reads the operator's calendar around now (a day back, `orphan_sweep_days`
   ahead: one call per 100 events) and releases the events carrying roombot's marker that no
   booking knows.

Every DingTalk write repeats the booking's own `x-client-token`s, so settling twice is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.dingtalk.wire import EventList
from bot.domain.models import Event, RoomDetail
from bot.errors import DingTalkError, ItemNotFound, StoreError
from bot.present import messages
from bot.store import BOOKING_BOOKED, BOOKING_FAILED, BOOKING_PENDING, BOOKING_REQUESTED, BookingRecord, Store
from bot.usecases.bookings.rules import client_token, outcome_unknown, parse_marker

# The orphan sweep looks back this far: an event of a booking that just ended is still worth releasing.
SWEEP_BACK = timedelta(days=1)


class EventsClient(Protocol):
    """The DingTalk calls the reconciler makes (`DingTalkClient` has them)."""

    def get_room(self, union_id: str, room_id: str) -> RoomDetail: ...
    def get_event(self, union_id: str, event_id: str) -> Event: ...
    def list_events(self, union_id: str, *, time_min: datetime, time_max: datetime) -> EventList: ...
    def add_rooms(
        self, union_id: str, event_id: str, room_ids: Sequence[str], *, client_token: str | None = None
    ) -> None: ...
    def delete_event(
        self, union_id: str, event_id: str, *, client_token: str | None = None, push_notification: bool | None = None
    ) -> None: ...


class Notifier(Protocol):
    """Tells a Slack user something: in the thread of `thread_ts` in `channel_id`, else by DM. True when delivered."""

    def tell(self, *, team_id: str, user_id: str, channel_id: str | None, thread_ts: str | None, text: str) -> bool: ...


@dataclass(frozen=True)
class Settled:
    """What one booking became: `outcome` is one of messages.SETTLED_*, or None when it waits for another round."""

    booking: BookingRecord
    outcome: str | None
    note: str = ""


@dataclass(frozen=True)
class Orphan:
    """An event roombot made (it carries the marker) that no booking knows."""

    event: Event
    team_id: str
    key: str
    released: bool = False


@dataclass
class Sweep:
    orphans: list[Orphan] = field(default_factory=list)
    calls: int = 0  # DingTalk calls the sweep made (pages read, events deleted): each counts in the quota


@dataclass(frozen=True)
class Round:
    settled: list[Settled]
    told: int
    sweep: Sweep

    def note(self) -> str:
        return messages.reconcile_note(
            settled=sum(1 for s in self.settled if s.outcome is not None),
            waiting=sum(1 for s in self.settled if s.outcome is None),
            told=self.told,
            orphans=sum(1 for o in self.sweep.orphans if o.released),
            calls=self.sweep.calls,
        )


class _Wait(Exception):
    """The booking cannot be settled this round (DingTalk did not answer): try again later."""


@dataclass(kw_only=True, eq=False)
class Reconciler:
    settings: Settings
    store: Store
    dingtalk: EventsClient
    notifier: Notifier | None
    log: logging.Logger

    @property
    def retry_after(self) -> timedelta:
        return timedelta(seconds=self.settings.reconcile_every_s)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.booking_lease_s)

    # --- one round ---------------------------------------------------------------------------

    def run(self, now: datetime, *, sweep: bool = True) -> Round:
        """Settle what is due, deliver the answers owed, and (with `sweep`) release orphans."""
        settled: list[Settled] = []
        told = 0
        for team_id in self.store.bookings.team_ids_with_work():
            for record in self.store.bookings.unsettled(team_id, due_at=now):
                result = self.settle(record, now)
                if result is not None:
                    settled.append(result)
            told += self.deliver_owed(team_id)
        swept = self.sweep(now, release=True) if sweep else Sweep()
        return Round(settled=settled, told=told, sweep=swept)

    def settle(self, record: BookingRecord, now: datetime) -> Settled | None:
        """Claim one unsettled booking and settle it; None when another process holds it."""
        claimed = self.store.bookings.claim(record.team_id, record.id, now=now, until=now + self.lease)
        if claimed is None:
            return None
        try:
            outcome = self._settle(claimed, now)
        except _Wait as wait:
            reason = str(wait)
            self.log.warning("booking %s not settled yet (%s); next check in %s", claimed.id, reason, self.retry_after)
            self.store.bookings.defer(
                claimed.team_id, claimed.id, error=reason, check_at=now + self.retry_after, promised=False
            )
            return Settled(claimed, None, reason)
        self.log.info("booking %s settled: %s", claimed.id, outcome)
        return Settled(self.store.bookings.get(claimed.team_id, claimed.id), outcome)

    def _settle(self, record: BookingRecord, now: datetime) -> str:
        organizer = record.organizer_union_id or self.settings.dingtalk_operator_union_id or ""
        key = record.idempotency_key
        event = self._find_event(record, organizer)
        if record.release:
            self._delete(organizer, event, key)
            self.store.bookings.fail(record.team_id, record.id, record.error or "refused", told=False)
            return messages.SETTLED_REFUSED
        if event is None:
            # DingTalk never made it: nothing is held, nothing to undo.
            self.store.bookings.fail(record.team_id, record.id, "not_created", told=False)
            return messages.SETTLED_NOT_MADE
        status = _room_status(event, record.room_id)
        if status == "" and record.end <= now:
            # Too late to add the room; a booking that did hold it (only the answer was lost) stays recorded.
            self._delete(organizer, event, key)
            self.store.bookings.fail(record.team_id, record.id, "expired", told=False)
            return messages.SETTLED_EXPIRED
        if status == "":
            status = self._add_room(record, organizer, event)
        if status == "declined":
            self._delete(organizer, event, key)
            self.store.bookings.fail(record.team_id, record.id, "declined", told=False)
            return messages.SETTLED_REFUSED
        if status == "refused":
            try:
                self._delete(organizer, event, key)
            except _Wait:
                self.store.bookings.refuse_later(record.team_id, record.id, "meetingRoomNotAvailable", told=False)
                raise
            self.store.bookings.fail(record.team_id, record.id, "meetingRoomNotAvailable", told=False)
            return messages.SETTLED_REFUSED
        booked = BOOKING_PENDING if status == "tentative" else BOOKING_BOOKED
        self.store.bookings.complete(record.team_id, record.id, event_id=event.event_id, status=booked, told=False)
        return messages.SETTLED_PENDING if booked == BOOKING_PENDING else messages.SETTLED_BOOKED

    def _find_event(self, record: BookingRecord, organizer: str) -> Event | None:
        """The booking's event: by its recorded id, else by roombot's marker within its window."""
        try:
            if record.event_id:
                try:
                    return self.dingtalk.get_event(organizer, record.event_id)
                except ItemNotFound:
                    return None
            listed = self.dingtalk.list_events(organizer, time_min=record.start, time_max=record.end)
        except DingTalkError as exc:
            raise _Wait(exc.code or type(exc).__name__) from exc
        mine = [e for e in listed.events if parse_marker(e.description) == (record.team_id, record.idempotency_key)]
        if not mine:
            return None
        if len(mine) > 1:
            # Only if the x-client-token expired between two creates; the sweep releases the spare ones.
            self.log.warning("booking %s has %d events; keeping %s", record.id, len(mine), mine[0].event_id)
        event = mine[0]
        self.store.bookings.record_event(record.team_id, record.id, event.event_id)
        return event

    def _add_room(self, record: BookingRecord, organizer: str, event: Event) -> str:
        """Add the room to an event made without it: its status then, or "refused"."""
        try:
            self.dingtalk.add_rooms(
                organizer, event.event_id, [record.room_id], client_token=client_token(record.idempotency_key, "add")
            )
            again = self.dingtalk.get_event(organizer, event.event_id)
        except DingTalkError as exc:
            if outcome_unknown(exc):
                raise _Wait(exc.code or type(exc).__name__) from exc
            self.log.info("booking %s: DingTalk refused the room (%s)", record.id, exc.code)
            return "refused"
        return _room_status(again, record.room_id) or "refused"

    def _delete(self, organizer: str, event: Event | None, key: str) -> None:
        if event is None:
            return
        try:
            self.dingtalk.delete_event(organizer, event.event_id, client_token=client_token(key, "undo"))
        except ItemNotFound:
            return
        except DingTalkError as exc:
            raise _Wait(f"delete failed: {exc.code or type(exc).__name__}") from exc

    # --- answers owed ------------------------------------------------------------------------

    def deliver_owed(self, team_id: str) -> int:
        """Tell each user of a settled booking the answer they were promised; how many were told."""
        if self.notifier is None:
            return 0
        told = 0
        for record in self.store.bookings.owed_answers(team_id):
            zone = self._zone(record)
            text = messages.booking_settled(
                _outcome_of(record), record.room_name, record.start.astimezone(zone), record.end.astimezone(zone)
            )
            delivered = self.notifier.tell(
                team_id=record.team_id,
                user_id=record.slack_user_id,
                channel_id=record.channel_id,
                thread_ts=record.message_ts,
                text=text,
            )
            if delivered:
                self.store.bookings.told(record.team_id, record.id)
                told += 1
        return told

    def _zone(self, record: BookingRecord) -> ZoneInfo:
        try:
            user = self.store.users.get(record.team_id, record.slack_user_id)
            return ZoneInfo(user.tz) if user is not None and user.tz else self.settings.default_zone
        except (StoreError, ValueError, KeyError):
            return self.settings.default_zone

    # --- orphans -----------------------------------------------------------------------------

    def sweep(self, now: datetime, *, release: bool) -> Sweep:
        """Events with roombot's marker in the operator's calendar around now that no booking knows.

        With `release`, each is deleted (and logged). Costs one call per 100 events read, plus one per delete.
        """
        operator = self.settings.dingtalk_operator_union_id
        result = Sweep()
        if not operator:
            return result
        listed = self.dingtalk.list_events(
            operator, time_min=now - SWEEP_BACK, time_max=now + timedelta(days=max(self.settings.orphan_sweep_days, 1))
        )
        result.calls += listed.calls
        for event in listed.events:
            marker = parse_marker(event.description)
            if marker is None or (event.organizer_id and event.organizer_id != operator):
                continue
            team_id, key = marker
            if self._known(team_id, key, event.event_id):
                continue
            released = False
            if release:
                try:
                    result.calls += 1
                    self.dingtalk.delete_event(
                        operator, event.event_id, client_token=client_token(key, f"orphan-{event.event_id}")
                    )
                    released = True
                except ItemNotFound:
                    released = True
                except DingTalkError as exc:
                    self.log.warning("could not release orphan event %s: %s", event.event_id, exc.code)
                if released:
                    self.log.warning(
                        "released orphan event %s (team %s, key %s): no booking knew it", event.event_id, team_id, key
                    )
            result.orphans.append(Orphan(event=event, team_id=team_id, key=key, released=released))
        return result

    def _known(self, team_id: str, key: str, event_id: str) -> bool:
        """Whether a booking owns this event: its recorded one, or the one an unsettled booking is still making."""
        record = self.store.bookings.by_key(team_id, key)
        if record is None:
            return False
        if record.event_id == event_id:
            return record.status != BOOKING_FAILED
        return record.status == BOOKING_REQUESTED and record.event_id is None


def _room_status(event: Event, room_id: str) -> str:
    """The room's status on the event: accepted, tentative (approval pending), declined; "" when not on it."""
    return next((room.status.lower() or "accepted" for room in event.meeting_rooms if room.room_id == room_id), "")


def _outcome_of(record: BookingRecord) -> str:
    if record.status == BOOKING_BOOKED:
        return messages.SETTLED_BOOKED
    if record.status == BOOKING_PENDING:
        return messages.SETTLED_PENDING
    if record.status == BOOKING_FAILED:
        if record.error == "not_created":
            return messages.SETTLED_NOT_MADE
        if record.error == "expired":
            return messages.SETTLED_EXPIRED
        return messages.SETTLED_REFUSED
    return messages.SETTLED_CANCELLED


__all__ = ["EventsClient", "Notifier", "Orphan", "Reconciler", "Round", "Settled", "Sweep"]
