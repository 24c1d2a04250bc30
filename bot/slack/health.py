"""`/healthz` that answers at once, even while the database hangs.

The checks run on one helper thread. A request waits for them at most `timeout_s`; while a check
is still stuck from an earlier request (a database that stopped answering without refusing), a
new request does not start another one and does not wait: it is told 503 immediately.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

logger = logging.getLogger(__name__)

Checks = dict[str, bool]

TIMED_OUT = "answered_in_time"
"""The check name reported false when the checks did not finish in time."""


class BoundedHealth:
    """Wraps a health check so that it never holds a request longer than `timeout_s`."""

    def __init__(
        self, check: Callable[[], Checks], *, timeout_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._check = check
        self._timeout_s = timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._running: Future[Checks] | None = None
        self._started = 0.0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="roombot-health")

    def __call__(self) -> Checks:
        with self._lock:
            now = self._clock()
            if self._running is None or self._running.done():
                self._running, self._started = self._executor.submit(self._check), now
            running, waited = self._running, now - self._started
        wait = self._timeout_s - waited
        if wait <= 0:
            logger.warning("health: the last check has been running for %.1f s; answering 503", waited)
            return {TIMED_OUT: False}
        try:
            return running.result(timeout=wait)
        except FutureTimeout:
            logger.warning("health: the checks took longer than %.1f s; answering 503", self._timeout_s)
            return {TIMED_OUT: False}

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


__all__ = ["TIMED_OUT", "BoundedHealth"]
