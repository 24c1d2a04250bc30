"""Small words the sentences share: quoted names, clock times, days and windows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.markup import escape_mrkdwn


def quoted(text: str) -> str:
    return f"“{escape_mrkdwn(text)}”"


def quoted_list(items: Sequence[str], *, limit: int = 8) -> str:
    shown = [f"`{escape_mrkdwn(item)}`" for item in items[:limit]]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def clock(moment: datetime) -> str:
    """`14:00`."""
    return f"{moment:%H:%M}"


def day(moment: datetime) -> str:
    """`Tue 24 Nov`."""
    return f"{moment:%a} {moment.day} {moment:%b}"


def window(start: datetime, end: datetime) -> str:
    """`Tue 24 Nov, 14:00–15:00`; an instant: `Tue 24 Nov, 14:00`."""
    if start == end:
        return f"{day(start)}, {clock(start)}"
    text = span(start, end)
    return text if text[0].isalpha() else f"{day(start)}, {text}"


def minutes(count: int) -> str:
    """`30 min`, `1 h`, `1 h 30 min`."""
    hours, rest = divmod(count, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


def span(start: datetime, end: datetime) -> str:
    """`14:00–15:00`, or with days when the span leaves the day: `Tue 24 Nov 22:00 – Wed 25 Nov 01:00`."""
    if start.date() == end.date():
        return f"{clock(start)}–{clock(end)}"
    if end.date() == start.date() + timedelta(days=1) and end.hour == end.minute == 0:
        return f"{clock(start)}–24:00"
    return f"{day(start)} {clock(start)} – {day(end)} {clock(end)}"


def duration(seconds: float, *, hour_decimals: int = 0) -> str:
    """`40 s`, `12 min`, `2 h` (`1.5 h` with one hour decimal)."""
    if seconds < 90:
        return f"{round(seconds)} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.{hour_decimals}f} h"


def ago(seconds: float | None) -> str:
    """How long ago something was checked: `just now`, `40 s ago`, `12 min ago`, `2 h ago`."""
    if seconds is None or seconds < 5:
        return "just now"
    return f"{duration(seconds)} ago"
