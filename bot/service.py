"""Use cases behind every front end: find rooms, manage groups, link accounts, book and cancel.

`RoomService.handle_text` is the message router of design.md §1. It never raises: every error
from the parser, the store or DingTalk becomes a `TextReply` whose sentence comes from
`bot.messages`, and anything unexpected is logged with its traceback and answered kindly.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import availability, messages
from bot.booking import BookingOutcome, BookingService, CancelOutcome, text_booking_key
from bot.config import Clock, Settings, utc_now
from bot.dingtalk import DingTalkClient
from bot.domain.models import RoomSchedule
from bot.errors import DingTalkError, NotAllowed, ParseError, RoomBotError, StoreError, UnknownGroup, UserNotFound
from bot.parsing import Intent, ParseSettings, Request, TimeKind, parse
from bot.reply import (
    BookingsReply,
    BookingView,
    ButtonSpec,
    FindReply,
    Reply,
    ReplyKind,
    RoomResult,
    RoomView,
    TextReply,
)
from bot.schedules import ScheduleProvider
from bot.store import BookingRecord, GroupRecord, RoomRecord, Store
from bot.store.sync import ensure_fresh_directory

logger = logging.getLogger(__name__)

# How many rooms a reply lists before it is summarised behind "show all".
SUMMARY_ROOMS = 8
MAX_DAYS_IN_ONE_ANSWER = 1
# A daily summary lists at most this many days (a month of working days).
MAX_SUMMARY_DAYS = 31


@dataclass(frozen=True)
class HomeModel:
    """What App Home shows for one user."""

    user_id: str
    tz: str
    groups: tuple[GroupRecord, ...]
    default_group_id: int | None
    default_group: GroupRecord | None
    bookings: tuple[BookingRecord, ...]
    free_now: Reply | None


@dataclass(frozen=True)
class Asker:
    """Who asked, where, and when."""

    team_id: str
    user_id: str
    channel_id: str | None
    zone: ZoneInfo
    now: datetime
    user_name: str = ""


def parse_settings_from(settings: Settings) -> ParseSettings:
    return ParseSettings(
        work_start=settings.work_start,
        work_end=settings.work_end,
        default_meeting_minutes=settings.default_meeting_minutes,
        date_order=settings.date_order,
        max_span_days=settings.max_span_days,
    )


class RoomService:
    """roombot's use cases; front ends are thin layers over this class."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        dingtalk: DingTalkClient,
        schedules: ScheduleProvider,
        clock: Clock = utc_now,
        logger: logging.Logger | None = None,
    ) -> None:
        self.settings = settings
        self._store = store
        self._dingtalk = dingtalk
        self._schedules = schedules
        self._clock = clock
        self._log = logger or logging.getLogger(__name__)
        self._parse_settings = parse_settings_from(settings)
        self._union_id = settings.dingtalk_operator_union_id or ""
        self._side_work = ThreadPoolExecutor(max_workers=4, thread_name_prefix="roombot-service")
        self._booking = BookingService(
            settings=settings, store=store, dingtalk=dingtalk, schedules=schedules, clock=clock, logger=self._log
        )

    def close(self) -> None:
        """Stop the service's helper threads."""
        self._side_work.shutdown(wait=True)

    # --- entry points ------------------------------------------------------------------------

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
    ) -> Reply:
        """Answer one message. Never raises.

        `user_name` (Slack's name for the user, when the front end has it) names them in the
        DingTalk events booked from text; without it the Slack user id stands in.
        """
        return self._guarded(lambda: self._route(self._asker(team_id, user_id, channel_id, tz, now, user_name), text))

    def find_rooms(
        self, *, team_id: str, user_id: str, channel_id: str | None, text: str, tz: str, now: datetime | None = None
    ) -> Reply:
        """Which rooms are free: `text` is read as a search even if it looks like a command. Never raises."""
        asker = self._asker(team_id, user_id, channel_id, tz, now)
        return self._guarded(lambda: self._find(replace(self._parse(text, asker), intent=Intent.FIND), asker))

    def show_all(
        self, *, team_id: str, user_id: str, channel_id: str | None, payload: str, tz: str, now: datetime | None = None
    ) -> Reply:
        """The "show all" button: the same question, every room listed."""
        asker = self._asker(team_id, user_id, channel_id, tz, now)
        return self._guarded(lambda: self._find(self._show_all_request(payload, asker), asker, show_all=True))

    def _show_all_request(self, payload: str, asker: Asker) -> Request:
        """The question behind a "show all" button: its JSON value, or plain text from the terminal.

        The window comes from the value, not from parsing the text again: "in 2 hours" asked ten
        minutes ago must still mean the window that was shown.
        """
        try:
            value = json.loads(payload)
        except ValueError:
            return self._parse(payload, asker)
        if not isinstance(value, dict) or not isinstance(value.get("q"), str):
            return self._parse(payload, asker)
        request = self._parse(value["q"], asker)
        try:
            start = datetime.fromisoformat(str(value["start"]))
            end = datetime.fromisoformat(str(value["end"]))
            duration = value.get("duration")
        except (KeyError, ValueError):
            return request
        if start.tzinfo is None or end.tzinfo is None or end < start:
            return request
        return replace(
            request,
            intent=Intent.FIND,
            start=start,
            end=end,
            duration_minutes=duration if isinstance(duration, int) and duration > 0 else None,
        )

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
    ) -> Reply:
        """The Book button: book the room, once per idempotency key. Never raises.

        The answer is the same window again with the room marked as booked by the user (and a
        Cancel button); when someone took the room first, the next best rooms for that window.
        """
        asker = self._asker(team_id, user_id, channel_id, tz, now)
        return self._guarded(
            lambda: self._book(
                asker,
                user_name=user_name,
                room_id=room_id,
                start=start,
                end=end,
                idempotency_key=idempotency_key,
                message_ts=message_ts,
            )
        )

    def cancel(
        self, *, team_id: str, user_id: str, booking_id: int, is_admin: bool, tz: str, now: datetime | None = None
    ) -> Reply:
        """The Cancel button: only the booker or a workspace admin may. Never raises."""
        asker = self._asker(team_id, user_id, None, tz, now)
        return self._guarded(lambda: self._cancel(asker, booking_id, is_admin=is_admin or self._is_admin(asker)))

    def resolve_timezone(self, *, team_id: str, user_id: str, fetch: Callable[[], str | None]) -> str:
        """The user's zone: cached in the store, refreshed after `tz_max_age_s`, else the default."""
        now = self._clock()
        try:
            user = self._store.get_user(team_id, user_id)
        except StoreError:
            user = None
        fresh = (
            user is not None
            and user.tz_fetched_at is not None
            and ((now - user.tz_fetched_at).total_seconds() < self.settings.tz_max_age_s)
        )
        if fresh and user is not None and user.tz:
            return user.tz
        try:
            fetched = fetch()
        except Exception:
            self._log.warning(
                "could not fetch the time zone of %s; using the cached or default zone", user_id, exc_info=True
            )
            fetched = None
        if fetched and _valid_zone(fetched):
            try:
                self._store.set_user_tz(team_id, user_id, fetched, fetched_at=now)
            except StoreError:
                self._log.warning("could not cache the time zone of %s", user_id, exc_info=True)
            return fetched
        if user is not None and user.tz and _valid_zone(user.tz):
            return user.tz
        return self.settings.default_tz

    def mark_event_processed(self, *, team_id: str, event_id: str) -> bool:
        """True the first time an event id is seen (Slack retries deliveries)."""
        return self._store.mark_event_processed(team_id, event_id, now=self._clock())

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

    def search_rooms(self, *, team_id: str, query: str, limit: int = 100) -> list[tuple[str, str]]:
        """Rooms for a type-ahead picker: (room id, label)."""
        self._ensure_directory(team_id)
        return [(room.room_id, _room_label(room)) for room in self._store.search_rooms(team_id, query, limit=limit)]

    def home(self, *, team_id: str, user_id: str, tz: str, now: datetime | None = None) -> HomeModel:
        """What App Home shows: groups, upcoming bookings, and what is free now in the default group."""
        asker = self._asker(team_id, user_id, None, tz, now)
        groups = tuple(self._store.list_groups(team_id, user_id=user_id))
        user = self._store.get_user(team_id, user_id)
        bookings = tuple(self._store.list_bookings(team_id, user_id=user_id, start_after=asker.now))
        default_id = user.default_group_id if user else None
        default_group = next((group for group in groups if group.id == default_id), None)
        if default_group is None:
            resolved = self._store.resolve_groups(team_id, user_id=user_id)
            default_group = resolved[0] if resolved else None
        free_now: Reply | None = None
        if default_group is not None:
            # Built directly, not parsed from text: a group name may hold quotes or words the parser reads.
            start = asker.now.replace(second=0, microsecond=0)
            now_request = Request(
                intent=Intent.FIND,
                text="free rooms now",
                start=start,
                end=start + timedelta(minutes=self.settings.default_meeting_minutes),
                time_kind=TimeKind.POINT,
                group=default_group.name,
            )
            free_now = self._guarded(lambda: self._find(now_request, asker))
        return HomeModel(
            user_id=user_id,
            tz=asker.zone.key,
            groups=groups,
            default_group_id=default_id,
            default_group=default_group,
            bookings=bookings,
            free_now=free_now,
        )

    def group_for_edit(self, *, team_id: str, user_id: str, group_id: int | None) -> GroupRecord | None:
        """A group the user may edit (None for a new one). Raises NotAllowed for other people's groups."""
        if group_id is None:
            return None
        group = self._store.get_group(team_id, group_id)
        if group.owner_user_id != user_id and user_id not in self.settings.admin_user_ids:
            raise NotAllowed("group")
        return group

    def save_group(self, *, team_id: str, user_id: str, group_id: int | None, name: str, room_ids: list[str]) -> Reply:
        """The group modal's submission: create a personal group, or rename and reorder an existing one."""

        def work() -> Reply:
            is_admin = user_id in self.settings.admin_user_ids
            if group_id is None:
                group = self._store.create_group(
                    team_id, name=name, scope="personal", owner_user_id=user_id, room_refs=room_ids
                )
                created = True
            else:
                group = self._store.get_group(team_id, group_id)
                if name.strip() and name.strip() != group.name:
                    group = self._store.rename_group(team_id, group_id, name, acting_user=user_id, is_admin=is_admin)
                group = self._store.set_group_rooms(team_id, group_id, room_ids, acting_user=user_id, is_admin=is_admin)
                created = False
            names = self._room_names_after_write(team_id, group.room_ids)
            return TextReply(messages.group_saved(group.name, names, created=created), kind="success")

        return self._guarded(work)

    # --- routing -----------------------------------------------------------------------------

    def _guarded(self, work: Callable[[], Reply]) -> Reply:
        try:
            return work()
        except RoomBotError as exc:
            self._log.info("answered with an error: %s", exc)
            return TextReply(messages.describe_error(exc), kind="error", examples=_examples_for(exc))
        except Exception:
            self._log.exception("unexpected error while answering")
            return TextReply(messages.describe_error(Exception()), kind="error")

    def _asker(
        self,
        team_id: str,
        user_id: str,
        channel_id: str | None,
        tz: str,
        now: datetime | None,
        user_name: str | None = None,
    ) -> Asker:
        zone = ZoneInfo(tz) if _valid_zone(tz) else self.settings.default_zone
        moment = now or self._clock()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return Asker(
            team_id=team_id, user_id=user_id, channel_id=channel_id, zone=zone, now=moment, user_name=user_name or user_id
        )

    def _parse(self, text: str, asker: Asker) -> Request:
        return parse(text, now=asker.now, tz=asker.zone, settings=self._parse_settings)

    def _route(self, asker: Asker, text: str) -> Reply:
        request = self._parse(text, asker)
        handler = self._handlers().get(request.intent)
        if handler is None:
            return self._help()
        return handler(request, asker)

    def _handlers(self) -> dict[Intent, Callable[[Request, Asker], Reply]]:
        return {
            Intent.HELP: lambda request, asker: self._help(),
            Intent.FIND: lambda request, asker: self._find(request, asker),
            Intent.GROUPS: self._groups,
            Intent.GROUP_ADD: self._group_add,
            Intent.GROUP_REMOVE: self._group_remove,
            Intent.GROUP_RENAME: self._group_rename,
            Intent.GROUP_DELETE: self._group_delete,
            Intent.GROUP_SHARE: self._group_share,
            Intent.GROUP_DEFAULT: self._group_default,
            Intent.GROUP_IMPORT: self._group_import,
            Intent.LINK: self._link,
            Intent.BOOK: self._book_text,
            Intent.CANCEL: self._cancel_text,
            Intent.MY_BOOKINGS: self._my_bookings,
        }

    def _help(self) -> Reply:
        return TextReply(messages.help_text(), kind="help", examples=tuple(messages.help_examples()))

    # --- finding rooms -----------------------------------------------------------------------

    def _find(
        self,
        request: Request,
        asker: Asker,
        *,
        show_all: bool = False,
        include: Sequence[str] = (),
        exclude: Collection[str] = (),
        offer_alternatives: bool = True,
    ) -> Reply:
        """Which rooms are free. `include` adds rooms before the groups' own, `exclude` leaves rooms out."""
        if request.start is None or request.end is None:
            raise ParseError("no_time", understood=request.text, example="free rooms tomorrow 2-3pm", text=request.text)
        start, end = request.start, request.end
        multi_day = end - start > timedelta(days=MAX_DAYS_IN_ONE_ANSWER)
        self._ensure_directory(asker.team_id)
        groups = self._store.resolve_groups(
            asker.team_id, user_id=asker.user_id, channel_id=asker.channel_id, name=request.group
        )
        if not groups and not include:
            return TextReply(
                messages.no_groups(),
                kind="info",
                buttons=(ButtonSpec(text=messages.import_groups_button(), action_id="import_groups", value="import"),),
            )
        room_ids = [room for room in dict.fromkeys([*include, *_ordered_room_ids(groups)]) if room not in exclude]
        if not room_ids:
            return TextReply(messages.empty_group(groups[0].name if groups else ""), kind="info")
        if multi_day:
            return self._daily_summary(request, asker, groups, room_ids)

        duration = timedelta(minutes=request.duration_minutes) if request.duration_minutes else None
        results, schedules_age, left_out = self._assess_rooms(asker, room_ids, start, end, duration, request)
        summary = availability.summarize([result.assessment for result in results])
        alternatives: tuple[availability.Alternative[str], ...] = ()
        other_results: tuple[RoomResult, ...] = ()
        if offer_alternatives and not any(result.assessment.fits for result in results):
            day = availability.Interval(
                _at(start, self.settings.work_start, asker.zone), _at(start, self.settings.work_end, asker.zone)
            )
            alternatives = availability.alternatives(
                [(result.room.room_id, result.assessment) for result in results],
                within=availability.Interval(min(day.start, start), max(day.end, end)),
                not_before=asker.now,
            )
            other_results = self._other_groups(asker, groups, start, end, duration, request)
        notes: tuple[str, ...] = ()
        if left_out:
            wanted = [messages.label_name(label) for label in request.labels]
            notes += (messages.rooms_left_out(left_out, capacity=request.capacity, labels=wanted),)
        return FindReply(
            start=start.astimezone(asker.zone),
            end=end.astimezone(asker.zone),
            tz=asker.zone.key,
            duration_minutes=request.duration_minutes,
            results=tuple(results),
            summary=summary,
            alternatives=alternatives,
            other_group_results=other_results,
            groups=tuple(group.name for group in groups),
            data_age_s=schedules_age,
            capacity=request.capacity,
            labels=tuple(messages.label_name(label) for label in request.labels),
            timeline_start=min(start, _at(start, self.settings.work_start, asker.zone)),
            timeline_end=max(end, _at(start, self.settings.work_end, asker.zone)),
            query_text=request.text,
            show_all=show_all,
            notes=notes,
        )

    def _daily_summary(
        self, request: Request, asker: Asker, groups: Sequence[GroupRecord], room_ids: Sequence[str]
    ) -> Reply:
        """A span of several days ("this week"): per working day, how many rooms are free, then ask to narrow.

        One free/busy query covers the whole span (one call per batch of rooms, as for one day), and
        the days land in the shared cache, so the narrower follow-up question costs nothing.
        """
        assert request.start is not None and request.end is not None
        start, end, zone = request.start, request.end, asker.zone
        schedules = self._schedules.get(asker.team_id, room_ids, start, end, zone)
        rooms = self._store.get_rooms(asker.team_id, room_ids)
        suitable = [room for room in room_ids if _meets(rooms.get(room), request)] or list(room_ids)
        slot = timedelta(minutes=request.duration_minutes or self.settings.default_meeting_minutes)
        lines: list[str] = []
        day = start.astimezone(zone).date()
        while datetime.combine(day, self.settings.work_start, tzinfo=zone) < end and len(lines) < MAX_SUMMARY_DAYS:
            window_start = max(start, datetime.combine(day, self.settings.work_start, tzinfo=zone), asker.now)
            window_end = min(end, datetime.combine(day, self.settings.work_end, tzinfo=zone))
            if day.weekday() < 5 and window_end - window_start >= slot:
                verdicts = [
                    availability.assess(
                        schedules.by_room[room].items if room in schedules.by_room else (),
                        window_start,
                        window_end,
                        duration=slot,
                        error=schedules.by_room[room].error if room in schedules.by_room else "missing",
                    )
                    for room in suitable
                ]
                with_slot = sum(1 for v in verdicts if v.fits)
                free_time = sum((w.duration for v in verdicts for w in v.free), timedelta())
                share = free_time / ((window_end - window_start) * len(verdicts))
                lines.append(
                    messages.daily_summary_line(
                        window_start, window_end, with_slot=with_slot, total=len(suitable), free_share=share
                    )
                )
            day += timedelta(days=1)
        if not lines:
            return TextReply(
                messages.narrow_window(start, end, zone), kind="info", examples=tuple(messages.narrow_window_examples())
            )
        text = messages.daily_summary(lines, slot_minutes=int(slot.total_seconds() // 60), groups=[g.name for g in groups])
        return TextReply(text, kind="info", examples=tuple(messages.narrow_window_examples()))

    def _assess_rooms(
        self,
        asker: Asker,
        room_ids: Sequence[str],
        start: datetime,
        end: datetime,
        duration: timedelta | None,
        request: Request,
    ) -> tuple[list[RoomResult], float | None, int]:
        """Each room's verdict, ranked; also the schedules' age and how many rooms were left out
        because they are too small or lack the wanted equipment (when some other room has both)."""
        # The room directory is read while DingTalk answers: a cold question then costs about one round trip.
        rooms_future = self._side_work.submit(self._store.get_rooms, asker.team_id, room_ids)
        schedules = self._schedules.get(asker.team_id, room_ids, start, end, asker.zone)
        rooms = rooms_future.result()
        candidates = []
        for position, room_id in enumerate(room_ids):
            room = rooms.get(room_id)
            schedule = schedules.by_room.get(room_id, RoomSchedule(room_id=room_id, error="missing"))
            assessment = availability.assess(schedule.items, start, end, duration=duration, error=schedule.error)
            candidates.append((room_id, room, assessment, position))
        ranked = availability.rank(
            [
                availability.Candidate(
                    key=room_id,
                    assessment=assessment,
                    capacity=room.capacity if room else None,
                    # Matched by DingTalk label id: room label names are whatever the org typed.
                    labels=tuple(str(label) for label in room.label_ids) if room else (),
                    position=position,
                )
                for room_id, room, assessment, position in candidates
            ],
            capacity=request.capacity,
            labels=tuple(str(label) for label in request.labels),
        )
        by_id = {room_id: (room, assessment) for room_id, room, assessment, _ in candidates}
        left_out = 0
        if request.capacity or request.labels:
            suitable = [c for c in ranked if _meets(by_id[c.key][0], request)]
            if suitable:
                left_out = len(ranked) - len(suitable)
                ranked = suitable
        results: list[RoomResult] = []
        for candidate in ranked:
            room, assessment = by_id[candidate.key]
            view = _room_view(candidate.key, room)
            footnote = None
            error = schedules.by_room.get(candidate.key, RoomSchedule(room_id=candidate.key)).error
            if error:
                footnote = messages.room_unknown_footnote(view.name, error)
            results.append(RoomResult(room=view, assessment=assessment, footnote=footnote))
        age = None
        if schedules.fetched_at is not None:
            age = max(0.0, (self._clock() - schedules.fetched_at).total_seconds())
        return results, age, left_out

    def _other_groups(
        self,
        asker: Asker,
        searched: Sequence[GroupRecord],
        start: datetime,
        end: datetime,
        duration: timedelta | None,
        request: Request,
    ) -> tuple[RoomResult, ...]:
        """Rooms from the user's other groups, offered only when nothing fits."""
        searched_ids = {group.id for group in searched}
        seen = set(_ordered_room_ids(searched))
        others = [
            group
            for group in self._store.list_groups(asker.team_id, user_id=asker.user_id, channel_id=asker.channel_id)
            if group.id not in searched_ids
        ]
        room_ids = [room for room in _ordered_room_ids(others) if room not in seen]
        if not room_ids:
            return ()
        results, _, _ = self._assess_rooms(asker, room_ids, start, end, duration, request)
        return tuple(result for result in results if result.assessment.fits)[:SUMMARY_ROOMS]

    def _ensure_directory(self, team_id: str) -> None:
        """Refresh the room directory when it is older than the setting (rarely costs calls)."""
        try:
            ensure_fresh_directory(
                store=self._store,
                client=self._dingtalk,
                team_id=team_id,
                union_id=self._union_id,
                now=self._clock(),
                max_age_s=self.settings.directory_max_age_s,
            )
        except DingTalkError:
            # An old directory still answers questions; only an empty one cannot.
            if self._store.directory_synced_at(team_id) is None:
                raise
            self._log.warning("room directory refresh failed; using the directory we have", exc_info=True)

    # --- groups ------------------------------------------------------------------------------

    def _groups(self, request: Request, asker: Asker) -> Reply:
        groups = self._store.list_groups(asker.team_id, user_id=asker.user_id, channel_id=asker.channel_id)
        if not groups:
            return TextReply(
                messages.no_groups(),
                kind="info",
                buttons=(ButtonSpec(text=messages.import_groups_button(), action_id="import_groups", value="import"),),
            )
        self._ensure_directory(asker.team_id)
        rooms = self._store.get_rooms(asker.team_id, _ordered_room_ids(groups))
        user = self._store.get_user(asker.team_id, asker.user_id)
        default_id = user.default_group_id if user else None
        lines = [
            messages.group_line(
                group.name,
                [rooms[room].name if room in rooms else room for room in group.room_ids],
                scope=group.scope,
                is_default=group.id == default_id,
            )
            for group in groups
        ]
        return TextReply(messages.groups_list(lines), kind="info")

    def _group_args(self, request: Request, *, minimum: int, usage: str) -> tuple[str, ...]:
        if len(request.args) < minimum:
            raise ParseError("missing_argument", understood=request.text, example=usage, text=request.text)
        return request.args

    def _find_own_group(self, asker: Asker, name: str) -> GroupRecord:
        return self._store.find_group(asker.team_id, name, user_id=asker.user_id, channel_id=asker.channel_id)

    def _group_add(self, request: Request, asker: Asker) -> Reply:
        name, *refs = self._group_args(request, minimum=2, usage="group add HQ 3F-Everest 3F-K2")
        self._ensure_directory(asker.team_id)
        try:
            group = self._find_own_group(asker, name)
        except UnknownGroup:
            # One transaction makes the group with its rooms: a failure never leaves an empty group behind.
            group = self._store.create_group(
                asker.team_id, name=name, scope="personal", owner_user_id=asker.user_id, room_refs=refs
            )
            created = True
        else:
            group = self._store.add_rooms(
                asker.team_id, group.id, refs, acting_user=asker.user_id, is_admin=self._is_admin(asker)
            )
            created = False
        names = self._room_names_after_write(asker.team_id, group.room_ids)
        return TextReply(messages.group_saved(group.name, names, created=created), kind="success")

    def _room_names_after_write(self, team_id: str, room_ids: Sequence[str]) -> list[str]:
        """Room names for a "done" answer; the change is already saved, so a failed read shows ids, not an error."""
        try:
            rooms = self._store.get_rooms(team_id, room_ids)
        except StoreError:
            self._log.warning("saved the group, but could not read its room names", exc_info=True)
            rooms = {}
        return [rooms[room].name if room in rooms else room for room in room_ids]

    def _group_remove(self, request: Request, asker: Asker) -> Reply:
        name, *refs = self._group_args(request, minimum=2, usage="group remove HQ 3F-K2")
        group = self._find_own_group(asker, name)
        group = self._store.remove_rooms(
            asker.team_id, group.id, refs, acting_user=asker.user_id, is_admin=self._is_admin(asker)
        )
        names = self._room_names_after_write(asker.team_id, group.room_ids)
        return TextReply(messages.group_saved(group.name, names, created=False), kind="success")

    def _group_rename(self, request: Request, asker: Asker) -> Reply:
        old, new = self._group_args(request, minimum=2, usage="group rename HQ HQ-3F")[:2]
        group = self._find_own_group(asker, old)
        renamed = self._store.rename_group(
            asker.team_id, group.id, new, acting_user=asker.user_id, is_admin=self._is_admin(asker)
        )
        return TextReply(messages.group_renamed(group.name, renamed.name), kind="success")

    def _group_delete(self, request: Request, asker: Asker) -> Reply:
        (name,) = self._group_args(request, minimum=1, usage="group delete HQ")[:1]
        group = self._find_own_group(asker, name)
        self._store.delete_group(asker.team_id, group.id, acting_user=asker.user_id, is_admin=self._is_admin(asker))
        return TextReply(messages.group_deleted(group.name), kind="success")

    def _group_share(self, request: Request, asker: Asker) -> Reply:
        (name,) = self._group_args(request, minimum=1, usage="group share HQ")[:1]
        if not asker.channel_id:
            return TextReply(messages.share_needs_channel(), kind="info")
        group = self._find_own_group(asker, name)
        self._store.share_group(
            asker.team_id, group.id, asker.channel_id, acting_user=asker.user_id, is_admin=self._is_admin(asker)
        )
        return TextReply(messages.group_shared(group.name, asker.channel_id), kind="success")

    def _group_default(self, request: Request, asker: Asker) -> Reply:
        (name,) = self._group_args(request, minimum=1, usage="group default HQ")[:1]
        group = self._find_own_group(asker, name)
        self._store.set_user_default_group(asker.team_id, asker.user_id, group.id)
        return TextReply(messages.group_default_set(group.name), kind="success")

    def _group_import(self, request: Request, asker: Asker) -> Reply:
        return self.import_groups(team_id=asker.team_id, user_id=asker.user_id)

    def import_groups(self, *, team_id: str, user_id: str) -> Reply:
        """Import DingTalk's own room groups as workspace groups (idempotent)."""

        def work() -> Reply:
            self._ensure_directory(team_id)
            groups = self._store.import_dingtalk_groups(team_id, acting_user=user_id)
            return TextReply(messages.groups_imported([group.name for group in groups]), kind="success")

        return self._guarded(work)

    # --- booking and cancelling --------------------------------------------------------------

    def _book(
        self,
        asker: Asker,
        *,
        user_name: str,
        room_id: str,
        start: datetime,
        end: datetime,
        idempotency_key: str,
        message_ts: str | None,
    ) -> Reply:
        self._ensure_directory(asker.team_id)
        outcome = self._booking.book(
            team_id=asker.team_id,
            user_id=asker.user_id,
            user_name=user_name,
            room_id=room_id,
            start=start,
            end=end,
            idempotency_key=idempotency_key,
            tz=asker.zone.key,
            channel_id=asker.channel_id,
            message_ts=message_ts,
        )
        if outcome.status == "in_progress":
            return TextReply(messages.booking_in_progress(outcome.room.name), kind="info")
        if outcome.status in ("busy", "taken"):
            return self._busy_reply(asker, outcome)
        return self._booked_reply(asker, outcome, user_name)

    def _window_request(self, start: datetime, end: datetime) -> Request:
        return Request(intent=Intent.FIND, text="free rooms", start=start, end=end, time_kind=TimeKind.INTERVAL)

    def _booked_reply(self, asker: Asker, outcome: BookingOutcome, user_name: str) -> Reply:
        """The same window again, the booked room first and marked as the user's, with a Cancel button."""
        booking = outcome.booking
        zone = asker.zone
        intro = messages.booking_done(
            outcome.room.name,
            booking.start.astimezone(zone),
            booking.end.astimezone(zone),
            pending=outcome.status == "pending",
            on_behalf=outcome.on_behalf,
        )
        cancel = ButtonSpec(
            messages.cancel_button_long(outcome.room.name, booking.start.astimezone(zone)),
            f"cancel_booking:{booking.id}",
            str(booking.id),
            "danger",
        )
        try:
            found = self._find(
                self._window_request(booking.start, booking.end),
                asker,
                include=(booking.room_id,),
                offer_alternatives=False,
            )
        except Exception:
            # The booking stands; only the refreshed picture of the window is missing.
            self._log.warning("booked %s, but could not show the window again", booking.id, exc_info=True)
            found = None
        if not isinstance(found, FindReply):
            return TextReply(intro, kind="success", buttons=(cancel,))
        mine = [replace(r, booked_by=user_name) for r in found.results if r.room.room_id == booking.room_id]
        others = [r for r in found.results if r.room.room_id != booking.room_id]
        return replace(
            found,
            results=tuple(mine + others),
            intro=intro,
            intro_kind="success",
            buttons=(cancel, *found.buttons),
        )

    def _busy_reply(self, asker: Asker, outcome: BookingOutcome) -> Reply:
        """Someone took the room first: the next best rooms for the same window, that room left out."""
        booking = outcome.booking
        found = self._find(self._window_request(booking.start, booking.end), asker, exclude={booking.room_id})
        if not isinstance(found, FindReply) or not found.results:
            return TextReply(
                messages.booking_busy_nothing_else(outcome.room.name, just_taken=outcome.status == "busy"), kind="info"
            )
        intro = messages.room_busy(outcome.room.name) if outcome.status == "busy" else messages.room_taken(outcome.room.name)
        return replace(found, intro=intro, intro_kind="info")

    def _book_text(self, request: Request, asker: Asker) -> Reply:
        """`book 3F-Everest tomorrow 2-3pm` / `预订 3F-Everest 明天下午2点到3点`."""
        example = messages.booking_text_example()
        if not request.rooms:
            detail = {"command": "book", "needs": messages.booking_needs_room()}
            raise ParseError("missing_argument", understood=request.text, example=example, detail=detail, text=request.text)
        if request.start is None or request.end is None or request.time_kind not in (TimeKind.POINT, TimeKind.INTERVAL):
            # A day or "afternoon" alone is a search, not a booking: ask for the exact time.
            raise ParseError("no_time", understood=request.text, example=example, text=request.text)
        self._ensure_directory(asker.team_id)
        room = self._store.resolve_room(asker.team_id, request.rooms[0])
        key = text_booking_key(asker.team_id, asker.user_id, room.room_id, request.start, request.end)
        return self._book(
            asker,
            user_name=asker.user_name or asker.user_id,
            room_id=room.room_id,
            start=request.start,
            end=request.end,
            idempotency_key=key,
            message_ts=None,
        )

    def _cancel(self, asker: Asker, booking_id: int, *, is_admin: bool) -> Reply:
        outcome = self._booking.cancel(
            team_id=asker.team_id, user_id=asker.user_id, booking_id=booking_id, is_admin=is_admin
        )
        return self._bookings_reply(
            asker,
            intro=_cancel_sentence(outcome, asker.zone, self.settings.cancel_mode),
            intro_kind="success" if outcome.status == "cancelled" else "info",
        )

    def _cancel_text(self, request: Request, asker: Asker) -> Reply:
        """`cancel 12`, `cancel my 2pm booking`, or `cancel` alone (which lists the bookings)."""
        numbers = [arg.lstrip("#") for arg in request.args if arg.lstrip("#").isdigit()]
        if numbers:
            return self._cancel(asker, int(numbers[0]), is_admin=self._is_admin(asker))
        if request.start is None:
            return self._bookings_reply(asker, intro=messages.cancel_pick())
        matches = self._booking.starting_at(
            team_id=asker.team_id, user_id=asker.user_id, start=request.start, zone=asker.zone
        )
        if len(matches) == 1:
            return self._cancel(asker, matches[0].id, is_admin=self._is_admin(asker))
        moment = request.start.astimezone(asker.zone)
        if not matches:
            return self._bookings_reply(asker, intro=messages.cancel_none_at(moment))
        return self._bookings_reply(asker, intro=messages.cancel_several_at(moment), only=matches)

    def _my_bookings(self, request: Request, asker: Asker) -> Reply:
        return self._bookings_reply(asker)

    def _bookings_reply(
        self,
        asker: Asker,
        *,
        intro: str | None = None,
        intro_kind: ReplyKind = "info",
        only: Sequence[BookingRecord] | None = None,
    ) -> BookingsReply:
        bookings = only if only is not None else self._booking.upcoming(team_id=asker.team_id, user_id=asker.user_id)
        views = tuple(
            BookingView(booking_id=b.id, room_name=b.room_name, start=b.start, end=b.end, status=b.status) for b in bookings
        )
        return BookingsReply(bookings=views, tz=asker.zone.key, intro=intro, intro_kind=intro_kind)

    # --- accounts ----------------------------------------------------------------------------

    def _link(self, request: Request, asker: Asker) -> Reply:
        if not request.args:
            user = self._store.get_user(asker.team_id, asker.user_id)
            return TextReply(messages.link_status(bool(user and user.union_id)), kind="info")
        target = request.args[0]
        union_id = self._union_id_for(target)
        self._store.link_user(asker.team_id, asker.user_id, union_id)
        return TextReply(messages.linked(), kind="success")

    def _union_id_for(self, target: str) -> str:
        digits = re.sub(r"[\s\-()]", "", target)
        if re.fullmatch(r"\+?\d{7,15}", digits):
            mobile = digits[3:] if digits.startswith("+86") else digits.lstrip("+")
            user_id = self._dingtalk.find_user_id_by_mobile(mobile)
            return self._dingtalk.get_user_union_id(user_id)
        try:
            self._dingtalk.get_user_id_by_union_id(target)
        except UserNotFound:
            raise
        except DingTalkError:
            # The lookup is only a check: when DingTalk cannot answer it, trust the user's unionId.
            self._log.warning("could not check unionId %s; linking it unchecked", target, exc_info=True)
        return target

    def _is_admin(self, asker: Asker) -> bool:
        return asker.user_id in self.settings.admin_user_ids


# --- helpers -----------------------------------------------------------------------------------


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _ordered_room_ids(groups: Sequence[GroupRecord]) -> list[str]:
    return list(dict.fromkeys(room for group in groups for room in group.room_ids))


def _at(moment: datetime, clock_time: object, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    return datetime.combine(local.date(), clock_time, tzinfo=zone)  # type: ignore[arg-type]


def _meets(room: RoomRecord | None, request: Request) -> bool:
    """Whether a room seats the headcount and has the wanted equipment (unknown size counts as enough)."""
    if room is None:
        return True
    if request.capacity and room.capacity is not None and room.capacity < request.capacity:
        return False
    return set(request.labels) <= set(room.label_ids)


def _room_view(room_id: str, room: RoomRecord | None) -> RoomView:
    if room is None:
        return RoomView(room_id=room_id, name=room_id, capacity=None, location="", labels=())
    location = " · ".join(part for part in (room.location_title, room.location_desc) if part)
    labels = tuple(messages.label_name(label.id, label.name) for label in room.labels)
    return RoomView(room_id=room_id, name=room.name, capacity=room.capacity, location=location, labels=labels)


def _room_label(room: RoomRecord) -> str:
    size = f" ({room.capacity})" if room.capacity else ""
    return f"{room.name}{size}"


def _cancel_sentence(outcome: CancelOutcome, zone: ZoneInfo, cancel_mode: str) -> str:
    booking = outcome.booking
    start, end = booking.start.astimezone(zone), booking.end.astimezone(zone)
    if outcome.status == "cancelled":
        return messages.cancel_done(booking.room_name, start, end, cancel_mode=cancel_mode)
    if outcome.status == "already_cancelled":
        return messages.cancel_already(booking.room_name, start, end)
    if outcome.status == "ended":
        return messages.cancel_ended(booking.room_name, start, end)
    return messages.cancel_not_active(booking.room_name)


def _examples_for(exc: BaseException) -> tuple[str, ...]:
    if isinstance(exc, ParseError) and exc.example:
        return (exc.example,)
    return ()


__all__ = ["Asker", "HomeModel", "RoomService", "parse_settings_from"]
