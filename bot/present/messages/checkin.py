"""Reminders, check-in, auto-release, release, end early and extend.

Times are Slack date tokens (`slack_time`): each reader sees them in their own zone. Where no
Slack renders them (the terminal, `roombot jobs run` without a bot token), `plain_dates` turns
a token into its fallback text.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.markup import escape_mrkdwn
from bot.present.messages.words import clock, day, minutes, quoted

_DATE_TOKEN = re.compile(r"<!date\^\d+\^[^|>]*(?:\^[^|>]*)?\|([^>]*)>")


def slack_time(moment: datetime) -> str:
    """A Slack date token (`today at 2:00 PM` in the reader's zone), its fallback in `moment`'s zone."""
    fallback = f"{day(moment)} {clock(moment)}"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def slack_clock(moment: datetime) -> str:
    """A Slack date token for a time of day alone."""
    return f"<!date^{int(moment.timestamp())}^{{time}}|{clock(moment)}>"


def plain_dates(text: str) -> str:
    """The text with every Slack date token replaced by its fallback (for the terminal)."""
    return _DATE_TOKEN.sub(lambda match: match[1], text)


def _when(start: datetime, end: datetime) -> str:
    return f"{slack_time(start)}–{slack_clock(end)}"


def _where(location: str) -> str:
    return f" ({escape_mrkdwn(location)})" if location else ""


# --- the reminder DM -------------------------------------------------------------------------


def reminder_text(room_name: str, start: datetime, end: datetime, *, location: str, grace_minutes: int) -> str:
    text = f":alarm_clock: Your booking of {quoted(room_name)}{_where(location)} starts {_when(start, end)}."
    if grace_minutes > 0:
        text += (
            f" Please check in when you get there: without a check-in the room is given back "
            f"{minutes(grace_minutes)} after the start."
        )
    return text + " Not needed any more? Release it so others can use it."


def extend_button(extra_minutes: int) -> str:
    return f"Extend {minutes(extra_minutes)}"


def release_confirm_text(room_name: str) -> str:
    return f"{quoted(room_name)} goes back to everyone for the rest of your slot."


# --- auto-release ----------------------------------------------------------------------------


def released_no_show(room_name: str, start: datetime, end: datetime, *, grace_minutes: int) -> str:
    return (
        f"Nobody checked in to {quoted(room_name)} within {minutes(grace_minutes)} of the start "
        f"({_when(start, end)}), so I gave the room back; your calendar event stays. "
        f"If you are there after all, book it again if it is still free: `book {escape_mrkdwn(room_name)} now`."
    )


# --- answers to the commands and buttons -----------------------------------------------------


def checked_in(room_name: str, start: datetime, end: datetime, *, signed_in: bool) -> str:
    text = f"Checked in to {quoted(room_name)}, {_when(start, end)}. The room is yours."
    if signed_in:
        text += " You are signed in on the DingTalk event too."
    return text


def already_checked_in(room_name: str) -> str:
    return f"You are already checked in to {quoted(room_name)}."


def too_late_released(room_name: str) -> str:
    return (
        f"{quoted(room_name)} was already given back because nobody checked in in time. "
        f"Book it again if it is still free: `book {escape_mrkdwn(room_name)} now`."
    )


def booking_already_released(room_name: str) -> str:
    return f"{quoted(room_name)} is already released; there is nothing left to change."


def too_early_to_check_in(room_name: str, start: datetime) -> str:
    return f"It is too early to check in to {quoted(room_name)}: check-in opens shortly before {slack_time(start)}."


def booking_over(room_name: str) -> str:
    return f"Your booking of {quoted(room_name)} is already over."


def no_current_booking(room_hint: str | None) -> str:
    if room_hint:
        return f"You have no booking of {quoted(room_hint)} now or coming up. Type `my bookings` to see yours."
    return "You have no booking now or coming up. Type `my bookings` to see yours."


def booking_released(room_name: str, start: datetime, end: datetime) -> str:
    return f"Released {quoted(room_name)} ({_when(start, end)}). Thanks for giving it back!"


def meeting_ended(room_name: str, ended_at: datetime) -> str:
    return f"Ended your meeting in {quoted(room_name)} at {slack_clock(ended_at)}; the room is free again."


def meeting_extended(room_name: str, start: datetime, end: datetime) -> str:
    return f"Extended: {quoted(room_name)} is yours {_when(start, end)}."


def extend_taken(room_name: str, end: datetime, extra_minutes: int) -> str:
    return (
        f"I can't extend {quoted(room_name)}: it is booked within {minutes(extra_minutes)} after "
        f"{slack_clock(end)}. Nothing was changed."
    )


def extend_unknown(room_name: str) -> str:
    return f"I could not read {quoted(room_name)}'s schedule after your booking, so I did not extend it. Try again soon."


def reminders_set(lead_minutes: int) -> str:
    return f"OK: I will remind you {minutes(lead_minutes)} before each booking."


def group_grace_set(group_name: str, grace_minutes: int) -> str:
    if grace_minutes <= 0:
        return f"Rooms of {quoted(group_name)} are never released for a missed check-in."
    return f"Rooms of {quoted(group_name)} are released {minutes(grace_minutes)} after the start when nobody checks in."


def group_grace_default(group_name: str, workspace_minutes: int) -> str:
    return f"{quoted(group_name)} follows the workspace setting again ({group_grace_set(group_name, workspace_minutes)})"


# --- the jobs' notes (log and `roombot jobs run --once`) -------------------------------------


def jobs_reminders_note(sent: int, failed: int, calls: int) -> str:
    text = f"{sent} reminder{'s' if sent != 1 else ''} sent"
    if failed:
        text += f", {failed} not delivered (tried again next run)"
    return text + f"; {calls} DingTalk call{'s' if calls != 1 else ''}"


def jobs_releases_note(released: int, skipped: int, failed: int, calls: int) -> str:
    text = f"{released} room{'s' if released != 1 else ''} released"
    if skipped:
        text += f", {skipped} skipped (overdue)"
    if failed:
        text += f", {failed} failed (tried again next run)"
    return text + f"; {calls} DingTalk call{'s' if calls != 1 else ''}"


def dm_printed(user_id: str, text: str) -> str:
    return f"DM to {user_id}: {plain_dates(text)}"


__all__ = [
    "already_checked_in",
    "booking_already_released",
    "booking_over",
    "booking_released",
    "checked_in",
    "dm_printed",
    "group_grace_default",
    "group_grace_set",
    "extend_button",
    "extend_taken",
    "extend_unknown",
    "jobs_releases_note",
    "jobs_reminders_note",
    "meeting_ended",
    "meeting_extended",
    "no_current_booking",
    "plain_dates",
    "release_confirm_text",
    "released_no_show",
    "reminder_text",
    "reminders_set",
    "slack_clock",
    "slack_time",
    "too_early_to_check_in",
    "too_late_released",
]
