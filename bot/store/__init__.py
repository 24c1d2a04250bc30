"""Storage: SQLAlchemy models, the `Store` repository, the schedule cache and directory sync.

Typical wiring::

    engine = make_engine(settings.database_url)
    store = Store(session_factory=make_session_factory(engine), clock=utc_now,
                  group_max_rooms=settings.group_max_rooms, name_max_length=settings.name_max_length)
"""

from __future__ import annotations

from bot.store.db import downgrade, ensure_schema, make_engine, make_session_factory, upgrade
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
from bot.store.records import BookingRecord, CachedSchedule, GroupRecord, RoomRecord, SyncReport, UserRecord
from bot.store.repository import (
    LIMIT_GROUP_ROOMS,
    LIMIT_NAME_EMPTY,
    LIMIT_NAME_LENGTH,
    NOT_ALLOWED_BOOKING,
    NOT_ALLOWED_GROUP,
    NOT_ALLOWED_GROUP_NOT_IN_CHANNEL,
    Store,
)

__all__ = [
    "BOOKING_BOOKED",
    "BOOKING_CANCELLED",
    "BOOKING_FAILED",
    "BOOKING_PENDING",
    "BOOKING_REQUESTED",
    "LIMIT_GROUP_ROOMS",
    "LIMIT_NAME_EMPTY",
    "LIMIT_NAME_LENGTH",
    "NOT_ALLOWED_BOOKING",
    "NOT_ALLOWED_GROUP",
    "NOT_ALLOWED_GROUP_NOT_IN_CHANNEL",
    "SCOPE_CHANNEL",
    "SCOPE_PERSONAL",
    "SCOPE_WORKSPACE",
    "BookingRecord",
    "CachedSchedule",
    "GroupRecord",
    "RoomRecord",
    "Store",
    "SyncReport",
    "UserRecord",
    "downgrade",
    "ensure_schema",
    "make_engine",
    "make_session_factory",
    "upgrade",
]
