"""The pure half of booking: the window and the room's own rules, checked before DingTalk is called,
and the idempotency keys that make a retried action book at most once.

One key per user action (the Slack layer derives it from the click). The same key, hashed per
step, is DingTalk's `x-client-token`, so a retried call cannot create a second event. A key whose
attempt failed, or whose booking was cancelled since, leads to the next key of a chain
(`next_key`), so clicking Book again after "room busy" or after cancelling really tries again,
while two clicks at the same moment still meet on the same key.
"""

from __future__ import annotations

import calendar
import hashlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.models import RoomDetail
from bot.errors import BookingRuleViolation, ParseError, RuleReason
from bot.present import messages

# A booking may start a little in the past: a Book button on a "free now" answer is clicked a
# few minutes after the answer was made, and DingTalk accepts such events.
PAST_GRACE = timedelta(minutes=15)
# DingTalk's x-client-token is at most 64 characters.
CLIENT_TOKEN_LENGTH = 40


def client_token(key: str, step: str) -> str:
    """DingTalk's `x-client-token` for one step ("create", "add", "undo", ...) of one action."""
    return hashlib.sha256(f"{key}\x1f{step}".encode()).hexdigest()[:CLIENT_TOKEN_LENGTH]


def next_key(key: str, failed_booking_id: int) -> str:
    """The key of the next attempt after a failed or cancelled one (the same for every clicker)."""
    return hashlib.sha256(f"{key}\x1fretry\x1f{failed_booking_id}".encode()).hexdigest()[:CLIENT_TOKEN_LENGTH]


def text_booking_key(team_id: str, user_id: str, room_id: str, start: datetime, end: datetime) -> str:
    """The idempotency key of a booking asked for in text (a repeated message books once)."""
    parts = (team_id, user_id, room_id, start.isoformat(), end.isoformat(), "text")
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:CLIENT_TOKEN_LENGTH]


# --- pure rule checks --------------------------------------------------------------------------


def check_window(start: datetime, end: datetime, *, now: datetime, room_name: str) -> None:
    """Refuse a window that is empty or already over (a short grace for "now" answers).

    Raises:
        ParseError: the window ends before it starts.
        BookingRuleViolation: `in_past`.
    """
    if end <= start:
        raise ParseError("end_before_start", detail={"start": start.isoformat(), "end": end.isoformat()})
    if end <= now or start < now - PAST_GRACE:
        raise BookingRuleViolation(RuleReason.IN_PAST, room_name=room_name)


def check_rules(
    detail: RoomDetail, start: datetime, end: datetime, *, now: datetime, zone: ZoneInfo, booker: str | None = None
) -> None:
    """The room's own booking rules from its DingTalk detail, before DingTalk is asked.

    Args:
        zone: the organisation's zone: DingTalk counts "days ahead" in local days.
        booker: the organizer's unionId, checked against a member-only room's scope.

    Raises:
        BookingRuleViolation: `closed`, `not_open`, `too_long`, `too_short` or `too_far_ahead`.
    """
    name = detail.room.name
    if detail.members is not None and booker is not None:
        users = {member.member_id for member in detail.members if member.member_type != "dept"}
        # A scope naming departments is DingTalk's to settle (it knows who is in them).
        if booker not in users and not any(member.member_type == "dept" for member in detail.members):
            raise BookingRuleViolation(RuleReason.NOT_OPEN, room_name=name)
    if not detail.open_reservation:
        raise BookingRuleViolation(RuleReason.CLOSED, room_name=name)
    closed = detail.closed
    if closed is not None and (closed.start is None or end > closed.start) and (closed.end is None or start < closed.end):
        info: dict[str, str] = {}
        if closed.end is not None:
            info["until"] = messages.booking_moment(closed.end.astimezone(zone))
        if closed.reason:
            info["reason"] = closed.reason
        raise BookingRuleViolation(RuleReason.CLOSED, room_name=name, detail=info)
    minutes = int((end - start).total_seconds() // 60)
    if detail.max_minutes and minutes > detail.max_minutes:
        raise BookingRuleViolation(RuleReason.TOO_LONG, room_name=name, detail={"limit": str(detail.max_minutes)})
    if detail.min_minutes and minutes < detail.min_minutes:
        raise BookingRuleViolation(RuleReason.TOO_SHORT, room_name=name, detail={"limit": str(detail.min_minutes)})
    advance = detail.advance
    if advance is not None and advance.amount > 0:
        local_now = now.astimezone(zone)
        last_day = _add_units(local_now.date(), advance.amount, advance.unit)
        opens = _clock_time(advance.book_time)
        if opens is not None and local_now.time() < opens:
            last_day -= timedelta(days=1)  # today's new day is not open yet
        limit = datetime.combine(last_day + timedelta(days=1), time(0, 0), tzinfo=zone)
        if start >= limit:
            raise BookingRuleViolation(
                RuleReason.TOO_FAR_AHEAD,
                room_name=name,
                detail={"limit": messages.booking_advance(advance.amount, advance.unit), "last_day": last_day.isoformat()},
            )


def _add_units(day: date, amount: int, unit: str) -> date:
    unit = unit.lower().rstrip("s")
    if unit == "week":
        return day + timedelta(weeks=amount)
    if unit in ("month", "year"):
        months = amount * (12 if unit == "year" else 1)
        year, month = divmod(day.month - 1 + months, 12)
        year += day.year
        month += 1
        return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return day + timedelta(days=amount)


def _clock_time(text: str) -> time | None:
    try:
        return time.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


__all__ = ["PAST_GRACE", "check_rules", "check_window", "client_token", "next_key", "text_booking_key"]
