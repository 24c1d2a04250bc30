"""Rooms, their schedules and calendar events as small frozen dataclasses with time-zone-aware datetimes.

The DingTalk client parses its answers into these, the store hands them out, and availability and
the use cases work on them. Nothing here does I/O or imports Slack, HTTP or database code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Schedule item statuses: TENTATIVE is a booking still waiting for the room's approval.
BUSY = "BUSY"
TENTATIVE = "TENTATIVE"

# DingTalk's fixed room label ids; every organisation has the same five.
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
class PersonSchedule:
    """Free/busy of one person (by unionId): busy and tentative times only, never titles.

    `error` is DingTalk's per-person error text; such a person's calendar is unknown.
    """

    user_id: str
    items: tuple[ScheduleItem, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class OnlineMeeting:
    """The video meeting DingTalk made with an event."""

    conference_id: str = ""
    url: str = ""


@dataclass(frozen=True)
class Label:
    id: int
    name: str


@dataclass(frozen=True)
class RoomGroupRef:
    """A DingTalk room group (the group a room belongs to, or an item of the group list)."""

    group_id: int
    name: str
    parent_id: int = 0


@dataclass(frozen=True)
class Room:
    """A meeting room, as DingTalk lists it and as the store's synced directory keeps it.

    The DingTalk client fills the room's own fields. The store also fills `team_id` (the Slack
    workspace whose directory holds it), `listed` (False once DingTalk stopped listing it) and
    `synced_at`; it does not keep `status` or `isv_room_id`.
    """

    room_id: str
    name: str
    capacity: int | None = None
    location_title: str = ""
    location_desc: str = ""
    labels: tuple[Label, ...] = ()
    group: RoomGroupRef | None = None
    status: int = 0  # visibility: 0 everyone, 1 admins, 2 some members
    isv_room_id: str = ""
    team_id: str = ""
    listed: bool = True
    synced_at: datetime | None = None
    access: RoomAccess | None = None  # booking-relevant details; None until the directory job read them

    @property
    def location(self) -> str:
        """Title and description of the location, for display."""
        return " · ".join(part for part in (self.location_title, self.location_desc) if part)

    @property
    def label_ids(self) -> tuple[int, ...]:
        return tuple(label.id for label in self.labels)

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)

    @property
    def dingtalk_group_id(self) -> int | None:
        return self.group.group_id if self.group is not None else None

    @property
    def dingtalk_group_name(self) -> str | None:
        return self.group.name or None if self.group is not None else None


@dataclass(frozen=True)
class AdvanceReservation:
    """How far ahead a room may be booked."""

    amount: int
    unit: str  # "days" | "weeks" | "months" | "years"
    book_time: str = ""  # e.g. "09:00": the time of day new days open


@dataclass(frozen=True)
class ReservationClosed:
    """A closure of the room; `end` None means indefinitely."""

    start: datetime | None
    end: datetime | None
    reason: str = ""


@dataclass(frozen=True)
class AuthorizedMember:
    """One entry of a member-only room's reservation scope (`memberType` user or dept)."""

    member_id: str
    member_type: str = "user"


@dataclass(frozen=True)
class RoomAccess:
    """Who may book a room and when: what the directory keeps of a room's detail.

    `members` is None when the room is open to everyone (`roomStatus` 0), else the reservation
    scope (`roomStatus` 2) or empty (1: administrators only).
    """

    open_reservation: bool = True
    closed: ReservationClosed | None = None
    members: tuple[AuthorizedMember, ...] | None = None


@dataclass(frozen=True)
class RoomDetail:
    """A room with its booking rules."""

    room: Room
    open_reservation: bool = True
    max_minutes: int = 0  # 0 = unlimited
    min_minutes: int = 0
    advance: AdvanceReservation | None = None
    closed: ReservationClosed | None = None
    approval_required: bool = False
    description: str = ""
    members: tuple[AuthorizedMember, ...] | None = None

    @property
    def access(self) -> RoomAccess:
        return RoomAccess(open_reservation=self.open_reservation, closed=self.closed, members=self.members)


@dataclass(frozen=True)
class EventRoom:
    """A room on an event; `status` is accepted, tentative (pending approval) or declined."""

    room_id: str
    status: str = ""
    display_name: str = ""


@dataclass(frozen=True)
class Event:
    """A calendar event, as created or read back."""

    event_id: str
    summary: str
    start: datetime
    end: datetime
    organizer_id: str = ""
    description: str = ""
    meeting_rooms: tuple[EventRoom, ...] = field(default=())
    attendee_ids: tuple[str, ...] = ()
    online_meeting: OnlineMeeting | None = None


__all__ = [
    "BUSY",
    "LABEL_PHONE",
    "LABEL_PROJECTOR",
    "LABEL_TV",
    "LABEL_VIDEO_CONFERENCE",
    "LABEL_WHITEBOARD",
    "TENTATIVE",
    "AdvanceReservation",
    "AuthorizedMember",
    "Event",
    "EventRoom",
    "Label",
    "OnlineMeeting",
    "PersonSchedule",
    "ReservationClosed",
    "Room",
    "RoomAccess",
    "RoomDetail",
    "RoomGroupRef",
    "RoomSchedule",
    "ScheduleItem",
]
