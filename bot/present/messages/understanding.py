"""Sentences: how a question was read (words left unused, headcounts nothing seats)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.present.messages.words import clock, day, quoted, quoted_list, window


def ignored_words(words: Sequence[str]) -> str:
    """Words of the question that changed nothing: said back, so a dropped constraint is never silent."""
    return f"I ignored: {quoted_list(words, limit=8)}. Say `in &lt;group&gt;` for a group, or `with &lt;equipment&gt;`."


def nobody_meets(capacity: int | None, labels: Sequence[str], *, largest: int | None) -> str:
    """No room of the groups seats the headcount with the wanted equipment: said, with the largest rooms first."""
    wish = " ".join(
        part
        for part in (
            f"seats {capacity} people" if capacity else "",
            ("with " if capacity else "has ") + " and ".join(labels) if labels else "",
        )
        if part
    )
    size = f" (the largest seats {largest})" if capacity and largest else ""
    return f"No room here {wish}{size}. These are the largest rooms, biggest first."


def rolled_forward(passed: datetime, start: datetime) -> str:
    """A time without a day that had passed was read as the next one: said, never done silently."""
    return f"{day(passed)} {clock(passed)} has passed, so this is {day(start)}."


def booking_already_yours(room_name: str, start: datetime, end: datetime) -> str:
    """Asked to book a slot the asker already holds: no second "Booked"."""
    return f"You already have {quoted(room_name)} for {window(start, end)}; nothing new was booked."


def cancel_nothing_booked(moment: datetime | None) -> str:
    """`cancel my 2pm booking` with no booking at all: one sentence, not two."""
    at = f" at {clock(moment)} or any other time" if moment is not None else ""
    return (
        f"You have no upcoming bookings{at}, so there is nothing to cancel. "
        "Book one with `book &lt;room&gt; tomorrow 2-3pm`."
    )


__all__ = ["booking_already_yours", "cancel_nothing_booked", "ignored_words", "nobody_meets", "rolled_forward"]
