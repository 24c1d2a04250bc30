"""What a job is and when it runs next: pure functions of times, no database and no clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

JobFunction = Callable[[datetime], str | None]
"""The work of a job: called with the moment it runs; returns a short note for the log, or None."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff after failures: `base_s`, then doubling, never above `max_s` nor the job's interval.

    Capping at the interval means a failing job is tried at least as often as a healthy one, and a
    job that fails for hours (DingTalk down) is tried about once an hour, not every few seconds.
    """

    base_s: float = 30.0
    factor: float = 2.0
    max_s: float = 3600.0

    def delay(self, attempts: int, *, interval_s: float) -> timedelta:
        """The wait before the next try after `attempts` failures in a row (attempts >= 1)."""
        exponent = max(attempts - 1, 0)
        # The exponent is bounded first so a job that failed a thousand times does not overflow a float.
        raw = self.base_s * self.factor ** min(exponent, 64)
        return timedelta(seconds=min(raw, self.max_s, max(interval_s, 1.0)))


@dataclass(frozen=True)
class JobSpec:
    """A job the runner knows: its unique name, how often it runs, and what it does.

    `lease` is how long a claim lasts: a process that dies mid-run frees the job once it runs out,
    so it must comfortably exceed the job's longest run.
    """

    name: str
    interval: timedelta
    run: JobFunction
    lease: timedelta = timedelta(minutes=15)
    # Due whenever a runner starts, not only on its schedule (work a crash may have left behind).
    at_start: bool = False

    @property
    def interval_s(self) -> int:
        return max(int(self.interval.total_seconds()), 1)


def next_due_after_success(*, started_at: datetime, finished_at: datetime, interval_s: float) -> datetime:
    """One interval after the run started (a steady rhythm), but never in the past of its end."""
    return max(started_at + timedelta(seconds=interval_s), finished_at)


def next_due_after_failure(*, finished_at: datetime, attempts: int, interval_s: float, retry: RetryPolicy) -> datetime:
    """When to try again after the `attempts`-th failure in a row."""
    return finished_at + retry.delay(attempts, interval_s=interval_s)


def wait_seconds(*, now: datetime, wake_at: datetime | None, min_s: float = 1.0, max_s: float = 60.0) -> float:
    """How long an idle loop waits: until `wake_at`, within [min_s, max_s] (max_s when nothing is scheduled).

    The upper bound lets a loop notice jobs another process added or rescheduled.
    """
    if wake_at is None:
        return max_s
    return min(max((wake_at - now).total_seconds(), min_s), max_s)


def describe_error(exc: BaseException) -> str:
    """The text kept as a job's last error: the exception's type and message on one line."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


__all__ = [
    "JobFunction",
    "JobSpec",
    "RetryPolicy",
    "describe_error",
    "next_due_after_failure",
    "next_due_after_success",
    "wait_seconds",
]
