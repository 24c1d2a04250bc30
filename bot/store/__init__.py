"""Storage: SQLAlchemy models, one repository per aggregate, and directory sync.

Typical wiring::

    engine = make_engine(settings.database_url)
    store = Store(session_factory=make_session_factory(engine), clock=utc_now,
                  group_max_rooms=settings.group_max_rooms, name_max_length=settings.name_max_length)
    store.users.get(team_id, user_id)

A use case that needs one aggregate can take that repository alone, e.g.
`RoomsRepository(session_factory=..., clock=...)` or `store.rooms`.
"""

from __future__ import annotations

from bot.store.bookings import (
    ACTIVE_BOOKING_STATUSES,
    UPCOMING_BOOKING_STATUSES,
    BookingsRepository,
)
from bot.store.channels import ChannelsRepository
from bot.store.db import downgrade, ensure_schema, make_engine, make_session_factory, upgrade
from bot.store.events import EventsRepository
from bot.store.groups import GroupsRepository
from bot.store.models import (
    BOOKING_BOOKED,
    BOOKING_CANCELLED,
    BOOKING_FAILED,
    BOOKING_PENDING,
    BOOKING_REQUESTED,
    SCOPE_CHANNEL,
    SCOPE_PERSONAL,
    SCOPE_WORKSPACE,
)
from bot.store.records import BookingRecord, CachedSchedule, GroupRecord, SyncReport, UserRecord
from bot.store.repository import Store
from bot.store.rooms import RoomsRepository
from bot.store.schedule_cache import SchedulesRepository
from bot.store.users import UsersRepository

# The store's old room record is the domain `Room` now; this name stays only until
# bot/service.py and bot/booking.py import `bot.domain.models.Room`.

__all__ = [
    "ACTIVE_BOOKING_STATUSES",
    "BOOKING_BOOKED",
    "BOOKING_CANCELLED",
    "BOOKING_FAILED",
    "BOOKING_PENDING",
    "BOOKING_REQUESTED",
    "SCOPE_CHANNEL",
    "SCOPE_PERSONAL",
    "SCOPE_WORKSPACE",
    "UPCOMING_BOOKING_STATUSES",
    "BookingRecord",
    "BookingsRepository",
    "CachedSchedule",
    "ChannelsRepository",
    "EventsRepository",
    "GroupRecord",
    "GroupsRepository",
    "RoomsRepository",
    "SchedulesRepository",
    "Store",
    "SyncReport",
    "UserRecord",
    "UsersRepository",
    "downgrade",
    "ensure_schema",
    "make_engine",
    "make_session_factory",
    "upgrade",
]
