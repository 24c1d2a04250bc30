"""The job runner: runs the due jobs of the `jobs` table, one process at a time per job.

Any number of runners may share one database (the `clock:` process, Socket Mode workers, a cron
`roombot jobs run --once`): each due job is claimed atomically (`JobRepository.claim`), so it runs
in exactly one of them. A failure is recorded with its error and retried with exponential backoff;
a process that dies mid-run loses its lease when it runs out, and another runner takes the job.

The loop waits on a `threading.Event`, in its own thread or process: nothing here ever sleeps
in a thread that answers a request.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Clock, utc_now
from bot.errors import StoreUnavailable
from bot.jobs.schedule import (
    JobSpec,
    RetryPolicy,
    describe_error,
    next_due_after_failure,
    next_due_after_success,
    wait_seconds,
)
from bot.store.jobs import JobRecord, JobRepository, JobRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What one run of a job did."""

    name: str
    ok: bool
    duration_s: float
    note: str | None = None  # what the job reported (success) or the error kept (failure)
    attempts: int = 0  # failures in a row, this one included
    next_due_at: datetime | None = None
    recorded: bool = True  # False when the lease ran out and another runner took the job meanwhile

    @classmethod
    def of(
        cls, run: JobRun, *, ok: bool, note: str | None, next_due_at: datetime, recorded: bool, attempts: int = 0
    ) -> Outcome:
        """What `run` did, as it was recorded (or not)."""
        return cls(run.name, ok, run.duration_s, note, attempts, next_due_at, recorded)


