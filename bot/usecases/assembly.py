"""Every use case family, built once, each with only the dependencies it uses.

`RoomService` (`bot.usecases.router`) builds one `UseCases` and routes requests to it; nothing
here routes, checks who may ask, or guards against errors.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor

from bot.config import Clock, Settings
from bot.dingtalk.callback import CallbackCrypto
from bot.domain.identity import LinkLimits
from bot.store import Store
from bot.usecases.accounts import Accounts, TimeZones
from bot.usecases.approvals import Approvals, Notifier
from bot.usecases.bookings.service import BookingService
from bot.usecases.bookings.usecase import Bookings
from bot.usecases.callbacks import DingTalkCallbacks
from bot.usecases.checkin import CheckIns
from bot.usecases.context import Admins, Askers, Backends, Directory, Guard, parse_settings_from
from bot.usecases.find import FindRooms
from bot.usecases.groups import Groups
from bot.usecases.home import Home
from bot.usecases.people import People


class UseCases:
    """The families the front door routes to, and the helpers they share: the directory, the
    admins and the booking service are built once."""

    def __init__(self, backends: Backends, *, notifier: Notifier | None, side_work: Executor) -> None:
        settings, store, dingtalk, clock, log = (
            backends.settings,
            backends.store,
            backends.dingtalk,
            backends.clock,
            backends.log,
        )
        default_tz = settings.default_tz
        self.guard = Guard(log=log)
        self.askers = Askers(default_zone=settings.default_zone, parse_settings=parse_settings_from(settings), clock=clock)
        self.admins = admins = Admins(user_ids=settings.admin_user_ids)
        union_id = settings.dingtalk_operator_union_id or ""
        max_age_s = settings.directory_max_age_s
        directory = Directory(store=store, dingtalk=dingtalk, union_id=union_id, max_age_s=max_age_s, clock=clock, log=log)
        self.find = find = FindRooms(
            settings=settings,
            store=store,
            schedules=backends.schedules,
            directory=directory,
            askers=self.askers,
            side_work=side_work,
            clock=clock,
        )
        self.groups = Groups(store=store, directory=directory, admins=admins, log=log)
        booking = BookingService(backends=backends)
        cancel_mode = settings.cancel_mode
        self.bookings = Bookings(
            booking=booking, find=find, store=store, directory=directory, admins=admins, cancel_mode=cancel_mode, log=log
        )
        self.checkins = CheckIns(backends=backends, admins=admins)
        self.people = People(backends=backends, directory=directory, booking=booking)
        self.accounts = Accounts(
            store=store,
            dingtalk=dingtalk,
            admins=admins,
            limits=LinkLimits(
                ttl_s=settings.link_code_ttl_s, max_attempts=settings.link_max_attempts, cooldown_s=settings.link_cooldown_s
            ),
            agent_id=settings.dingtalk_agent_id,
            clock=clock,
            log=log,
            email_match=settings.email_match_enabled,
        )
        self.approvals = Approvals(
            store=store, dingtalk=dingtalk, find=find, askers=self.askers, notifier=notifier, default_tz=default_tz, log=log
        )
        self.zones = TimeZones(store=store, default_tz=default_tz, max_age_s=settings.tz_max_age_s, clock=clock, log=log)
        self.home = Home(store=store, find=find, guard=self.guard, meeting_minutes=settings.default_meeting_minutes)
        # None when no DingTalk callback is configured.
        self.callbacks = _callbacks(settings, store, clock, log)


def _callbacks(settings: Settings, store: Store, clock: Clock, log: logging.Logger) -> DingTalkCallbacks | None:
    """DingTalk's pushes, when the settings hold the callback's token and key."""
    if not (settings.dingtalk_callback_token and settings.dingtalk_callback_aes_key):
        return None
    crypto = CallbackCrypto(
        token=settings.dingtalk_callback_token,
        aes_key=settings.dingtalk_callback_aes_key,
        owner_key=settings.dingtalk_suite_key or settings.dingtalk_app_key or "",
    )
    return DingTalkCallbacks(crypto=crypto, store=store, suite_key=settings.dingtalk_suite_key, clock=clock, log=log)


__all__ = ["UseCases"]
