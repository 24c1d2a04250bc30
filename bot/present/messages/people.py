"""Sentences: finding a time for people and a room ("when can @ana, @bo and I meet tomorrow?")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from bot.markup import escape_mrkdwn
from bot.present.messages.fixed import WORDS
from bot.present.messages.words import minutes, quoted, window

# Times arrive already in the reader's zone. People are Slack user ids, shown as mentions.


def person(user_id: str) -> str:
    """A Slack user, as a mention (Slack shows their name). Only id characters are kept: an id is
    never escaped, which would break the mention, and nothing else can slip into the markup."""
    return "<@" + re.sub(r"[^A-Za-z0-9_]", "", user_id) + ">"


def people_list(user_ids: Sequence[str], *, limit: int = 10) -> str:
    """`<@U1>`, `<@U1> and <@U2>`, `<@U1>, <@U2> and 3 more`."""
    shown = [person(u) for u in user_ids[:limit]]
    more = len(user_ids) - len(shown)
    if more > 0:
        return ", ".join(shown) + f" and {more} more"
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def meet_header(headcount: int, duration_minutes: int) -> str:
    """The header (plain text): `A time for 3 people · 1 h`."""
    who = "1 person" if headcount == 1 else f"{headcount} people"
    return f"A time for {who} · {minutes(duration_minutes)}"


def meet_searched(start: datetime, end: datetime) -> str:
    """`Searched Wed 25 Nov, 09:00–18:00, within working hours`."""
    return f"Searched {window(start, end)}, within working hours"


def meet_busy(user_ids: Sequence[str]) -> str:
    """Who is busy then (never what they are doing)."""
    return f"Busy: {people_list(user_ids)}"


def meet_maybe_busy(user_ids: Sequence[str]) -> str:
    return f"Maybe busy (not yet accepted): {people_list(user_ids)}"


def meet_optional_busy(user_ids: Sequence[str]) -> str:
    return f"Optional, busy: {people_list(user_ids)}"


def meet_rooms(names: Sequence[str]) -> str:
    return "Free rooms: " + ", ".join(quoted(name) for name in names)


def meet_no_slots(duration_minutes: int) -> str:
    return (
        f"No {minutes(duration_minutes)} slot fits the working hours of that window. "
        "Try a longer window, like `this week`, or a shorter meeting."
    )


def meet_unlinked(user_ids: Sequence[str], *, asker_unlinked: bool) -> str:
    """People searched without, because their DingTalk account is not linked."""
    others = list(user_ids)
    parts = []
    if others:
        verb = "has" if len(others) == 1 else "have"
        parts.append(
            f"{people_list(others)} {verb} not linked a DingTalk account, so I searched without their calendar "
            "and asked them by DM to link it."
        )
    if asker_unlinked:
        parts.append("Your own calendar was left out too: link your account with `link &lt;your mobile number&gt;`.")
    return " ".join(parts)


def meet_unreadable(user_ids: Sequence[str]) -> str:
    """People whose calendar DingTalk would not give (a per-person error)."""
    return f"DingTalk could not give me the calendar of {people_list(user_ids)}, so I searched without it."


def meet_too_many_people(limit: int) -> str:
    return f"That's more people than I can plan for at once: name at most {limit}, or book a room for the group instead."


def invite_button(room_name: str) -> str:
    """The Book and invite button (plain text)."""
    return f"Book {room_name} and invite"


def meet_booked(room_name: str, start: datetime, end: datetime, *, invited: int, video_url: str, pending: bool) -> str:
    """The line that replaces the question after Book and invite."""
    text = f"Booked {quoted(room_name)} for {window(start, end)} and invited {invited} " + (
        "person." if invited == 1 else "people."
    )
    if pending:
        text += " The room awaits its administrator's approval."
    if video_url:
        text += f" Video meeting: {escape_mrkdwn(video_url)}"
    return text


def meet_link_dm(organizer_id: str) -> str:
    """The DM to someone whose calendar could not be searched."""
    return (
        f"{person(organizer_id)} is looking for a meeting time with you, but I can't see your DingTalk calendar. "
        "Link your account by sending me `link &lt;your mobile number&gt;`, and I'll include your busy times next time "
        "(only busy or free, never what your meetings are)."
    )


def meet_invited_dm(
    organizer_id: str, room_name: str, start: datetime, end: datetime, *, tz: str, video_url: str, in_dingtalk: bool
) -> str:
    """The DM to an attendee after Book and invite: the time in their own zone."""
    text = f"{person(organizer_id)} invited you to a meeting in {quoted(room_name)}, {window(start, end)} ({tz})."
    if video_url:
        text += f" Video meeting: {escape_mrkdwn(video_url)}"
    if not in_dingtalk:
        text += (
            " You are not on the DingTalk invitation because your account is not linked: "
            "send me `link &lt;your mobile number&gt;`."
        )
    return text


def meet_event_description(user_name: str) -> str:
    """The DingTalk event's description (plain text)."""
    return f"Planned in Slack by {user_name} via roombot."


def meet_slot_lines(
    start: datetime,
    end: datetime,
    *,
    busy: Sequence[str],
    maybe_busy: Sequence[str],
    optional_busy: Sequence[str],
    rooms: Sequence[str] | None,
    calendars: bool = True,
) -> list[str]:
    """One suggested time (mrkdwn): when, who is busy, and the free rooms (None: rooms not searched).
    Without `calendars` (nobody's could be searched) nobody is said to be free."""
    head = f"*{window(start, end)}*"
    if calendars and not busy and not maybe_busy:
        head += f" · {WORDS.meet_everyone_free}"
    lines = [head]
    if busy:
        lines.append(meet_busy(busy))
    if maybe_busy:
        lines.append(meet_maybe_busy(maybe_busy))
    if optional_busy:
        lines.append(meet_optional_busy(optional_busy))
    if rooms is not None:
        lines.append(meet_rooms(rooms) if rooms else WORDS.meet_no_room)
    return lines
