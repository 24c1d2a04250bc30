"""No ghost bookings: reminders, check-in, auto-release of no-shows, release, end early and extend.

Two halves:
- `CheckinSweeps`: what the job runner runs every minute. Each sweep finds the bookings due in
  the database and acts on each one exactly once: a conditional UPDATE (`reminded_at IS NULL`,
  `released_at IS NULL AND checked_in_at IS NULL`) picks the one process that may act, so two
  clock processes never double-send or double-release. An action that fails (Slack or DingTalk
  down) undoes its claim and the next sweep tries again.
- `CheckIns`: the user's commands and buttons (check in, release, end my meeting now, extend,
  remind me / reminders off), each checked against the booking's owner or an admin.

Only roombot's own bookings (the `bookings` table) are ever reminded or released: meetings made
in DingTalk itself are not in it.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.dingtalk import DingTalkClient
from bot.domain.policy import may_change
from bot.errors import DingTalkError, InvalidRoomId, ItemNotFound, NotAllowed, NotAllowedReason, RoomBusy, StoreError
from bot.parsing import Request
from bot.present import messages
from bot.present.actions import CHECK_IN, EXTEND_BOOKING, RELEASE_BOOKING, cancel_value, extend_value
from bot.present.reply import ButtonSpec, ConfirmSpec, Reply, TextReply
from bot.store import BOOKING_BOOKED, BOOKING_PENDING, BookingRecord, Store
from bot.store.checkin import ENDED, RELEASED, SKIPPED
from bot.usecases.bookings.rules import client_token
from bot.usecases.context import Admins, Asker, Backends

# Reminders are looked for this far ahead; a longer personal lead is capped to it.
MAX_LEAD = timedelta(hours=2)
MAX_EXTEND_MINUTES = 240
MAX_GRACE_MINUTES = 240


class Notifier(Protocol):
    """Delivers a direct message to a Slack user (the Slack Web API, or the terminal)."""

    def notify(self, *, team_id: str, user_id: str, reply: TextReply) -> None:
        """Raise when the message could not be delivered, so the sweep can try again later."""
        ...


@dataclass(frozen=True)
class SweepReport:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    calls: int = 0  # DingTalk calls the sweep made


@dataclass(kw_only=True)
class CheckinPolicy:
    """Reminder leads and grace periods: the workspace settings, personal and per-group overrides."""

    settings: Settings
    store: Store

    def grace(self, team_id: str, room_ids: list[str]) -> dict[str, int]:
        """Minutes after the start a room waits for a check-in (0: never released)."""
        overrides = self.store.checkin.group_grace(team_id, room_ids)
        return {room: overrides.get(room, self.settings.checkin_grace_minutes) for room in room_ids}

    def leads(self, team_id: str, user_ids: list[str]) -> dict[str, int]:
        """Minutes before the start each user is reminded (0: not reminded)."""
        chosen = self.store.checkin.reminder_minutes(team_id, user_ids)
        leads = {}
        for user in user_ids:
            minutes = chosen.get(user, self.settings.reminder_minutes)
            leads[user] = minutes or 0
        return leads


@dataclass(kw_only=True)
class CheckinSweeps:
    """The reminder and release sweeps the job runner runs."""

    settings: Settings
    store: Store
    dingtalk: DingTalkClient | None
    log: logging.Logger

    @property
    def _policy(self) -> CheckinPolicy:
        return CheckinPolicy(settings=self.settings, store=self.store)

    # --- reminders ---------------------------------------------------------------------------

    def send_reminders(self, now: datetime, notifier: Notifier) -> SweepReport:
        """DM every booker whose reminder is due, once; returns what was sent."""
        candidates = self.store.checkin.reminder_candidates(now=now, horizon=MAX_LEAD)
        by_team: dict[str, list[BookingRecord]] = defaultdict(list)
        for booking in candidates:
            by_team[booking.team_id].append(booking)
        sent = failed = calls = 0
        for team_id, bookings in by_team.items():
            leads = self._policy.leads(team_id, [b.slack_user_id for b in bookings])
            graces = self._policy.grace(team_id, [b.room_id for b in bookings])
            due = []
            for booking in bookings:
                lead = min(timedelta(minutes=leads[booking.slack_user_id]), MAX_LEAD)
                grace = timedelta(minutes=graces[booking.room_id])
                last = booking.start + grace if grace else booking.end
                if lead and booking.start - lead <= now < last:
                    due.append(booking)
            free_after, cost = self._free_after(team_id, due)
            calls += cost
            rooms = self.store.rooms.get_many(team_id, list({b.room_id for b in due}))
            for booking in due:
                if not self.store.checkin.claim_reminder(team_id, booking.id, now=now):
                    continue  # another process reminded it
                room = rooms.get(booking.room_id)
                location = " ".join(p for p in (room.location_title, room.location_desc) if p) if room else ""
                reply = reminder_reply(
                    booking,
                    zone=self.settings.default_zone,
                    location=location,
                    grace_minutes=graces[booking.room_id],
                    extend_minutes=self.settings.extend_minutes if free_after.get(booking.id) else None,
                )
                try:
                    notifier.notify(team_id=team_id, user_id=booking.slack_user_id, reply=reply)
                except Exception as exc:
                    failed += 1
                    self.log.warning("reminder of booking %s not delivered (%s); will retry", booking.id, exc)
                    self.store.checkin.unclaim_reminder(team_id, booking.id, claimed_at=now)
                    continue
                sent += 1
        return SweepReport(done=sent, failed=failed, calls=calls)

    def _free_after(self, team_id: str, bookings: list[BookingRecord]) -> tuple[dict[int, bool], int]:
        """Whether each booking's room is free for the extension after it, in one batched free/busy query."""
        extra = timedelta(minutes=self.settings.extend_minutes)
        operator = self.settings.dingtalk_operator_union_id
        if not bookings or self.dingtalk is None or not operator:
            return {}, 0
        room_ids = list(dict.fromkeys(b.room_id for b in bookings))
        start = min(b.end for b in bookings)
        end = max(b.end for b in bookings) + extra
        calls = math.ceil(len(room_ids) / max(self.dingtalk.batch_size, 1))
        try:
            schedules = {s.room_id: s for s in self.dingtalk.query_schedules(operator, room_ids, start, end)}
        except DingTalkError as exc:
            self.log.info("reminders go without an Extend button: free/busy failed (%s)", type(exc).__name__)
            return {}, calls
        free: dict[int, bool] = {}
        for booking in bookings:
            schedule = schedules.get(booking.room_id)
            if schedule is None or schedule.unknown:
                continue
            free[booking.id] = not _taken(schedule.items, booking, booking.end, booking.end + extra)
        return free, calls

    # --- auto-release ------------------------------------------------------------------------

    def release_no_shows(self, now: datetime, notifier: Notifier) -> SweepReport:
        """Give back the rooms nobody checked in to within the grace period; each booking once."""
        released = skipped = failed = calls = 0
        overdue_limit = timedelta(minutes=self.settings.release_max_overdue_minutes)
        candidates = [b for b in self.store.checkin.release_candidates(now=now) if b.end > now]
        by_team: dict[str, list[BookingRecord]] = defaultdict(list)
        for booking in candidates:
            by_team[booking.team_id].append(booking)
        for team_id, bookings in by_team.items():
            graces = self._policy.grace(team_id, [b.room_id for b in bookings])
            for booking in bookings:
                grace = graces[booking.room_id]
                if grace <= 0:
                    continue
                due_at = booking.start + timedelta(minutes=grace)
                if now < due_at:
                    continue
                if now - due_at > overdue_limit:
                    # After downtime: a release this late would surprise people already in the room.
                    if self.store.checkin.claim_release(team_id, booking.id, now=now, reason=SKIPPED):
                        skipped += 1
                        self.log.warning(
                            "booking %s: release was due at %s, %d min ago; skipped, not done late",
                            booking.id,
                            due_at.isoformat(timespec="minutes"),
                            int((now - due_at).total_seconds() // 60),
                        )
                    continue
                if not self.store.checkin.claim_release(team_id, booking.id, now=now, reason=RELEASED):
                    continue  # checked in meanwhile, or another process released it
                try:
                    calls += self._remove_room(booking)
                except Exception as exc:
                    calls += 1
                    failed += 1
                    self.log.warning("booking %s: release failed (%s); will retry", booking.id, exc)
                    self.store.checkin.unclaim_release(team_id, booking.id, claimed_at=now)
                    continue
                released += 1
                self._invalidate(booking)
                text = messages.released_no_show(
                    booking.room_name,
                    booking.start.astimezone(self.settings.default_zone),
                    booking.end.astimezone(self.settings.default_zone),
                    grace_minutes=grace,
                )
                try:
                    notifier.notify(team_id=team_id, user_id=booking.slack_user_id, reply=TextReply(text, kind="info"))
                except Exception as exc:
                    # The room is released either way; the booker still sees it in `my bookings`.
                    self.log.warning("booking %s released, but the DM failed (%s)", booking.id, exc)
        return SweepReport(done=released, skipped=skipped, failed=failed, calls=calls)

    def _remove_room(self, booking: BookingRecord) -> int:
        """batchRemove the room from the event (1 call); an event already gone counts as released."""
        if self.dingtalk is None:
            raise DingTalkError("DingTalk is not configured", code="notConfigured")
        organizer = booking.organizer_union_id or self.settings.dingtalk_operator_union_id or ""
        token = client_token(booking.idempotency_key, f"release-{booking.id}")
        try:
            self.dingtalk.remove_rooms(organizer, booking.event_id or "", [booking.room_id], client_token=token)
        except ItemNotFound:
            self.log.info("event of booking %s was already gone in DingTalk", booking.id)
        return 1

    def _invalidate(self, booking: BookingRecord) -> None:
        """The shared schedule cache forgets the room at once: the next question sees it free."""
        try:
            self.store.schedules.invalidate(booking.team_id, [booking.room_id])
        except StoreError:
            self.log.warning("could not invalidate the cached schedule of %s", booking.room_id, exc_info=True)


def reminder_reply(
    booking: BookingRecord, *, zone: ZoneInfo, location: str, grace_minutes: int, extend_minutes: int | None
) -> TextReply:
    """The reminder DM: the room, the time, where it is; Check in, Release (confirmed) and maybe Extend."""
    text = messages.reminder_text(
        booking.room_name,
        booking.start.astimezone(zone),
        booking.end.astimezone(zone),
        location=location,
        grace_minutes=grace_minutes,
    )
    value = cancel_value(booking.id)
    buttons = [
        ButtonSpec(messages.WORDS.checkin_button, CHECK_IN.id(), value, "primary"),
        ButtonSpec(
            messages.WORDS.release_button,
            RELEASE_BOOKING.id(),
            value,
            "danger",
            confirm=ConfirmSpec(
                title=messages.WORDS.release_confirm_title,
                text=messages.release_confirm_text(booking.room_name),
                confirm=messages.WORDS.release_confirm_yes,
                deny=messages.WORDS.release_confirm_no,
            ),
        ),
    ]
    if extend_minutes:
        buttons.append(
            ButtonSpec(messages.extend_button(extend_minutes), EXTEND_BOOKING.id(), extend_value(booking.id, extend_minutes))
        )
    return TextReply(text, kind="info", buttons=tuple(buttons))


def booking_state(booking: BookingRecord) -> str:
    """What lists show: released / ended / checked_in / reminded, else the booking's status."""
    if booking.released_at is not None and booking.release_reason in (RELEASED, ENDED):
        return "released" if booking.release_reason == RELEASED else "ended"
    if booking.checked_in_at is not None:
        return "checked_in"
    if booking.reminded_at is not None and booking.status == BOOKING_BOOKED:
        return "reminded"
    return booking.status


def _taken(items: object, booking: BookingRecord, start: datetime, end: datetime) -> bool:
    """Whether a busy item other than the booking's own event overlaps [start, end)."""
    for item in items:  # type: ignore[attr-defined]
        if item.event_id and item.event_id == booking.event_id:
            continue
        if item.start < end and item.end > start:
            return True
    return False


@dataclass(kw_only=True)
class CheckIns:
    """check in, release <room>, end my meeting now, extend 30 min, remind me / reminders off."""

    backends: Backends
    admins: Admins

    # --- finding the booking -----------------------------------------------------------------

    def _booking(self, asker: Asker, booking_id: int | None, room: str | None, *, is_admin: bool) -> BookingRecord | None:
        """The booking a command or button means: the one named, else the user's current or next one."""
        if booking_id is not None:
            booking = self.backends.store.bookings.get(asker.team_id, booking_id)
            admin = is_admin or self.admins.is_admin(asker.user_id)
            if not may_change(owner_user_id=booking.slack_user_id, acting_user=asker.user_id, is_admin=admin):
                raise NotAllowed(NotAllowedReason.CHANGE_BOOKING)
            return booking
        room_id = self.backends.store.rooms.resolve(asker.team_id, room).room_id if room else None
        mine = self.backends.store.bookings.for_user(
            asker.team_id, user_id=asker.user_id, start_after=asker.now, statuses=(BOOKING_BOOKED, BOOKING_PENDING)
        )
        mine = [b for b in mine if room_id is None or b.room_id == room_id]
        live = [b for b in mine if not is_released(b)]
        ongoing = [b for b in live if b.start <= asker.now]
        found = ongoing or live or mine
        return found[0] if found else None

    def _going_on(
        self, asker: Asker, booking_id: int | None, room: str | None, *, is_admin: bool
    ) -> BookingRecord | TextReply:
        """The booking to release or extend; else the sentence saying why there is none (not found,
        given back already, or over)."""
        booking = self._booking(asker, booking_id, room, is_admin=is_admin)
        if booking is None:
            return TextReply(messages.no_current_booking(room), kind="info")
        if is_released(booking):
            return TextReply(_released_sentence(booking), kind="info")
        if booking.end <= asker.now:
            return TextReply(messages.booking_over(booking.room_name), kind="info")
        return booking

    # --- check in ----------------------------------------------------------------------------

    def check_in(
        self, asker: Asker, *, booking_id: int | None = None, room: str | None = None, is_admin: bool = False
    ) -> Reply:
        booking = self._booking(asker, booking_id, room, is_admin=is_admin)
        if booking is None:
            return TextReply(messages.no_current_booking(room), kind="info")
        start, end = booking.start.astimezone(asker.zone), booking.end.astimezone(asker.zone)
        if is_released(booking):
            return TextReply(_released_sentence(booking), kind="info")
        if booking.checked_in_at is not None:
            return TextReply(messages.already_checked_in(booking.room_name), kind="info")
        if booking.end <= asker.now:
            return TextReply(messages.booking_over(booking.room_name), kind="info")
        lead = CheckinPolicy(settings=self.backends.settings, store=self.backends.store).leads(
            asker.team_id, [booking.slack_user_id]
        )
        opens = booking.start - timedelta(
            minutes=max(lead[booking.slack_user_id], self.backends.settings.reminder_minutes, 10)
        )
        if asker.now < opens and booking.reminded_at is None:
            return TextReply(messages.too_early_to_check_in(booking.room_name, start), kind="info")
        if not self.backends.store.checkin.check_in(asker.team_id, booking.id, now=asker.now):
            # The release sweep (or a second click) got there first: say what happened.
            return self.check_in(asker, booking_id=booking.id, is_admin=True)
        signed_in = self._sign_in(booking, asker.user_id)
        return TextReply(messages.checked_in(booking.room_name, start, end, signed_in=signed_in), kind="success")

    def _sign_in(self, booking: BookingRecord, user_id: str) -> bool:
        """Sign in on the DingTalk event too, when the booker's own account organizes it (1 call)."""
        user = self.backends.store.users.get(booking.team_id, user_id)
        union_id = user.union_id if user is not None else None
        if not union_id or not booking.event_id or union_id != booking.organizer_union_id:
            return False  # booked on the operator's account: the user is not on the event
        try:
            self.backends.dingtalk.sign_in(union_id, booking.event_id)
        except DingTalkError as exc:
            self.backends.log.info("booking %s: DingTalk sign-in failed (%s); checked in here only", booking.id, exc.code)
            return False
        return True

    # --- release / end early -----------------------------------------------------------------

    def release(
        self, asker: Asker, *, booking_id: int | None = None, room: str | None = None, is_admin: bool = False
    ) -> Reply:
        """Give the rest of the slot back: remove the room before the start, move the end once started."""
        booking = self._going_on(asker, booking_id, room, is_admin=is_admin)
        if isinstance(booking, TextReply):
            return booking
        if booking.start >= asker.now:
            return self._remove_before_start(asker, booking)
        return self._end_now(asker, booking)

    def end_now(self, asker: Asker, *, booking_id: int | None = None, is_admin: bool = False) -> Reply:
        return self.release(asker, booking_id=booking_id, is_admin=is_admin)

    def _remove_before_start(self, asker: Asker, booking: BookingRecord) -> Reply:
        if not self.backends.store.checkin.claim_release(asker.team_id, booking.id, now=asker.now, reason=ENDED):
            return self.release(asker, booking_id=booking.id, is_admin=True)
        organizer = booking.organizer_union_id or self.backends.settings.dingtalk_operator_union_id or ""
        token = client_token(booking.idempotency_key, f"release-{booking.id}")
        try:
            self.backends.dingtalk.remove_rooms(organizer, booking.event_id or "", [booking.room_id], client_token=token)
        except ItemNotFound:
            self.backends.log.info("event of booking %s was already gone in DingTalk", booking.id)
        except BaseException:
            self.backends.store.checkin.unclaim_release(asker.team_id, booking.id, claimed_at=asker.now)
            raise
        self._invalidate(booking)
        start, end = booking.start.astimezone(asker.zone), booking.end.astimezone(asker.zone)
        return TextReply(messages.booking_released(booking.room_name, start, end), kind="success")

    def _end_now(self, asker: Asker, booking: BookingRecord) -> Reply:
        new_end = _next_minute(asker.now)
        if new_end >= booking.end:
            return TextReply(messages.booking_over(booking.room_name), kind="info")
        self._move_end(booking, new_end)
        self.backends.store.checkin.set_end(asker.team_id, booking.id, end=new_end)
        self.backends.store.checkin.claim_release(asker.team_id, booking.id, now=asker.now, reason=ENDED)
        self._invalidate(booking)
        return TextReply(messages.meeting_ended(booking.room_name, new_end.astimezone(asker.zone)), kind="success")

    # --- extend ------------------------------------------------------------------------------

    def extend(
        self, asker: Asker, *, minutes: int, booking_id: int | None = None, room: str | None = None, is_admin: bool = False
    ) -> Reply:
        """Check free/busy after the booking first (1 call), then move the event's end (1 call)."""
        if not 0 < minutes <= MAX_EXTEND_MINUTES:
            return TextReply(messages.WORDS.extend_bad_minutes, kind="error")
        booking = self._going_on(asker, booking_id, room, is_admin=is_admin)
        if isinstance(booking, TextReply):
            return booking
        new_end = booking.end + timedelta(minutes=minutes)
        operator = self.backends.settings.dingtalk_operator_union_id or booking.organizer_union_id or ""
        schedule = self.backends.dingtalk.query_schedules(operator, [booking.room_id], booking.end, new_end)[0]
        old_end = booking.end.astimezone(asker.zone)
        if schedule.unknown:
            return TextReply(messages.extend_unknown(booking.room_name), kind="info")
        if _taken(schedule.items, booking, booking.end, new_end):
            return TextReply(messages.extend_taken(booking.room_name, old_end, minutes), kind="info")
        try:
            self._move_end(booking, new_end)
        except (InvalidRoomId, RoomBusy):
            # Taken between the free/busy answer and the move: DingTalk refused, nothing changed.
            return TextReply(messages.extend_taken(booking.room_name, old_end, minutes), kind="info")
        done = self.backends.store.checkin.set_end(asker.team_id, booking.id, end=new_end)
        self._invalidate(booking)
        start = done.start.astimezone(asker.zone)
        return TextReply(messages.meeting_extended(done.room_name, start, new_end.astimezone(asker.zone)), kind="success")

    def _move_end(self, booking: BookingRecord, new_end: datetime) -> None:
        organizer = booking.organizer_union_id or self.backends.settings.dingtalk_operator_union_id or ""
        token = client_token(booking.idempotency_key, f"end-{booking.id}-{int(new_end.timestamp())}")
        self.backends.dingtalk.update_event_time(
            organizer,
            booking.event_id or "",
            start=booking.start,
            end=new_end,
            time_zone=self.backends.settings.default_tz,
            client_token=token,
        )

    # --- reminder preference -----------------------------------------------------------------

    def set_reminders(self, asker: Asker, minutes: int | None) -> Reply:
        """`remind me 15 min before` (minutes) or `reminders off` (None)."""
        self.backends.store.checkin.set_reminder_minutes(asker.team_id, asker.user_id, minutes or None)
        if not minutes:
            return TextReply(messages.WORDS.reminders_off, kind="success")
        return TextReply(messages.reminders_set(minutes), kind="success")

    def set_group_grace(self, request: Request, asker: Asker) -> Reply:
        """`group grace HQ 10` (minutes), `group grace HQ off` (never released), `group grace HQ default`."""
        name, value = request.args[0], request.args[1].lower()
        group = self.backends.store.groups.find(asker.team_id, name, user_id=asker.user_id, channel_id=asker.channel_id)
        admin = self.admins.is_admin(asker.user_id)
        if not may_change(owner_user_id=group.owner_user_id, acting_user=asker.user_id, is_admin=admin):
            raise NotAllowed(NotAllowedReason.CHANGE_GROUP)
        if value in ("default", "reset", "workspace"):
            self.backends.store.checkin.set_group_grace(asker.team_id, group.id, None)
            return TextReply(
                messages.group_grace_default(group.name, self.backends.settings.checkin_grace_minutes), kind="success"
            )
        minutes = 0 if value in ("off", "never", "no", "关闭") else _minutes(value)
        if minutes is None or minutes > MAX_GRACE_MINUTES:
            return TextReply(messages.WORDS.group_grace_bad, kind="error")
        self.backends.store.checkin.set_group_grace(asker.team_id, group.id, minutes)
        return TextReply(messages.group_grace_set(group.name, minutes), kind="success")

    def _invalidate(self, booking: BookingRecord) -> None:
        try:
            self.backends.schedules.invalidate(booking.team_id, [booking.room_id])
        except StoreError:
            self.backends.log.warning("could not invalidate the cached schedule of %s", booking.room_id, exc_info=True)


def is_released(booking: BookingRecord) -> bool:
    """Given back (no-show or by its booker); a skipped release leaves the booking as it was."""
    return booking.released_at is not None and booking.release_reason != SKIPPED


def _released_sentence(booking: BookingRecord) -> str:
    if booking.release_reason == RELEASED:
        return messages.too_late_released(booking.room_name)
    return messages.booking_already_released(booking.room_name)


def _minutes(text: str) -> int | None:
    digits = text.removesuffix("min").removesuffix("m").strip()
    return int(digits) if digits.isdigit() else None


def _next_minute(moment: datetime) -> datetime:
    trimmed = moment.replace(second=0, microsecond=0)
    return trimmed if trimmed == moment else trimmed + timedelta(minutes=1)


__all__ = [
    "CheckIns",
    "CheckinPolicy",
    "CheckinSweeps",
    "Notifier",
    "SweepReport",
    "booking_state",
    "is_released",
    "reminder_reply",
]
