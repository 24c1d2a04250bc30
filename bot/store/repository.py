"""`Store`: roombot's repositories, one per aggregate, built over one session factory.

Use cases take only the repository they use (`store.users`, `store.rooms`, ...); the `Store`
exists so the composition root builds them all in one place.
"""

from __future__ import annotations

from bot.config import Clock, utc_now
from bot.store.base import SessionFactory
from bot.store.bookings import BookingsRepository
from bot.store.channels import ChannelsRepository
from bot.store.checkin import CheckinRepository
from bot.store.events import EventsRepository
from bot.store.groups import GroupLimits, GroupsRepository
from bot.store.link_codes import LinkCodesRepository
from bot.store.quota import QuotaRepository
from bot.store.rooms import RoomsRepository
from bot.store.schedule_cache import SchedulesRepository
from bot.store.suite_tickets import SuiteTicketsRepository
from bot.store.users import UsersRepository


class Store:
    """The repositories of roombot's data.

    Args:
        session_factory: makes sessions (`bot.store.db.make_session_factory(engine)`).
        clock: the current time (aware UTC); used for created/updated times.
        group_max_rooms: at most this many rooms in a group.
        name_max_length: group names of at most this many characters.
        max_groups_per_user: at most this many groups made by one user.
    """

    def __init__(
        self,
        *,
        session_factory: SessionFactory,
        clock: Clock = utc_now,
        group_max_rooms: int = 100,
        name_max_length: int = 60,
        max_groups_per_user: int = 50,
    ) -> None:
        self.users = UsersRepository(session_factory=session_factory, clock=clock)
        self.link_codes = LinkCodesRepository(session_factory=session_factory, clock=clock)
        self.rooms = RoomsRepository(session_factory=session_factory, clock=clock)
        limits = GroupLimits(group_max_rooms, name_max_length, max_groups_per_user)
        self.groups = GroupsRepository(session_factory=session_factory, rooms=self.rooms, clock=clock, limits=limits)
        self.channels = ChannelsRepository(session_factory=session_factory, clock=clock)
        self.bookings = BookingsRepository(session_factory=session_factory, clock=clock)
        self.checkin = CheckinRepository(session_factory=session_factory, clock=clock)
        self.events = EventsRepository(session_factory=session_factory, clock=clock)
        self.schedules = SchedulesRepository(session_factory=session_factory, clock=clock)
        self.suite_tickets = SuiteTicketsRepository(session_factory=session_factory, clock=clock)
        self.quota = QuotaRepository(session_factory=session_factory, clock=clock)

    def ping(self) -> None:
        """Raise StoreUnavailable unless the database answers (health checks)."""
        self.users.ping()


__all__ = ["Store"]
