"""Pure scheduling of background jobs: backoff, next due times, idle waits, and how jobs are worded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.cli import build_parser
from bot.config import Settings
from bot.errors import ConfigError
from bot.jobs.schedule import (
    JobSpec,
    RetryPolicy,
    describe_error,
    next_due_after_failure,
    next_due_after_success,
    wait_seconds,
)
from bot.present import messages

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def test_backoff_doubles_from_the_base() -> None:
    retry = RetryPolicy(base_s=30, factor=2, max_s=3600)
    delays = [retry.delay(attempts, interval_s=86400).total_seconds() for attempts in (1, 2, 3, 4, 5)]
    assert delays == [30, 60, 120, 240, 480]


def test_backoff_never_exceeds_the_cap_nor_the_interval() -> None:
    retry = RetryPolicy(base_s=30, factor=2, max_s=3600)
    assert retry.delay(8, interval_s=86400) == timedelta(seconds=3600)
    assert retry.delay(3, interval_s=100) == timedelta(seconds=100)
    assert retry.delay(1, interval_s=10) == timedelta(seconds=10)


def test_backoff_after_very_many_failures_stays_finite() -> None:
    assert RetryPolicy().delay(10_000, interval_s=3600) == timedelta(hours=1)


def test_after_a_failure_the_next_try_waits_the_backoff() -> None:
    due = next_due_after_failure(finished_at=NOW, attempts=2, interval_s=3600, retry=RetryPolicy(base_s=30))
    assert due == NOW + timedelta(seconds=60)


def test_after_a_success_the_job_keeps_its_rhythm() -> None:
    later = NOW + timedelta(seconds=5)
    assert next_due_after_success(started_at=NOW, finished_at=later, interval_s=3600) == NOW + timedelta(hours=1)


def test_a_run_longer_than_its_interval_is_due_when_it_ends_not_in_the_past() -> None:
    later = NOW + timedelta(hours=2)
    assert next_due_after_success(started_at=NOW, finished_at=later, interval_s=3600) == later


@pytest.mark.parametrize(
    ("wake_in_s", "expected"),
    [(None, 60.0), (-30.0, 1.0), (0.2, 1.0), (12.5, 12.5), (600.0, 60.0)],
)
def test_the_idle_loop_waits_until_the_next_job_within_bounds(wake_in_s: float | None, expected: float) -> None:
    wake_at = None if wake_in_s is None else NOW + timedelta(seconds=wake_in_s)
    assert wait_seconds(now=NOW, wake_at=wake_at, min_s=1.0, max_s=60.0) == expected


def test_the_error_kept_is_the_type_and_the_message_on_one_line() -> None:
    assert describe_error(RuntimeError("boom\n  at line 3")) == "RuntimeError: boom at line 3"
    assert describe_error(KeyError()) == "KeyError"


def test_a_spec_interval_is_whole_seconds_and_at_least_one() -> None:
    assert JobSpec(name="a", interval=timedelta(hours=1), run=lambda now: None).interval_s == 3600
    assert JobSpec(name="b", interval=timedelta(0), run=lambda now: None).interval_s == 1


def test_the_worker_runs_jobs_unless_turned_off() -> None:
    assert Settings.from_env({}).run_jobs_in_worker is True
    assert Settings.from_env({"ROOMBOT_RUN_JOBS_IN_WORKER": "off"}).run_jobs_in_worker is False
    assert Settings.from_env({"ROOMBOT_RUN_JOBS_IN_WORKER": "1"}).run_jobs_in_worker is True
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"ROOMBOT_RUN_JOBS_IN_WORKER": "sometimes"})
    assert caught.value.variable == "ROOMBOT_RUN_JOBS_IN_WORKER"


def test_the_jobs_command_line() -> None:
    parser = build_parser()
    once = parser.parse_args(["jobs", "run", "--once", "--now", "2026-12-02T10:00+00:00"])
    assert (once.command, once.action, once.once, once.now) == ("jobs", "run", True, "2026-12-02T10:00+00:00")
    loop = parser.parse_args(["jobs", "run"])
    assert (loop.once, loop.now) == (False, None)
    assert parser.parse_args(["jobs", "list"]).action == "list"
    with pytest.raises(SystemExit):
        parser.parse_args(["jobs"])


def entry(**overrides: object) -> str:
    values: dict[str, object] = {
        "name": "prune-processed-events",
        "every_s": 3600,
        "now": NOW,
        "due_at": NOW + timedelta(minutes=30),
        "locked_by": None,
        "locked_until": None,
        "last_run_at": NOW - timedelta(minutes=30),
        "last_status": "ok",
        "last_duration_s": 0.25,
        "attempts": 0,
        "last_error": None,
        "last_error_at": None,
    }
    values.update(overrides)
    return messages.jobs_list_entry(**values)  # type: ignore[arg-type]


def test_a_listed_job_shows_when_it_is_due_its_last_run_and_last_error() -> None:
    assert entry().splitlines() == [
        "prune-processed-events (every 1 h)",
        "  due:        2026-12-02 10:30:00 UTC",
        "  last run:   2026-12-02 09:30:00 UTC, ok in 0.25 s",
        "  last error: none",
    ]


def test_a_listed_failing_job_shows_its_failures_and_the_error() -> None:
    lines = entry(
        last_status="failed", attempts=3, last_error="DingTalkError: busy", last_error_at=NOW - timedelta(minutes=30)
    ).splitlines()
    assert lines[2] == "  last run:   2026-12-02 09:30:00 UTC, failed (3 times in a row) in 0.25 s"
    assert lines[3] == "  last error: 2026-12-02 09:30:00 UTC: DingTalkError: busy"


def test_a_listed_job_that_never_ran_or_is_running_says_so() -> None:
    never = entry(due_at=None, last_run_at=None, last_status=None, last_duration_s=None).splitlines()
    assert never[1:3] == ["  due:        now (not run yet)", "  last run:   never"]
    running = entry(locked_by="host:12:ab", locked_until=NOW + timedelta(minutes=5), due_at=NOW).splitlines()
    assert running[1] == "  due:        running on host:12:ab (lease until 2026-12-02 10:05:00 UTC)"
    assert entry(due_at=NOW - timedelta(minutes=1)).splitlines()[1] == "  due:        now"


def test_the_booking_lease_must_outlast_a_bookings_dingtalk_calls() -> None:
    assert Settings.from_env({}).booking_lease_s == 180
    assert Settings.from_env({"ROOMBOT_BOOKING_LEASE_S": "40", "ROOMBOT_DEADLINE_S": "10"}).booking_lease_s == 40
    with pytest.raises(ConfigError) as short:
        Settings.from_env({"ROOMBOT_BOOKING_LEASE_S": "60", "ROOMBOT_DEADLINE_S": "20"})
    assert short.value.variable == "ROOMBOT_BOOKING_LEASE_S"
