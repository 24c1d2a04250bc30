"""The floor below the use cases: who asked, the error guard, directory freshness, the admin check.

Every use case family needs these; they live here so that the router imports the use cases and no
use case imports the router or another family's module for them. Nothing here imports a use case.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import Clock, Settings
from bot.dingtalk import DingTalkClient
from bot.errors import DingTalkError, HeldReason, ParseError, RoomBotError, SearchHeld
from bot.parsing import ParseSettings, Request, parse
from bot.present import messages
from bot.present.reply import ButtonSpec, Reply, ReplyKind, TextReply
from bot.schedules import ScheduleProvider
from bot.store import GroupRecord, Store
from bot.store.sync import ensure_fresh_directory


@dataclass(frozen=True, kw_only=True)
class Backends:
    """What the front door and the families that book stand on, passed as one: the settings, the
    database, DingTalk, the shared schedule cache, the clock and the log."""

    settings: Settings
    store: Store
    dingtalk: DingTalkClient
    schedules: ScheduleProvider
    clock: Clock
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("bot.usecases"))


@dataclass(frozen=True)
class Profile:
    """What the chat platform says about the person (Slack `users.info`)."""

    is_admin: bool = False  # a workspace admin or owner
    team_id: str | None = None  # the person's home team
    email: str | None = None


@dataclass(frozen=True)
class Actor:
    """Who is acting, beyond their id: from another organisation, and their profile when needed.

    `external` is what the request itself says (the person's team differs from the installing
    team). `profile` is looked up only when a decision needs it (admin checks), so plain
    questions and a person's own changes cost no extra call.
    """

    external: bool = False
    profile: Callable[[], Profile | None] | None = None

    def lookup(self) -> Profile | None:
        if self.profile is None:
            return None
        return self.profile()


NOBODY_SPECIAL = Actor()

_OPERATOR_PROFILE = Profile(is_admin=True)
CONSOLE_OPERATOR = Actor(profile=lambda: _OPERATOR_PROFILE)
"""Whoever types at roombot's own command line (`ask`, `demo`): they run the installation and can
reach its database and settings anyway, so they act as a workspace admin."""


@dataclass(frozen=True)
class Asker:
    """Who asked, where, and when."""

    team_id: str
    user_id: str
    channel_id: str | None
    zone: ZoneInfo
    now: datetime
    user_name: str = ""
    actor: Actor = NOBODY_SPECIAL

    def is_external(self) -> bool:
        """From another organisation, as the request says (Slack names the person's team in it)."""
        return self.actor.external


@dataclass(frozen=True, kw_only=True)
class Caller:
    """Who calls, from where, and when, as a front end reads it from its request.

    Every front-door call that answers a person takes one, so these values travel together rather
    than as seven keyword arguments; `Askers.asker` fills in what the front end left out.
    """

    team_id: str
    user_id: str
    channel_id: str | None = None
    tz: str | None = None  # the person's zone name; unknown or None: the workspace's default zone
    now: datetime | None = None  # None: the clock
    user_name: str | None = None  # the front end's name for the person; None: their id stands in
    actor: Actor | None = None  # a guest from another organisation? and how to look up their profile


def parse_settings_from(settings: Settings) -> ParseSettings:
    return ParseSettings(
        work_start=settings.work_start,
        work_end=settings.work_end,
        default_meeting_minutes=settings.default_meeting_minutes,
        date_order=settings.date_order,
        max_span_days=settings.max_span_days,
    )


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True, kw_only=True)
class Askers:
    """Builds the `Asker` of a request and reads its text with the workspace's parse settings."""

    default_zone: ZoneInfo
    parse_settings: ParseSettings
    clock: Clock

    def asker(self, caller: Caller) -> Asker:
        tz = caller.tz
        zone = ZoneInfo(tz) if tz is not None and valid_zone(tz) else self.default_zone
        moment = caller.now or self.clock()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return Asker(
            team_id=caller.team_id,
            user_id=caller.user_id,
            channel_id=caller.channel_id,
            zone=zone,
            now=moment,
            user_name=caller.user_name or caller.user_id,
            actor=caller.actor or NOBODY_SPECIAL,
        )

    def parse(self, text: str, asker: Asker) -> Request:
        return parse(text, now=asker.now, tz=asker.zone, settings=self.parse_settings)


