"""The in-process rate limiter: at most `qps` calls per API in any one-second window."""

from __future__ import annotations

import threading

import pytest

from bot.dingtalk import NoRateLimit, RateLimiter, SlidingWindowLimiter
from tests.threads import run_in_threads


class FakeClock:
    """A clock that moves only when something sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def max_in_any_window(slots: list[float], period: float) -> int:
    slots = sorted(slots)
    best = 0
    for i, first in enumerate(slots):
        best = max(best, sum(1 for s in slots[i:] if s < first + period - 1e-9))
    return best


def test_the_first_second_of_calls_goes_out_at_once_and_the_next_waits_a_full_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(qps=20, margin_s=0, clock=clock, sleep=clock.sleep)
    waits = [limiter.reserve("schedules") for _ in range(21)]
    assert waits[:20] == [0.0] * 20
    assert waits[20] == pytest.approx(1.0)


def test_each_api_has_its_own_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(qps=2, margin_s=0, clock=clock, sleep=clock.sleep)
    assert [limiter.reserve("schedules") for _ in range(2)] == [0.0, 0.0]
    assert limiter.reserve("meetingRoomLists") == 0.0
    assert limiter.reserve("schedules") == pytest.approx(1.0)


def test_acquire_sleeps_until_the_slot_and_never_exceeds_the_limit_in_any_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(qps=5, margin_s=0, clock=clock, sleep=clock.sleep)
    granted = []
    for _ in range(23):
        limiter.acquire("schedules")
        granted.append(clock.now)
    assert max_in_any_window(granted, 1.0) == 5
    assert granted[-1] - granted[0] == pytest.approx(4.0)  # 23 calls = 5 windows, the last one partly used


def test_the_margin_widens_each_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(qps=2, margin_s=0.05, clock=clock, sleep=clock.sleep)
    assert [limiter.reserve("x") for _ in range(3)] == [0.0, 0.0, pytest.approx(1.05)]


def test_slots_freed_by_time_passing_are_reused_without_waiting() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(qps=3, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        limiter.acquire("x")
    clock.now += 5
    assert [limiter.reserve("x") for _ in range(3)] == [0.0, 0.0, 0.0]


def test_fractional_rates_spread_calls_out() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(qps=0.5, margin_s=0, clock=clock, sleep=clock.sleep)
    assert limiter.reserve("x") == 0.0
    assert limiter.reserve("x") == pytest.approx(2.0)
    assert limiter.qps == pytest.approx(0.5)


def test_many_threads_reserving_at_once_get_distinct_slots_within_the_limit() -> None:
    clock = FakeClock()  # frozen: threads only reserve, nobody sleeps
    limiter = SlidingWindowLimiter(qps=20, margin_s=0, clock=clock, sleep=clock.sleep)
    slots: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            wait = limiter.reserve("schedules")
            with lock:
                slots.append(clock.now + wait)

    run_in_threads(worker, 10)
    assert len(slots) == 100
    assert max_in_any_window(slots, 1.0) == 20
    assert max(slots) - clock.now == pytest.approx(4.0)  # 100 calls at 20/s: windows at +0, +1, ... +4


@pytest.mark.parametrize("qps", [0, -1, float("inf"), float("nan")])
def test_a_limit_must_be_a_positive_rate(qps: float) -> None:
    with pytest.raises(ValueError):
        SlidingWindowLimiter(qps=qps)


def test_both_limiters_satisfy_the_protocol() -> None:
    assert isinstance(SlidingWindowLimiter(qps=1), RateLimiter)
    assert isinstance(NoRateLimit(), RateLimiter)
