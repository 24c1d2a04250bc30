"""Every sentence a user reads, in one place (like slack_bolt/logger/messages.py).

Sentences are plain functions returning `str` (Slack mrkdwn-safe where noted). Exceptions carry
data; `describe_error` here turns any of them into a sentence with a next step. Keep the copy
short, kind and concrete: what happened, then what to do next.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import TypeVar

from bot import errors
from bot.markup import escape_mrkdwn

_Reason = TypeVar("_Reason", bound=StrEnum)

# --- parsing ---------------------------------------------------------------------------------

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
}


def parse_error(err: errors.ParseError) -> str:
    """What was understood, why it failed, and an example to type instead (Slack mrkdwn)."""
    detail = {key: escape_mrkdwn(value) for key, value in err.detail.items()}
    detail.setdefault("needs", "a name")
    detail.setdefault("command", "this command")
    start, end = detail.get("start", ""), detail.get("end", "")
    detail["window"] = f" ({_short_time(start)}–{_short_time(end)})" if start and end else ""
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


# --- replies (availability, buttons, headers) ------------------------------------------------
# Used by bot/slack/blocks.py and bot/textview.py. Times arrive already in the asker's zone.


def clock(moment: datetime) -> str:
    """`14:00`."""
    return f"{moment:%H:%M}"


def day(moment: datetime) -> str:
    """`Tue 24 Nov`."""
    return f"{moment:%a} {moment.day} {moment:%b}"


def span(start: datetime, end: datetime) -> str:
    """`14:00–15:00`, or with days when the span leaves the day: `Tue 24 Nov 22:00 – Wed 25 Nov 01:00`."""
    if start.date() == end.date():
        return f"{clock(start)}–{clock(end)}"
    if end.date() == start.date() + timedelta(days=1) and end.hour == end.minute == 0:
        return f"{clock(start)}–24:00"
    return f"{day(start)} {clock(start)} – {day(end)} {clock(end)}"


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


def summary_line(
    *,
    total: int,
    fitting: int,
    partly_free: int = 0,
    pending: int = 0,
    unknown: int = 0,
    next_free: datetime | None = None,
    next_free_count: int = 0,
    duration_minutes: int | None = None,
) -> str:
    """The one-line reason: `0 of 12 free; 3 are free from 15:30; 2 could not be checked`."""
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
    if pending:
        parts.append(f"{pending} awaiting approval (may free up)")
    if next_free is not None and next_free_count:
        verb = "is" if next_free_count == 1 else "are"
        parts.append(f"{next_free_count} {verb} free from {clock(next_free)}")
    if unknown:
        parts.append(f"{unknown} could not be checked")
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
    }.get(verdict, verdict)


def free_windows(windows: Sequence[tuple[datetime, datetime]]) -> str:
    """`free 14:30–15:00, 15:30–16:00`."""
    return "free " + ", ".join(span(start, end) for start, end in windows)


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


def alternatives_header() -> str:
    return "Nearest other times"


def alternative_when(earlier: bool) -> str:
    return "earlier" if earlier else "later"


def other_groups_header() -> str:
    return "Free in your other groups"


def searched_groups(names: Sequence[str]) -> str:
    """mrkdwn-safe: `Searched HQ, 3F`."""
    if not names:
        return ""
    return "Searched " + ", ".join(escape_mrkdwn(name) for name in names)


def data_age(seconds: float | None) -> str:
    """How fresh the schedules are: `checked just now`, `data from 40 s ago`, `data from 3 min ago`."""
    if seconds is None or seconds < 5:
        return "checked just now"
    if seconds < 90:
        return f"data from {round(seconds)} s ago"
    if seconds < 90 * 60:
        return f"data from {round(seconds / 60)} min ago"
    return f"data from {round(seconds / 3600)} h ago"


def timeline_legend() -> str:
    return "▓ busy  ░ awaiting approval  · free  [ ] your time"


def no_rooms_fit() -> str:
    return "No room fits that time."


# --- slack (listeners, App Home, modals, `roombot serve`) ------------------------------------


def slack_looking() -> str:
    """The notice shown only when an answer takes longer than about a second."""
    return "Looking… :mag:"


def slack_share_button() -> str:
    return "Share in channel"


def slack_shared_by(user_id: str, question: str) -> str:
    """Context line on an answer someone shared in a channel (mrkdwn)."""
    return f"<@{user_id}> asked: {_name(question)}"


def slack_unexpected_error() -> str:
    """When a listener fails in a way no other sentence covers (never a stack trace)."""
    return "Sorry, something went wrong on my side and I could not answer. Please try again in a minute."


def slack_post_failed(error: str) -> str:
    """The answer could not be posted where it belonged; told to the user privately."""
    return f"I found an answer but Slack would not let me post it here (`{escape_mrkdwn(error)}`). Try /rooms instead."


def slack_stale_button() -> str:
    return "That button is out of date. Ask again with `/rooms` to get fresh buttons."


def slack_share_unavailable() -> str:
    return "I could not share that answer in this channel. Invite me with `/invite @roombot` and try again."


def slack_home_title() -> str:
    return "Meeting rooms"


def slack_home_intro() -> str:
    return "Ask me with `/rooms tomorrow 2-3pm`, mention me in a channel, or send me a message here."


def slack_home_groups_header() -> str:
    return "Your room groups"


def slack_home_no_groups() -> str:
    return "You have no room groups yet. Create one to search several rooms at once."


def slack_home_default_group() -> str:
    return "default"


def slack_home_group_rooms(count: int) -> str:
    return "1 room" if count == 1 else f"{count} rooms"


def slack_home_bookings_header() -> str:
    return "Your upcoming bookings"


def slack_home_no_bookings() -> str:
    return "No upcoming bookings made through roombot."


def slack_home_free_now_header(group_name: str) -> str:
    return f"Free now in {_name(group_name)}"


def slack_home_no_default_group() -> str:
    return "Set a default group to see which rooms are free right now: `/rooms group default NAME`."


def slack_home_nothing_free() -> str:
    return "Nothing is free right now."


def slack_home_more(count: int) -> str:
    return f"…and {count} more."


def slack_button_create_group() -> str:
    return "Create a group"


def slack_button_edit_group() -> str:
    return "Edit"


def slack_button_cancel_booking() -> str:
    return "Cancel"


def slack_modal_title_new() -> str:
    return "New room group"  # ≤ 24 characters (Slack)


def slack_modal_title_edit() -> str:
    return "Edit room group"  # ≤ 24 characters (Slack)


def slack_modal_submit() -> str:
    return "Save"


def slack_modal_close() -> str:
    return "Cancel"


def slack_modal_name_label() -> str:
    return "Group name"


def slack_modal_name_placeholder() -> str:
    return "e.g. HQ 3rd floor"


def slack_modal_rooms_label() -> str:
    return "Rooms"


def slack_modal_rooms_placeholder() -> str:
    return "Type a room name"


def slack_modal_rooms_hint() -> str:
    return "Rooms come from the DingTalk directory; type a few letters to search."


def slack_modal_name_required() -> str:
    return "Give the group a name."


def slack_modal_rooms_required() -> str:
    return "Pick at least one room."


def slack_modal_group_gone() -> str:
    return "This group no longer exists, or it is not yours to edit."


def serve_missing_settings(mode: str, missing: Sequence[str]) -> str:
    """`roombot serve` refuses to start: one line naming what is missing (never a value)."""
    return f"roombot serve: cannot start in {mode}: set {', '.join(missing)}."


def serve_no_dingtalk() -> str:
    return (
        "roombot serve: DingTalk is not configured: set DINGTALK_APP_KEY, DINGTALK_APP_SECRET and "
        "DINGTALK_OPERATOR_UNION_ID (or ROOMBOT_USE_SIMULATOR=1 to try roombot on the built-in simulator)."
    )


# --- service answers (help, groups, accounts, demo) -------------------------------------------


def help_text() -> str:
    return (
        "*Ask me for a free meeting room in plain words.* Times are read in your own time zone.\n"
        "• `free rooms tomorrow 2-3pm` · `any room now` · `friday afternoon for 8 people with a projector`\n"
        "• `a 30 min slot between 2 and 5pm in HQ` · `明天下午2点到3点有空的会议室`\n"
        "• `book 3F-Everest tomorrow 2-3pm` · `my bookings` · `cancel my 2pm booking`\n"
        "• `groups` · `group add HQ 3F-Everest 3F-K2` · `group import` · `group default HQ`\n"
        "• `link &lt;your mobile number&gt;` to book in your own DingTalk name"
    )


def help_examples() -> list[str]:
    return ["free rooms tomorrow 2-3pm", "any room now", "group import"]


def narrow_window(start: datetime, end: datetime, zone: tzinfo) -> str:
    first = start.astimezone(zone).strftime("%a %d %b")
    last = (end - timedelta(microseconds=1)).astimezone(zone).strftime("%a %d %b")
    return (
        f"That spans several days ({first} – {last}). Rooms change hour by hour, "
        "so ask about one day or a slot, for example:"
    )


def daily_summary_line(start: datetime, end: datetime, *, with_slot: int, total: int, free_share: float) -> str:
    """`Tue 24 Nov (09:00–18:00): 20 of 24 rooms have a slot · 62% of room time free`."""
    head = f"{start:%a %d %b} ({start:%H:%M}–{end:%H:%M})"
    if with_slot == 0:
        return f"{head}: nothing free"
    return f"{head}: {with_slot} of {total} rooms have a slot · {round(free_share * 100)}% of room time free"


def daily_summary(lines: Sequence[str], *, slot_minutes: int, groups: Sequence[str]) -> str:
    searched = ", ".join(escape_mrkdwn(name) for name in groups)
    body = "\n".join(f"• {line}" for line in lines)
    return (
        f"Rooms over those days ({searched}; a slot is {minutes(slot_minutes)}):\n{body}\n"
        "Pick a day and a time to see the rooms and book one, for example:"
    )


def narrow_window_examples() -> list[str]:
    return ["tomorrow 2-3pm", "friday afternoon", "a 1 hour slot on monday"]


_LABEL_NAMES = {1: "TV", 2: "Phone", 3: "Projector", 4: "Whiteboard", 5: "Video conferencing"}


def label_name(label_id: int, fallback: str = "") -> str:
    """The English name of one of DingTalk's fixed room labels (ids 1–5); others keep their own name."""
    return _LABEL_NAMES.get(label_id, fallback or f"label {label_id}")


