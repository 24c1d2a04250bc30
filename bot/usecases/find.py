"""Finding rooms: which rooms are free, a daily summary for spans of days, "show all", type-ahead search."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import Clock, Settings
from bot.domain import availability
from bot.domain.models import Room, RoomSchedule
from bot.errors import ParseError, SearchHeld
from bot.parsing import Intent, Request, TimeKind
from bot.present import messages
from bot.present.actions import REFRESH, refresh_value
from bot.present.reply import ButtonSpec, FindReply, Reply, RoomResult, RoomView, TextReply
from bot.schedules import ScheduleProvider, Schedules
from bot.store import GroupRecord, Store
from bot.usecases.context import Asker, Askers, Directory, linked_union_id, no_groups_reply, ordered_room_ids

# How many rooms a reply lists before it is summarised behind "show all" (Slack's `DEFAULT_MAX_ROOMS`).
SUMMARY_ROOMS = 8
# An answer verifies the rooms it shows at most this many times: a verified room that turned busy
# drops down the ranking, and the room taking its place is verified in the next round.
VERIFY_ROUNDS = 3
MAX_DAYS_IN_ONE_ANSWER = 1
# A daily summary lists at most this many days (a month of working days).
MAX_SUMMARY_DAYS = 31


@dataclass(frozen=True, kw_only=True)
class FindRooms:
    """Which rooms are free, for one window or per day over a span."""

    settings: Settings
    store: Store
    schedules: ScheduleProvider
    directory: Directory
    askers: Askers
    side_work: Executor
    clock: Clock

    def find(
        self,
        request: Request,
        asker: Asker,
        *,
        show_all: bool = False,
        include: Sequence[str] = (),
        exclude: Collection[str] = (),
        offer_alternatives: bool = True,
        refresh: bool = False,
    ) -> Reply:
        """Which rooms are free. `include` adds rooms before the groups' own, `exclude` leaves rooms out.

        `refresh` (the Refresh button) asks for data newer than the minimum refresh age, when the
        monthly budget and the asker's fair share allow."""
        if request.start is None or request.end is None:
            raise ParseError("no_time", understood=request.text, example="free rooms tomorrow 2-3pm", text=request.text)
        start, end = request.start, request.end
        multi_day = end - start > timedelta(days=MAX_DAYS_IN_ONE_ANSWER)
        self.directory.ensure_fresh(asker.team_id)
        request = self._group_from_ignored(request, asker)
        namesake_note: tuple[str, ...] = ()
        if request.group:
            # Several groups may share the name (the channel's and the asker's own): use the one the
            # channel means, and say which, so nobody searches other rooms than they think.
            matches = self.store.groups.matching(
                asker.team_id, request.group, user_id=asker.user_id, channel_id=asker.channel_id
            )
            groups = matches[:1]
            if len(matches) > 1:
                used = matches[0]
                where = messages.group_where(
                    used.scope,
                    mine=used.owner_user_id == asker.user_id,
                    shared_here=bool(asker.channel_id) and asker.channel_id in used.shared_channel_ids,
                )
                namesake_note = (messages.group_used(used.name, where),)
        else:
            groups = self.store.groups.resolve(asker.team_id, user_id=asker.user_id, channel_id=asker.channel_id)
        if not groups and not include:
            return no_groups_reply()
        room_ids = [room for room in dict.fromkeys([*include, *ordered_room_ids(groups)]) if room not in exclude]
        if not room_ids:
            return TextReply(messages.empty_group(groups[0].name if groups else ""), kind="info")
        if multi_day:
            return self._daily_summary(request, asker, groups, room_ids, refresh=refresh)

        duration = timedelta(minutes=request.duration_minutes) if request.duration_minutes else None
        listed = len(room_ids) if show_all else SUMMARY_ROOMS

        def nearest(results: Sequence[RoomResult]) -> tuple[availability.Alternative[str], ...]:
            if not offer_alternatives or any(result.assessment.fits for result in results):
                return ()
            return self._alternatives(results, start, end, asker)

        def shown(results: Sequence[RoomResult]) -> list[str]:
            # What the answer shows: its best rooms, and the rooms of the nearest other slots.
            return [*_best(results, listed), *(slot.key for slot in nearest(results))]

        results, schedules, schedules_age, left_out, none_meet = self._assess_rooms(
            asker, room_ids, start, end, duration, request, refresh=refresh, shown=shown, listed=listed
        )
        summary = availability.summarize([result.assessment for result in results])
        alternatives = nearest(results)
        other_results: tuple[RoomResult, ...] = ()
        work_start, work_end = self.settings.work_start, self.settings.work_end
        if offer_alternatives and not any(result.assessment.fits for result in results):
            other_results = self._other_groups(asker, groups, start, end, duration, request)
            schedules_age = _oldest([schedules_age, *(result.age_s for result in other_results)])
        notes: tuple[str, ...] = namesake_note
        if request.rolled_from is not None:
            notes += (messages.rolled_forward(request.rolled_from.astimezone(asker.zone), start.astimezone(asker.zone)),)
        if request.ignored:
            notes += (messages.ignored_words(request.ignored),)
        if none_meet and results:  # the wish still shapes the answer (the largest rooms first), and say so
            wanted = [messages.label_name(label) for label in request.labels]
            notes += (messages.nobody_meets(request.capacity, wanted, largest=results[0].room.capacity),)
        if left_out:
            wanted = [messages.label_name(label) for label in request.labels]
            notes += (messages.rooms_left_out(left_out, capacity=request.capacity, labels=wanted),)
        notes += _budget_notes(schedules, schedules_age)
        refresh_button = ButtonSpec(
            messages.WORDS.refresh_button,
            REFRESH.id(),
            refresh_value(
                query=request.text,
                start=start,
                end=end,
                tz=asker.zone.key,
                duration_minutes=request.duration_minutes,
            ),
        )
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
            timeline_start=min(start, _at(start, work_start, asker.zone)),
            timeline_end=max(end, _at(start, work_end, asker.zone)),
            query_text=request.text,
            show_all=show_all,
            notes=notes,
            buttons=(refresh_button,),
        )

    def _group_from_ignored(self, request: Request, asker: Asker) -> Request:
        """ "下午3点到4点 HQ 3F": words the parser could not place may be the name of one of the asker's
        groups. Only the store knows the names, so the match is made here; the rest stay ignored."""
        if request.group or not request.ignored:
            return request
        names = {
            group.name.casefold(): group.name
            for group in self.store.groups.visible(asker.team_id, user_id=asker.user_id, channel_id=asker.channel_id)
        }
        words = request.ignored
        for size in range(len(words), 0, -1):  # the longest run of words that names a group
            for first in range(len(words) - size + 1):
                name = names.get(" ".join(words[first : first + size]).casefold())
                if name is not None:
                    rest = words[:first] + words[first + size :]
                    return replace(request, group=name, ignored=rest)
        return request

    def show_all_request(self, payload: str, asker: Asker) -> Request:
        """The question behind a "show all" button: its JSON value, or plain text from the terminal.

        The window comes from the value, not from parsing the text again: "in 2 hours" asked ten
        minutes ago must still mean the window that was shown.
        """
        try:
            value = json.loads(payload)
        except ValueError:
            return self.askers.parse(payload, asker)
        if not isinstance(value, dict) or not isinstance(value.get("q"), str):
            return self.askers.parse(payload, asker)
        request = self.askers.parse(value["q"], asker)
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

    def search(self, *, team_id: str, query: str, limit: int) -> list[tuple[str, str]]:
        """Rooms for a type-ahead picker: (room id, label), from the stored directory only.

        Slack waits three seconds for the options, so the picker never waits on DingTalk; the
        directory refresh job keeps the stored directory fresh.
        """
        return [(room.room_id, _room_label(room)) for room in self.store.rooms.search(team_id, query, limit=limit)]

    def _daily_summary(
        self,
        request: Request,
        asker: Asker,
        groups: Sequence[GroupRecord],
        room_ids: Sequence[str],
        *,
        refresh: bool = False,
    ) -> Reply:
        """A span of several days ("this week"): per working day, how many rooms are free, then ask to narrow.

        One free/busy query covers the whole span (one call per batch of rooms, as for one day), and
        the days land in the shared cache, so the narrower follow-up question costs nothing.
        """
        assert request.start is not None and request.end is not None
        start, end, zone = request.start, request.end, asker.zone
        work_start, work_end = self.settings.work_start, self.settings.work_end
        schedules = self.schedules.get(asker.team_id, room_ids, start, end, zone, user_id=asker.user_id, refresh=refresh)
        rooms = self.store.rooms.get_many(asker.team_id, room_ids)
        suitable = [room for room in room_ids if _meets(rooms.get(room), request)]
        extra: list[str] = []
        if not suitable:  # nothing meets the wish: count every room, and say so
            suitable = list(room_ids)
            largest = max((room.capacity or 0 for room in rooms.values()), default=0) or None
            wanted_labels = [messages.label_name(label) for label in request.labels]
            extra.append(messages.nobody_meets(request.capacity, wanted_labels, largest=largest))
        if request.ignored:
            extra.append(messages.ignored_words(request.ignored))
        booker = self._booker(asker, rooms.values())
        slot = timedelta(minutes=request.duration_minutes or self.settings.default_meeting_minutes)
        lines: list[str] = []
        day = start.astimezone(zone).date()
        while datetime.combine(day, work_start, tzinfo=zone) < end and len(lines) < MAX_SUMMARY_DAYS:
            window_start = max(start, datetime.combine(day, work_start, tzinfo=zone), asker.now)
            window_end = min(end, datetime.combine(day, work_end, tzinfo=zone))
            if day.weekday() < 5 and window_end - window_start >= slot:
                verdicts = [
                    availability.restrict(
                        availability.assess(
                            schedules.by_room[room].items if room in schedules.by_room else (),
                            window_start,
                            window_end,
                            duration=slot,
                            error=schedules.by_room[room].error if room in schedules.by_room else "missing",
                            org_zone=self.settings.org_zone,
                        ),
                        rooms[room].access if room in rooms else None,
                        booker=booker,
                    )
                    for room in suitable
                ]
                with_slot = sum(1 for v in verdicts if v.fits)
                free_time = sum((w.duration for v in verdicts for w in v.free), timedelta())
                share = free_time / ((window_end - window_start) * len(verdicts))
                lines.append(
                    messages.daily_summary_line(
                        # `now` may come in UTC (Slack sends none): the label is the asker's wall clock
                        window_start.astimezone(zone),
                        window_end.astimezone(zone),
                        with_slot=with_slot,
                        total=len(suitable),
                        free_share=share,
                    )
                )
            day += timedelta(days=1)
        if not lines:
            return TextReply(
                messages.narrow_window(start, end, zone), kind="info", examples=tuple(messages.narrow_window_examples())
            )
        text = messages.daily_summary(
            lines,
            slot_minutes=int(slot.total_seconds() // 60),
            groups=[g.name for g in groups],
            wanted=messages.wanted(request.capacity, [messages.label_name(label) for label in request.labels]),
            notes=extra,
        )
        age = _age_s(self.clock(), schedules)
        text = "\n".join([text, messages.data_age(age), *_budget_notes(schedules, age)])
        return TextReply(text, kind="info", examples=tuple(messages.narrow_window_examples()))

    def _assess_rooms(
        self,
        asker: Asker,
        room_ids: Sequence[str],
        start: datetime,
        end: datetime,
        duration: timedelta | None,
        request: Request,
        *,
        refresh: bool = False,
        shown: Callable[[Sequence[RoomResult]], Iterable[str]] = lambda results: _best(results, SUMMARY_ROOMS),
        listed: int = SUMMARY_ROOMS,
    ) -> tuple[list[RoomResult], Schedules, float | None, int, bool]:
        """Each room's verdict, ranked; also the schedules, the age of the rooms `shown` picks, how
        many rooms were left out because they are too small or lack the wanted equipment (when some
        other room has both), and whether no room at all seats the headcount with that equipment.

        The verdicts come from the cache first; then the rooms the answer shows (`shown`) whose
        data is past its refresh age are fetched again, and the rooms ranked again, until what is
        shown was verified (one call per five rooms, instead of the whole group)."""
        # The room directory is read while DingTalk answers: a cold question then costs about one round trip.
        rooms_future = self.side_work.submit(self.store.rooms.get_many, asker.team_id, room_ids)
        try:
            schedules = self.schedules.get(
                asker.team_id,
                room_ids,
                start,
                end,
                asker.zone,
                user_id=asker.user_id,
                refresh=refresh,
                verify=(),
                planned=_batched(min(len(room_ids), listed), self.settings.batch_size),
            )
        except BaseException:
            rooms_future.cancel()
            raise
        rooms = rooms_future.result()
        booker, org_zone = self._booker(asker, rooms.values()), self.settings.org_zone

        def rank(schedules: Schedules) -> tuple[list[RoomResult], int, bool]:
            return _rank(rooms, room_ids, schedules, start, end, duration, request, booker=booker, org_zone=org_zone)

        verified: set[str] = set()
        for _ in range(VERIFY_ROUNDS):
            results, left_out, none_meet = rank(schedules)
            seen = list(dict.fromkeys(shown(results)))
            if not any(room in schedules.stale and room not in verified for room in seen):
                break
            # A call covers five rooms: the next-ranked rooms fill the last one, so a room that moves
            # up when a shown one turned busy is likely verified already.
            unverified = [room for room in seen if room not in verified]
            spare = [r.room.room_id for r in results if r.room.room_id not in verified and r.room.room_id not in seen]
            todo = [*unverified, *spare][: _batched(len(unverified), self.settings.batch_size)]
            verified.update(todo)
            schedules = self.schedules.get(
                asker.team_id, room_ids, start, end, asker.zone, user_id=asker.user_id, refresh=refresh, verify=todo
            )
        else:
            results, left_out, none_meet = rank(schedules)
            seen = list(dict.fromkeys(shown(results)))
        now = self.clock()
        results = [replace(result, age_s=_room_age_s(now, schedules, result.room.room_id)) for result in results]
        ages = [_room_age_s(now, schedules, room) for room in seen]
        age = max((a for a in ages if a is not None), default=_age_s(now, schedules))
        return results, schedules, age, left_out, none_meet

    def _alternatives(
        self, results: Sequence[RoomResult], start: datetime, end: datetime, asker: Asker
    ) -> tuple[availability.Alternative[str], ...]:
        """When no room fits: the nearest slots of the same length, within the working day."""
        work_start, work_end = self.settings.work_start, self.settings.work_end
        day = availability.Interval(_at(start, work_start, asker.zone), _at(start, work_end, asker.zone))
        return availability.alternatives(
            [(result.room.room_id, result.assessment) for result in results],
            within=availability.Interval(min(day.start, start), max(day.end, end)),
            not_before=asker.now,
        )

    def _booker(self, asker: Asker, rooms: Iterable[Room]) -> str | None:
        """The unionId a booking by the asker would be made as (their own, else the operator's), read
        only when some room admits some members only."""
        if all(room.access is None or room.access.members is None for room in rooms):
            return None
        return linked_union_id(self.store, asker.team_id, asker.user_id) or self.settings.dingtalk_operator_union_id or None

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
        seen = set(ordered_room_ids(searched))
        others = [
            group
            for group in self.store.groups.visible(asker.team_id, user_id=asker.user_id, channel_id=asker.channel_id)
            if group.id not in searched_ids
        ]
        room_ids = [room for room in ordered_room_ids(others) if room not in seen]
        if not room_ids:
            return ()
        try:
            results, _, _, _, _ = self._assess_rooms(asker, room_ids, start, end, duration, request)
        except SearchHeld:
            return ()  # nothing saved for the other groups: the answer stands without them
        return tuple(result for result in results if result.assessment.fits)[:SUMMARY_ROOMS]


def _rank(
    rooms: Mapping[str, Room],
    room_ids: Sequence[str],
    schedules: Schedules,
    start: datetime,
    end: datetime,
    duration: timedelta | None,
    request: Request,
    *,
    booker: str | None,
    org_zone: ZoneInfo,
) -> tuple[list[RoomResult], int, bool]:
    """Each room's verdict from `schedules`, ranked; how many rooms were left out for size or
    equipment; and whether no room meets the wish (then the largest come first)."""
    candidates = []
    for position, room_id in enumerate(room_ids):
        room = rooms.get(room_id)
        schedule = schedules.by_room.get(room_id, RoomSchedule(room_id=room_id, error="missing"))
        assessment = availability.assess(
            schedule.items, start, end, duration=duration, error=schedule.error, org_zone=org_zone
        )
        assessment = availability.restrict(assessment, room.access if room else None, booker=booker)
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
    none_meet = False
    if request.capacity or request.labels:
        suitable = [c for c in ranked if _meets(by_id[c.key][0], request)]
        if suitable:
            left_out = len(ranked) - len(suitable)
            ranked = suitable
        else:
            none_meet = bool(ranked)
    if none_meet:  # the largest rooms first
        ranked = sorted(ranked, key=lambda c: -_capacity(by_id[c.key][0]))
    results: list[RoomResult] = []
    for candidate in ranked:
        room, assessment = by_id[candidate.key]
        view = _room_view(candidate.key, room)
        footnote = None
        error = schedules.by_room.get(candidate.key, RoomSchedule(room_id=candidate.key)).error
        if error:
            footnote = messages.room_unknown_footnote(view.name, error)
        results.append(RoomResult(room=view, assessment=assessment, footnote=footnote))
    return results, left_out, none_meet


def _age_s(now: datetime, schedules: Schedules) -> float | None:
    if schedules.fetched_at is None:
        return None
    return max(0.0, (now - schedules.fetched_at).total_seconds())


def _room_age_s(now: datetime, schedules: Schedules, room_id: str) -> float | None:
    fetched_at = schedules.fetched_at_by_room.get(room_id)
    return None if fetched_at is None else max(0.0, (now - fetched_at).total_seconds())


def _oldest(ages: Iterable[float | None]) -> float | None:
    return max((age for age in ages if age is not None), default=None)


def _capacity(room: Room | None) -> int:
    return (room.capacity or 0) if room is not None else 0


def _batched(rooms: int, batch: int) -> int:
    """`rooms` rounded up to whole calls of `batch` rooms."""
    return -(-rooms // max(batch, 1)) * max(batch, 1)


def _best(results: Sequence[RoomResult], count: int) -> list[str]:
    return [result.room.room_id for result in results[:count]]


def _budget_notes(schedules: Schedules, age_s: float | None) -> tuple[str, ...]:
    """Why the data is older than usual: a hold (budget, fair share, DingTalk's quota), or the budget running low."""
    if schedules.held is not None:
        return (messages.held_note(schedules.held, age_s=age_s, until=schedules.until),)
    if schedules.running_low:
        return (messages.WORDS.running_low_note,)
    return ()


def window_request(start: datetime, end: datetime) -> Request:
    """A plain "which rooms are free" question for one exact window."""
    return Request(intent=Intent.FIND, text="free rooms", start=start, end=end, time_kind=TimeKind.INTERVAL)


def _at(moment: datetime, clock_time: time, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    return datetime.combine(local.date(), clock_time, tzinfo=zone)


def _meets(room: Room | None, request: Request) -> bool:
    """Whether a room seats the headcount and has the wanted equipment (unknown size counts as enough)."""
    if room is None:
        return True
    if request.capacity and room.capacity is not None and room.capacity < request.capacity:
        return False
    return set(request.labels) <= set(room.label_ids)


def _room_view(room_id: str, room: Room | None) -> RoomView:
    if room is None:
        return RoomView(room_id=room_id, name=room_id, capacity=None, location="", labels=())
    location = " · ".join(part for part in (room.location_title, room.location_desc) if part)
    labels = tuple(messages.label_name(label.id, label.name) for label in room.labels)
    return RoomView(room_id=room_id, name=room.name, capacity=room.capacity, location=location, labels=labels)


def _room_label(room: Room) -> str:
    size = f" ({room.capacity})" if room.capacity else ""
    return f"{room.name}{size}"


__all__ = ["MAX_SUMMARY_DAYS", "SUMMARY_ROOMS", "FindRooms", "window_request"]
