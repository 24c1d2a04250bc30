"""The old home of the domain types, kept only while `bot/service.py` and `bot/booking.py` move.

Import `bot.domain.models` instead; this module goes once nothing imports it.
"""

from __future__ import annotations

from bot.domain.models import (
    BUSY,
    LABEL_PHONE,
    LABEL_PROJECTOR,
    LABEL_TV,
    LABEL_VIDEO_CONFERENCE,
    LABEL_WHITEBOARD,
    TENTATIVE,
    AdvanceReservation,
    Event,
    EventRoom,
    Label,
    ReservationClosed,
    Room,
    RoomDetail,
    RoomGroupRef,
    RoomSchedule,
    ScheduleItem,
)

__all__ = [
    "BUSY",
    "LABEL_PHONE",
    "LABEL_PROJECTOR",
    "LABEL_TV",
    "LABEL_VIDEO_CONFERENCE",
    "LABEL_WHITEBOARD",
    "TENTATIVE",
    "AdvanceReservation",
    "Event",
    "EventRoom",
    "Label",
    "ReservationClosed",
    "Room",
    "RoomDetail",
    "RoomGroupRef",
    "RoomSchedule",
    "ScheduleItem",
]