_WITH_ARTICLE = {
    "TV": "a TV",
    "Phone": "a phone",
    "Projector": "a projector",
    "Whiteboard": "a whiteboard",
    "Video conferencing": "video conferencing",
}


def rooms_left_out(count: int, *, capacity: int | None, labels: Sequence[str]) -> str:
    """Why some rooms of the groups are not listed: `Not shown: 3 rooms too small for 8 people or without a projector.`"""
    reasons = []
    if capacity:
        reasons.append(f"too small for {capacity} people")
    if labels:
        reasons.append("without " + " or ".join(_WITH_ARTICLE.get(label, label) for label in labels))
    rooms = "room" if count == 1 else "rooms"
    return f"Not shown: {count} {rooms} {' or '.join(reasons)}."


def import_groups_button() -> str:
    return "Import DingTalk groups"


def room_unknown_footnote(room_name: str, error: str) -> str:
    if "invalid" in error.lower():
        return room_invalid(room_name)
    return f"I couldn't check {_name(room_name)}: DingTalk said “{escape_mrkdwn(error)}”. It is not shown as free."


def group_line(name: str, room_names: Sequence[str], *, scope: str, is_default: bool) -> str:
    where = {"personal": "yours", "channel": "this channel", "workspace": "everyone"}.get(scope, scope)
    default = " · default" if is_default else ""
    rooms = _names(room_names, limit=10) if room_names else "no rooms yet"
    return f"*{escape_mrkdwn(name)}* ({where}{default}): {rooms}"


