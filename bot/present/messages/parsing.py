"""Sentences: parsing."""

from __future__ import annotations

from datetime import datetime

from bot import errors
from bot.markup import escape_mrkdwn
from bot.present.messages.words import clock, day

_PARSE_REASONS = {
    "no_time": "When should I book it? Add a day and a time.",
    "end_before_start": "The end of that window comes before its start{window}.",
    "in_past": "That time has already passed{window}.",
    "too_long": "That window is longer than {max_days} days, so I don't think it's meant.",
    "unreadable": "I couldn't read a time in “{fragment}”.",
    "not_understood": "I didn't understand “{fragment}”. Ask me about rooms and times.",
    "duration_exceeds_window": "A {duration} meeting doesn't fit in {window}.",
    "missing_argument": "`{command}` needs more: {needs}.",
    "too_many_arguments": "`{command}` got too many names. Put names with spaces in quotes.",
    "bad_capacity": "I couldn't read how many people that is (“{fragment}”).",
    "bad_timezone": "I don't know the time zone “{tz}”.",
    "weekday_mismatch": "{date} is a {actual}, not a {asked}. Which day did you mean?",
}


def parse_error(err: errors.ParseError) -> str:
    """What was understood, why it failed, and an example to type instead (Slack mrkdwn)."""
    detail = {key: escape_mrkdwn(value) for key, value in err.detail.items()}
    detail.setdefault("needs", "a name")
    detail.setdefault("command", "this command")
    start, end = detail.get("start", ""), detail.get("end", "")
    if start and end:
        # a window that has passed is on another day as often as not: name its day
        dated = _dated(start, end) if err.reason == "in_past" else ""
        detail["window"] = f" ({dated or f'{_short_time(start)}–{_short_time(end)}'})"
    elif "window" not in detail:
        detail["window"] = ""
    template = _PARSE_REASONS.get(err.reason, "I couldn't read that request.")
    try:
        reason = template.format(**detail)
    except (KeyError, IndexError):
        reason = "I couldn't read that request."
    parts = [reason]
    if err.reason == "in_past" and detail.get("suggestion"):
        parts.append(f"Did you mean {detail['suggestion']}?")
    if err.understood:
        parts.append(f"I understood: {escape_mrkdwn(err.understood)}.")
    if err.example:
        parts.append(f"Try: `{escape_mrkdwn(err.example)}`")
    return " ".join(parts)


def _dated(start: str, end: str) -> str:
    """`Mon 1 Dec 15:00–15:30`, or `Mon 24 Nov 09:00 – Fri 28 Nov 18:00`; "" when not ISO moments."""
    try:
        first, last = datetime.fromisoformat(start), datetime.fromisoformat(end)
    except ValueError:
        return ""
    if first.date() == last.date():
        return f"{day(first)} {clock(first)}–{clock(last)}"
    return f"{day(first)} {clock(first)} – {day(last)} {clock(last)}"


def _short_time(value: str) -> str:
    """`2025-12-02T14:00:00+08:00` → `14:00`; `14:00` stays."""
    return value[11:16] if len(value) >= 16 and value[10] == "T" else value


def parse_help_examples() -> list[str]:
    """Requests worth showing in help, in the order a new user meets them."""
    return [
        "free rooms tomorrow 2-3pm",
        "any room now for 45 min",
        "next monday 10:30 to noon in HQ",
        "friday afternoon for 8 people with a projector",
        "a 30 min slot between 2 and 5pm",
        "book 3F-Everest tomorrow 2-3pm",
        "cancel my 2pm booking",
        "my bookings",
        "明天下午2点到3点有空的会议室",
        "groups · group add HQ 3F-Everest 3F-K2",
        "link +86 138 0000 0000",
    ]
