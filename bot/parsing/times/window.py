"""The time pieces of a message → one window (start, end, how it was made, a slot length).

Resolving runs in named steps: draft a window from the strongest piece that was given, move a
window that is already over (or refuse it), clip its start to now, check its length, and keep a
slot length only when it is shorter than the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.errors import ParseError
from bot.parsing.models import Intent, TimeKind
from bot.parsing.scan import Scan
from bot.parsing.times.clocks import PART_NAMES, Clock, meridiem_of, minute_of, minutes_of, range_minutes
from bot.parsing.times.formats import fmt_day, fmt_minutes, fmt_time
from bot.parsing.times.found import Found

Window = tuple[datetime | None, datetime | None, TimeKind, int | None]


def resolve_window(scan: Scan, found: Found, intent: Intent) -> Window:
    """(start, end, time kind, slot minutes); FIND without any time means from now on."""
    return _Resolver(scan=scan, found=found).resolve(intent)


@dataclass(slots=True)
class _Draft:
    start: datetime
    end: datetime
    kind: TimeKind
    slot: int | None = None
    rolls: bool = True  # an unnamed day moves to tomorrow when the window is over


class _Resolver:
    def __init__(self, *, scan: Scan, found: Found) -> None:
        self.scan = scan
        self.found = found
        self.now = scan.now
        self.work_start = minutes_of(scan.settings.work_start)
        self.work_end = minutes_of(scan.settings.work_end)
        self.default = timedelta(minutes=scan.settings.default_meeting_minutes)
        self.hint = meridiem_of(found.part)
        self.day = found.day if found.day is not None else scan.today
        self.day_named = found.day is not None or found.part_names_day
        self.duration = timedelta(minutes=found.duration) if found.duration else None

    def resolve(self, intent: Intent) -> Window:
        draft = self._draft()
        if draft is None:
            return self._no_time(intent)
        start, end = self._not_over(draft)
        if start < self.now:
            start = self.now  # started earlier today but not over: from now on
        self._check_length(start, end)
        slot = draft.slot if draft.slot is not None and timedelta(minutes=draft.slot) < end - start else None
        return start, end, draft.kind, slot

    # --- step 1: a draft from the strongest piece given --------------------------------------------

    def _draft(self) -> _Draft | None:
        f = self.found
        if f.from_now and f.range is None and (draft := self._from_now()) is not None:
            return draft
        if f.week is not None and f.range is None and f.point is None and f.day is None:
            return self._days(*f.week, rolls=False)
        if f.day_end is not None and f.range is None and f.point is None:
            return self._days(self.day, f.day_end)
        if f.range is not None:
            return self._range(*f.range)
        if f.after is not None and f.until is not None:  # "later than 3:30pm but before 6pm"
            return self._range(f.after, f.until)
        if f.until is not None or (f.eod and f.point is None and f.after is None and f.relative is None):
            return self._until(f.until)
        if f.after is not None:
            return self._after(f.after)
        if f.point is not None:
            return self._point(f.point)
        if f.relative is not None:
            return self._lasting(self.scan.plus(self.now, f.relative), rolls=False)
        if f.next_span is not None:
            return self._next_span(f.next_span)
        if f.now:
            return self._lasting(self.now)
        if f.part is not None and f.part != "allday":
            return self._part_of_day(f.part)
        if f.day is not None or f.part == "allday":
            return self._whole_day()
        if self.duration is not None:
            return _Draft(self.now, self.scan.plus(self.now, self.duration), TimeKind.INTERVAL)
        return None

    def _from_now(self) -> _Draft | None:
        """ "between now and friday", "now until tomorrow noon", "现在到下周": from now to the time or day named."""
        f, today = self.found, self.scan.today
        if f.day is not None and f.day > today and (f.point is not None or f.part in PART_NAMES):
            if f.point is not None:
                minute = minute_of(self.scan, f.point, hint=self.hint, end=True)
            else:  # "现在到明天中午": until that part of the day begins
                minute = minutes_of(self.scan.settings.part(str(f.part))[0])
            end = self.scan.at(f.day, minute)
            return _Draft(self.now, end, TimeKind.INTERVAL, self._slot_within(end - self.now), rolls=False)
        if f.day is not None and f.day > today and f.until is None and f.after is None:
            return self._days(today, f.day_end or f.day, rolls=False)
        if f.week is not None and f.day is None and f.week[1] > today:
            return self._days(today, f.week[1], rolls=False)
        return None

    def _days(self, first_day: date, last_day: date, *, rolls: bool = True) -> _Draft:
        """ "this week", "monday to wednesday": working hours from the first day to the last."""
        start, end = self.scan.at(first_day, self.work_start), self.scan.at(last_day, self.work_end)
        return _Draft(start, end, TimeKind.INTERVAL, self.found.duration, rolls=rolls)

    def _range(self, first: Clock, second: Clock) -> _Draft:
        first_minute, last_minute = range_minutes(self.scan, first, second, self.hint)
        start, end = self.scan.at(self.day, first_minute), self.scan.at(self.day, last_minute)
        if end <= start:
            raise self.scan.error("end_before_start", "free rooms tomorrow 2-3pm", start=fmt_time(start), end=fmt_time(end))
        if self.duration is not None and self.duration > end - start:
            raise self.scan.error(
                "duration_exceeds_window",
                "a 30 min slot between 2 and 5pm",
                duration=fmt_minutes(self.duration),
                window=f"{fmt_time(start)}–{fmt_time(end)}",
            )
        return _Draft(start, end, TimeKind.INTERVAL, self._slot_within(end - start))

    def _until(self, until: Clock | None) -> _Draft:
        """ "until 6", "before lunch", "eod": from now (or the named day's start) to that time."""
        last_minute = self._until_minute(until) if until is not None else minutes_of(self.scan.settings.end_of_day)
        part = self.found.part
        first_minute = minutes_of(self.scan.settings.part(part)[0]) if part in PART_NAMES else self.work_start
        start, end = self._until_start(first_minute), self.scan.at(self.day, last_minute)
        if not self.day_named and end <= self.now:
            self.found.rolled_from = end
            tomorrow = self.day + timedelta(days=1)
            start, end = self.scan.at(tomorrow, first_minute), self.scan.at(tomorrow, last_minute)
        if end <= start:
            if end <= self.now and self.day_named:
                raise self._past(start, end)
            raise self.scan.error("end_before_start", "until 6pm", start=fmt_time(start), end=fmt_time(end))
        return _Draft(start, end, TimeKind.INTERVAL, self._slot_within(end - start), rolls=False)

    def _until_minute(self, until: Clock) -> int:
        last_minute = minute_of(self.scan, until, hint=self.hint, end=True)
        if not self.day_named and until.meridiem is None and not until.h24 and until.hour is not None:
            # "until 6" at 10:00 means 18:00 today: the first reading still ahead
            now_minute = self.now.hour * 60 + self.now.minute
            if last_minute <= now_minute:
                later = minute_of(self.scan, until, hint=self.hint, after=now_minute, end=True)
                last_minute = later if later > now_minute else last_minute
        return last_minute

    def _until_start(self, first_minute: int) -> datetime:
        if not self.day_named:
            return self.now
        if self.day != self.scan.today or self.found.day_kind == "weekday":
            return self.scan.at(self.day, first_minute)
        return self.now

    def _after(self, after: Clock) -> _Draft:
        start = self.scan.at(self.day, minute_of(self.scan, after, hint=self.hint))
        if self.duration is not None:
            return _Draft(start, self.scan.plus(start, self.duration), TimeKind.INTERVAL)
        end = max(self.scan.at(self.day, self.work_end), self.scan.plus(start, self.default))
        return _Draft(start, end, TimeKind.OPEN_END)

    def _point(self, point: Clock) -> _Draft:
        """ "at 3pm": today's 3pm, or tomorrow's when today's has passed and no day was named."""
        day = self.day
        start = self.scan.at(day, minute_of(self.scan, point, hint=self.hint))
        if not self.day_named and start < self.now:
            self.found.rolled_from = start
            start = self.scan.at(day + timedelta(days=1), minute_of(self.scan, point, hint=self.hint))
        return self._lasting(start)

    def _lasting(self, start: datetime, *, rolls: bool = True) -> _Draft:
        """From `start` for the duration given, else for the default meeting length."""
        end = self.scan.plus(start, self.duration or self.default)
        return _Draft(start, end, TimeKind.INTERVAL if self.duration else TimeKind.POINT, rolls=rolls)

    def _next_span(self, span: timedelta) -> _Draft:
        slot = self.found.duration if self.duration is not None and self.duration < span else None
        return _Draft(self.now, self.scan.plus(self.now, span), TimeKind.INTERVAL, slot)

    def _part_of_day(self, part: str) -> _Draft:
        span = (time(0), self.scan.settings.work_start) if part == "early" else self.scan.settings.part(part)
        start, end = self.scan.at(self.day, minutes_of(span[0])), self.scan.at(self.day, minutes_of(span[1]))
        return _Draft(start, end, TimeKind.PART_OF_DAY, self.found.duration)

    def _whole_day(self) -> _Draft:
        start, end = self.scan.at(self.day, self.work_start), self.scan.at(self.day, self.work_end)
        return _Draft(start, end, TimeKind.DAY, self.found.duration)

    def _slot_within(self, window: timedelta) -> int | None:
        return self.found.duration if self.duration is not None and self.duration < window else None

    def _no_time(self, intent: Intent) -> Window:
        if intent is Intent.BOOK:
            self.scan.understood.insert(0, "book")
            raise self.scan.error("no_time", "book 3F-Everest tomorrow 2-3pm")
        if intent is not Intent.FIND:
            return None, None, TimeKind.NONE, None
        return self.now, self.scan.plus(self.now, self.default), TimeKind.NONE, None

    # --- step 2: a window that is over ----------------------------------------------------------

    def _not_over(self, draft: _Draft) -> tuple[datetime, datetime]:
        """Roll an unnamed day forward (a bare weekday by a week), refuse a named one."""
        start, end = draft.start, draft.end
        if end > self.now and not (draft.kind is TimeKind.POINT and start < self.now):
            return start, end
        if self.found.day_kind == "weekday" and not self.found.weekday_strict:
            self.found.rolled_from = start
            return self._shift_days(start, end, 7)
        if not self.day_named and draft.rolls:
            self.found.rolled_from = start
            return self._shift_days(start, end, 1)
        raise self._past(start, end)

    def _shift_days(self, start: datetime, end: datetime, days: int) -> tuple[datetime, datetime]:
        """The same wall-clock window `days` later (DST-safe)."""
        new_start = self.scan.at(start.date() + timedelta(days=days), start.hour * 60 + start.minute)
        return new_start, self.scan.plus(new_start, end - start)

    def _past(self, start: datetime, end: datetime) -> ParseError:
        """A window that is over: say so, and offer the nearest one to come with the same clock times
        (the same weekday for "last friday", else today's or tomorrow's)."""
        step = 7 if self.found.day_kind == "weekday" or self.found.week is not None else 1
        day = start.date() if step == 7 else self.scan.today
        clock_minute = start.hour * 60 + start.minute
        suggestion_start = self.scan.at(day, clock_minute)
        while self.scan.plus(suggestion_start, end - start) <= self.now:
            day += timedelta(days=step)
            suggestion_start = self.scan.at(day, clock_minute)
        suggestion_end = self.scan.plus(suggestion_start, end - start)
        suggestion_start = max(suggestion_start, self.now)  # under way already: from now on
        last = "" if suggestion_end.date() == suggestion_start.date() else f"{fmt_day(suggestion_end.date())} "
        return self.scan.error(
            "in_past",
            "free rooms tomorrow 2-3pm",
            start=start.isoformat(),
            end=end.isoformat(),
            suggestion=f"{fmt_day(suggestion_start.date())} {fmt_time(suggestion_start)}–{last}{fmt_time(suggestion_end)}",
            suggestion_start=suggestion_start.isoformat(),
            suggestion_end=suggestion_end.isoformat(),
        )

    # --- step 3: the length -----------------------------------------------------------------------

    def _check_length(self, start: datetime, end: datetime) -> None:
        days = self.scan.settings.max_span_days
        if end - start > timedelta(days=days):
            raise self.scan.error(
                "too_long",
                "free rooms next monday 10am-noon",
                max_days=str(days),
                start=fmt_day(start.date()),
                end=fmt_day(end.date()),
            )
