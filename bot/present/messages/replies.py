"""Sentences: replies (availability, buttons, headers)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.availability import Summary
from bot.markup import escape_mrkdwn
from bot.present.messages.dingtalk_rules import unavailable_count
from bot.present.messages.fixed import WORDS
from bot.present.messages.words import ago, clock, day, minutes, span, window

# Used by bot/slack/blocks.py and bot/textview.py. Times arrive already in the asker's zone.


def find_header(start: datetime, end: datetime, tz: str, duration_minutes: int | None) -> str:
    """The header of an availability answer: `Free rooms · Tue 24 Nov, 14:00–15:00 (Asia/Shanghai)`."""
    what = f"{minutes(duration_minutes)} slots" if duration_minutes else "Free rooms"
    return f"{what} · {window(start, end)} ({tz})"


def wanted(capacity: int | None, labels: Sequence[str]) -> str:
    """What the asker asked for besides the time, mrkdwn-safe: `for 8 people · with Projector, TV`."""
    parts = []
    if capacity:
        parts.append("for 1 person" if capacity == 1 else f"for {capacity} people")
    if labels:
        parts.append("with " + ", ".join(escape_mrkdwn(label) for label in labels))
    return " · ".join(parts)


def summary_line(summary: Summary, *, duration_minutes: int | None = None, asked: datetime | None = None) -> str:
    """The one-line reason: `0 of 12 free; 3 are free from 15:30; 2 could not be checked`.

    Times are shown in `asked`'s zone, and a time on another day than the one `asked` about names its
    day: `2 are free from Wed 03 Dec 00:00`.
    """
    total, fitting, partly_free = summary.total, summary.fitting, summary.partly_free
    next_free, next_free_count = summary.next_free, summary.next_free_count
    if next_free is not None and asked is not None:
        next_free = next_free.astimezone(asked.tzinfo)
    if total == 0:
        return "No rooms to check."
    free_word = f"have a {minutes(duration_minutes)} slot" if duration_minutes else "free"
    if fitting == total and total > 1:
        everyone = "Both" if total == 2 else f"All {total}"
        head = f"{everyone} {free_word}" if duration_minutes else f"{everyone} rooms free"
    else:
        head = f"{fitting} of {total} {free_word}"
    parts = [head]
    if partly_free and not duration_minutes:
        parts.append(f"{partly_free} partly free")
    if summary.pending:
        parts.append(f"{summary.pending} awaiting approval (may free up)")
    if next_free is not None and next_free_count:
        verb = "is" if next_free_count == 1 else "are"
        when = (
            clock(next_free) if asked is None or next_free.date() == asked.date() else f"{day(next_free)} {clock(next_free)}"
        )
        parts.append(f"{next_free_count} {verb} free from {when}")
    if summary.unknown:
        parts.append(f"{summary.unknown} could not be checked")
    if summary.unavailable:
        parts.append(unavailable_count(summary.unavailable))
    return "; ".join(parts)


def verdict_label(verdict: str, *, fits: bool = False) -> str:
    """A verdict in words (`bot.domain.availability.Verdict` values)."""
    if verdict == "partly_free" and fits:
        return "Has a free slot"
    return {
        "free": "Free",
        "partly_free": "Partly free",
        "pending": "Awaiting approval, may free up",
        "busy": "Busy",
        "unknown": "Could not be checked",
        "closed": "Closed for bookings",
        "not_open": WORDS.not_open_to_you,
    }.get(verdict, verdict)


def free_windows(windows: Sequence[tuple[datetime, datetime]], *, asked: datetime | None = None) -> str:
    """`free 14:30–15:00, 15:30–16:00`; a window on another day than `asked` names its day."""
    return "free " + ", ".join(span_on(start, end, asked) for start, end in windows)


def span_on(start: datetime, end: datetime, asked: datetime | None) -> str:
    """`14:00–15:00` on the day asked about; `Wed 3 Dec 00:00–02:00` on another day."""
    text = span(start, end)
    if asked is None or start.date() == asked.date() or text[0].isalpha():
        return text
    return f"{day(start)} {text}"


def free_from(moment: datetime, asked: datetime) -> str:
    """When a taken room frees up: `free from 15:30` (`free from Wed 25 Nov 09:00` on another day)."""
    if moment.date() == asked.date():
        return f"free from {clock(moment)}"
    return f"free from {day(moment)} {clock(moment)}"


def capacity(count: int | None) -> str:
    if count is None:
        return ""
    return "1 seat" if count == 1 else f"{count} seats"


def booked_by(name: str) -> str:
    """mrkdwn-safe."""
    return f"booked by {escape_mrkdwn(name)}"


def book_button(start: datetime, end: datetime, *, whole_window: bool) -> str:
    """The Book button: `Book`, or `Book 16:30–17:00` when it books part of the window."""
    return "Book" if whole_window else f"Book {span(start, end)}"


def book_alternative_button(room_name: str, start: datetime, end: datetime) -> str:
    """A Book button for a suggested slot (plain text: buttons show no mrkdwn)."""
    return f"Book {room_name} {span(start, end)}"


def show_all_button(total: int) -> str:
    return f"Show all {total} rooms"


def showing_best(shown: int, total: int) -> str:
    return f"Showing the best {shown} of {total} rooms."


def more_rooms(count: int) -> str:
    return f"…and {count} more" + (" room" if count == 1 else " rooms") + " not listed."


def alternative_when(earlier: bool) -> str:
    return "earlier" if earlier else "later"


def searched_groups(names: Sequence[str]) -> str:
    """mrkdwn-safe: `Searched HQ, 3F`."""
    if not names:
        return ""
    return "Searched " + ", ".join(escape_mrkdwn(name) for name in names)


def data_age(seconds: float | None) -> str:
    """How fresh the schedules are: `checked just now`, `checked 40 s ago`, `checked 12 min ago`."""
    return f"checked {ago(seconds)}"