def groups_list(lines: Sequence[str]) -> str:
    return "Your room groups:\n" + "\n".join(f"• {line}" for line in lines)


def group_saved(name: str, room_names: Sequence[str], *, created: bool) -> str:
    verb = "Created" if created else "Updated"
    rooms = _names(room_names, limit=10) if room_names else "no rooms"
    return f"{verb} the group {_name(name)}: {rooms}. Ask `free rooms in {escape_mrkdwn(name)} tomorrow 10-11am` to use it."


def group_renamed(old: str, new: str) -> str:
    return f"Renamed {_name(old)} to {_name(new)}."


def group_deleted(name: str) -> str:
    return f"Deleted the group {_name(name)}. Its rooms are still in the directory."


def share_needs_channel() -> str:
    return "Share a group from the channel you want to share it with: run `/rooms group share &lt;name&gt;` there."


def group_shared(name: str, channel_id: str) -> str:
    return f"Shared {_name(name)} with <#{escape_mrkdwn(channel_id)}>. Everyone there can now ask about its rooms."


def group_default_set(name: str) -> str:
    return f"{_name(name)} is now your default group: questions without a group check its rooms."


def groups_imported(names: Sequence[str]) -> str:
    if not names:
        return (
            "DingTalk has no room groups to import. Make your own with `group add &lt;name&gt; &lt;room&gt; &lt;room&gt;`."
        )
    return f"Imported {len(names)} DingTalk group(s) for everyone: {_names(names)}. Try `free rooms now`."


