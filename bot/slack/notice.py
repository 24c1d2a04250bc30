"""Answer now, or say "Looking…" first when the answer is slow.

Slack users should see an immediate notice only when an answer takes longer than about a
second; a fast answer arrives alone. `answer_with_notice` runs the work in the caller's thread
and arms a timer. If the timer fires first, the notice is posted (from the timer thread) and
the answer later *replaces* it; if the work finishes first, the timer is cancelled and no
notice is ever posted. A lock makes the two outcomes exclusive: the answer never overtakes a
notice that is being posted, and no notice appears after the answer.

With a deadline, a second timer gives up on work that hangs (a database that stopped answering
without refusing): the user gets `on_deadline()`'s answer in place of the real one, and the
late result, if it ever comes, is dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

R = TypeVar("R")
H = TypeVar("H")

logger = logging.getLogger(__name__)


class _State(Generic[H]):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = False
        self.posted = False
        self.expired = False
        self.handle: H | None = None


def answer_with_notice(
    work: Callable[[], R],
    *,
    after_s: float,
    post_notice: Callable[[], H],
    deliver: Callable[[R, H | None], None],
    timer_factory: Callable[[float, Callable[[], None]], threading.Timer] = threading.Timer,
    deadline_s: float | None = None,
    on_deadline: Callable[[], R] | None = None,
) -> R:
    """Run `work`; post a notice if it is slower than `after_s`; deliver the result.

    Args:
        work: computes the answer. It should not raise; if it does, the exception propagates
            after the timer is cancelled (a posted notice is then left for the caller to fix).
        after_s: the grace period before the notice.
        post_notice: posts the notice and returns a handle (e.g. the message ts) used to replace
            it. A failure here is logged and treated as "no notice".
        deliver: posts the result; its second argument is the notice's handle, or None when no
            notice was posted (then the answer is a fresh message).
        timer_factory: `threading.Timer`-compatible factory (injectable for tests).
        deadline_s: when set with `on_deadline`, work still running after this long is abandoned:
            `on_deadline()`'s result is delivered instead, and the late result is not.

    Returns:
        The result of `work`.
    """
    state: _State[H] = _State()

    def fire() -> None:
        with state.lock:
            if state.done:
                return
            try:
                state.handle = post_notice()
                state.posted = True
            except Exception:
                logger.exception("could not post the 'Looking…' notice")

    def expire() -> None:
        with state.lock:
            if state.done:
                return
            state.done = state.expired = True
        assert on_deadline is not None
        logger.warning("an answer outlasted its %.1f s deadline; the user is told it took too long", deadline_s)
        deliver(on_deadline(), state.handle if state.posted else None)

    timer = timer_factory(after_s, fire)
    timer.daemon = True
    timer.start()
    watchdog: threading.Timer | None = None
    if deadline_s is not None and on_deadline is not None:
        watchdog = timer_factory(deadline_s, expire)
        watchdog.daemon = True
        watchdog.start()
    try:
        result = work()
    finally:
        with state.lock:
            expired = state.expired
            state.done = True
            timer.cancel()
            if watchdog is not None:
                watchdog.cancel()
    if expired:
        logger.info("a late answer was dropped: the user was already told it took too long")
        return result
    deliver(result, state.handle if state.posted else None)
    return result


__all__ = ["answer_with_notice"]
