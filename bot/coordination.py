"""Several roombot processes behaving as one, through Redis (`REDIS_URL`).

The schedule cache is already shared through the database. Two more things must be shared when
several web processes run side by side:

- DingTalk's rate limit, which counts calls per app and per API whichever process makes them:
  `RedisRateLimiter` reserves call slots in one sliding window per API, atomically in a Lua
  script, so N processes together never go beyond `qps` calls per second per API;
- deduplication of identical fetches in flight: `RedisSingleFlight` lets one process fetch while
  the others wait for it and then read what it wrote to the shared cache.

Redis is a helper, never a dependency of an answer: when it does not answer, both fall back to
per-process behaviour with one warning, and try Redis again a few seconds later.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from bot.dingtalk.ratelimit import RateLimiter, SlidingWindowLimiter
from bot.schedules import SingleFlight

if TYPE_CHECKING:
    from bot.config import Settings

T = TypeVar("T")

logger = logging.getLogger(__name__)

# One sliding window per API, as a sorted set of granted call slots (scores in milliseconds).
# The newest `limit` grants are kept; a new call gets the earliest moment at which the oldest of
# them has left the window. Slots are reserved (possibly in the future) and slept for by the
# caller outside Redis, so waiting callers of every process are served in arrival order and
# nobody polls. Slots never decrease, so "the oldest of the last `limit`" is rank n - limit.
_RESERVE_SCRIPT = """
local limit = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local now
if ARGV[3] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
else
  now = tonumber(ARGV[3])
end
local slot = now
local n = redis.call('ZCARD', KEYS[1])
if n >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
  slot = math.max(now, tonumber(oldest[2]) + period)
