"""The parser's result: a Request, and the settings that shape how text is read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from typing import Any


class Intent(StrEnum):
    FIND = "find"
    BOOK = "book"
    CANCEL = "cancel"
    MY_BOOKINGS = "my_bookings"
    GROUPS = "groups"
    GROUP_ADD = "group_add"
    GROUP_REMOVE = "group_remove"
    GROUP_RENAME = "group_rename"
    GROUP_DELETE = "group_delete"
    GROUP_SHARE = "group_share"
    GROUP_DEFAULT = "group_default"
    GROUP_IMPORT = "group_import"
    GROUP_GRACE = "group_grace"
    LINK = "link"
    UNLINK = "unlink"
    HELP = "help"
    CHECK_IN = "check_in"
    RELEASE = "release"
    END_NOW = "end_now"
    EXTEND = "extend"
    REMIND = "remind"
    MEET = "meet"  # a time that suits people (Slack mentions) and a room


class TimeKind(StrEnum):
    """How the window was made."""

    NONE = "none"  # no time given (FIND defaults to now + the default meeting length)
    POINT = "point"  # a moment was named; the end comes from the default length
    DAY = "day"  # a day was named; the window is its working hours
    PART_OF_DAY = "part_of_day"  # "friday afternoon", "今天下午"
    INTERVAL = "interval"  # both ends named, or a start and a duration
    OPEN_END = "open_end"  # "after 3pm"


@dataclass(frozen=True)
class ParseSettings:
    """Everything that changes how a message is read.

    Parts of the day are (start, end) wall-clock times; `eod` defaults to `work_end`.
    """

    work_start: time = time(9, 0)
    work_end: time = time(18, 0)
    default_meeting_minutes: int = 30
    date_order: str = "MDY"  # "DMY" | "YMD": how "3/12" is read
    max_span_days: int = 31
    morning: tuple[time, time] = (time(9, 0), time(12, 0))
    noon: tuple[time, time] = (time(12, 0), time(13, 0))
    afternoon: tuple[time, time] = (time(13, 0), time(18, 0))
    evening: tuple[time, time] = (time(18, 0), time(21, 0))
    tonight: tuple[time, time] = (time(18, 0), time(22, 0))
    eod: time | None = None
    languages: tuple[str, ...] = ("en", "zh")
    max_chars: int = 2000

    @property
    def end_of_day(self) -> time:
        return self.eod or self.work_end

    def part(self, name: str) -> tuple[time, time]:
        spans: dict[str, tuple[time, time]] = {
            "morning": self.morning,
            "noon": self.noon,
            "afternoon": self.afternoon,
            "evening": self.evening,
            "tonight": self.tonight,
        }
        return spans[name]


@dataclass(frozen=True)
class Request:
    """What a message asks for. Datetimes are aware, in the asker's zone."""

    intent: Intent
    text: str = ""
    start: datetime | None = None
    end: datetime | None = None
    time_kind: TimeKind = TimeKind.NONE
    duration_minutes: int | None = None
    group: str | None = None
    capacity: int | None = None
    labels: tuple[int, ...] = ()
    rooms: tuple[str, ...] = ()
    args: tuple[str, ...] = field(default=())
    # MEET: the Slack users mentioned (the asker always attends), those marked optional, and
    # whether a DingTalk video meeting was asked for.
    people: tuple[str, ...] = ()
    optional_people: tuple[str, ...] = ()
    video: bool = False
    # Words of a search that nothing read and that are not filler: reported back, never dropped silently.
    ignored: tuple[str, ...] = ()
    # The time asked for had passed (no day was named): the window is the next day's (or week's).
    rolled_from: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """The fields `roombot parse --json` prints (a contract scripts rely on), plus `text` and `args`."""
        return {
            "intent": self.intent.value,
            "text": self.text,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "time_kind": self.time_kind.value,
            "duration_minutes": self.duration_minutes,
            "group": self.group,
            "capacity": self.capacity,
            "labels": list(self.labels),
            "rooms": list(self.rooms),
            "args": list(self.args),
            "people": list(self.people),
            "optional_people": list(self.optional_people),
            "video": self.video,
            "ignored": list(self.ignored),
            "rolled_from": self.rolled_from.isoformat() if self.rolled_from else None,
            "error": None,
        }
