"""Finding a time for people and a room, and booking it with one click that invites them all.

"when can @ana @bo and I meet tomorrow for an hour": the asker and the people mentioned are
looked up by their linked DingTalk accounts; their busy times (querySchedule, 20 people a call,
in parallel) and the rooms' (the shared schedule cache) go to the pure slot search, which ranks
the candidate times. People without a linked account are named, asked by DM to link, and the
search goes on without them. **Book and invite** books the room with an event in the asker's own
name that invites the attendees, optionally with a DingTalk video meeting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from bot.domain import slots as slot_search
from bot.domain.models import ScheduleItem
from bot.errors import ParseError, StoreError
from bot.parsing import Request, TimeKind
from bot.present import messages
from bot.present.reply import DirectMessage, MeetReply, MeetSlot, Reply, RoomView, TextReply
from bot.usecases.bookings.service import BookingAsk, BookingService, Invitation
from bot.usecases.context import Asker, Backends, Directory, linked_union_id, ordered_room_ids

# With no time named, look this far ahead for a slot.
DEFAULT_SPAN = timedelta(days=7)
SUGGESTIONS = 3
# The most people one question may name: their ids must fit in a Slack button's value.
MAX_PEOPLE = 80
ROOMS_PER_SLOT = 3


@dataclass(frozen=True)
class Invitees:
    """Whom the Book and invite button invites (Slack user ids), and whether with a video meeting."""

    people: tuple[str, ...] = ()
    optional_people: tuple[str, ...] = ()
    video: bool = False


@dataclass(frozen=True, kw_only=True)
class People:
    """The "when can we meet" question and the Book and invite button."""

    backends: Backends
    directory: Directory
    booking: BookingService

    # --- the question ------------------------------------------------------------------------

    def when_can_we_meet(self, request: Request, asker: Asker) -> Reply:
        required = tuple(dict.fromkeys([asker.user_id, *request.people]))
        optional = tuple(p for p in dict.fromkeys(request.optional_people) if p not in required)
        if len(required) + len(optional) > MAX_PEOPLE:
            return TextReply(messages.meet_too_many_people(MAX_PEOPLE), kind="error")
        start, end, duration = self._window(request, asker)
        links = {person: linked_union_id(self.backends.store, asker.team_id, person) for person in (*required, *optional)}
        unlinked = tuple(p for p in (*required, *optional) if links[p] is None and p != asker.user_id)
        asker_unlinked = links[asker.user_id] is None

        busy, unreadable = self._busy_of_people(asker, {p: u for p, u in links.items() if u}, start, end)
        attendees = [
            slot_search.Attendee(key=person, busy=busy[person], optional=person in optional)
            for person in (*required, *optional)
            if person in busy
        ]
        headcount = request.capacity or len(required) + len(optional)
        rooms, views, group_names = self._rooms(request, asker, start, end, headcount)
        settings = self.backends.settings
        found = slot_search.find_slots(
            attendees=attendees,
            rooms=rooms,
            window_start=start,
            window_end=end,
            duration=duration,
            hours=slot_search.WorkingHours(zone=asker.zone, start=settings.work_start, end=settings.work_end),
            now=asker.now,
            limit=SUGGESTIONS,
        )
        notes: list[str] = []
        if unlinked or asker_unlinked:
            notes.append(messages.meet_unlinked(unlinked, asker_unlinked=asker_unlinked))
        if unreadable:
            notes.append(messages.meet_unreadable(unreadable))
        if not group_names:
            notes.append(messages.WORDS.meet_no_groups)
        if request.video:
            notes.append(messages.WORDS.meet_video_note)
        dms = tuple(
            DirectMessage(user_id=p, kind="link", organizer_id=asker.user_id)
            for p in unlinked
            if self._first_link_request_today(asker, p)
        )
        return MeetReply(
            tz=asker.zone.key,
            window_start=start.astimezone(asker.zone),
            window_end=end.astimezone(asker.zone),
            duration_minutes=int(duration.total_seconds() // 60),
            people=required,
            optional_people=optional,
            unlinked=unlinked,
            asker_unlinked=asker_unlinked,
            slots=tuple(
                MeetSlot(
                    start=slot.start.astimezone(asker.zone),
                    end=slot.end.astimezone(asker.zone),
                    busy=slot.busy,
                    maybe_busy=slot.maybe_busy,
                    optional_busy=slot.optional_busy,
                    rooms=tuple(views[r] for r in slot.rooms[:ROOMS_PER_SLOT]),
                )
                for slot in found
            ),
            calendars=len(attendees),
            video=request.video,
            groups=group_names,
            notes=tuple(notes),
            direct_messages=dms,
        )

    def _first_link_request_today(self, asker: Asker, user_id: str) -> bool:
        """Whether to DM `user_id` to link: once a day at most, however often they are named.

        The processed-events table is the race-safe "first time" check across processes; its key
        holds the day, so pruning old rows cannot make a DM repeat within it.
        """
        day = asker.now.astimezone(asker.zone).date().isoformat()
        try:
            return self.backends.store.events.mark_processed(
                asker.team_id, f"people-link:{user_id}:{day}", now=self.backends.clock()
            )
        except StoreError:
            self.backends.log.warning("could not record the link request to %s; asking anyway", user_id, exc_info=True)
            return True

    def _window(self, request: Request, asker: Asker) -> tuple[datetime, datetime, timedelta]:
        """The window to search and the meeting's length: a named time, else the coming week."""
        if request.start is None or request.end is None:
            start, end = asker.now, asker.now + DEFAULT_SPAN
        else:
            start, end = request.start, request.end
        if request.duration_minutes:
            duration = timedelta(minutes=request.duration_minutes)
        elif request.time_kind in (TimeKind.INTERVAL, TimeKind.POINT) and request.start and request.end:
            duration = request.end - request.start  # "tomorrow 2-3pm": that hour itself
        else:
            duration = timedelta(minutes=self.backends.settings.default_meeting_minutes)
        if end - start < duration:
            raise ParseError(
                "duration_exceeds_window",
                example="when can @ana and I meet tomorrow for an hour",
                detail={
                    "duration": messages.minutes(int(duration.total_seconds() // 60)),
                    "window": messages.window(start.astimezone(asker.zone), end.astimezone(asker.zone)),
                },
                text=request.text,
            )
        return start, end, duration

    def _busy_of_people(
        self, asker: Asker, union_ids: dict[str, str], start: datetime, end: datetime
    ) -> tuple[dict[str, tuple[slot_search.Busy, ...]], tuple[str, ...]]:
        """Each linked person's busy times, by Slack user id (one call per 20 people, in parallel), and
        the people whose calendar DingTalk could not give (searched without, and named)."""
        if not union_ids:
            return {}, ()
        operator = (
            self.backends.settings.dingtalk_operator_union_id
            or union_ids.get(asker.user_id)
            or next(iter(union_ids.values()))
        )
        schedules = self.backends.dingtalk.query_people(operator, list(dict.fromkeys(union_ids.values())), start, end)
        by_union = {schedule.user_id: schedule for schedule in schedules}
        busy: dict[str, tuple[slot_search.Busy, ...]] = {}
        unreadable: list[str] = []
        for person, union_id in union_ids.items():
            schedule = by_union.get(union_id)
            if schedule is None or schedule.error:
                # An unknown calendar must not pass as a free one: leave the person out, and say so.
                unreadable.append(person)
                continue
            busy[person] = tuple(_busy(item) for item in schedule.items)
        return busy, tuple(unreadable)

    def _rooms(
        self, request: Request, asker: Asker, start: datetime, end: datetime, headcount: int
    ) -> tuple[dict[str, Sequence[slot_search.Busy] | None], dict[str, RoomView], tuple[str, ...]]:
        """The rooms of the asker's groups that seat everyone, with their busy times."""
        self.directory.ensure_fresh(asker.team_id)
        groups = self.backends.store.groups.resolve(
            asker.team_id, user_id=asker.user_id, channel_id=asker.channel_id, name=request.group
        )
        room_ids = ordered_room_ids(groups)
        if not room_ids:
            return {}, {}, tuple(g.name for g in groups)
        directory = self.backends.store.rooms.get_many(asker.team_id, room_ids)
        fitting = [
            r for r in room_ids if (room := directory.get(r)) is None or room.capacity is None or room.capacity >= headcount
        ]
        fitting.sort(key=lambda r: (directory[r].capacity or 0) if r in directory else 0)  # smallest that fits first
        schedules = self.backends.schedules.get(asker.team_id, fitting, start, end, asker.zone)
        rooms: dict[str, Sequence[slot_search.Busy] | None] = {}
        views: dict[str, RoomView] = {}
        for room_id in fitting:
            schedule = schedules.by_room.get(room_id)
            rooms[room_id] = None if schedule is None or schedule.error else [_busy(i) for i in schedule.items]
            room = directory.get(room_id)
            views[room_id] = RoomView(
                room_id=room_id,
                name=room.name if room else room_id,
                capacity=room.capacity if room else None,
                location=room.location if room else "",
            )
        return rooms, views, tuple(g.name for g in groups)

    # --- the button --------------------------------------------------------------------------

    def book_and_invite(self, asker: Asker, ask: BookingAsk, invitees: Invitees) -> Reply:
        """Book the room with an event in the asker's own name inviting the people (their linked
        accounts); then DM each of them the time in their own zone."""
        required = tuple(dict.fromkeys([asker.user_id, *invitees.people]))
        optional = tuple(p for p in dict.fromkeys(invitees.optional_people) if p not in required)
        links = {p: linked_union_id(self.backends.store, asker.team_id, p) for p in (*required, *optional)}
        invitation = Invitation(
            attendees=tuple(u for p in required if (u := links[p])),
            optional=tuple(u for p in optional if (u := links[p])),
            video=invitees.video,
        )
        outcome = self.booking.book(asker, ask, invitation=invitation)
        start, end, zone = ask.start, ask.end, asker.zone
        # Either answer shows the same window and people.
        answer = partial(
            MeetReply,
            tz=zone.key,
            window_start=start.astimezone(zone),
            window_end=end.astimezone(zone),
            duration_minutes=int((end - start).total_seconds() // 60),
            people=required,
            optional_people=optional,
        )
        if outcome.status in ("busy", "taken", "in_progress"):
            busy = outcome.status != "in_progress"
            text = (
                messages.booking_busy_nothing_else(outcome.room.name)
                if busy
                else messages.booking_in_progress(outcome.room.name)
            )
            return answer(intro=text, intro_kind="error" if busy else "info")
        video_url = ""
        if outcome.event is not None and outcome.event.online_meeting is not None:
            video_url = outcome.event.online_meeting.url
        invited = [p for p in (*required, *optional) if p != asker.user_id]
        intro = messages.meet_booked(
            outcome.room.name,
            start.astimezone(zone),
            end.astimezone(zone),
            invited=len(invited),
            video_url=video_url,
            pending=outcome.status == "pending",
        )
        dms: tuple[DirectMessage, ...] = ()
        if not outcome.replayed:
            dms = tuple(
                DirectMessage(
                    user_id=p,
                    kind="invited",
                    organizer_id=asker.user_id,
                    start=start,
                    end=end,
                    room_name=outcome.room.name,
                    video_url=video_url,
                    in_dingtalk=links[p] is not None,
                )
                for p in invited
            )
        return answer(video=invitees.video, intro=intro, intro_kind="success", direct_messages=dms)


def _busy(item: ScheduleItem) -> slot_search.Busy:
    return slot_search.Busy(item.start, item.end, tentative=item.status.upper() == "TENTATIVE")


__all__ = ["Invitees", "People"]