@dataclass(frozen=True, kw_only=True)
class Guard:
    """Runs a use case and turns every exception into a friendly reply (the front ends never see one)."""

    log: logging.Logger

    def __call__(self, work: Callable[[], Reply]) -> Reply:
        try:
            return work()
        except RoomBotError as exc:
            self.log.info("answered with an error: %s", exc)
            # A search held by roombot's own budget is roombot being careful, not a failure.
            careful = isinstance(exc, SearchHeld) and exc.reason != HeldReason.DINGTALK_QUOTA
            kind: ReplyKind = "info" if careful else "error"
            return TextReply(messages.describe_error(exc), kind=kind, examples=_examples_for(exc))
        except Exception:
            self.log.exception("unexpected error while answering")
            return TextReply(messages.describe_error(Exception()), kind="error")


@dataclass(frozen=True, kw_only=True)
class Directory:
    """Keeps the synced room directory fresh enough to answer from."""

    store: Store
    dingtalk: DingTalkClient
    union_id: str
    max_age_s: float
    clock: Clock
    log: logging.Logger

    def ensure_fresh(self, team_id: str) -> None:
        """Refresh the room directory when it is older than the setting (rarely costs calls)."""
        try:
            ensure_fresh_directory(
                store=self.store,
                client=self.dingtalk,
                team_id=team_id,
                union_id=self.union_id,
                now=self.clock(),
                max_age_s=self.max_age_s,
            )
        except DingTalkError:
            # An old directory still answers questions; only an empty one cannot.
            if self.store.rooms.synced_at(team_id) is None:
                raise
            self.log.warning("room directory refresh failed; using the directory we have", exc_info=True)


class Admins:
    """The workspace admins: named in the settings (`ROOMBOT_ADMIN_USER_IDS`), or Slack workspace
    admins and owners (their profile says so)."""

    def __init__(self, *, user_ids: Collection[str]) -> None:
        self._user_ids = frozenset(user_ids)

    def is_admin(self, user_id: str, actor: Actor | None = None) -> bool:
        if user_id in self._user_ids:
            return True
        if actor is None:
            return False
        profile = actor.lookup()
        return profile is not None and profile.is_admin

    def of(self, asker: Asker) -> bool:
        return self.is_admin(asker.user_id, asker.actor)


def linked_union_id(store: Store, team_id: str, user_id: str) -> str | None:
    """The DingTalk unionId a Slack user has linked, or None.

    The one place that decides whether a person counts as linked: people's calendars are
    searched, and events made in a person's name, only through it. Only a verified link counts:
    a link made before links needed a code could name a colleague.
    """
    user = store.users.get(team_id, user_id)
    return user.union_id if user is not None and user.union_id and user.verified else None


def no_groups_reply() -> TextReply:
    """The answer when the user has no room groups yet, with a button to import DingTalk's own."""
    return TextReply(
        messages.WORDS.no_groups,
        kind="info",
        buttons=(ButtonSpec(text=messages.WORDS.import_groups_button, action_id="import_groups", value="import"),),
    )


def ordered_room_ids(groups: Sequence[GroupRecord]) -> list[str]:
    """The rooms of several groups, in the groups' order, each once."""
    return list(dict.fromkeys(room for group in groups for room in group.room_ids))


def _examples_for(exc: BaseException) -> tuple[str, ...]:
    if isinstance(exc, ParseError) and exc.example:
        return (exc.example,)
    return ()


__all__ = [
    "CONSOLE_OPERATOR",
    "NOBODY_SPECIAL",
    "Actor",
    "Admins",
    "Asker",
    "Askers",
    "Backends",
    "Caller",
    "Directory",
    "Guard",
    "linked_union_id",
    "no_groups_reply",
    "ordered_room_ids",
    "Profile",
    "parse_settings_from",
    "valid_zone",
]
