"""Sentences about answering on time and to the right audience (busy, too slow, booked by)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final, NamedTuple

from bot.present.messages.words import clock, minutes, window


def slack_busy() -> str:
    """Every answer slot is taken: the request was not queued."""
    return ":hourglass: I'm busy answering other questions right now. Please try again in a minute."


def slack_too_slow() -> str:
    """An answer that outlasted its deadline (a hung database or DingTalk)."""
    return (
        ":warning: That took too long to answer, so I stopped waiting. "
        "Please try again in a minute; if it keeps happening, tell your Slack admin."
    )


def slack_booked_by(user_id: str) -> str:
    """The neutral line a public message gains when someone books from it."""
    return f"Booked by <@{user_id}>"


# --- Slack's conventions: readers' own time zones, screen readers, confirmations -----------------

LABEL_DISPLAY_MAX = 30
"""Slack shows about 30 characters of a button label; longer labels are cut there."""


def slack_date(moment: datetime, token_format: str, fallback: str) -> str:
    """A `<!date^…>` token: Slack shows `moment` in each reader's own zone; `fallback` where it cannot."""
    fallback = fallback.replace("|", "/").replace(">", "›")
    return f"<!date^{int(moment.timestamp())}^{token_format}|{fallback}>"


def slack_window(start: datetime, end: datetime) -> str:
    """A window as date tokens (`Tue, Nov 24 2:00 PM–3:00 PM` in the reader's zone); the asker's as fallback."""
    first = slack_date(start, "{date_short_pretty} {time}", window(start, start))
    if start == end:
        return first
    return f"{first}–{slack_date(end, '{time}', clock(end))}"


def slack_span(start: datetime, end: datetime) -> str:
    """`14:00–15:00` as date tokens (times only; the day is in the header)."""
    return f"{slack_date(start, '{time}', clock(start))}–{slack_date(end, '{time}', clock(end))}"


def slack_free_windows(windows: Sequence[tuple[datetime, datetime]]) -> str:
    """`free 14:30–15:00, 15:30–16:00`, each time in the reader's zone."""
    return "free " + ", ".join(slack_span(start, end) for start, end in windows)


def slack_free_from(moment: datetime) -> str:
    """When a taken room frees up, in the reader's zone."""
    return f"free from {slack_date(moment, '{date_short_pretty} {time}', window(moment, moment))}"


def find_header_shared(start: datetime, end: datetime, duration_minutes: int | None) -> str:
    """The header of an availability answer shown to a channel (mrkdwn, times in each reader's zone)."""
    what = f"{minutes(duration_minutes)} slots" if duration_minutes else "Free rooms"
    return f"*{what} · {slack_window(start, end)}*"


def slack_fallback_rooms(rooms: Sequence[tuple[str, str]]) -> str:
    """The best rooms and their state, for the notification and screen readers: `3F-Everest: Free; 3F-Fuji: Busy`."""
    return "; ".join(f"{name}: {state}" for name, state in rooms)


def slack_book_accessible(room_name: str, start: datetime, end: datetime) -> str:
    """What a screen reader says for a Book button (the label alone is only "Book")."""
    return f"Book {room_name}, {window(start, end)}"


class Confirm(NamedTuple):
    """The words of a confirm dialog shown before a button acts (Slack's `confirm` object)."""

    title: str
    text: str
    confirm: str
    deny: str


CANCEL_CONFIRM: Final = Confirm(
    title="Cancel this booking?",
    text="The room is released for everyone else. This cannot be undone.",
    confirm="Yes, cancel it",
    deny="Keep it",
)


def slack_listed_without_button(count: int) -> str:
    """Rooms that fit but got no Book button (a message holds at most so many buttons)."""
    rooms = "room is" if count == 1 else "rooms are"
    return (
        f"{count} free {rooms} listed without a Book button. "
        "Ask about a smaller group or a narrower time to get a button for each."
    )


__all__ = [
    "CANCEL_CONFIRM",
    "LABEL_DISPLAY_MAX",
    "Confirm",
    "find_header_shared",
    "slack_book_accessible",
    "slack_booked_by",
    "slack_busy",
    "slack_date",
    "slack_fallback_rooms",
    "slack_free_from",
    "slack_free_windows",
    "slack_listed_without_button",
    "slack_span",
    "slack_too_slow",
    "slack_window",
]
