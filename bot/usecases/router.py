"""The front door of every front end (Slack, console, bench): `RoomService`.

`RoomService.handle_text` is the message router: it parses the text and sends the request to
the handler of its intent, from one table. It never raises: every error from the parser, the
store or DingTalk becomes a `TextReply` whose sentence comes from `bot.present.messages`, and anything
unexpected is logged with its traceback and answered kindly. The work itself is done by the use
cases (find, groups, bookings, accounts, home), which `bot.usecases.assembly` builds; none of them
imports this module.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime

from bot.errors import NotAllowed, NotAllowedReason
from bot.parsing import Intent, Request
from bot.present import messages
from bot.present.reply import Reply, TextReply
from bot.quota import QuotaKeeper
from bot.store import GroupRecord
from bot.usecases.approvals import Notifier
from bot.usecases.assembly import UseCases
from bot.usecases.bookings.service import BookingAsk
from bot.usecases.context import Actor, Asker, Backends, Caller, parse_settings_from
from bot.usecases.home import HomeModel
from bot.usecases.people import Invitees
from bot.usecases.quota import quota_report

Handler = Callable[[Request, Asker], Reply]

# What a guest from another organisation may do: read help, and (when the settings allow) see
# what is free in a shared channel. Booking, linking and changing groups are refused.
GUEST_READS = frozenset({Intent.FIND, Intent.GROUPS})


class RoomService:
    """roombot's use cases behind one front door; front ends are thin layers over this class.

    Every answer to a person takes a `Caller` (who, where, in which zone, when) and never raises;
    `import_groups`, a workspace chore the command line also runs, takes the team, user and actor alone.
    """

    def __init__(self, *, backends: Backends, quota: QuotaKeeper | None = None, notifier: Notifier | None = None) -> None:
        self.settings = settings = backends.settings
        self.schedules = backends.schedules  # the shared schedule cache, for whoever must forget a room's schedule
        self.quota = quota
        self._backends = backends
        self._side_work = ThreadPoolExecutor(max_workers=4, thread_name_prefix="roombot-service")
        self._uses = uses = UseCases(backends, notifier=notifier, side_work=self._side_work)
        self._askers, self._guard, self._admins = uses.askers, uses.guard, uses.admins
        groups, checkins = uses.groups, uses.checkins
        self._handlers: dict[Intent, Handler] = {
            Intent.HELP: lambda request, asker: _help(),
            Intent.FIND: lambda request, asker: uses.find.find(request, asker),
            Intent.GROUPS: groups.overview,
            Intent.GROUP_ADD: groups.add,
            Intent.GROUP_REMOVE: groups.remove,
            Intent.GROUP_RENAME: groups.rename,
            Intent.GROUP_DELETE: groups.delete,
            Intent.GROUP_SHARE: groups.share,
            Intent.GROUP_DEFAULT: groups.set_default,
            Intent.GROUP_IMPORT: lambda request, asker: groups.import_groups(
                team_id=asker.team_id, user_id=asker.user_id, actor=asker.actor
            ),
            Intent.LINK: uses.accounts.link,
            Intent.UNLINK: uses.accounts.unlink,
            Intent.BOOK: uses.bookings.book_text,
            Intent.CANCEL: uses.bookings.cancel_text,
            Intent.MY_BOOKINGS: uses.bookings.mine,
            Intent.GROUP_GRACE: checkins.set_group_grace,
            Intent.CHECK_IN: lambda request, asker: checkins.check_in(asker, room=_first(request.rooms)),
            Intent.RELEASE: lambda request, asker: checkins.release(asker, room=_first(request.rooms)),
            Intent.END_NOW: lambda request, asker: checkins.end_now(asker),
            Intent.EXTEND: lambda request, asker: checkins.extend(
                asker, minutes=int(request.args[0]) if request.args else settings.extend_minutes
            ),
            Intent.REMIND: lambda request, asker: checkins.set_reminders(
                asker,
                None if request.args == ("off",) else int(request.args[0]) if request.args else settings.reminder_minutes,
            ),
            Intent.MEET: uses.people.when_can_we_meet,
        }

    def close(self) -> None:
        """Stop the service's helper threads."""
        self._side_work.shutdown(wait=True)

    # --- messages ----------------------------------------------------------------------------

    def handle_text(self, caller: Caller, text: str) -> Reply:
        """Answer one message. Never raises.

        The caller's `user_name` (Slack's name for the user, when the front end has it) names them
        in the DingTalk events booked from text; without it the Slack user id stands in.
        """
        asker = self._askers.asker(caller)
        return self._guard(lambda: self._route_request(asker, self._askers.parse(text, asker)))

    def reask(self, caller: Caller, text: str) -> Reply:
        """ "Share in channel": the question asked again, only if it is a question. Never raises.

        A shared answer never acts: text that would book, cancel, link or change a group gets a
        sentence instead (not an availability answer, so nothing is posted to the channel).
        """
        asker = self._askers.asker(caller)

        def work() -> Reply:
            request = self._askers.parse(text, asker)
            if request.intent is not Intent.FIND:
                return TextReply(messages.WORDS.share_not_possible, kind="info")
            return self._route_request(asker, request)

        return self._guard(work)

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

    def _answer(self, caller: Caller, work: Callable[[Asker], Reply], *, may_read: bool) -> Reply:
        """Run one use case for the caller, guests checked first (`may_read`: it only reads). Never raises."""
        asker = self._askers.asker(caller)

        def checked() -> Reply:
            self._check_guest(asker, may_read=may_read)
            return work(asker)

        return self._guard(checked)

    # --- finding rooms -----------------------------------------------------------------------

    def find_rooms(self, caller: Caller, text: str) -> Reply:
        """Which rooms are free: `text` is read as a search even if it looks like a command. Never raises."""
        find = self._uses.find
        return self._answer(
            caller,
            lambda asker: find.find(replace(self._askers.parse(text, asker), intent=Intent.FIND), asker),
            may_read=True,
        )

    def show_all(self, caller: Caller, payload: str) -> Reply:
        """The "show all" button: the same question, every room listed."""
        find = self._uses.find
        return self._answer(
            caller, lambda asker: find.find(find.show_all_request(payload, asker), asker, show_all=True), may_read=True
        )

    def refresh(self, caller: Caller, payload: str) -> Reply:
        """The Refresh button: the same question, with data newer than the minimum refresh age when
        the budget allows (else the saved answer, saying why)."""
        find = self._uses.find
        return self._answer(
            caller, lambda asker: find.find(find.show_all_request(payload, asker), asker, refresh=True), may_read=True
        )

    def search_rooms(self, *, team_id: str, query: str, limit: int = 100) -> list[tuple[str, str]]:
        """Rooms for a type-ahead picker: (room id, label)."""
        return self._uses.find.search(team_id=team_id, query=query, limit=limit)

    # --- booking and cancelling --------------------------------------------------------------

    def book(self, caller: Caller, ask: BookingAsk) -> Reply:
        """The Book button: book the room, once per idempotency key; the caller's name names them in
        the event. Never raises.

        The answer is the same window again with the room marked as booked by the user (and a
        Cancel button); when someone took the room first, the next best rooms for that window.
        """
        return self._answer(caller, lambda asker: self._uses.bookings.book(asker, ask), may_read=False)

    def book_and_invite(self, caller: Caller, ask: BookingAsk, invitees: Invitees) -> Reply:
        """The Book and invite button: the room, and an event in the user's own name inviting
        the people (with a video meeting when asked). Never raises."""
        asker = self._askers.asker(caller)
        return self._guard(lambda: self._uses.people.book_and_invite(asker, ask, invitees))

    def cancel(self, caller: Caller, booking_id: int, *, is_admin: bool) -> Reply:
        """The Cancel button: only the booker or a workspace admin may. Never raises."""
        return self._answer(
            caller, lambda asker: self._uses.bookings.cancel(asker, booking_id, is_admin=is_admin), may_read=False
        )

    def booking_action(
        self, caller: Caller, action: str, booking_id: int, *, is_admin: bool, minutes: int | None = None
    ) -> Reply:
        """The reminder's buttons: `check_in`, `release` or `extend` one booking. Never raises."""
        asker = self._askers.asker(caller)
        checkins = self._uses.checkins
        if action == "check_in":
            return self._guard(lambda: checkins.check_in(asker, booking_id=booking_id, is_admin=is_admin))
        if action == "release":
            return self._guard(lambda: checkins.release(asker, booking_id=booking_id, is_admin=is_admin))
        extra = minutes or self.settings.extend_minutes
        return self._guard(lambda: checkins.extend(asker, minutes=extra, booking_id=booking_id, is_admin=is_admin))

    # --- groups ------------------------------------------------------------------------------

    def group_for_edit(self, caller: Caller, group_id: int | None) -> GroupRecord | None:
        """A group the user may edit (None for a new one). Raises NotAllowed for other people's groups
        and for guests from another organisation."""
        self._check_guest(self._askers.asker(caller), may_read=False)
        return self._uses.groups.for_edit(
            team_id=caller.team_id, user_id=caller.user_id, group_id=group_id, actor=caller.actor
        )

    def save_group(self, caller: Caller, *, group_id: int | None, name: str, room_ids: list[str]) -> Reply:
        """The group modal's submission: create a personal group, or rename and reorder an existing one."""
        groups = self._uses.groups
        return self._answer(
            caller,
            lambda asker: groups.save(
                team_id=asker.team_id,
                user_id=asker.user_id,
                group_id=group_id,
                name=name,
                room_ids=room_ids,
                actor=caller.actor,
            ),
            may_read=False,
        )

    def import_groups(self, *, team_id: str, user_id: str, actor: Actor | None = None) -> Reply:
        """Import DingTalk's own room groups as workspace groups (idempotent); admins only."""
        groups = self._uses.groups
        return self._answer(
            Caller(team_id=team_id, user_id=user_id, actor=actor),
            lambda asker: groups.import_groups(team_id=team_id, user_id=user_id, actor=actor),
            may_read=False,
        )

    def link_by_email(self, caller: Caller) -> Reply:
        """The "Link as <e-mail>" button. Never raises."""
        return self._answer(caller, self._uses.accounts.link_by_email, may_read=False)

    def is_admin(self, *, user_id: str, actor: Actor | None = None) -> bool:
        """A workspace admin: named in the settings, or a Slack workspace admin or owner."""
        return self._admins.is_admin(user_id, actor)

    # --- accounts, Home and housekeeping -----------------------------------------------------

    def resolve_timezone(self, *, team_id: str, user_id: str, fetch: Callable[[], str | None]) -> str:
        """The user's zone: cached in the store, refreshed after `tz_max_age_s`, else the default."""
        return self._uses.zones.resolve(team_id=team_id, user_id=user_id, fetch=fetch)

    def home(self, *, team_id: str, user_id: str, tz: str, now: datetime | None = None) -> HomeModel:
        """What App Home shows: groups, upcoming bookings, and what is free now in the default group."""
        model = self._uses.home.model(self._askers.asker(Caller(team_id=team_id, user_id=user_id, tz=tz, now=now)))
        if self.quota is not None and self._admins.is_admin(user_id):
            try:
                lines = quota_report(self.quota, batch_size=self.settings.batch_size)
            except Exception:  # the rest of Home still shows
                self._backends.log.warning("App Home: could not read the DingTalk budget", exc_info=True)
            else:
                model = replace(model, quota_lines=tuple(lines))
        return model

    def follow_up_approvals(self, now: datetime) -> str:
        """The approvals job: read pending bookings' approval state again, tell bookers the outcome."""
        report = self._uses.approvals.follow_up(now)
        return messages.jobs_approvals_followed(report.checked, report.approved, report.declined, report.told)

    def dingtalk_callback(self, *, signature: str, timestamp: str, nonce: str, body: bytes) -> dict[str, str] | None:
        """A DingTalk push to the HTTP callback: its encrypted "success" reply, or None when no callback
        is configured. Raises CallbackRejected for a push that is not DingTalk's or not for this app."""
        callbacks = self._uses.callbacks
        if callbacks is None:
            return None
        return callbacks.handle(signature=signature, timestamp=timestamp, nonce=nonce, body=body)

    def mark_event_processed(self, *, team_id: str, event_id: str) -> bool:
        """True the first time an event id is seen (Slack retries deliveries)."""
        return self._backends.store.events.mark_processed(team_id, event_id, now=self._backends.clock())

    def health(self) -> dict[str, bool]:
        """Whether the database and DingTalk (a token) are reachable."""
        status = {"database": True, "dingtalk": True}
        try:
            self._backends.store.ping()
        except Exception:
            self._backends.log.warning("health: database unreachable", exc_info=True)
            status["database"] = False
        try:
            self._backends.dingtalk.get_token()
        except Exception:
            self._backends.log.warning("health: DingTalk token unavailable", exc_info=True)
            status["dingtalk"] = False
        return status


def _first(values: tuple[str, ...]) -> str | None:
    return values[0] if values else None


def _help() -> Reply:
    return TextReply(messages.WORDS.help_text, kind="help", examples=tuple(messages.help_examples()))


__all__ = ["Asker", "Backends", "BookingAsk", "Caller", "HomeModel", "Invitees", "RoomService", "parse_settings_from"]