def link_status(linked: bool) -> str:
    if linked:
        return (
            "Your DingTalk account is linked: bookings are made in your name. "
            "Link another with `link &lt;mobile or unionId&gt;`."
        )
    return (
        "Your DingTalk account is not linked yet. "
        "Link it with `link &lt;your mobile number&gt;` or `link &lt;your unionId&gt;`."
    )


def linked() -> str:
    return "Linked! Rooms you book from now on are booked in your own DingTalk name."


def demo_greeting(tz: str, *, simulated: bool) -> str:
    source = "a simulated DingTalk organisation" if simulated else "your DingTalk organisation"
    return (
        f"roombot demo: talking to {source}; times are read in {tz}.\n"
        "Try: `free rooms tomorrow 2-3pm` · `any room now for 6 people` · `friday afternoon with a projector` · "
        "`groups` · `book &lt;room&gt; tomorrow 10-11am` · `help`.  Type `show all` after an answer, `quit` to leave."
    )


def demo_goodbye() -> str:
    return "Bye!"


# --- booking (bot/booking.py, RoomService.book/cancel, "my bookings") --------------------------
# Times arrive already in the asker's zone. Sentences are mrkdwn-safe.


def booking_moment(moment: datetime) -> str:
    """`Wed 25 Nov 14:00`."""
    return f"{day(moment)} {clock(moment)}"


def booking_advance(amount: int, unit: str) -> str:
    """How far ahead a room opens: `14 days`, `1 week`, `3 months`."""
    singular = unit.lower().rstrip("s") or "day"
    return f"{amount} {singular}" + ("" if amount == 1 else "s")


def booking_event_summary(title: str, user_name: str) -> str:
    """The DingTalk event's title (plain text, not Slack): `Meeting (alice)`."""
    return f"{title} ({user_name})" if user_name else title


def booking_event_description(user_name: str, user_id: str, *, on_behalf: bool) -> str:
    """The DingTalk event's description (plain text): who booked it, and through what."""
    if on_behalf:
        return (
            f"Booked in Slack by {user_name} (Slack user {user_id}) via roombot, "
            "with roombot's shared DingTalk account because they have not linked their own."
        )
    return f"Booked in Slack by {user_name} via roombot."


def booking_done(room_name: str, start: datetime, end: datetime, *, pending: bool, on_behalf: bool) -> str:
    """The line on top of a successful booking."""
    when = window(start, end)
    if pending:
        text = f"Requested {_name(room_name)} for {when}: *pending approval* by the room's administrator."
    else:
        text = f"Booked {_name(room_name)} for {when}."
    if on_behalf:
        text += (
            " It is booked with roombot's shared DingTalk account, in your name. "
            "Link your own account with `link &lt;your mobile number&gt;` to book as yourself."
        )
    return text


def booking_in_progress(room_name: str) -> str:
    return f"I'm already booking {_name(room_name)} for you; the answer comes in a moment."


def booking_busy_nothing_else(room_name: str, *, just_taken: bool = True) -> str:
    what = "Someone just took" if just_taken else "Someone has already booked"
    return (
        f"{what} {_name(room_name)} for that time, and none of your other rooms is free then. "
        "Try another time, for example `free rooms tomorrow 10-11am`."
    )