def default_worker_id() -> str:
    """Host, process and a random part: unique per runner even when two run in one process."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Runner:
    """Runs due jobs of `specs` from the `jobs` table.

    Args:
        jobs: the `jobs` table.
        specs: the jobs this runner knows (names unique); rows of other names are left alone.
        clock: the current time (aware UTC); `--now` fixes it.
        worker_id: who holds a claim (`locked_by`); unique per runner.
        retry: backoff after failures.
        timer: a monotonic clock for durations (the wall clock may be fixed or jump).
    """

    def __init__(
        self,
        *,
        jobs: JobRepository,
        specs: Sequence[JobSpec],
        clock: Clock = utc_now,
        worker_id: str | None = None,
        retry: RetryPolicy | None = None,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        names = [spec.name for spec in specs]
        if len(set(names)) != len(names):
            raise ValueError(f"job names must be unique: {names}")
        self._jobs = jobs
        self._specs = tuple(specs)
        self._clock = clock
        self.worker_id = worker_id or default_worker_id()
        self._retry = retry or RetryPolicy()
        self._timer = timer

    @property
    def specs(self) -> tuple[JobSpec, ...]:
        return self._specs

    def register(self, *, starting: bool = False) -> None:
        """Add missing jobs to the table, due now; jobs already there keep their schedule.

        `starting`: a long-running runner starts, so `at_start` jobs are due now too.
        """
        now = self._clock()
        for spec in self._specs:
            self._jobs.ensure(spec.name, interval_s=spec.interval_s, first_due_at=now, now=now)
            if starting and spec.at_start:
                self._jobs.due_by(spec.name, now)

    def run_pending(self) -> list[Outcome]:
        """Run every job due now that no other runner holds; one outcome per job this runner ran."""
        rows = {row.name: row for row in self._jobs.all()}
        outcomes: list[Outcome] = []
        for spec in self._specs:
            row = rows.get(spec.name)
            now = self._clock()
            if row is None or not row.is_due(now):
                continue
            claimed = self._jobs.claim(spec.name, worker=self.worker_id, now=now, lease=spec.lease)
            if claimed is None:
                log.debug("job %s: another runner claimed it first", spec.name)
                continue
            if row.locked_by is not None:
                log.warning("job %s: the lease of %s ran out; running it again here", spec.name, row.locked_by)
            outcomes.append(self._run_claimed(spec, claimed, started_at=now))
        return outcomes

    def run_once(self) -> list[Outcome]:
        """Register the jobs, then run what is due at this moment (`roombot jobs run --once`)."""
        self.register()
        return self.run_pending()

    def next_wake(self) -> datetime | None:
        """The earliest moment one of this runner's jobs may become claimable."""
        known = {spec.name for spec in self._specs}
        moments = [_claimable_at(row) for row in self._jobs.all() if row.name in known]
        return min(moments, default=None)

    def run_forever(self, stop: threading.Event, *, max_wait_s: float = 60.0) -> None:
        """Run due jobs until `stop` is set; a database outage is logged and waited out."""
        registered = False
        while not stop.is_set():
            wake_at: datetime | None = None
            try:
                if not registered:
                    self.register(starting=True)
                    registered = True
                self.run_pending()
                wake_at = self.next_wake()
            except StoreUnavailable as exc:
                log.warning("job runner: %s; trying again shortly", exc)
            except SQLAlchemyError as exc:
                # E.g. the jobs table is missing until `roombot db upgrade` runs: keep the loop, say why.
                log.error("job runner: database error (%s); trying again shortly", type(exc).__name__)
            stop.wait(wait_seconds(now=self._clock(), wake_at=wake_at, max_s=max_wait_s))

    def _run_claimed(self, spec: JobSpec, claimed: JobRecord, *, started_at: datetime) -> Outcome:
        began = self._timer()
        try:
            note = spec.run(started_at)
        except Exception as exc:
            duration = self._timer() - began
            return self._record_failure(spec, claimed, exc, started_at=started_at, duration_s=duration)
        duration = self._timer() - began
        finished_at = self._clock()
        next_due = next_due_after_success(started_at=started_at, finished_at=finished_at, interval_s=spec.interval_s)
        run = JobRun(spec.name, self.worker_id, started_at, finished_at, duration)
        recorded = self._jobs.complete(run, next_due_at=next_due)
        log.info("job %s done in %.2f s%s", spec.name, duration, f": {note}" if note else "")
        return Outcome.of(run, ok=True, note=note, next_due_at=next_due, recorded=recorded)

    def _record_failure(
        self, spec: JobSpec, claimed: JobRecord, exc: Exception, *, started_at: datetime, duration_s: float
    ) -> Outcome:
        error = describe_error(exc)
        attempts = claimed.attempts + 1
        finished_at = self._clock()
        next_due = next_due_after_failure(
            finished_at=finished_at, attempts=attempts, interval_s=spec.interval_s, retry=self._retry
        )
        run = JobRun(spec.name, self.worker_id, started_at, finished_at, duration_s)
        recorded = self._jobs.fail(run, error=error, attempts=attempts, next_due_at=next_due)
        log.warning(
            "job %s failed (%d in a row), next try at %s: %s",
            spec.name,
            attempts,
            next_due.isoformat(timespec="seconds"),
            error,
            exc_info=log.isEnabledFor(logging.DEBUG),
        )
        return Outcome.of(run, ok=False, note=error, next_due_at=next_due, recorded=recorded, attempts=attempts)


class BackgroundRunner:
    """A runner's loop in a daemon thread of a long-lived process (the Socket Mode worker)."""

    def __init__(self, *, runner: Runner, max_wait_s: float = 60.0) -> None:
        self._runner = runner
        self._max_wait_s = max_wait_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> BackgroundRunner:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="roombot-jobs", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask the loop to stop and wait for the job in progress (up to `timeout_s`)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _loop(self) -> None:
        try:
            self._runner.run_forever(self._stop, max_wait_s=self._max_wait_s)
        except Exception:  # pragma: no cover - the loop already catches what it expects
            log.exception("job runner stopped")


def _claimable_at(row: JobRecord) -> datetime:
    if row.locked_until is not None and row.locked_until > row.due_at:
        return row.locked_until
    return row.due_at


__all__ = ["BackgroundRunner", "Outcome", "Runner", "default_worker_id"]
