"""The monthly DingTalk call budget as arithmetic: months, working time, projection, refresh ages.

Pure: no clock, database or HTTP. `bot.quota` feeds it the month's count from the store.

How the refresh age follows the budget: the calls left for searching, spread evenly over the
working time left in the month, give a rate (calls per working second). A refresh that costs
`cost` calls may happen once the data is older than the time the budget takes to earn those
calls, plus the time to pay back any spending ahead of the even line (or minus a capped credit
when behind it). So a quiet morning lets the afternoon refresh more often, a busy day slows
itself down, and the month ends near the budget instead of past it. Data about later days changes
less, so it may be older (`DAY_FACTORS`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# How much older than today's data may the data of a later day be: tomorrow twice, later four times.
DAY_FACTORS = (1.0, 2.0, 4.0)
# The projection divides by at least this much working time, so the month's first questions do
# not make it look like the budget will run out.
MIN_PROJECTION_WINDOW_S = 9 * 3600.0
# Spending less than the even line earns credit for later, but at most half a working day's share:
# saved calls are spread out rather than spent in one burst.
CREDIT_DAYS = 0.5
# When running low the refresh age doubles.
RUNNING_LOW_FACTOR = 2.0


@dataclass(frozen=True)
class WorkingHours:
    """When people ask: weekdays from `start` to `end` in `zone`."""

    zone: ZoneInfo
    start: time
    end: time

    @property
    def day_s(self) -> float:
        begin = datetime.combine(date(2000, 1, 3), self.start)
        finish = datetime.combine(date(2000, 1, 3), self.end)
        return (finish - begin).total_seconds()

    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Working seconds in [start, end)."""
        if end <= start:
            return 0.0
        total = 0.0
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            if day.weekday() < 5:
                open_at = datetime.combine(day, self.start, tzinfo=self.zone)
                close_at = datetime.combine(day, self.end, tzinfo=self.zone)
                overlap = (min(close_at, end) - max(open_at, start)).total_seconds()
                total += max(0.0, overlap)
            day += timedelta(days=1)
        return total

    def is_working(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return local.weekday() < 5 and self.start <= local.time() < self.end


def month_key(moment: datetime, zone: ZoneInfo) -> str:
    """The calendar month of `moment` in the organisation's zone: "2026-12"."""
    local = moment.astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"


def month_bounds(moment: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The first instant of `moment`'s month and of the next one, in the organisation's zone."""
    local = moment.astimezone(zone)
    first = datetime(local.year, local.month, 1, tzinfo=zone)
    following = datetime(local.year + (local.month == 12), local.month % 12 + 1, 1, tzinfo=zone)
    return first, following


@dataclass(frozen=True)
class Budget:
    """The budget settings.

    Attributes:
        calls: quota-counted calls a month; 0 means no limit.
        reserve_share: the part kept for booking and cancelling (searching stops short of it).
        min_age_s: the freshest data is refetched after this long, however much budget is left.
        max_age_s: the refresh age the budget arithmetic may ask for at most (while calls are left).
    """

    calls: int
    reserve_share: float = 0.1
    min_age_s: float = 60.0
    max_age_s: float = 4 * 3600.0

    @property
    def limited(self) -> bool:
        return self.calls > 0

    @property
    def search_limit(self) -> int:
        """Calls searching may spend; the rest is for bookings and cancellations."""
        return math.floor(self.calls * (1.0 - self.reserve_share))


@dataclass(frozen=True)
class MonthUse:
    """Where the month stands: calls so far, and the month's working time elapsed and in total."""

    used: int
    elapsed_s: float
    total_s: float
    day_s: float = 9 * 3600.0

    @property
    def remaining_s(self) -> float:
        return max(0.0, self.total_s - self.elapsed_s)

    def projected(self) -> float:
        """The month-end use if the pace so far goes on."""
        if self.total_s <= 0:
            return float(self.used)
        window = max(self.elapsed_s, min(MIN_PROJECTION_WINDOW_S, self.total_s))
        return self.used + self.used / window * self.remaining_s


def running_low(budget: Budget, use: MonthUse) -> bool:
    """Whether the month-end projection passes the budget (or the searching part is spent)."""
    if not budget.limited:
        return False
    return use.projected() > budget.calls or use.used >= budget.search_limit


def search_spent(budget: Budget, use: MonthUse) -> bool:
    """Whether searching has used its part; only bookings and cancellations may call now."""
    return budget.limited and use.used >= budget.search_limit


def refresh_age_s(budget: Budget, use: MonthUse, *, cost: int, day_offset: int = 0) -> float:
    """How old data may be before a refresh costing `cost` calls is worth it (inf: none is allowed).

    `day_offset` is how many days after today the data is about (later days may be older).
    """
    if not budget.limited:
        return budget.min_age_s  # no budget: every day is kept fresh
    factor = DAY_FACTORS[min(max(day_offset, 0), len(DAY_FACTORS) - 1)]
    limit = budget.search_limit
    left = limit - use.used
    if left <= 0:
        return math.inf
    remaining = max(use.remaining_s, 3600.0)
    rate = left / remaining
    line = limit * (use.elapsed_s / use.total_s) if use.total_s > 0 else 0.0
    ahead = use.used - line
    working_days = max(use.total_s / max(use.day_s, 1.0), 1.0)
    credit_cap = limit / working_days * CREDIT_DAYS
    age = (max(cost, 1) + max(ahead, -credit_cap)) / rate
    age = min(max(age, budget.min_age_s), budget.max_age_s)
    if running_low(budget, use):
        age = min(age * RUNNING_LOW_FACTOR, budget.max_age_s * RUNNING_LOW_FACTOR)
    return age * factor


__all__ = [
    "DAY_FACTORS",
    "Budget",
    "MonthUse",
    "WorkingHours",
    "month_bounds",
    "month_key",
    "refresh_age_s",
    "running_low",
    "search_spent",
]