def booking_needs_room() -> str:
    return "a room and a time"


def booking_text_example() -> str:
    return "book 3F-Everest tomorrow 2-3pm"


def bookings_header() -> str:
    return "Your upcoming bookings"


def bookings_none() -> str:
    return (
        "You have no upcoming bookings made through roombot. "
        "Book a room from any answer, or type `book &lt;room&gt; &lt;time&gt;`."
    )


def booking_status_label(status: str) -> str:
    """A word on a booking's state, or nothing for a plain confirmed booking."""
    return {"pending": "awaiting approval", "requested": "being booked"}.get(status, "")


def cancel_button() -> str:
    return "Cancel"


def cancel_button_long(room_name: str, start: datetime) -> str:
    """A Cancel button under a booking (plain text)."""
    return f"Cancel {room_name} {booking_moment(start)}"


def cancel_done(room_name: str, start: datetime, end: datetime, *, cancel_mode: str) -> str:
    how = "The room is released and the meeting stays in the calendar." if cancel_mode == "remove_room" else ""
    return f"Cancelled {_name(room_name)} for {window(start, end)}." + (f" {how}" if how else "")


def cancel_already(room_name: str, start: datetime, end: datetime) -> str:
    return f"Your booking of {_name(room_name)} for {window(start, end)} was already cancelled."


def cancel_ended(room_name: str, start: datetime, end: datetime) -> str:
    return f"The booking of {_name(room_name)} for {window(start, end)} is already over, so there is nothing to cancel."


def cancel_not_active(room_name: str) -> str:
    return f"That booking of {_name(room_name)} never went through, so there is nothing to cancel."


def cancel_pick() -> str:
    return "Which booking should I cancel? Click *Cancel* next to it, or type `cancel &lt;booking number&gt;`."


def cancel_none_at(moment: datetime) -> str:
    return f"You have no upcoming booking at {clock(moment)}. Here are your bookings:"


def cancel_several_at(moment: datetime) -> str:
    return f"You have several bookings at {clock(moment)}. Which one should I cancel?"


# --- command line (roombot ask, demo, sync, db, serve) -----------------------------------------


def cli_unknown_tz(name: str) -> str:
    return f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin"


def cli_bad_now(value: str) -> str:
    return f"--now must be an ISO 8601 time such as 2026-03-02T10:00+08:00, got {value!r}"


def cli_configuration_error(detail: str) -> str:
    return f"configuration error: {detail}"


def cli_cannot_start(detail: str) -> str:
    return f"cannot start: {detail}"


def cli_no_dingtalk_credentials() -> str:
    return (
        "no DingTalk credentials. Set DINGTALK_APP_KEY and DINGTALK_APP_SECRET "
        "(or the DINGTALK_SUITE_* and DINGTALK_AUTH_CORP_ID settings) and DINGTALK_OPERATOR_UNION_ID."
    )


def cli_operator_required() -> str:
    return "DINGTALK_OPERATOR_UNION_ID is required to list rooms."


def cli_cannot_reach_database(url: str) -> str:
    return f"cannot reach the database at {url}"


def cli_synced(total: int, added: int, changed: int, removed: int) -> str:
    return f"synced {total} rooms: {added} added, {changed} changed, {removed} removed"


def cli_database_state(url: str, current: str | None, head: str | None) -> str:
    state = "up to date" if current == head else f"head is {head}"
    return f"database {url} at revision {current or 'base (empty)'} ({state})"


def cli_database_failed(action: str, url: str, error: str) -> str:
    return f"cannot {action} {url}: {error}"


def serve_socket_connecting() -> str:
    return "Socket Mode, connecting to Slack"


def serve_http_listening(port: int) -> str:
    return f"HTTP mode on port {port} (/slack/events, /healthz)"


# --- errors --------------------------------------------------------------------------------

_GENERIC_ERROR = "Something went wrong on my side. Please try again; if it keeps happening, tell your Slack admin."


def _name(text: str) -> str:
    return f"“{escape_mrkdwn(text)}”"


