"""Where answers are computed after the ack: a bounded pool of our own.

Slack gives an app three seconds to acknowledge. A listener therefore acknowledges first and
hands the slow part (DingTalk, Slack's Web API, the database) to this pool. The pool is bounded
twice: `workers` answers are computed at once and at most `queue` more wait for a worker. A
request beyond that is refused at once, so the user is told "busy, try again in a minute"
instead of waiting behind a backlog until Slack gives up. A request that did get a place but
waited longer than `max_wait_s` for a worker is told the same (through `late`), rather than
answered long after the user stopped waiting.

Over HTTP, an answer starts only once its ack has been written (`BoundedWork.holding`): started
earlier, it would take the interpreter lock from the very thread still sending the ack.

`InlineWork` runs the work in the caller's thread: tests (and FaaS) use it so that `dispatch()`
returns only after the answer was delivered.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from bot.config import Settings

logger = logging.getLogger(__name__)

BUSY_NOTICE_THREADS = 2
BUSY_NOTICE_BACKLOG = 32


class Work(ABC):
    """Acknowledges, then runs an answer somewhere: `start` is the same for every kind of pool."""

    def start(
        self,
        work: Callable[[], None],
        *,
        ack: Callable[[], object],
        busy: Callable[[], object],
        late: Callable[[], object] | None = None,
    ) -> bool:
        """Acknowledge and run `work`, or, when there is no room for it, call `busy` instead.

        `late` (after the ack, on a worker) replaces `work` when it waited too long for a worker.
        """
        if not self._reserve():
            busy()
            return False
        try:
            ack()
        except BaseException:
            self._release()
            raise
        self._run(work, late)
        return True

    @abstractmethod
    def _reserve(self) -> bool:
        """Take a place for one answer, without waiting; False when there is none."""

    @abstractmethod
    def _release(self) -> None:
        """Give back a place that `_reserve` took (the ack failed)."""

    @abstractmethod
    def _run(self, work: Callable[[], None], late: Callable[[], object] | None) -> None:
        """Run `work` (already acknowledged) in its place, which it gives back when done."""

    @abstractmethod
    def later(self, task: Callable[[], None]) -> None:
        """Run a small best-effort task (a busy notice) away from the request thread."""

    def close(self) -> None:
        return None


def _logged(task: Callable[[], object], what: str) -> None:
    try:
        task()
    except Exception:
        logger.exception("%s failed", what)


class Held:
    """Answers started by one request, waiting until its ack is on the wire."""

    def __init__(self) -> None:
        self._starts: list[Callable[[], None]] = []

    def add(self, start: Callable[[], None]) -> None:
        self._starts.append(start)

    def release(self) -> None:
        starts, self._starts = self._starts, []
        for start in starts:
            _logged(start, "starting an answer")


class BoundedWork(Work):
    """A thread pool that refuses work instead of queueing it without end."""

    @classmethod
    def for_settings(cls, settings: Settings) -> BoundedWork:
        """Sized by `ROOMBOT_SLACK_WORKERS` and `ROOMBOT_SLACK_QUEUE`."""
        return cls(workers=settings.slack_workers, queue=settings.slack_queue, max_wait_s=settings.slack_queue_wait_s)

    def __init__(
        self, *, workers: int, queue: int, max_wait_s: float = 20.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if workers < 1 or queue < 0:
            raise ValueError("workers must be at least 1 and queue at least 0")
        self.capacity = workers + queue
        self._max_wait_s = max_wait_s
        self._clock = clock
        self._slots = threading.BoundedSemaphore(self.capacity)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="roombot-answer")
        # Busy notices have their own small pool, so a full answer pool cannot delay them.
        self._notices = ThreadPoolExecutor(max_workers=BUSY_NOTICE_THREADS, thread_name_prefix="roombot-notice")
        self._notice_slots = threading.BoundedSemaphore(BUSY_NOTICE_BACKLOG)
        self._local = threading.local()

    @contextmanager
    def holding(self) -> Iterator[Held]:
        """Answers this thread starts meanwhile wait in the `Held` until its `release()`.

        The HTTP layer releases them once the request's ack has been written.
        """
        held = Held()
        self._local.held = held
        try:
            yield held
        finally:
            self._local.held = None

    def _reserve(self) -> bool:
        if self._slots.acquire(blocking=False):
            return True
        logger.warning("every answer slot is taken (%d); telling the user to try again", self.capacity)
        return False

    def _release(self) -> None:
        self._slots.release()

    def _run(self, work: Callable[[], None], late: Callable[[], object] | None) -> None:
        queued = self._clock()

        def run() -> None:
            try:
                waited = self._clock() - queued
                if late is not None and waited > self._max_wait_s:
                    logger.warning("an answer waited %.1f s for a worker; telling the user to try again", waited)
                    _logged(late, "a late busy notice")
                else:
                    _logged(work, "an answer")
            finally:
                self._slots.release()

        def submit() -> None:
            try:
                self._executor.submit(run)
            except RuntimeError:  # shut down
                self._slots.release()
                raise

        held: Held | None = getattr(self._local, "held", None)
        if held is None:
            submit()
        else:
            held.add(submit)

    def later(self, task: Callable[[], None]) -> None:
        if not self._notice_slots.acquire(blocking=False):
            logger.warning("too many busy notices pending; one dropped")
            return

        def run() -> None:
            try:
                _logged(task, "a busy notice")
            finally:
                self._notice_slots.release()

        self._notices.submit(run)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._notices.shutdown(wait=False, cancel_futures=True)


class InlineWork(Work):
    """Acknowledge, then do the work in the caller's thread (never busy)."""

    def _reserve(self) -> bool:
        return True

    def _release(self) -> None:
        return None

    def _run(self, work: Callable[[], None], late: Callable[[], object] | None) -> None:
        _logged(work, "an answer")

    def later(self, task: Callable[[], None]) -> None:
        _logged(task, "a busy notice")


__all__ = ["BoundedWork", "Held", "InlineWork", "Work"]
