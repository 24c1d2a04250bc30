"""Sentences: the final answer of a booking settled in the background, the reconciler's notes and
`roombot bookings audit`."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.present.messages.words import quoted, window

# What the reconciler found a booking to have become (`Settled.outcome`).
SETTLED_BOOKED = "booked"
SETTLED_PENDING = "pending"
SETTLED_REFUSED = "refused"  # DingTalk would not take the room; whatever it held is released
SETTLED_NOT_MADE = "not_made"  # DingTalk never made the event: nothing happened
SETTLED_EXPIRED = "expired"  # the window passed before it could be settled; released
SETTLED_CANCELLED = "cancelled"


def booking_settled(outcome: str, room_name: str, start: datetime, end: datetime) -> str:
    """The final answer a user was promised, sent in the thread of the booking or by DM."""
    where = f"{quoted(room_name)} for {window(start, end)}"
    if outcome == SETTLED_BOOKED:
        return f"Done: {where} is booked. It is in your bookings (`my bookings`)."
    if outcome == SETTLED_PENDING:
        return f"Requested {where}: it is *pending approval* by the room's administrator."
    if outcome == SETTLED_EXPIRED:
        return f"I could not confirm {where} before it started, so I released it. Nothing is held in your name."
    if outcome == SETTLED_CANCELLED:
        return f"Your booking of {where} was cancelled."
    if outcome == SETTLED_NOT_MADE:
        return f"The booking of {where} did not go through, and nothing is held. Click *Book* again to try once more."
    return f"I could not book {where}: DingTalk did not accept it, and nothing is held. Try another room or time."


def reconcile_note(*, settled: int, waiting: int, told: int, orphans: int, calls: int) -> str:
    """`roombot jobs run` / the jobs table: what one reconciler round did."""
    text = f"settled {settled} booking(s), {waiting} still unconfirmed; told {told} user(s)"
    if calls:
        text += f"; {sweep_note(released=orphans, calls=calls)}"
    return text


def sweep_note(*, released: int, calls: int) -> str:
    """What one orphan sweep did, with the DingTalk calls it cost (they count against the monthly quota)."""
    return f"released {released} orphan event(s); {calls} DingTalk call(s)"


def audit_header_unsettled(count: int) -> str:
    return f"Bookings not in a final state: {count}"


def audit_unsettled_line(
    *, team_id: str, booking_id: int, room_name: str, start: datetime, user_id: str, event_id: str | None, note: str
) -> str:
    event = event_id or "no event id"
    return (
        f"  {team_id} #{booking_id} {room_name} {start.astimezone(UTC):%Y-%m-%d %H:%M} UTC  user {user_id}  {event}  {note}"
    )


def audit_header_orphans(count: int, *, days: int) -> str:
    return f"DingTalk events roombot made but does not know (operator's calendar, a day ago to {days} days ahead): {count}"


def audit_orphan_line(*, event_id: str, summary: str, start: datetime, team_id: str) -> str:
    return f"  {event_id} {start.astimezone(UTC):%Y-%m-%d %H:%M} UTC  {summary}  (team {team_id})"


def audit_fixed(*, settled: int, released: int, left: int) -> str:
    return f"Fixed: settled {settled} booking(s), released {released} orphan event(s); {left} left to retry."