def _names(items: Sequence[str], *, limit: int = 8) -> str:
    shown = [f"`{escape_mrkdwn(item)}`" for item in items[:limit]]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _support(exc: errors.DingTalkError) -> str:
    return f" (DingTalk request id `{escape_mrkdwn(exc.request_id)}`)" if exc.request_id else ""


def unknown_room(name: str, suggestions: Sequence[str]) -> str:
    hint = f" Did you mean {_names(suggestions, limit=5)}?" if suggestions else " Try `groups` to see the rooms you use."
    return f"I can't find a room called {_name(name)}.{hint}"


def unknown_group(name: str, suggestions: Sequence[str]) -> str:
    hint = (
        f" Did you mean {_names(suggestions, limit=5)}?"
        if suggestions
        else f" Create it with `group add {escape_mrkdwn(name)} &lt;room&gt; &lt;room&gt;`."
    )
    return f"You have no group called {_name(name)}.{hint}"


def ambiguous_room(name: str, candidates: Sequence[str]) -> str:
    return f"{_name(name)} matches several rooms: {_names(candidates)}. Use the full name or the room id."


def duplicate_group(name: str) -> str:
    return (
        f"There is already a group called {_name(name)}. Pick another name, "
        f"or rename the old one with `group rename {escape_mrkdwn(name)} &lt;new name&gt;`."
    )


def _member(kind: type[_Reason], value: str) -> _Reason | None:
    """The reason enum member for a raised value (a member, or its bare string), or None for an unknown one."""
    try:
        return kind(value)
    except ValueError:
        return None


def limit_exceeded(what: str, limit: int) -> str:
    match _member(errors.LimitReason, what):
        case errors.LimitReason.GROUP_ROOMS:
            return f"A group can hold at most {limit} rooms. Split the rooms into two groups."
        case errors.LimitReason.NAME_LENGTH:
            return f"Names can be at most {limit} characters. Try a shorter name."
        case errors.LimitReason.NAME_EMPTY:
            return "A name can't be empty. Give it at least one letter or digit."
        case errors.LimitReason.BOOKING_ATTEMPTS:
            return f"That button was already tried {limit} times. Ask for free rooms again to get a fresh Book button."
        case None:
            return f"That goes over a limit ({escape_mrkdwn(what)}: at most {limit})."


def not_allowed(what: str) -> str:
    reason = _member(errors.NotAllowedReason, what)
    if reason is None:
        reason = errors.NotAllowedReason.CANCEL_BOOKING if "booking" in what else errors.NotAllowedReason.CHANGE_GROUP
    match reason:
        case errors.NotAllowedReason.CANCEL_BOOKING:
            return "Only the person who booked the room, or a workspace admin, can cancel it."
        case errors.NotAllowedReason.CHANGE_GROUP:
            return "Only the person who made this group, or a workspace admin, can change it."
        case errors.NotAllowedReason.GROUP_NOT_SHARED_WITH_CHANNEL:
            return (
                "That group is personal and not shared with this channel. "
                "Its owner can share it here first with `group share &lt;group&gt;`."
            )


def store_unavailable() -> str:
    return "I can't reach my database right now, so nothing was changed. Please try again in a minute."


def account_not_linked() -> str:
    return (
        "To book rooms in your own name, link your DingTalk account first: "
        "`link &lt;your mobile number&gt;` or `link &lt;your DingTalk unionId&gt;`."
    )


def booking_rule(rule: str, room_name: str, detail: dict[str, str]) -> str:
    room = _name(room_name)
    match _member(errors.RuleReason, rule):
        case errors.RuleReason.CLOSED:
            until = detail.get("until")
            why = f" ({escape_mrkdwn(detail['reason'])})" if detail.get("reason") else ""
            when = f" until {until}" if until else ""
            return f"{room} is closed for bookings{when}{why}. Pick another room from the list."
        case errors.RuleReason.TOO_LONG:
            return f"{room} can be booked for at most {detail.get('limit', '?')} minutes at a time. Try a shorter slot."
        case errors.RuleReason.TOO_SHORT:
            return f"{room} must be booked for at least {detail.get('limit', '?')} minutes. Try a longer slot."
        case errors.RuleReason.TOO_FAR_AHEAD:
            return f"{room} can only be booked {detail.get('limit', 'a limited time')} ahead. Try a nearer date."
        case errors.RuleReason.IN_PAST:
            return "That time has already passed. Pick a time from now on, for example `tomorrow 10-11am`."
        case None:
            return f"{room} can't be booked for that time ({escape_mrkdwn(rule)})."


