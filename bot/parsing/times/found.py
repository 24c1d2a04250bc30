"""The time pieces taken out of a message, before they are resolved into one window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.parsing.times.clocks import Clock


@dataclass
class Found:
    day: date | None = None
    day_text: str = ""
    day_kind: str = ""  # "today" | "relative" | "weekday" | "date"
    weekday_strict: bool = False  # "this friday", "下周一": no rolling to next week
    day_end: date | None = None  # a range of days (monday to wednesday)
    week: tuple[date, date] | None = None
    part: str | None = None
    part_names_day: bool = False  # "this afternoon", "tonight"
    range: tuple[Clock, Clock] | None = None
    until: Clock | None = None
    after: Clock | None = None
    point: Clock | None = None
    relative: timedelta | None = None
    next_span: timedelta | None = None
    duration: int | None = None
    now: bool = False
    from_now: bool = False  # "between now and friday": the window starts now, whatever day is named
    eod: bool = False
    rolled_from: datetime | None = None  # the start asked for had passed: the window moved to the next day or week
