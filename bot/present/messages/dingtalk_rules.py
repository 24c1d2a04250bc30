"""Sentences about rooms DingTalk will not let the asker book (closures, member-only scope), all-day
items and approval outcomes."""

from __future__ import annotations

from datetime import datetime

from bot.present.messages.words import clock, day


def closed_room(until: datetime | None, reason: str | None) -> str:
    """`Closed until Wed 16 Dec 00:00 (Renovation)`; `until` already in the asker's zone."""
    head = f"Closed until {day(until)} {clock(until)}" if until is not None else "Closed for bookings"
    return f"{head} ({reason})" if reason else head


def not_open_to_you() -> str:
    return "Not open to you (members only)"


def unavailable_count(count: int) -> str:
    """The summary's part about closed or members-only rooms: `2 closed or not open to you`."""
    return f"{count} closed or not open to you"


__all__ = ["closed_room", "not_open_to_you", "unavailable_count"]
