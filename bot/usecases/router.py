"""The front door of every front end (Slack, console, bench): `RoomService`.

`RoomService.handle_text` is the message router: it parses the text and sends the request to
the handler of its intent, from one table. It never raises: every error from the parser, the
store or DingTalk becomes a `TextReply` whose sentence comes from `bot.present.messages`, and anything
unexpected is logged with its traceback and answered kindly. The work itself is done by the use
cases (find, groups, bookings, accounts, home), which this module builds and wires; none of them
imports this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime

from bot.config import Clock, Settings, utc_now
from bot.dingtalk import DingTalkClient
from bot.dingtalk.callback import CallbackCrypto
from bot.domain.identity import LinkLimits
from bot.errors import NotAllowed, NotAllowedReason
from bot.parsing import Intent, Request
from bot.present import messages
from bot.present.reply import Reply, TextReply
from bot.quota import QuotaKeeper
from bot.schedules import ScheduleProvider
from bot.store import GroupRecord, Store
from bot.usecases.accounts import Accounts, TimeZones
from bot.usecases.approvals import Approvals, Notifier
from bot.usecases.bookings.service import BookingService
from bot.usecases.bookings.usecase import Bookings
from bot.usecases.callbacks import DingTalkCallbacks
from bot.usecases.checkin import CheckIns
from bot.usecases.context import Actor, Admins, Asker, Askers, Directory, Guard, parse_settings_from
from bot.usecases.find import FindRooms
from bot.usecases.groups import Groups
from bot.usecases.home import Home, HomeModel
from bot.usecases.people import People
from bot.usecases.quota import quota_report

Handler = Callable[[Request, Asker], Reply]

# What a guest from another organisation may do: read help, and (when the settings allow) see
# what is free in a shared channel. Booking, linking and changing groups are refused.
GUEST_READS = frozenset({Intent.FIND, Intent.GROUPS})


class RoomService:
    """roombot's use cases behind one front door; front ends are thin layers over this class."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        dingtalk: DingTalkClient,
        schedules: ScheduleProvider,
        quota: QuotaKeeper | None = None,
        clock: Clock = utc_now,
        logger: logging.Logger | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        log = logger or logging.getLogger(__name__)
        self.settings = settings
        self._store = store
        self._dingtalk = dingtalk
        self._schedules = schedules
        self.quota = quota
        self._clock = clock
        self._log = log
        self._side_work = ThreadPoolExecutor(max_workers=4, thread_name_prefix="roombot-service")
        self._guard = Guard(log=log)
        self._askers = Askers(default_zone=settings.default_zone, parse_settings=parse_settings_from(settings), clock=clock)
        admins = Admins(user_ids=settings.admin_user_ids)
        self._admins = admins
        directory = Directory(
            store=store,
            dingtalk=dingtalk,
            union_id=settings.dingtalk_operator_union_id or "",
            max_age_s=settings.directory_max_age_s,
            clock=clock,
            log=log,
        )
        self._find = FindRooms(
            settings=settings,
            store=store,
            schedules=schedules,
            directory=directory,
            askers=self._askers,
            side_work=self._side_work,
            clock=clock,
        )
        self._groups = Groups(store=store, directory=directory, admins=admins, log=log)
        booking_service = BookingService(
            settings=settings, store=store, dingtalk=dingtalk, schedules=schedules, clock=clock, log=log
        )
        self._bookings = Bookings(
            booking=booking_service,
            find=self._find,
            store=store,
            directory=directory,
            admins=admins,
            cancel_mode=settings.cancel_mode,
            log=log,
        )
        self._checkins = CheckIns(
            settings=settings, store=store, dingtalk=dingtalk, schedules=schedules, admins=admins, clock=clock, log=log
        )
        self._people = People(
            settings=settings,
            store=store,
            dingtalk=dingtalk,
            schedules=schedules,
            directory=directory,
            booking=booking_service,
            clock=clock,
            log=log,
        )
        self._accounts = Accounts(
            store=store,
            dingtalk=dingtalk,
            admins=admins,
            limits=LinkLimits(
                ttl_s=settings.link_code_ttl_s,
                max_attempts=settings.link_max_attempts,
                cooldown_s=settings.link_cooldown_s,
            ),
            agent_id=settings.dingtalk_agent_id,
            clock=clock,
            log=log,
            email_match=settings.email_match_enabled,
        )
        self._callbacks: DingTalkCallbacks | None = None
        if settings.dingtalk_callback_token and settings.dingtalk_callback_aes_key:
            self._callbacks = DingTalkCallbacks(
                crypto=CallbackCrypto(
                    token=settings.dingtalk_callback_token,
                    aes_key=settings.dingtalk_callback_aes_key,
                    owner_key=settings.dingtalk_suite_key or settings.dingtalk_app_key or "",
                ),
                store=store,
                suite_key=settings.dingtalk_suite_key,
                clock=clock,
                log=log,
            )
        self._approvals = Approvals(
            store=store,
            dingtalk=dingtalk,
            find=self._find,
            askers=self._askers,
            notifier=notifier,
            default_tz=settings.default_tz,
            log=log,
        )
        self._zones = TimeZones(
            store=store, default_tz=settings.default_tz, max_age_s=settings.tz_max_age_s, clock=clock, log=log
        )
        self._home = Home(store=store, find=self._find, guard=self._guard, meeting_minutes=settings.default_meeting_minutes)
        self._handlers: dict[Intent, Handler] = {
            Intent.HELP: lambda request, asker: _help(),
            Intent.FIND: lambda request, asker: self._find.find(request, asker),
            Intent.GROUPS: self._groups.overview,
            Intent.GROUP_ADD: self._groups.add,
            Intent.GROUP_REMOVE: self._groups.remove,
            Intent.GROUP_RENAME: self._groups.rename,
            Intent.GROUP_DELETE: self._groups.delete,
            Intent.GROUP_SHARE: self._groups.share,
            Intent.GROUP_DEFAULT: self._groups.set_default,
            Intent.GROUP_IMPORT: lambda request, asker: self._groups.import_groups(
                team_id=asker.team_id, user_id=asker.user_id, actor=asker.actor
            ),
            Intent.LINK: self._accounts.link,
            Intent.UNLINK: self._accounts.unlink,
            Intent.BOOK: self._bookings.book_text,
            Intent.CANCEL: self._bookings.cancel_text,
            Intent.MY_BOOKINGS: self._bookings.mine,
            Intent.GROUP_GRACE: self._checkins.set_group_grace,
            Intent.CHECK_IN: lambda request, asker: self._checkins.check_in(asker, room=_first(request.rooms)),
            Intent.RELEASE: lambda request, asker: self._checkins.release(asker, room=_first(request.rooms)),
            Intent.END_NOW: lambda request, asker: self._checkins.end_now(asker),
            Intent.EXTEND: lambda request, asker: self._checkins.extend(
                asker, minutes=int(request.args[0]) if request.args else settings.extend_minutes
            ),
            Intent.REMIND: lambda request, asker: self._checkins.set_reminders(
                asker,
                None if request.args == ("off",) else int(request.args[0]) if request.args else settings.reminder_minutes,
            ),
            Intent.MEET: self._people.when_can_we_meet,
        }

    def close(self) -> None:
        """Stop the service's helper threads."""
        self._side_work.shutdown(wait=True)

    # --- messages ----------------------------------------------------------------------------

    def handle_text(
        self,
        *,
        team_id: str,
        user_id: str,
        channel_id: str | None,
        text: str,
        tz: str,
        now: datetime | None = None,
        user_name: str | None = None,
        actor: Actor | None = None,
    ) -> Reply:
        """Answer one message. Never raises.

        `user_name` (Slack's name for the user, when the front end has it) names them in the
        DingTalk events booked from text; without it the Slack user id stands in. `actor` says
        whether the person is a guest from another organisation, and how to look up their profile.
        """
        asker = self._askers.asker(team_id, user_id, channel_id, tz, now, user_name, actor)
        return self._guard(lambda: self._route(asker, text))

    def reask(
        self,
        *,
        team_id: str,
        user_id: str,
        channel_id: str | None,
        text: str,
        tz: str,
        now: datetime | None = None,
        actor: Actor | None = None,
    ) -> Reply:
        """ "Share in channel": the question asked again, only if it is a question. Never raises.

        A shared answer never acts: text that would book, cancel, link or change a group gets a
        sentence instead (not an availability answer, so nothing is posted to the channel).
        """
        asker = self._askers.asker(team_id, user_id, channel_id, tz, now, None, actor)

        def work() -> Reply:
            request = self._askers.parse(text, asker)
            if request.intent is not Intent.FIND:
                return TextReply(messages.WORDS.share_not_possible, kind="info")
            return self._route_request(asker, request)

        return self._guard(work)

    def _route(self, asker: Asker, text: str) -> Reply:
        return self._route_request(asker, self._askers.parse(text, asker))

    def _route_request(self, asker: Asker, request: Request) -> Reply:
        if request.intent is not Intent.HELP:
            self._check_guest(asker, may_read=request.intent in GUEST_READS)
        handler = self._handlers.get(request.intent)
        if handler is None:
            return _help()
        return handler(request, asker)

    def _check_guest(self, asker: Asker, *, may_read: bool) -> None:
        """Refuse a guest from another organisation, unless the settings let guests read in shared channels."""
        if not asker.is_external():
            return
        if may_read:
            if self.settings.external_can_see and asker.channel_id and not asker.channel_id.startswith("D"):
                return
            raise NotAllowed(NotAllowedReason.EXTERNAL_READ)
        raise NotAllowed(NotAllowedReason.EXTERNAL_USER)

    # --- finding rooms -----------------------------------------------------------------------

    def find_rooms(
        self,
        *,
        team_id: str,
        user_id: str,
        channel_id: str | None,
        text: str,
        tz: str,
        now: datetime | None = None,
        actor: Actor | None = None,
    ) -> Reply:
        """Which rooms are free: `text` is read as a search even if it looks like a command. Never raises."""
        asker = self._askers.asker(team_id, user_id, channel_id, tz, now, None, actor)

        def work() -> Reply:
            self._check_guest(asker, may_read=True)
            return self._find.find(replace(self._askers.parse(text, asker), intent=Intent.FIND), asker)

        return self._guard(work)

    def show_all(
        self,
        *,
        team_id: str,
        user_id: str,
        channel_id: str | None,
        payload: str,
        tz: str,
        now: datetime | None = None,
        actor: Actor | None = None,
    ) -> Reply:
        """The "show all" button: the same question, every room listed."""
        asker = self._askers.asker(team_id, user_id, channel_id, tz, now, None, actor)

        def work() -> Reply:
            self._check_guest(asker, may_read=True)
            return self._find.find(self._find.show_all_request(payload, asker), asker, show_all=True)

        return self._guard(work)

    def refresh(
        self,
        *,
        team_id: str,
        user_id: str,
        channel_id: str | None,
        payload: str,
        tz: str,
        now: datetime | None = None,
        actor: Actor | None = None,
    ) -> Reply:
        """The Refresh button: the same question, with data newer than the minimum refresh age when
        the budget allows (else the saved answer, saying why)."""
        asker = self._askers.asker(team_id, user_id, channel_id, tz, now, None, actor)

        def work() -> Reply:
            self._check_guest(asker, may_read=True)
            return self._find.find(self._find.show_all_request(payload, asker), asker, refresh=True)

        return self._guard(work)

    def search_rooms(self, *, team_id: str, query: str, limit: int = 100) -> list[tuple[str, str]]:
        """Rooms for a type-ahead picker: (room id, label)."""
        return self._find.search(team_id=team_id, query=query, limit=limit)

    # --- booking and cancelling --------------------------------------------------------------

    def book(
        self,
        *,
        team_id: str,
        user_id: str,
        user_name: str,
        room_id: str,
        start: datetime,
        end: datetime,
        idempotency_key: str,
        channel_id: str | None = None,
        message_ts: str | None = None,
        tz: str,
        now: datetime | None = None,
        actor: Actor | None = None,
    ) -> Reply:
        """The Book button: book the room, once per idempotency key. Never raises.

        The answer is the same window again with the room marked as booked by the user (and a
        Cancel button); when someone took the room first, the next best rooms for that window.
        """
        asker = self._askers.asker(team_id, user_id, channel_id, tz, now, None, actor)

        def work() -> Reply:
            self._check_guest(asker, may_read=False)
            return self._bookings.book(
                asker,
                user_name=user_name,
                room_id=room_id,
                start=start,
                end=end,
                idempotency_key=idempotency_key,
                message_ts=message_ts,
            )

        return self._guard(work)

    def book_and_invite(
        self,
        *,
        team_id: str,
        user_id: str,
        user_name: str,
        room_id: str,
        start: datetime,
        end: datetime,
        people: Sequence[str],
        optional_people: Sequence[str],
        video: bool,
        idempotency_key: str,
        channel_id: str | None = None,
        message_ts: str | None = None,
        tz: str,
        now: datetime | None = None,
    ) -> Reply:
        """The Book and invite button: the room, and an event in the user's own name inviting
        the people (with a video meeting when asked). Never raises."""
        asker = self._askers.asker(team_id, user_id, channel_id, tz, now)
        return self._guard(
            lambda: self._people.book_and_invite(
                asker,
                user_name=user_name,
                room_id=room_id,
                start=start,
                end=end,
                people=people,
                optional_people=optional_people,
                video=video,
                idempotency_key=idempotency_key,
                message_ts=message_ts,
            )
        )

    def cancel(
        self,
        *,
        team_id: str,
        user_id: str,
        booking_id: int,
        is_admin: bool,
        tz: str,
        now: datetime | None = None,
        actor: Actor | None = None,
    ) -> Reply:
        """The Cancel button: only the booker or a workspace admin may. Never raises."""
        asker = self._askers.asker(team_id, user_id, None, tz, now, None, actor)

        def work() -> Reply:
            self._check_guest(asker, may_read=False)
            return self._bookings.cancel(asker, booking_id, is_admin=is_admin)

        return self._guard(work)

    def booking_action(
        self,
        *,
        action: str,
        team_id: str,
        user_id: str,
        booking_id: int,
        is_admin: bool,
        tz: str,
        minutes: int | None = None,
        now: datetime | None = None,
    ) -> Reply:
        """The reminder's buttons: `check_in`, `release` or `extend` one booking. Never raises."""
        asker = self._askers.asker(team_id, user_id, None, tz, now)
        checkins = self._checkins
        if action == "check_in":
            return self._guard(lambda: checkins.check_in(asker, booking_id=booking_id, is_admin=is_admin))
        if action == "release":
            return self._guard(lambda: checkins.release(asker, booking_id=booking_id, is_admin=is_admin))
        extra = minutes or self.settings.extend_minutes
        return self._guard(lambda: checkins.extend(asker, minutes=extra, booking_id=booking_id, is_admin=is_admin))

    # --- groups ------------------------------------------------------------------------------

    def group_for_edit(
        self, *, team_id: str, user_id: str, group_id: int | None, actor: Actor | None = None
    ) -> GroupRecord | None:
        """A group the user may edit (None for a new one). Raises NotAllowed for other people's groups
        and for guests from another organisation."""
        self._check_guest(self._actor_only(team_id, user_id, actor), may_read=False)
        return self._groups.for_edit(team_id=team_id, user_id=user_id, group_id=group_id, actor=actor)

    def save_group(
        self,
        *,
        team_id: str,
        user_id: str,
        group_id: int | None,
        name: str,
        room_ids: list[str],
        actor: Actor | None = None,
    ) -> Reply:
        """The group modal's submission: create a personal group, or rename and reorder an existing one."""

        def work() -> Reply:
            self._check_guest(self._actor_only(team_id, user_id, actor), may_read=False)
            return self._groups.save(
                team_id=team_id, user_id=user_id, group_id=group_id, name=name, room_ids=room_ids, actor=actor
            )

        return self._guard(work)

    def import_groups(self, *, team_id: str, user_id: str, actor: Actor | None = None) -> Reply:
        """Import DingTalk's own room groups as workspace groups (idempotent); admins only."""

        def work() -> Reply:
            self._check_guest(self._actor_only(team_id, user_id, actor), may_read=False)
            return self._groups.import_groups(team_id=team_id, user_id=user_id, actor=actor)

        return self._guard(work)

    def link_by_email(self, *, team_id: str, user_id: str, actor: Actor | None = None) -> Reply:
        """The "Link as <e-mail>" button. Never raises."""

        def work() -> Reply:
            asker = self._actor_only(team_id, user_id, actor)
            self._check_guest(asker, may_read=False)
            return self._accounts.link_by_email(asker)

        return self._guard(work)

    def is_admin(self, *, user_id: str, actor: Actor | None = None) -> bool:
        """A workspace admin: named in the settings, or a Slack workspace admin or owner."""
        return self._admins.is_admin(user_id, actor)

    def _actor_only(self, team_id: str, user_id: str, actor: Actor | None) -> Asker:
        return self._askers.asker(team_id, user_id, None, self.settings.default_tz, None, None, actor)

    # --- accounts, Home and housekeeping -----------------------------------------------------

    def resolve_timezone(self, *, team_id: str, user_id: str, fetch: Callable[[], str | None]) -> str:
        """The user's zone: cached in the store, refreshed after `tz_max_age_s`, else the default."""
        return self._zones.resolve(team_id=team_id, user_id=user_id, fetch=fetch)

    def home(self, *, team_id: str, user_id: str, tz: str, now: datetime | None = None) -> HomeModel:
        """What App Home shows: groups, upcoming bookings, and what is free now in the default group."""
        model = self._home.model(self._askers.asker(team_id, user_id, None, tz, now))
        if self.quota is not None and self._admins.is_admin(user_id):
            try:
                lines = quota_report(self.quota, batch_size=self.settings.batch_size)
            except Exception:  # the rest of Home still shows
                self._log.warning("App Home: could not read the DingTalk budget", exc_info=True)
            else:
                model = replace(model, quota_lines=tuple(lines))
        return model

    def follow_up_approvals(self, now: datetime) -> str:
        """The approvals job: read pending bookings' approval state again, tell bookers the outcome."""
        report = self._approvals.follow_up(now)
        return messages.jobs_approvals_followed(report.checked, report.approved, report.declined, report.told)

    def dingtalk_callback(self, *, signature: str, timestamp: str, nonce: str, body: bytes) -> dict[str, str] | None:
        """A DingTalk push to the HTTP callback: its encrypted "success" reply, or None when no callback
        is configured. Raises CallbackRejected for a push that is not DingTalk's or not for this app."""
        if self._callbacks is None:
            return None
        return self._callbacks.handle(signature=signature, timestamp=timestamp, nonce=nonce, body=body)

    def mark_event_processed(self, *, team_id: str, event_id: str) -> bool:
        """True the first time an event id is seen (Slack retries deliveries)."""
        return self._store.events.mark_processed(team_id, event_id, now=self._clock())

    def health(self) -> dict[str, bool]:
        """Whether the database and DingTalk (a token) are reachable."""
        status = {"database": True, "dingtalk": True}
        try:
            self._store.ping()
        except Exception:
            self._log.warning("health: database unreachable", exc_info=True)
            status["database"] = False
        try:
            self._dingtalk.get_token()
        except Exception:
            self._log.warning("health: DingTalk token unavailable", exc_info=True)
            status["dingtalk"] = False
        return status


def _first(values: tuple[str, ...]) -> str | None:
    return values[0] if values else None


def _help() -> Reply:
    return TextReply(messages.WORDS.help_text, kind="help", examples=tuple(messages.help_examples()))


__all__ = ["Asker", "HomeModel", "RoomService", "parse_settings_from"]
