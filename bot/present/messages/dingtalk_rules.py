"""Sentences about rooms DingTalk will not let the asker book (closures, member-only scope), all-day
items and approval outcomes."""

from __future__ import annotations

from datetime import datetime

from bot.present.messages.words import clock, day, quoted, window


def closed_room(until: datetime | None, reason: str | None) -> str:
    """`Closed until Wed 16 Dec 00:00 (Renovation)`; `until` already in the asker's zone."""
    head = f"Closed until {day(until)} {clock(until)}" if until is not None else "Closed for bookings"
    return f"{head} ({reason})" if reason else head


def unavailable_count(count: int) -> str:
    """The summary's part about closed or members-only rooms: `2 closed or not open to you`."""
    return f"{count} closed or not open to you"


def approval_approved(room_name: str, start: datetime, end: datetime) -> str:
    return f"Your booking of {quoted(room_name)} for {window(start, end)} was *approved*. The room is yours."


def approval_declined(room_name: str, start: datetime, end: datetime) -> str:
    return f"Your booking of {quoted(room_name)} for {window(start, end)} was *declined* by the room's administrator."


def jobs_approvals_followed(checked: int, approved: int, declined: int, told: int) -> str:
    return f"{checked} pending bookings checked: {approved} approved, {declined} declined; {told} bookers told"


__all__ = [
    "approval_approved",
    "approval_declined",
    "closed_room",
    "jobs_approvals_followed",
    "unavailable_count",
]
