"""Sentences: booking (bot/booking.py, RoomService.book/cancel, "my bookings")."""

from __future__ import annotations

from datetime import datetime

from bot.present.messages.words import clock, day, quoted, window

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
        text = f"Requested {quoted(room_name)} for {when}: *pending approval* by the room's administrator."
    else:
        text = f"Booked {quoted(room_name)} for {when}."
    if on_behalf:
        text += (
            " It is booked with roombot's shared DingTalk account, in your name. "
            "Link your own account with `link &lt;your mobile number&gt;` to book as yourself."
        )
    return text


def booking_in_progress(room_name: str) -> str:
    return f"I'm already booking {quoted(room_name)} for you. I'll tell you here how it went as soon as it is settled."


def booking_unconfirmed(room_name: str) -> str:
    return (
        f"DingTalk has not confirmed the booking of {quoted(room_name)} yet. "
        "I'm checking, and I'll tell you here how it went; there is no need to click again."
    )


def booking_busy_nothing_else(room_name: str, *, just_taken: bool = True) -> str:
    what = "Someone just took" if just_taken else "Someone has already booked"
    return (
        f"{what} {quoted(room_name)} for that time, and none of your other rooms is free then. "
        "Try another time, for example `free rooms tomorrow 10-11am`."
    )


def booking_status_label(status: str) -> str:
    """A word on a booking's state, or nothing for a plain confirmed booking."""
    return {
        "pending": "awaiting approval",
        "requested": "being booked",
        "reminded": "reminded",
        "checked_in": "checked in",
        "released": "released",
        "ended": "ended early",
        "declined": "declined by the room's administrator",
    }.get(status, "")


def cancel_button_long(room_name: str, start: datetime) -> str:
    """A Cancel button under a booking (plain text)."""
    return f"Cancel {room_name} {booking_moment(start)}"


def cancel_done(room_name: str, start: datetime, end: datetime, *, cancel_mode: str) -> str:
    how = "The room is released and the meeting stays in the calendar." if cancel_mode == "remove_room" else ""
    return f"Cancelled {quoted(room_name)} for {window(start, end)}." + (f" {how}" if how else "")


def cancel_already(room_name: str, start: datetime, end: datetime) -> str:
    return f"Your booking of {quoted(room_name)} for {window(start, end)} was already cancelled."


def cancel_ended(room_name: str, start: datetime, end: datetime) -> str:
    return f"The booking of {quoted(room_name)} for {window(start, end)} is already over, so there is nothing to cancel."


def cancel_not_active(room_name: str) -> str:
    return f"That booking of {quoted(room_name)} never went through, so there is nothing to cancel."


def cancel_none_at(moment: datetime) -> str:
    return f"You have no upcoming booking at {clock(moment)}. Here are your bookings:"


def cancel_several_at(moment: datetime) -> str:
    return f"You have several bookings at {clock(moment)}. Which one should I cancel?"
