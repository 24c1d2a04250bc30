"""A click's intent to book, as `bookings.begin` writes it down before DingTalk is called.

Shared by the store's tests and the use cases' tests, whose fake store takes the same arguments.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def intent(
    key: str,
    *,
    user: str,
    start: datetime,
    end: datetime,
    room: tuple[str, str] = ("r1", "Everest"),
    organizer: str | None = None,
    **more: Any,
) -> dict[str, Any]:
    """The arguments of `bookings.begin` after the team: `user` books `room` (id, name) from `start` to `end`."""
    room_id, room_name = room
    return {
        "idempotency_key": key,
        "slack_user_id": user,
        "room_id": room_id,
        "room_name": room_name,
        "start": start,
        "end": end,
        "organizer_union_id": organizer,
        **more,
    }
