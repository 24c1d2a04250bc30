"""Client-side rate limits per DingTalk API.

DingTalk's standard limit is about 20 calls per second per app *and per API*; beyond it DingTalk
answers 403 `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`. Staying under the limit on our
side is cheaper than being throttled and backing off.

`RateLimiter` is the small interface the client needs; `SlidingWindowLimiter` is the default,
in-process and thread-safe. A Redis-backed limiter shared by several processes can implement the
same Protocol later.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol, runtime_checkable


@runtime_checkable
class RateLimiter(Protocol):
    """Blocks the caller until one more call to `api` is allowed."""

    def acquire(self, api: str) -> None:
        """Wait (if needed) for a slot for one call to `api`, then take it."""
        ...


class SlidingWindowLimiter:
    """At most `qps` calls per second for each API, in any one-second window.

    Why not a token bucket with `burst = qps`: such a bucket lets up to twice the rate through in
    one second (a full bucket plus a second's refill), which a server counting per window would
    throttle. A sliding window allows the same instant burst (all of the first second's calls at
    once, so a fan-out of 20 batches starts together) and never more than the limit in any window.

    Each caller reserves the earliest free slot under a lock and sleeps outside it, so waiting
    callers do not block each other and are served in arrival order.

    Args:
        qps: calls per second per API; fractions are allowed (0.5 = one call every 2 s).
        margin_s: added to each window, so that calls sent just inside our window cannot land in
            the same second at DingTalk when network delays differ from call to call.
        clock: a monotonic clock in seconds.
        sleep: how to wait; injectable for tests.
    """

    def __init__(
        self,
        *,
        qps: float = 20.0,
        margin_s: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not qps > 0 or math.isinf(qps):
            raise ValueError(f"qps must be a positive number, got {qps!r}")
        # `limit` calls per `period` seconds; for qps < 1 the window grows instead.
        self._limit = max(1, math.floor(qps))
        if margin_s < 0:
            raise ValueError("margin_s must not be negative")
        self._period = self._limit / qps + margin_s
        self._rate = qps
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._granted: dict[str, deque[float]] = {}

    @property
    def qps(self) -> float:
        return self._rate

    def reserve(self, api: str) -> float:
        """Take the next slot for `api` and return how long to wait before using it (seconds)."""
        with self._lock:
            now = self._clock()
            granted = self._granted.setdefault(api, deque())
            if len(granted) < self._limit:
                slot = now
            else:
                # The oldest of the last `limit` grants must have left the window.
                slot = max(now, granted.popleft() + self._period)
            granted.append(slot)
            return slot - now

    def acquire(self, api: str) -> None:
        wait = self.reserve(api)
        if wait > 0:
            self._sleep(wait)


class NoRateLimit:
    """A limiter that never waits (for tests and for callers that limit elsewhere)."""

    def acquire(self, api: str) -> None:
        return None


__all__ = ["NoRateLimit", "RateLimiter", "SlidingWindowLimiter"]