end
redis.call('ZADD', KEYS[1], slot, ARGV[4])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(limit + 1))
redis.call('PEXPIRE', KEYS[1], math.ceil(slot - now + period) + 1000)
return tostring(slot - now)
"""

# Delete the lock only if it is still ours (it may have expired and been taken by another process).
_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class _Outage:
    """Remembers that Redis failed, so callers skip it for a while and it is reported once."""

    def __init__(self, *, what: str, retry_after_s: float, clock: Callable[[], float]) -> None:
        self._what = what
        self._retry_after_s = retry_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._down_until: float | None = None

    def skip(self) -> bool:
        """True while Redis is presumed down (the caller works per process)."""
        with self._lock:
            return self._down_until is not None and self._clock() < self._down_until

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            first = self._down_until is None
            self._down_until = self._clock() + self._retry_after_s
        if first:
            # The exception's class only: its text can carry the Redis URL and so a password.
            logger.warning("Redis does not answer (%s): %s is per process until it does", type(exc).__name__, self._what)

    def succeeded(self) -> None:
        if self._down_until is None:  # the usual case: no lock taken
            return
        with self._lock:
            was_down, self._down_until = self._down_until is not None, None
        if was_down:
            logger.warning("Redis answers again: %s is shared across processes again", self._what)


class RedisRateLimiter:
    """At most `qps` calls per second per API, counted across every process sharing one Redis.

    Implements `bot.dingtalk.ratelimit.RateLimiter`, with the same sliding-window semantics as
    `SlidingWindowLimiter` (an instant burst of `qps` calls, never more than `qps` in any window).

    Args:
        client: a `redis.Redis` (thread-safe; shared by every caller of this process).
        qps: calls per second per API for all processes together; fractions allowed.
        key_prefix: Redis keys are `key_prefix + api`; put the DingTalk app in it when several
            apps share one Redis, since DingTalk counts per app.
        clock: seconds since the epoch, the same for every process; None (the default) uses the
            Redis server's clock, so processes on different hosts need no synchronised clocks.
        sleep: how to wait for a reserved slot.
        margin_s: added to each window, for network delays that differ from call to call.
        retry_after_s: after Redis fails, how long to stay per process before trying it again.
        fallback: the per-process limiter used while Redis is down (default: a sliding window of `qps`).
    """

    def __init__(
        self,
        *,
        client: redis.Redis,
        qps: float = 20.0,
        key_prefix: str = "roombot:qps:",
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        margin_s: float = 0.05,
        retry_after_s: float = 5.0,
        fallback: RateLimiter | None = None,
    ) -> None:
        if not qps > 0 or qps == float("inf"):
            raise ValueError(f"qps must be a positive number, got {qps!r}")
        if margin_s < 0:
            raise ValueError("margin_s must not be negative")
        self._client = client
        self._limit = max(1, int(qps))
        self._period_ms = (self._limit / qps + margin_s) * 1000.0
        self._qps = qps
        self._prefix = key_prefix
        self._clock = clock
        self._sleep = sleep
        self._script = client.register_script(_RESERVE_SCRIPT)
        self._ids = itertools.count()
        self._me = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._fallback: RateLimiter = fallback or SlidingWindowLimiter(qps=qps, margin_s=margin_s, sleep=sleep)
        self._outage = _Outage(what="the DingTalk rate limit", retry_after_s=retry_after_s, clock=time.monotonic)

    @property
    def qps(self) -> float:
        return self._qps

    def reserve(self, api: str) -> float:
        """Take the next slot for `api` in the shared window; return how long to wait (seconds).

        Raises:
            redis.exceptions.RedisError: when Redis does not answer (`acquire` falls back instead).
        """
        now = "" if self._clock is None else repr(self._clock() * 1000.0)
        member = f"{self._me}-{next(self._ids)}"
        reply: Any = self._script(keys=[self._prefix + api], args=[self._limit, self._period_ms, now, member])
        return max(0.0, float(reply.decode() if isinstance(reply, bytes) else reply) / 1000.0)

    def acquire(self, api: str) -> None:
        if self._outage.skip():
            self._fallback.acquire(api)
            return
        try:
            wait = self.reserve(api)
        except RedisError as exc:
            self._outage.failed(exc)
            self._fallback.acquire(api)
            return
        self._outage.succeeded()
        if wait > 0:
            self._sleep(wait)


class RedisSingleFlight(SingleFlight):
    """`SingleFlight` across processes: one process runs `fn`, the others wait for it, then run theirs.

    Within a process, identical calls are collapsed as by `SingleFlight` (one thread goes on to
    Redis). Across processes, the first takes a lock (`SET NX PX`) for the key; the others poll
    until it is released (bounded by `wait_timeout_s`) and then call their own `fn`. That is
    cheap because `fn` is expected to look in a shared cache first — `ScheduleProvider._fetch`
    does — so followers find what the leader stored and spend no DingTalk call. A leader that
    dies leaves a lock that expires after `lock_ttl_s`.

    Args:
        client: a `redis.Redis`.
        key_prefix: prefix of the lock keys (the rest is a digest of the key).
        lock_ttl_s: how long a lock lives at most; longer than the slowest `fn` (the DingTalk deadline).
        wait_timeout_s: how long a follower waits before running `fn` anyway.
        poll_s: how often a follower looks whether the lock is gone.
        retry_after_s: after Redis fails, how long to stay per process before trying it again.
        sleep, clock: injectable waiting and monotonic clock.
    """

    def __init__(
        self,
        *,
        client: redis.Redis,
        key_prefix: str = "roombot:flight:",
        lock_ttl_s: float = 30.0,
        wait_timeout_s: float = 25.0,
        poll_s: float = 0.02,
        retry_after_s: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        if lock_ttl_s <= 0 or wait_timeout_s < 0 or poll_s <= 0:
            raise ValueError("lock_ttl_s and poll_s must be positive, wait_timeout_s not negative")
        self._client = client
        self._prefix = key_prefix
        self._ttl_ms = max(1, int(lock_ttl_s * 1000))
        self._wait_timeout_s = wait_timeout_s
        self._poll_s = poll_s
        self._sleep = sleep
        self._clock = clock
        self._release = client.register_script(_RELEASE_SCRIPT)
        self._outage = _Outage(what="deduplication of DingTalk calls", retry_after_s=retry_after_s, clock=clock)

    def lock_name(self, key: Hashable) -> str:
        """The Redis key of the lock for `key` (the same in every process for the same key)."""
        # repr of tuples of strings is stable across processes (unlike hash(), which is salted).
        return self._prefix + hashlib.sha256(repr(key).encode()).hexdigest()[:40]

    def do(self, key: Hashable, fn: Callable[[], T]) -> T:
        return super().do(key, lambda: self._across_processes(key, fn))

    def _across_processes(self, key: Hashable, fn: Callable[[], T]) -> T:
        if self._outage.skip():
            return fn()
        name = self.lock_name(key)
        token = uuid.uuid4().hex
        try:
            leader = bool(self._client.set(name, token, nx=True, px=self._ttl_ms))
        except RedisError as exc:
            self._outage.failed(exc)
            return fn()
        self._outage.succeeded()
        if not leader:
            self._wait_for_release(name)
            return fn()
        try:
            return fn()
        finally:
            try:
                self._release(keys=[name], args=[token])
            except RedisError as exc:  # the lock expires by itself after lock_ttl_s
                self._outage.failed(exc)

    def _wait_for_release(self, name: str) -> None:
        deadline = self._clock() + self._wait_timeout_s
        while self._clock() < deadline:
            try:
                if not self._client.exists(name):
                    return
            except RedisError as exc:
                self._outage.failed(exc)
                return
            self._sleep(self._poll_s)
        logger.warning("waited %.1f s for another process's DingTalk fetch; fetching here", self._wait_timeout_s)


def redis_client(url: str) -> redis.Redis:
    """A Redis client that fails fast: a Redis that hangs or is down costs a question milliseconds, not seconds.

    redis-py retries a failed command three times with exponential backoff by default (seconds in
    all); one immediate retry is enough to get past a connection the server closed.
    """
    return redis.Redis.from_url(
        url,
        socket_timeout=0.5,
        socket_connect_timeout=0.5,
        health_check_interval=30,
        retry=Retry(NoBackoff(), 1),
    )


@dataclass
class Coordination:
    """The Redis client and what is built on it; `close()` releases the connections."""

    client: redis.Redis
    rate_limiter: RedisRateLimiter
    single_flight: RedisSingleFlight

    def close(self) -> None:
        self.client.close()


def build_coordination(settings: Settings) -> Coordination:
    """Connect to `settings.redis_url` (lazily) and build the shared limiter and single-flight.

    Never raises because Redis is down: a warning is logged and the first calls fall back.
    """
    if not settings.redis_url:
        raise ValueError("build_coordination needs settings.redis_url")
    client = redis_client(settings.redis_url)
    # DingTalk counts calls per app and API: processes of different apps sharing a Redis don't share a window.
    app = settings.dingtalk_app_key or settings.dingtalk_suite_key or "default"
    limiter = RedisRateLimiter(client=client, qps=settings.qps, key_prefix=f"roombot:qps:{app}:")
    flight = RedisSingleFlight(
        client=client,
        key_prefix=f"roombot:flight:{app}:",
        lock_ttl_s=settings.deadline_s + 10.0,
        wait_timeout_s=settings.deadline_s + 5.0,
    )
    try:
        client.ping()
    except RedisError as exc:  # say so at start, and skip Redis for the first few seconds
        limiter._outage.failed(exc)
        flight._outage.failed(exc)
    return Coordination(client=client, rate_limiter=limiter, single_flight=flight)


__all__ = ["Coordination", "RedisRateLimiter", "RedisSingleFlight", "build_coordination", "redis_client"]
