"""The budget's arithmetic (bot.domain.quota): months, working time, projection, refresh ages."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.quota import (
    Budget,
    MonthUse,
    WorkingHours,
    month_bounds,
    month_key,
    refresh_age_s,
    running_low,
    search_spent,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = WorkingHours(zone=SHANGHAI, start=time(9), end=time(18))
DAY_S = 9 * 3600.0


def test_the_month_is_the_organisations_calendar_month() -> None:
    late_utc = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 00:30 on 1 December in Shanghai
    assert month_key(late_utc, SHANGHAI) == "2026-12"
    assert month_key(late_utc, ZoneInfo("UTC")) == "2026-11"
    first, following = month_bounds(datetime(2026, 12, 15, tzinfo=UTC), SHANGHAI)
    assert (first, following) == (datetime(2026, 12, 1, tzinfo=SHANGHAI), datetime(2027, 1, 1, tzinfo=SHANGHAI))


def test_working_seconds_count_weekdays_between_opening_and_closing() -> None:
    monday = datetime(2026, 11, 2, 0, 0, tzinfo=SHANGHAI)
    # November 2026 has 21 weekdays.
    assert HOURS.seconds_between(*month_bounds(monday, SHANGHAI)) == 21 * DAY_S
    # Monday 10:30 to Tuesday 10:00: 7.5 h on Monday, 1 h on Tuesday.
    start = datetime(2026, 11, 2, 10, 30, tzinfo=SHANGHAI)
    end = datetime(2026, 11, 3, 10, 0, tzinfo=SHANGHAI)
    assert HOURS.seconds_between(start, end) == 8.5 * 3600
    saturday = datetime(2026, 11, 7, 12, 0, tzinfo=SHANGHAI)
    assert HOURS.seconds_between(saturday, saturday.replace(hour=17)) == 0


def use(used: int, elapsed_days: float, total_days: float = 22) -> MonthUse:
    return MonthUse(used=used, elapsed_s=elapsed_days * DAY_S, total_s=total_days * DAY_S, day_s=DAY_S)


def test_projection_follows_the_pace_so_far() -> None:
    assert use(1000, 11).projected() == pytest.approx(2000)
    # On the month's first morning a few calls do not project a disaster: at least a day is the window.
    assert use(20, 0.01).projected() == pytest.approx(20 + 20 * 21.99)


def test_running_low_and_spent() -> None:
    budget = Budget(calls=4000, reserve_share=0.1)
    assert budget.search_limit == 3600
    assert not running_low(budget, use(1800, 11))
    assert running_low(budget, use(2200, 11))  # 4400 projected
    assert not search_spent(budget, use(3599, 21))
    assert search_spent(budget, use(3600, 21))
    assert not running_low(Budget(calls=0), use(10**6, 1))


def test_the_refresh_age_follows_what_the_budget_allows() -> None:
    budget = Budget(calls=4000, reserve_share=0.1, min_age_s=60, max_age_s=4 * 3600)
    # On the even line, a 4-call refresh waits for the time the budget takes to earn 4 calls.
    on_line = use(1800, 11)
    rate = (3600 - 1800) / (11 * DAY_S)
    assert refresh_age_s(budget, on_line, cost=4) == pytest.approx(4 / rate)
    # Ahead of the line: older data; behind it: fresher (down to the minimum); costlier refreshes wait longer.
    assert refresh_age_s(budget, use(2000, 11), cost=4) > refresh_age_s(budget, on_line, cost=4)
    assert refresh_age_s(budget, use(1000, 11), cost=4) == 60
    assert refresh_age_s(budget, on_line, cost=8) > refresh_age_s(budget, on_line, cost=4)
    # Later days may be older than today's.
    today = refresh_age_s(budget, on_line, cost=4)
    assert refresh_age_s(budget, on_line, cost=4, day_offset=1) == pytest.approx(2 * today)
    assert refresh_age_s(budget, on_line, cost=4, day_offset=6) == pytest.approx(4 * today)
    # Searching's part spent: no refresh at all.
    assert math.isinf(refresh_age_s(budget, use(3600, 20), cost=1))


def test_running_low_lengthens_the_refresh_age() -> None:
    budget = Budget(calls=4000, reserve_share=0.1, min_age_s=60, max_age_s=4 * 3600)
    ahead = use(2500, 11)  # 5000 projected
    assert running_low(budget, ahead)
    rate = (3600 - 2500) / (11 * DAY_S)
    line = 3600 * 0.5
    assert refresh_age_s(budget, ahead, cost=4) == pytest.approx(min((4 + 2500 - line) / rate, 4 * 3600) * 2)


def test_no_budget_keeps_every_day_at_the_minimum_age() -> None:
    budget = Budget(calls=0, min_age_s=60)
    assert refresh_age_s(budget, use(10**6, 1), cost=100, day_offset=3) == 60