def room_taken(room_name: str) -> str:
    return f"{_name(room_name)} is already booked for that time. Here are rooms that are free then:"


def room_busy(room_name: str) -> str:
    return f"Someone just took {_name(room_name)} for that time. Here are the next best rooms:"


def room_invalid(room_name: str) -> str:
    return f"DingTalk no longer knows {_name(room_name)}; it may have been removed. Remove it from your group."


def dingtalk_error(exc: errors.DingTalkError) -> str:
    support = _support(exc)
    match exc:
        case errors.EmptyRoomList():
            return "That group has no rooms yet. Add some with `group add &lt;group&gt; &lt;room&gt; &lt;room&gt;`."
        case errors.WindowTooLong():
            return "That span is too long for DingTalk to check in one go. Ask about a shorter span, such as one week."
        case errors.TooManyRooms():
            return (
                "DingTalk refused to check that many rooms at once. "
                "Please try again; if it keeps happening, tell your admin."
            )
        case errors.InvalidRoomId():
            return "DingTalk no longer knows one of these rooms; it may have been removed. An admin can run `roombot sync`."
        case errors.RoomBusy():
            return "Someone just took that room for that time. Ask again to see what is still free."
        case errors.EventLimitReached():
            return (
                "DingTalk allows each organizer 100 new events a day, and that limit is reached. "
                "Link your own DingTalk account with `link`, or try again tomorrow."
            )
        case errors.ItemNotFound():
            return "That meeting no longer exists in DingTalk; it may have been cancelled there already."
        case errors.UserNotFound():
            return "I couldn't find that person in DingTalk. Check the mobile number or unionId and try again."
        case errors.BadCredentials():
            return (
                "DingTalk refused roombot's app credentials. A workspace admin needs to check "
                f"DINGTALK_APP_KEY and DINGTALK_APP_SECRET (or the suite credentials).{support}"
            )
        case errors.PermissionMissing():
            scopes = ", ".join(f"`{escape_mrkdwn(s)}`" for s in exc.required_scopes) or "the calendar and rooms permissions"
            return (
                f"roombot's DingTalk app is missing the permission {scopes}. A DingTalk admin can add it in the "
                f"developer console under the app's permissions.{support}"
            )
        case errors.QuotaExhausted():
            return (
                "Your organisation has used this month's DingTalk API quota, so I can't check rooms until it resets. "
                "An admin can raise the quota by upgrading the DingTalk plan."
            )
        case errors.Throttled():
            return "DingTalk is busy right now and asked me to slow down. Please try again in a minute."
        case errors.UpstreamUnavailable():
            return "DingTalk isn't answering right now. Please try again in a few minutes."
        case errors.MalformedReply():
            return (
                "DingTalk sent a reply I couldn't read. "
                f"Please try again shortly; if it keeps happening, tell your admin.{support}"
            )
        case _:
            return f"DingTalk said no: {escape_mrkdwn(exc.message or exc.code or 'unknown error')}.{support}"


def describe_error(exc: BaseException) -> str:
    """The sentence a user reads for any error, with a next step. Never a stack trace."""
    match exc:
        case errors.ParseError():
            return parse_error(exc)
        case errors.UnknownRoom():
            return unknown_room(exc.name, exc.suggestions)
        case errors.UnknownGroup():
            return unknown_group(exc.name, exc.suggestions)
        case errors.NotFound():
            return f"I can't find that {escape_mrkdwn(exc.kind)}: {_name(exc.name)}."
        case errors.AmbiguousRoom():
            return ambiguous_room(exc.name, exc.candidates)
        case errors.DuplicateName():
            return duplicate_group(exc.name)
        case errors.LimitExceeded():
            return limit_exceeded(exc.what, exc.limit)
        case errors.NotAllowed():
            return not_allowed(exc.what)
        case errors.StoreUnavailable():
            return store_unavailable()
        case errors.BookingRuleViolation():
            return booking_rule(exc.rule, exc.room_name, exc.detail)
        case errors.AccountNotLinked():
            return account_not_linked()
        case errors.DingTalkError():
            return dingtalk_error(exc)
        case errors.ConfigError():
            variable = f" (`{exc.variable}`)" if exc.variable else ""
            return f"roombot is not set up correctly{variable}. A workspace admin needs to fix its configuration."
        case _:
            return _GENERIC_ERROR


