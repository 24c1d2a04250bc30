"""The pure half of booking: the window and the room's own rules, checked before DingTalk is called,
and the idempotency keys that make a retried action book at most once.

One key per logical booking: (team, user, room, window), whatever message or command asked for
it (`booking_key`). The same key, hashed per step, is DingTalk's `x-client-token`, so a retried
call, a second click or the reconciler repeating it cannot create a second event. The key stays
until the booking reaches a final state; a key whose booking was refused, or cancelled since,
leads to the next key of a chain (`next_key`), so clicking Book again after "room busy" or after
cancelling really tries again, while two clicks at the same moment still meet on the same key.

Every event roombot creates carries a marker naming its team and key (`event_marker`), so an event
whose creation was never answered can still be found in the calendar and tied to its booking.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.models import RoomDetail
from bot.errors import BookingRuleViolation, MalformedReply, ParseError, RoomBotError, RuleReason, UpstreamUnavailable
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


def booking_key(team_id: str, user_id: str, room_id: str, start: datetime, end: datetime) -> str:
    """The idempotency key of one logical booking, from a button or from text alike.

    The window is normalised to UTC, so the same moment written in two zones is one booking.
    """
    parts = (team_id, user_id, room_id, _utc_text(start), _utc_text(end))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:CLIENT_TOKEN_LENGTH]


_MARKER = re.compile(r"\[roombot booking (?P<team>[^\s/\]]{1,32})/(?P<key>[^\s\]]{1,128})\]")


def event_marker(team_id: str, key: str) -> str:
    """The line roombot writes into each event it creates: whose booking it is (no secret, no user text)."""
    return f"[roombot booking {team_id}/{key}]"


def parse_marker(description: str) -> tuple[str, str] | None:
    """(team id, key) from an event's description, or None when roombot did not make the event."""
    found = _MARKER.search(description or "")
    return (found.group("team"), found.group("key")) if found else None


# DingTalk's answers to a repeated x-client-token while the first call is still being processed, or
# when the token was seen with another request: the first call may well go through.
_TOKEN_IN_USE = frozenset({"idempotencyProcessing", "invalidRequest.duplicateClientToken"})


def outcome_unknown(exc: BaseException) -> bool:
    """Whether DingTalk may have carried out a write that failed with `exc` (no answer, an unreadable one, a crash).

    Such a booking is not refused: it stays unsettled until it is checked.
    """
    if isinstance(exc, UpstreamUnavailable | MalformedReply) or not isinstance(exc, RoomBotError):
        return True
    return getattr(exc, "code", None) in _TOKEN_IN_USE


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat() if moment.tzinfo is not None else moment.isoformat()


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


__all__ = [
    "PAST_GRACE",
    "booking_key",
    "check_rules",
    "check_window",
    "client_token",
    "event_marker",
    "next_key",
    "outcome_unknown",
    "parse_marker",
]
