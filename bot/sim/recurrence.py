"""Recurring events in the simulator: DingTalk's `recurrence{pattern, range}` checked and expanded.

Occurrences are laid out on wall-clock dates in the event's own zone (all-day events: Shanghai),
so a weekly 10:00 meeting stays at 10:00 across a daylight-saving change. Each occurrence has the
series' length. The first occurrence is the event's own start.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from bot.sim.replies import Problem

PATTERNS = ("daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly")
RANGES = ("noEnd", "endDate", "numbered")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
INDEXES = ("first", "second", "third", "fourth", "last")
MAX_OCCURRENCES = 99
MAX_INTERVAL = 365
# A series without an end is expanded this far at most (free/busy asks for at most 90 days).
NO_END_HORIZON = timedelta(days=2 * 366)


@dataclass(frozen=True)
class Recurrence:
    kind: str
    interval: int
    weekdays: tuple[int, ...]  # 0 = Monday
    day_of_month: int | None
    index: str
    range_kind: str
    end_date: date | None
    count: int | None

    def wire(self) -> dict[str, Any]:
        pattern: dict[str, Any] = {"type": self.kind, "interval": self.interval}
        if self.weekdays:
            pattern["daysOfWeek"] = ",".join(WEEKDAYS[day] for day in self.weekdays)
        if self.day_of_month is not None:
            pattern["dayOfMonth"] = self.day_of_month
        if self.kind == "relativeMonthly":
            pattern["index"] = self.index
        range_: dict[str, Any] = {"type": self.range_kind}
        if self.end_date is not None:
            range_["endDate"] = self.end_date.isoformat()
        if self.count is not None:
            range_["numberOfOccurrences"] = self.count
        return {"pattern": pattern, "range": range_}


def parse(raw: Any, start: datetime, zone: tzinfo) -> Recurrence | None:
    """The event body's `recurrence`, checked as DingTalk checks it (400 invalidParameter), or None."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("pattern"), dict) or not isinstance(raw.get("range"), dict):
        raise Problem(400, "invalidParameter", "recurrence must have a pattern and a range")
    pattern, range_ = raw["pattern"], raw["range"]
    kind = str(pattern.get("type") or "")
    if kind not in PATTERNS:
        raise Problem(400, "invalidParameter", f"recurrence pattern type {kind!r} is invalid")
    interval = _int(pattern.get("interval", 1), "interval")
    if not 1 <= interval <= MAX_INTERVAL:
        raise Problem(400, "invalidParameter", f"recurrence interval must be between 1 and {MAX_INTERVAL}")
    local = start.astimezone(zone)
    weekdays: tuple[int, ...] = ()
    if kind in ("weekly", "relativeMonthly"):
        names = [part.strip().lower() for part in str(pattern.get("daysOfWeek") or "").split(",") if part.strip()]
        if any(name not in WEEKDAYS for name in names):
            raise Problem(400, "invalidParameter", "recurrence daysOfWeek is invalid")
        weekdays = tuple(sorted({WEEKDAYS.index(name) for name in names})) or (local.weekday(),)
    day_of_month = None
    if kind in ("absoluteMonthly", "absoluteYearly"):
        day_of_month = _int(pattern.get("dayOfMonth", local.day), "dayOfMonth")
        if not 1 <= day_of_month <= 31:
            raise Problem(400, "invalidParameter", "recurrence dayOfMonth must be between 1 and 31")
    index = str(pattern.get("index") or "first").lower()
    if kind == "relativeMonthly" and index not in INDEXES:
        raise Problem(400, "invalidParameter", "recurrence index is invalid")
    range_kind = str(range_.get("type") or "")
    if range_kind not in RANGES:
        raise Problem(400, "invalidParameter", f"recurrence range type {range_kind!r} is invalid")
    has_end, has_count = range_.get("endDate") is not None, range_.get("numberOfOccurrences") is not None
    if has_end and has_count:
        raise Problem(400, "invalidParameter", "recurrence range takes endDate or numberOfOccurrences, not both")
    end_date = count = None
    if range_kind == "endDate":
        try:
            end_date = date.fromisoformat(str(range_.get("endDate"))[:10])
        except ValueError:
            raise Problem(400, "invalidParameter", "recurrence endDate is invalid") from None
        if end_date < local.date():
            raise Problem(400, "invalidParameter", "recurrence endDate must not be before the start")
    elif range_kind == "numbered":
        count = _int(range_.get("numberOfOccurrences"), "numberOfOccurrences")
        if not 1 <= count <= MAX_OCCURRENCES:
            raise Problem(400, "invalidParameter", f"numberOfOccurrences must be between 1 and {MAX_OCCURRENCES}")
    return Recurrence(kind, interval, weekdays, day_of_month, index, range_kind, end_date, count)


def occurrences(
    rule: Recurrence | None, start: datetime, end: datetime, zone: tzinfo, *, until: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Every occurrence [start, end) of the series that starts before `until`, in order."""
    if rule is None:
        if start < until:
            yield start, end
        return
    length = end - start
    local = start.astimezone(zone)
    horizon = until if rule.range_kind != "noEnd" else min(until, start + NO_END_HORIZON)
    produced = 0
    for day in _dates(rule, local.date()):
        if rule.end_date is not None and day > rule.end_date:
            return
        if rule.count is not None and produced >= rule.count:
            return
        moment = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone)
        if moment >= horizon:
            return
        if moment < start:
            continue  # a pattern day before the series' own first occurrence
        produced += 1
        yield moment, moment + length


def _dates(rule: Recurrence, first: date) -> Iterator[date]:
    """The pattern's dates from the first one's period on (unbounded; the caller stops)."""
    if rule.kind == "daily":
        day = first
        while True:
            yield day
            day += timedelta(days=rule.interval)
    if rule.kind == "weekly":
        week = first - timedelta(days=first.weekday())
        while True:
            for weekday in rule.weekdays:
                yield week + timedelta(days=weekday)
            week += timedelta(weeks=rule.interval)
    year, month = first.year, first.month
    step = rule.interval * (12 if rule.kind == "absoluteYearly" else 1)
    if rule.kind == "absoluteYearly":
        month = first.month
    while True:
        monthly = _monthly_date(rule, year, month)
        if monthly is not None:
            yield monthly
        year, month = divmod(year * 12 + month - 1 + step, 12)
        month += 1


def _monthly_date(rule: Recurrence, year: int, month: int) -> date | None:
    last = calendar.monthrange(year, month)[1]
    if rule.kind in ("absoluteMonthly", "absoluteYearly"):
        assert rule.day_of_month is not None
        return date(year, month, rule.day_of_month) if rule.day_of_month <= last else None
    weekday = rule.weekdays[0]
    days = [date(year, month, d) for d in range(1, last + 1) if date(year, month, d).weekday() == weekday]
    return days[-1] if rule.index == "last" else days[INDEXES.index(rule.index)]


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise Problem(400, "invalidParameter", f"recurrence {what} is invalid")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Problem(400, "invalidParameter", f"recurrence {what} is invalid") from None


__all__ = ["Recurrence", "occurrences", "parse"]