def no_groups() -> str:
    return (
        "You have no room groups yet, so I don't know which rooms to check. "
        "Import DingTalk's own groups with `group import`, "
        "or make one with `group add &lt;name&gt; &lt;room&gt; &lt;room&gt;`."
    )


def empty_group(name: str) -> str:
    return (
        f"The group {_name(name)} has no rooms yet. "
        f"Add some with `group add {escape_mrkdwn(name)} &lt;room&gt; &lt;room&gt;`."
    )


# --- background jobs (roombot jobs run, roombot jobs list) ----------------------------------------


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def _every(seconds: float) -> str:
    if seconds % 86400 == 0:
        return f"every {int(seconds // 86400)} d"
    if seconds % 3600 == 0:
        return f"every {int(seconds // 3600)} h"
    if seconds % 60 == 0:
        return f"every {int(seconds // 60)} min"
    return f"every {int(seconds)} s"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def jobs_pruned_events(deleted: int) -> str:
    return f"deleted {_count(deleted, 'processed Slack event', 'processed Slack events')}"


def jobs_pruned_schedules(deleted: int) -> str:
    return f"deleted {_count(deleted, 'cached schedule', 'cached schedules')}"


def jobs_directory_not_configured() -> str:
    return "skipped: DingTalk is not configured"


def jobs_directories_refreshed(refreshed: int, teams: int) -> str:
    if teams == 0:
        return "no workspace to refresh yet"
    return f"refreshed {refreshed} of {_count(teams, 'room directory', 'room directories')}"


def jobs_nothing_due(now: datetime) -> str:
    return f"no job was due at {_utc(now)}"


def jobs_ran(name: str, duration_s: float, note: str | None) -> str:
    detail = f": {note}" if note else ""
    return f"{name}: done in {duration_s:.2f} s{detail}"


def jobs_failed(name: str, attempts: int, next_due_at: datetime | None, error: str | None) -> str:
    retry = f", next try at {_utc(next_due_at)}" if next_due_at else ""
    return f"{name}: failed ({_count(attempts, 'time', 'times')} in a row{retry}): {error or 'unknown error'}"


def jobs_lease_lost(name: str) -> str:
    return f"{name}: ran too long; another runner took it over, so this result was not recorded"


def jobs_runner_started(worker: str) -> str:
    return f"job runner {worker} started; stop it with Ctrl-C"


def jobs_list_empty() -> str:
    return "No background jobs yet."


def jobs_list_entry(
    *,
    name: str,
    every_s: float | None,
    now: datetime,
    due_at: datetime | None,
    locked_by: str | None,
    locked_until: datetime | None,
    last_run_at: datetime | None,
    last_status: str | None,
    last_duration_s: float | None,
    attempts: int,
    last_error: str | None,
    last_error_at: datetime | None,
) -> str:
    """One job of `roombot jobs list`: a title line, then when it is due, its last run and last error."""
    title = name if every_s is None else f"{name} ({_every(every_s)})"
    if not due_at:
        due = "now (not run yet)"
    elif locked_by and locked_until and locked_until > now:
        due = f"running on {locked_by} (lease until {_utc(locked_until)})"
    else:
        due = "now" if due_at <= now else _utc(due_at)
    if last_run_at is None:
        last_run = "never"
    else:
        took = f" in {last_duration_s:.2f} s" if last_duration_s is not None else ""
        status = last_status or "unknown"
        if last_status == "failed":
            status = f"failed ({_count(attempts, 'time', 'times')} in a row)"
        last_run = f"{_utc(last_run_at)}, {status}{took}"
    error = "none" if not last_error else f"{_utc(last_error_at)}: {last_error}" if last_error_at else last_error
    return f"{title}\n  due:        {due}\n  last run:   {last_run}\n  last error: {error}"
