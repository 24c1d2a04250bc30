"""The terminal presenter: a reply as readable, aligned plain text.

It shows the same facts as the Slack presenter (header, rooms with verdict and timeline,
alternatives, notes, the groups searched and the age of the data), with no ANSI colours unless
asked. `timeline` and `LOOKS` (how each verdict looks) are shared with `bot.slack.blocks`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.domain.availability import Assessment, Verdict
from bot.markup import unescape_mrkdwn
from bot.present import messages
from bot.present.reply import BookingsReply, FindReply, MeetReply, Reply, RoomResult, TextReply

BUSY_CELL = "▓"
TENTATIVE_CELL = "░"
FREE_CELL = "·"
MAX_CELLS = 48


class Look(NamedTuple):
    """How a verdict looks: its mark and ANSI colour on a terminal, its emoji in Slack."""

    mark: str
    colour: str
    emoji: str


LOOKS: dict[Verdict, Look] = {
    Verdict.FREE: Look("✓", "\x1b[32m", ":large_green_circle:"),
    Verdict.PARTLY_FREE: Look("◐", "\x1b[33m", ":large_yellow_circle:"),
    Verdict.PENDING: Look("…", "\x1b[33m", ":hourglass_flowing_sand:"),
    Verdict.BUSY: Look("✗", "\x1b[31m", ":red_circle:"),
    Verdict.UNKNOWN: Look("?", "\x1b[90m", ":grey_question:"),
    Verdict.CLOSED: Look("⊘", "\x1b[90m", ":no_entry:"),
    Verdict.NOT_OPEN: Look("⊘", "\x1b[90m", ":no_entry:"),
}

_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"
_NAME_WIDTH = 28
_DETAIL_WIDTH = 52


def timeline(assessment: Assessment, start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """A compact row for the span `[start, end)`: one cell per 30 min (or more for long spans).

    `▓` busy, `░` awaiting approval, `·` free; the asked window is bracketed `[ ]` (an instant
    is a `|`). A cell partly taken shows as taken. Hours label both ends: `09 ··▓▓[··]···· 18`.
    Unknown rooms get no timeline (an empty string).
    """
    if assessment.verdict is Verdict.UNKNOWN or end <= start:
        return ""
    step = timedelta(minutes=30)
    while (end - start) / step > MAX_CELLS:
        step *= 2
    cells: list[str] = []
    cursor = start
    asked_start, asked_end = assessment.start, assessment.end
    opened = closed = False
    while cursor < end:
        nxt = min(cursor + step, end)
        if asked_start == asked_end:
            if not opened and cursor >= asked_start:
                cells.append("|")
                opened = closed = True
        else:
            if not opened and nxt > asked_start:
                cells.append("[")
                opened = True
            if opened and not closed and cursor >= asked_end:
                cells.append("]")
                closed = True
        overlapping = [b for b in assessment.blocks if b.overlaps(cursor, nxt)]
        if any(not b.tentative for b in overlapping):
            cells.append(BUSY_CELL)
        elif overlapping:
            cells.append(TENTATIVE_CELL)
        else:
            cells.append(FREE_CELL)
        cursor = nxt
    if asked_start == asked_end and not opened:
        cells.append("|")
    elif opened and not closed:
        cells.append("]")
    last = end.astimezone(zone)
    last_label = (
        "24" if last.hour == 0 and last.minute == 0 and last.date() != start.astimezone(zone).date() else f"{last:%H}"
    )
    return f"{start.astimezone(zone):%H} {''.join(cells)} {last_label}"


def timeline_span(reply: FindReply) -> tuple[datetime, datetime]:
    """The span the timelines draw: the reply's own, else two hours either side of the window."""
    if reply.timeline_start is not None and reply.timeline_end is not None and reply.timeline_end > reply.timeline_start:
        return reply.timeline_start, reply.timeline_end
    zone = ZoneInfo(reply.tz)
    first = (reply.start.astimezone(zone) - timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    last = reply.end.astimezone(zone) + timedelta(hours=2)
    if last.minute or last.second or last.microsecond:
        last = last.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return first, last


def room_facts(result: RoomResult) -> list[str]:
    """Capacity, location and labels, raw (each presenter escapes as it needs)."""
    room = result.room
    facts = [messages.capacity(room.capacity), room.location, ", ".join(room.labels)]
    return [fact for fact in facts if fact]


def verdict_detail(result: RoomResult, asked: datetime, zone: ZoneInfo) -> str:
    """The verdict in words with its particulars: free windows, when it frees up, who holds it."""
    assessment = result.assessment
    if assessment.verdict is Verdict.CLOSED:
        until = assessment.until.astimezone(zone) if assessment.until is not None else None
        parts = [messages.closed_room(until, assessment.reason)]
    else:
        parts = [messages.verdict_label(assessment.verdict, fits=assessment.fits)]
    if assessment.verdict is Verdict.PARTLY_FREE and assessment.free:
        windows = [(w.start.astimezone(zone), w.end.astimezone(zone)) for w in assessment.free]
        parts.append(messages.free_windows(windows, asked=asked.astimezone(zone)))
    elif assessment.verdict in (Verdict.BUSY, Verdict.PENDING) and assessment.next_free is not None:
        parts.append(messages.free_from(assessment.next_free.astimezone(zone), asked.astimezone(zone)))
    if result.booked_by:
        parts.append(unescape_mrkdwn(messages.booked_by(result.booked_by)))
    return " · ".join(parts)


def render_text(reply: Reply, *, max_rooms: int = 20, color: bool = False) -> str:
    """Render any reply as text for a terminal.

    Args:
        max_rooms: list at most this many rooms unless the reply asks to show all.
        color: add ANSI colours (off by default: logs and pipes stay clean).
    """
    if isinstance(reply, TextReply):
        return _render_text_reply(reply)
    if isinstance(reply, BookingsReply):
        return _render_bookings(reply)
    if isinstance(reply, MeetReply):
        return _render_meet(reply)
    return _render_find(reply, max_rooms=max_rooms, color=color)


def _render_meet(reply: MeetReply) -> str:
    """Suggested times with who is busy and the free rooms; the terminal has no buttons."""
    zone = ZoneInfo(reply.tz)
    lines = [unescape_mrkdwn(reply.intro), ""] if reply.intro else []
    if reply.intro_kind == "success" or (reply.intro and not reply.slots):
        return "\n".join(line for line in lines if line)
    lines.append(messages.meet_header(reply.headcount, reply.duration_minutes))
    lines.append(messages.meet_searched(reply.window_start.astimezone(zone), reply.window_end.astimezone(zone)))
    if not reply.slots:
        lines.append(unescape_mrkdwn(messages.meet_no_slots(reply.duration_minutes)))
    elif reply.calendars and not reply.slots[0].everyone_free:
        lines.append(unescape_mrkdwn(messages.WORDS.meet_no_common_time))
    for number, slot in enumerate(reply.slots, start=1):
        text = messages.meet_slot_lines(
            slot.start.astimezone(zone),
            slot.end.astimezone(zone),
            busy=slot.busy,
            maybe_busy=slot.maybe_busy,
            optional_busy=slot.optional_busy,
            rooms=[room.name for room in slot.rooms] if reply.groups else None,
            calendars=reply.calendars > 0,
        )
        lines.append(f"  {number}. " + unescape_mrkdwn(text[0]).replace("*", ""))
        lines.extend(f"     {unescape_mrkdwn(line)}" for line in text[1:])
    lines.extend(unescape_mrkdwn(note) for note in reply.notes)
    return "\n".join(lines)


def _render_bookings(reply: BookingsReply) -> str:
    """Bookings with the command that cancels each (the terminal has no buttons)."""
    zone = ZoneInfo(reply.tz)
    lines = [unescape_mrkdwn(reply.intro), ""] if reply.intro else []
    lines.append(messages.WORDS.bookings_header)
    if not reply.bookings:
        lines.append(f"  {unescape_mrkdwn(reply.empty_text or messages.WORDS.bookings_none)}")
    width = min(_NAME_WIDTH, max((len(b.room_name) for b in reply.bookings), default=0))
    for booking in reply.bookings:
        when = messages.window(booking.start.astimezone(zone), booking.end.astimezone(zone))
        label = messages.booking_status_label(booking.status)
        status = f"  ({label})" if label else ""
        lines.append(f"  {booking.room_name:<{width}}  {when}{status}  → cancel {booking.booking_id}")
    return "\n".join(lines)


def _render_text_reply(reply: TextReply) -> str:
    lines = [unescape_mrkdwn(messages.plain_dates(reply.text))]
    if reply.examples:
        lines.append("")
        lines.extend(f"  › {example}" for example in reply.examples)
    if reply.buttons:
        lines.append("")
        lines.append("  " + "  ".join(f"[{button.text}]" for button in reply.buttons))
    return "\n".join(lines)


def _render_find(reply: FindReply, *, max_rooms: int, color: bool) -> str:
    zone = ZoneInfo(reply.tz)
    start, end = reply.start.astimezone(zone), reply.end.astimezone(zone)

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    lines = [unescape_mrkdwn(reply.intro), ""] if reply.intro else []
    lines.append(paint(messages.find_header(start, end, reply.tz, reply.duration_minutes), _BOLD))
    reason = reply.summary_sentence()
    wanted = unescape_mrkdwn(messages.wanted(reply.capacity, reply.labels))
    lines.append(reason + (f" · {wanted}" if wanted else ""))

    shown = reply.results if reply.show_all else reply.results[:max_rooms]
    span = timeline_span(reply)
    lines.append("")
    lines.extend(_room_lines(shown, reply, span, zone, paint))
    if len(shown) < len(reply.results):
        lines.append(f"  {messages.showing_best(len(shown), len(reply.results))}")

    if reply.alternatives:
        lines.append("")
        lines.append(paint(messages.WORDS.alternatives_header, _BOLD))
        for slot in reply.alternatives:
            view = reply.room(slot.key)
            name = view.name if view else slot.key
            when = messages.span_on(slot.start.astimezone(zone), slot.end.astimezone(zone), reply.start.astimezone(zone))
            lines.append(f"  {messages.alternative_when(slot.earlier):<8} {name:<{_NAME_WIDTH}} {when}")

    if reply.other_group_results:
        lines.append("")
        lines.append(paint(messages.WORDS.other_groups_header, _BOLD))
        lines.extend(_room_lines(reply.other_group_results, reply, span, zone, paint))

    notes = reply.notes_for(shown)
    if notes:
        lines.append("")
        lines.extend(f"  note: {unescape_mrkdwn(note)}" for note in notes)

    lines.append("")
    context = [unescape_mrkdwn(messages.searched_groups(reply.groups)), messages.data_age(reply.data_age_s)]
    lines.append(" · ".join(part for part in context if part))
    lines.append(messages.WORDS.timeline_legend)
    if reply.buttons:
        lines.append("  ".join(f"[{button.text}]" for button in reply.buttons))
    return "\n".join(lines)


def _room_lines(
    results: tuple[RoomResult, ...],
    reply: FindReply,
    span: tuple[datetime, datetime],
    zone: ZoneInfo,
    paint: Callable[[str, str], str],
) -> list[str]:
    width = min(_NAME_WIDTH, max((len(r.room.name) for r in results), default=0))
    details = [verdict_detail(result, reply.start, zone) for result in results]
    detail_width = min(_DETAIL_WIDTH, max((len(detail) for detail in details), default=0))
    lines: list[str] = []
    for result, detail in zip(results, details, strict=True):
        verdict = result.assessment.verdict
        mark = paint(LOOKS[verdict].mark, LOOKS[verdict].colour)
        facts = "  ".join(room_facts(result))
        lines.append(f"  {mark} {result.room.name:<{width}}  {facts}".rstrip())
        row = timeline(result.assessment, span[0], span[1], zone)
        lines.append(f"    {detail:<{detail_width}}  {row}".rstrip() if row else f"    {detail}")
        if result.assessment.fits and result.assessment.bookable is not None:
            bookable = result.assessment.bookable
            if (bookable.start, bookable.end) != (result.assessment.start, result.assessment.end):
                label = messages.book_button(
                    bookable.start.astimezone(zone), bookable.end.astimezone(zone), whole_window=False
                )
                lines.append(f"    → {label}")
        if result.footnote:
            lines.append(f"    {unescape_mrkdwn(result.footnote)}")
    return lines


__all__ = ["LOOKS", "Look", "render_text", "room_facts", "timeline", "timeline_span", "verdict_detail"]
