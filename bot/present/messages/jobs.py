"""Sentences: background jobs (roombot jobs run, roombot jobs list)."""

from __future__ import annotations

from datetime import UTC, datetime


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def _every(seconds: float) -> str:
    if seconds % 86400 == 0:
        return f"every {int(seconds // 86400)} d"
    if seconds % 3600 == 0:
        return f"every {int(seconds // 3600)} h"
    if seconds % 60 == 0:
        return f"every {int(seconds // 60)} min"
    return f"every {int(seconds)} s"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def jobs_pruned_events(deleted: int) -> str:
    return f"deleted {_count(deleted, 'processed Slack event', 'processed Slack events')}"


def jobs_pruned_schedules(deleted: int) -> str:
    return f"deleted {_count(deleted, 'cached schedule', 'cached schedules')}"


def jobs_directories_refreshed(refreshed: int, teams: int) -> str:
    if teams == 0:
        return "no workspace to refresh yet"
    return f"refreshed {refreshed} of {_count(teams, 'room directory', 'room directories')}"


def jobs_nothing_due(now: datetime) -> str:
    return f"no job was due at {_utc(now)}"


def jobs_ran(name: str, duration_s: float, note: str | None) -> str:
    detail = f": {note}" if note else ""
    return f"{name}: done in {duration_s:.2f} s{detail}"


def jobs_failed(name: str, attempts: int, next_due_at: datetime | None, error: str | None) -> str:
    retry = f", next try at {_utc(next_due_at)}" if next_due_at else ""
    return f"{name}: failed ({_count(attempts, 'time', 'times')} in a row{retry}): {error or 'unknown error'}"


def jobs_lease_lost(name: str) -> str:
    return f"{name}: ran too long; another runner took it over, so this result was not recorded"


def jobs_runner_started(worker: str) -> str:
    return f"job runner {worker} started; stop it with Ctrl-C"


def jobs_list_entry(
    *,
    name: str,
    every_s: float | None,
    now: datetime,
    due_at: datetime | None,
    locked_by: str | None,
    locked_until: datetime | None,
    last_run_at: datetime | None,
    last_status: str | None,
    last_duration_s: float | None,
    attempts: int,
    last_error: str | None,
    last_error_at: datetime | None,
) -> str:
    """One job of `roombot jobs list`: a title line, then when it is due, its last run and last error."""
    title = name if every_s is None else f"{name} ({_every(every_s)})"
    if not due_at:
        due = "now (not run yet)"
    elif locked_by and locked_until and locked_until > now:
        due = f"running on {locked_by} (lease until {_utc(locked_until)})"
    else:
        due = "now" if due_at <= now else _utc(due_at)
    if last_run_at is None:
        last_run = "never"
    else:
        took = f" in {last_duration_s:.2f} s" if last_duration_s is not None else ""
        status = last_status or "unknown"
        if last_status == "failed":
            status = f"failed ({_count(attempts, 'time', 'times')} in a row)"
        last_run = f"{_utc(last_run_at)}, {status}{took}"
    error = "none" if not last_error else f"{_utc(last_error_at)}: {last_error}" if last_error_at else last_error
    return f"{title}\n  due:        {due}\n  last run:   {last_run}\n  last error: {error}"
