"""DingTalk's data as small frozen dataclasses with time-zone-aware datetimes.

These are parsed from the wire format in dingtalk-api.md by `bot.dingtalk.client`; nothing here
does I/O, so the store, the availability logic and the tests can use them freely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

BUSY = "BUSY"
TENTATIVE = "TENTATIVE"

# DingTalk's fixed room label ids (dingtalk-api.md §3).
LABEL_TV = 1
LABEL_PHONE = 2
LABEL_PROJECTOR = 3
LABEL_WHITEBOARD = 4
LABEL_VIDEO_CONFERENCE = 5


@dataclass(frozen=True)
class ScheduleItem:
    """One busy interval of a room: `status` is BUSY or TENTATIVE (pending approval)."""

    status: str
    start: datetime
    end: datetime
    event_id: str | None = None
    organizer_id: str | None = None
    all_day: bool = False


@dataclass(frozen=True)
class RoomSchedule:
    """Free/busy of one room over the asked window.

    `error` is DingTalk's per-room error text; such a room is unknown, never free.
    """

    room_id: str
    items: tuple[ScheduleItem, ...] = ()
    error: str | None = None

    @property
    def unknown(self) -> bool:
        return bool(self.error)


@dataclass(frozen=True)
class Label:
    id: int
    name: str


@dataclass(frozen=True)
class RoomGroupRef:
    """A DingTalk room group (`roomGroup` on a room, or an item of the group list)."""

    group_id: int
    name: str
    parent_id: int = 0


@dataclass(frozen=True)
class Room:
    """A room from `GET /v1.0/rooms/meetingRoomLists`."""

    room_id: str
    name: str
    capacity: int | None = None
    location_title: str = ""
    location_desc: str = ""
    labels: tuple[Label, ...] = ()
    group: RoomGroupRef | None = None
    status: int = 0  # visibility: 0 everyone, 1 admins, 2 some members
    isv_room_id: str = ""


@dataclass(frozen=True)
class AdvanceReservation:
    """How far ahead a room may be booked."""

    amount: int
    unit: str  # "days" | "weeks" | "months" | "years"
    book_time: str = ""  # e.g. "09:00": the time of day new days open


@dataclass(frozen=True)
class ReservationClosed:
    """A closure of the room (`reservationCloseDetail`); `end` None means indefinitely."""

    start: datetime | None
    end: datetime | None
    reason: str = ""


@dataclass(frozen=True)
class RoomDetail:
    """A room from `GET /v1.0/rooms/meetingRooms/{roomId}`, with its booking rules."""

    room: Room
    open_reservation: bool = True
    max_minutes: int = 0  # 0 = unlimited
    min_minutes: int = 0
    advance: AdvanceReservation | None = None
    closed: ReservationClosed | None = None
    approval_required: bool = False
    description: str = ""


@dataclass(frozen=True)
class EventRoom:
    """A room on an event; `status` is accepted, tentative (pending approval) or declined."""

    room_id: str
    status: str = ""
    display_name: str = ""


@dataclass(frozen=True)
class Event:
    """A calendar event (create/get event)."""

    event_id: str
    summary: str
    start: datetime
    end: datetime
    organizer_id: str = ""
    description: str = ""
    meeting_rooms: tuple[EventRoom, ...] = field(default=())
