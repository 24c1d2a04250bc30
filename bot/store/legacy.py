"""The old one-class spellings of the store (`store.get_user(...)`), kept only for a short while.

`bot/service.py` and `bot/booking.py` are being moved to `bot/usecases/` and still call these;
once they call the repositories (`store.users.get(...)`), delete this module and `Store`'s base
class. New code must not use these names.

Each old name looks its repository method up at call time, so a test that replaces
`store.groups.create` is seen through `store.create_group` too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, cast

from bot.store.bookings import BookingsRepository
from bot.store.channels import ChannelsRepository
from bot.store.events import EventsRepository
from bot.store.groups import GroupsRepository
from bot.store.rooms import RoomsRepository
from bot.store.schedule_cache import SchedulesRepository
from bot.store.users import UsersRepository

P = ParamSpec("P")
T = TypeVar("T")


class _Old(Generic[P, T]):
    """An old method name that answers with `getattr(store.<repository>, <method>)`."""

    def __init__(self, repository: str, method: Callable[Concatenate[Any, P], T]) -> None:
        self._repository = repository
        self._method = method.__name__

    def __get__(self, store: object, owner: type | None = None) -> Callable[P, T]:
        return cast(Callable[P, T], getattr(getattr(store, self._repository), self._method))


class OldSpellings:
    """Each old `Store` method name, forwarded to the repository method that replaced it."""

    list_team_ids = _Old("users", UsersRepository.team_ids)
    get_user = _Old("users", UsersRepository.get)
    ensure_user = _Old("users", UsersRepository.ensure)
    set_user_tz = _Old("users", UsersRepository.set_tz)
    link_user = _Old("users", UsersRepository.link)
    set_user_default_group = _Old("users", UsersRepository.set_default_group)
    upsert_rooms = _Old("rooms", RoomsRepository.upsert)
    directory_synced_at = _Old("rooms", RoomsRepository.synced_at)
    list_rooms = _Old("rooms", RoomsRepository.all)
    get_rooms = _Old("rooms", RoomsRepository.get_many)
    resolve_room = _Old("rooms", RoomsRepository.resolve)
    resolve_rooms = _Old("rooms", RoomsRepository.resolve_many)
    search_rooms = _Old("rooms", RoomsRepository.search)
    create_group = _Old("groups", GroupsRepository.create)
    rename_group = _Old("groups", GroupsRepository.rename)
    delete_group = _Old("groups", GroupsRepository.delete)
    add_rooms = _Old("groups", GroupsRepository.add_rooms)
    remove_rooms = _Old("groups", GroupsRepository.remove_rooms)
    set_group_rooms = _Old("groups", GroupsRepository.set_rooms)
    get_group = _Old("groups", GroupsRepository.get)
    list_groups = _Old("groups", GroupsRepository.visible)
    find_group = _Old("groups", GroupsRepository.find)
    share_group = _Old("groups", GroupsRepository.share)
    unshare_group = _Old("groups", GroupsRepository.unshare)
    resolve_groups = _Old("groups", GroupsRepository.resolve)
    import_dingtalk_groups = _Old("groups", GroupsRepository.import_dingtalk)
    set_channel_default_group = _Old("channels", ChannelsRepository.set_default_group)
    channel_default_group_id = _Old("channels", ChannelsRepository.default_group_id)
    begin_booking = _Old("bookings", BookingsRepository.begin)
    complete_booking = _Old("bookings", BookingsRepository.complete)
    fail_booking = _Old("bookings", BookingsRepository.fail)
    cancel_booking = _Old("bookings", BookingsRepository.cancel)
    get_booking = _Old("bookings", BookingsRepository.get)
    list_bookings = _Old("bookings", BookingsRepository.for_user)
    find_active_booking = _Old("bookings", BookingsRepository.find_active)
    mark_event_processed = _Old("events", EventsRepository.mark_processed)
    prune_processed_events = _Old("events", EventsRepository.prune)
    get_cached_schedules = _Old("schedules", SchedulesRepository.get)
    put_cached_schedules = _Old("schedules", SchedulesRepository.put)
    invalidate_cached_schedules = _Old("schedules", SchedulesRepository.invalidate)
    prune_cached_schedules = _Old("schedules", SchedulesRepository.prune)


__all__ = ["OldSpellings"]
