"""The reply model: what the service answers, before any front end renders it.

Plain frozen dataclasses, no Slack or terminal types. `bot.slack.blocks.render` turns a reply
into Block Kit, `bot.present.terminal.render_text` into text for a terminal. Datetimes are time-zone
aware.

Two kinds of text: data (room names, locations, labels, group names, the user's question) is
raw, and the presenters escape it; sentences from `bot.present.messages` (`TextReply.text`, notes,
footnotes) are already Slack mrkdwn with any echoed user text escaped, and the terminal shows
them through `bot.markup.unescape_mrkdwn`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain.availability import Alternative, Assessment, Summary
from bot.domain.slots import Slot
from bot.present import messages
from bot.present.messages import Confirm as ConfirmSpec

ReplyKind = Literal["info", "error", "success", "help"]
ButtonStyle = Literal["primary", "danger"]


@dataclass(frozen=True)
class ButtonSpec:
    """A button any front end can show (Book, Cancel, Show all, Import groups, Share, ...).

    Attributes:
        text: the label, plain text (presenters cut it to Slack's 75 characters).
        action_id: what the Slack listener matches on.
        value: what the listener receives (≤ 2000 characters); never trusted by the listener.
        style: Slack's "primary" (green) or "danger" (red), or None.
    """

    text: str
    action_id: str
    value: str
    style: ButtonStyle | None = None
    confirm: ConfirmSpec | None = None


@dataclass(frozen=True)
class RoomView:
    """What a reply shows of a room."""

    room_id: str
    name: str
    capacity: int | None = None
    location: str = ""
    labels: tuple[str, ...] = ()


MeetSlot = Slot[RoomView]
"""One suggested time for a meeting: who is busy then (Slack user ids) and the free rooms."""


@dataclass(frozen=True)
class RoomResult:
    """One room's line in an answer.

    Attributes:
        footnote: a sentence about this room (why it could not be checked, say).
        booked_by: who holds the room, when known and allowed to be shown.
    """

    room: RoomView
    assessment: Assessment
    footnote: str | None = None
    booked_by: str | None = None


@dataclass(frozen=True)
class FindReply:
    """The answer to "which rooms are free?".

    Attributes:
        start, end: the asked window, in the asker's zone.
        tz: the asker's IANA zone name ("Asia/Shanghai").
        duration_minutes: the wanted length inside the window, or None.
        results: the rooms searched, ranked best first.
        summary: counts for the one-line reason.
        alternatives: when nothing fits, the nearest slots of the same length (rooms as keys).
        other_group_results: when nothing fits, rooms from the user's other groups that fit.
        groups: the names of the groups searched.
        data_age_s: how old the schedules are in seconds (0 = just fetched), or None.
        timeline_start, timeline_end: the span of the day each room's timeline draws.
        query_text: the user's cleaned question, to re-run it ("show all").
        show_all: list every room instead of the best few.
        notes: sentences to show under the rooms (per-room failures, ...).
        capacity, labels: what the asker wanted, echoed in the summary line.
        buttons: extra buttons at the end (the Slack layer adds "Share in channel").
        intro: a sentence on top (mrkdwn from `bot.present.messages`): "Booked 3F-Everest for ...", or
            "Someone just took ... Here are the next best rooms".
        intro_kind: how the intro is styled; "success" marks the answer to a booking that went
            through (the Slack layer then replaces the message that held the Book button).
        acted: the answer reports something done (a booking, or a booking attempt): it is never
            offered for "Share in channel", which re-asks the question.
    """

    start: datetime
    end: datetime
    tz: str
    duration_minutes: int | None
    results: tuple[RoomResult, ...]
    summary: Summary
    alternatives: tuple[Alternative[str], ...] = ()
    other_group_results: tuple[RoomResult, ...] = ()
    groups: tuple[str, ...] = ()
    data_age_s: float | None = None
    timeline_start: datetime | None = None
    timeline_end: datetime | None = None
    query_text: str = ""
    show_all: bool = False
    notes: tuple[str, ...] = ()
    capacity: int | None = None
    labels: tuple[str, ...] = ()
    buttons: tuple[ButtonSpec, ...] = ()
    intro: str | None = None
    intro_kind: ReplyKind = "info"
    acted: bool = False

    def summary_sentence(self) -> str:
        """The one-line reason ("0 of 12 free; 3 are free from 15:30"), times in the asker's zone."""
        return messages.summary_line(
            self.summary, duration_minutes=self.duration_minutes, asked=self.start.astimezone(ZoneInfo(self.tz))
        )

    def notes_for(self, shown: Sequence[RoomResult]) -> tuple[str, ...]:
        """The notes to print under the rooms: the reply's own, then the footnotes of the rooms that
        are not shown in full (so a failure is never hidden, nor said twice)."""
        visible = {result.room.room_id for result in shown}
        hidden = tuple(r.footnote for r in self.results if r.footnote and r.room.room_id not in visible)
        return self.notes + hidden

    def room(self, room_id: str) -> RoomView | None:
        """The view of a room named by an alternative's key (a room id), if it is in this reply."""
        for result in self.results + self.other_group_results:
            if result.room.room_id == room_id:
                return result.room
        return None


@dataclass(frozen=True)
class TextReply:
    """A reply that is a sentence or two: help, errors, group answers, account linking, ...

    Attributes:
        text: a sentence from `bot.present.messages` (mrkdwn, echoed user text escaped); may hold several lines.
        kind: how a front end styles it.
        examples: things the user could type next, shown as a list.
        buttons: buttons under the text.
    """

    text: str
    kind: ReplyKind = "info"
    examples: tuple[str, ...] = ()
    buttons: tuple[ButtonSpec, ...] = ()


@dataclass(frozen=True)
class BookingView:
    """One booking made through roombot, as a list shows it.

    Attributes:
        status: "booked", "pending" (awaiting the room administrator's approval) or "requested".
    """

    booking_id: int
    room_name: str
    start: datetime
    end: datetime
    status: str = "booked"


@dataclass(frozen=True)
class BookingsReply:
    """A user's upcoming bookings, each with a Cancel button ("my bookings", and after a cancel).

    Attributes:
        bookings: soonest first.
        tz: the asker's IANA zone name; times are shown in it.
        intro: a sentence on top (mrkdwn from `bot.present.messages`), e.g. "Cancelled 3F-Everest ...".
        intro_kind: how the intro is styled ("success" after a cancel went through).
        empty_text: the sentence shown when there are no bookings.
    """

    bookings: tuple[BookingView, ...]
    tz: str
    intro: str | None = None
    intro_kind: ReplyKind = "info"
    empty_text: str = ""


@dataclass(frozen=True)
class DirectMessage:
    """A DM a front end sends after answering (Slack only; the terminal shows none).

    Attributes:
        kind: "link" (asks someone whose calendar could not be searched to link their account)
            or "invited" (tells an attendee about the meeting, in their own zone).
        in_dingtalk: the attendee is on the DingTalk invitation (their account is linked).
    """

    user_id: str
    kind: Literal["link", "invited"]
    organizer_id: str
    start: datetime | None = None
    end: datetime | None = None
    room_name: str = ""
    video_url: str = ""
    in_dingtalk: bool = True


@dataclass(frozen=True)
class MeetReply:
    """The answer to "when can @ana, @bo and I meet?": the best few times, ranked, each with rooms.

    Attributes:
        people, optional_people: Slack user ids, the asker first; the Book and invite button
            invites them again from these.
        unlinked: people searched without (no linked DingTalk account); named in the answer.
        asker_unlinked: the asker's own calendar was left out.
        calendars: how many calendars were searched; with none, no time is "free for everyone".
        slots: best first; empty when no slot of that length fits the window.
        video: a DingTalk video meeting is to be made with the event.
        intro, intro_kind: a sentence on top; "success" marks the answer to a Book and invite
            that went through (the Slack layer then replaces the question's message).
        direct_messages: DMs to send once the answer is delivered.
    """

    tz: str
    window_start: datetime
    window_end: datetime
    duration_minutes: int
    people: tuple[str, ...]
    optional_people: tuple[str, ...] = ()
    unlinked: tuple[str, ...] = ()
    asker_unlinked: bool = False
    slots: tuple[MeetSlot, ...] = ()
    calendars: int = 0  # how many people's calendars were searched
    video: bool = False
    groups: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    intro: str | None = None
    intro_kind: ReplyKind = "info"
    direct_messages: tuple[DirectMessage, ...] = ()

    @property
    def headcount(self) -> int:
        return len(self.people) + len(self.optional_people)


Reply = FindReply | TextReply | BookingsReply | MeetReply

__all__ = [
    "BookingView",
    "BookingsReply",
    "ButtonSpec",
    "DirectMessage",
    "MeetReply",
    "MeetSlot",
    "ButtonStyle",
    "ConfirmSpec",
    "FindReply",
    "Reply",
    "ReplyKind",
    "RoomResult",
    "RoomView",
    "TextReply",
]
