"""The job runner on a real database (SQLite, and Postgres when configured).

A due job is claimed by exactly one of several threads or processes; failures are kept and
retried with backoff; a dead process's lease runs out and another runner takes over; the prune
jobs delete exactly the old rows; `roombot jobs run --once` and `roombot jobs list` work on a fresh
database.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.commands.jobs import run as run_jobs_command
from bot.config import Settings
from bot.dingtalk import DingTalkClient
from bot.domain.models import RoomSchedule
from bot.jobs.registry import (
    PRUNE_PROCESSED_EVENTS,
    PRUNE_SCHEDULE_CACHE,
    RECONCILE_BOOKINGS,
    REFRESH_ROOM_DIRECTORY,
    RELEASE_NO_SHOWS,
    SEND_REMINDERS,
    SWEEP_ORPHAN_EVENTS,
    WATCH_QUOTA,
    default_jobs,
)
from bot.jobs.runner import BackgroundRunner, Runner
from bot.jobs.schedule import JobSpec, RetryPolicy
from bot.sim import Simulator
from bot.store import Store, make_session_factory
from bot.store import models as m
from bot.store.jobs import JOB_FAILED, JOB_OK, JobRepository, JobRun
from tests.integration.conftest import T1, T2, Clock

REPO = Path(__file__).resolve().parents[2]
HOUR = timedelta(hours=1)


@pytest.fixture
def jobs(engine: Engine) -> JobRepository:
    return JobRepository(session_factory=make_session_factory(engine))


def counting_job(name: str, runs: list[datetime], *, interval: timedelta = HOUR) -> JobSpec:
    def run(now: datetime) -> str:
        runs.append(now)
        return f"run {len(runs)}"

    return JobSpec(name=name, interval=interval, run=run)


# --- atomic claims ---------------------------------------------------------------------------


def test_a_due_job_is_claimed_by_exactly_one_of_many_threads(jobs: JobRepository, clock: Clock) -> None:
    names = [f"job-{i}" for i in range(5)]
    for name in names:
        jobs.ensure(name, interval_s=3600, first_due_at=clock(), now=clock())
    threads_per_job = 6
    barrier = threading.Barrier(threads_per_job)
    winners: dict[str, list[str]] = {name: [] for name in names}
    errors: list[BaseException] = []

    def contend(worker: str) -> None:
        try:
            for name in names:
                barrier.wait()
                if jobs.claim(name, worker=worker, now=clock(), lease=timedelta(minutes=5)) is not None:
                    winners[name].append(worker)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=contend, args=(f"w{i}",)) for i in range(threads_per_job)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert all(len(won) == 1 for won in winners.values()), winners
    for name, won in winners.items():
        record = jobs.get(name)
        assert record is not None and record.locked_by == won[0]


def test_runners_starting_together_register_each_job_once(jobs: JobRepository, clock: Clock) -> None:
    runs: list[datetime] = []
    specs = [counting_job("a", runs), counting_job("b", runs)]
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def start(worker: str) -> None:
        try:
            barrier.wait()
            Runner(jobs=jobs, specs=specs, clock=clock, worker_id=worker).register()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert [(job.name, job.due_at, job.attempts) for job in jobs.all()] == [("a", clock(), 0), ("b", clock(), 0)]


def test_two_runners_in_threads_run_a_due_job_once(jobs: JobRepository, clock: Clock) -> None:
    runs: list[datetime] = []
    started, release = threading.Event(), threading.Event()

    def slow(now: datetime) -> None:
        runs.append(now)
        started.set()
        release.wait(10)

    spec = JobSpec(name="slow", interval=HOUR, run=slow)
    first = Runner(jobs=jobs, specs=[spec], clock=clock, worker_id="first")
    second = Runner(jobs=jobs, specs=[spec], clock=clock, worker_id="second")
    first.register()
    thread = threading.Thread(target=first.run_pending)
    thread.start()
    assert started.wait(10)

    assert second.run_once() == []  # held by the first runner

    release.set()
    thread.join(10)
    assert len(runs) == 1
    assert second.run_pending() == []  # done, and not due again for an hour


CLAIMER = """
import json, os, sys
from datetime import datetime, timedelta
from bot.store.db import make_engine, make_session_factory
from bot.store.jobs import JobRepository

url, now = sys.argv[1], datetime.fromisoformat(sys.argv[2])
engine = make_engine(url)
jobs = JobRepository(session_factory=make_session_factory(engine))
names = [job.name for job in jobs.all()]
print("ready", flush=True)
sys.stdin.readline()
worker = f"process-{os.getpid()}"
won = [name for name in names if jobs.claim(name, worker=worker, now=now, lease=timedelta(minutes=5))]
print(json.dumps(won), flush=True)
engine.dispose()
"""


def test_due_jobs_are_shared_out_between_processes_never_run_twice(
    database_url: str, jobs: JobRepository, clock: Clock
) -> None:
    names = [f"job-{i:02d}" for i in range(30)]
    for name in names:
        jobs.ensure(name, interval_s=3600, first_due_at=clock(), now=clock())
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMER, database_url, clock().isoformat()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        for _ in range(3)
    ]
    try:
        for process in processes:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        claimed = [json.loads(process.communicate(timeout=60)[0].strip().splitlines()[-1]) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    assert all(process.returncode == 0 for process in processes)
    every_claim = [name for won in claimed for name in won]
    assert sorted(every_claim) == names  # each job claimed once, by one process
    holders = {job.name: job.locked_by for job in jobs.all()}
    assert len(set(holders.values())) >= 1 and None not in holders.values()


# --- failures, backoff and leases -------------------------------------------------------------


def test_a_failing_job_is_retried_with_backoff_and_its_last_error_kept(jobs: JobRepository, clock: Clock) -> None:
    calls: list[datetime] = []

    def flaky(now: datetime) -> str:
        calls.append(now)
        if len(calls) <= 2:
            raise RuntimeError(f"boom {len(calls)}")
        return "fine"

    spec = JobSpec(name="flaky", interval=HOUR, run=flaky)
    runner = Runner(jobs=jobs, specs=[spec], clock=clock, worker_id="w", retry=RetryPolicy(base_s=30, factor=2))
    start = clock()

    [first] = runner.run_once()
    assert (first.ok, first.attempts, first.note) == (False, 1, "RuntimeError: boom 1")
    row = jobs.get("flaky")
    assert row is not None
    assert (row.attempts, row.last_status, row.last_error, row.last_error_at) == (
        1,
        JOB_FAILED,
        "RuntimeError: boom 1",
        start,
    )
    assert row.due_at == start + timedelta(seconds=30)
    assert row.locked_by is None and row.locked_until is None

    clock.advance(seconds=29)
    assert runner.run_pending() == []
    clock.advance(seconds=1)
    [second] = runner.run_pending()
    assert (second.ok, second.attempts) == (False, 2)
    row = jobs.get("flaky")
    assert row is not None and row.due_at == clock() + timedelta(seconds=60)
    assert row.last_error == "RuntimeError: boom 2"

    clock.advance(seconds=60)
    [third] = runner.run_pending()
    assert (third.ok, third.note) == (True, "fine")
    row = jobs.get("flaky")
    assert row is not None
    assert (row.attempts, row.last_status, row.last_run_at) == (0, JOB_OK, clock())
    assert row.last_error == "RuntimeError: boom 2"  # the last error stays visible after a success
    assert row.due_at == clock() + HOUR
    assert len(calls) == 3


def test_the_lease_of_a_dead_process_runs_out_and_another_runner_takes_over(jobs: JobRepository, clock: Clock) -> None:
    runs: list[datetime] = []
    spec = counting_job("prune", runs)
    survivor = Runner(jobs=jobs, specs=[spec], clock=clock, worker_id="survivor")
    survivor.register()
    claimed_at = clock()
    # A process claims the job, then dies without completing it.
    assert jobs.claim("prune", worker="dead", now=claimed_at, lease=spec.lease) is not None

    clock.now = claimed_at + spec.lease - timedelta(seconds=1)
    assert survivor.run_pending() == []
    assert runs == []

    clock.now = claimed_at + spec.lease
    [outcome] = survivor.run_pending()
    assert outcome.ok and outcome.recorded
    assert runs == [clock()]

    # The dead process coming back late cannot overwrite the newer run.
    late = jobs.complete(JobRun("prune", "dead", claimed_at, clock(), 1.0), next_due_at=claimed_at)
    assert late is False
    row = jobs.get("prune")
    assert row is not None
    assert (row.locked_by, row.last_run_at, row.due_at) == (None, clock(), clock() + HOUR)


def test_registering_again_keeps_the_schedule_and_updates_the_interval(jobs: JobRepository, clock: Clock) -> None:
    runs: list[datetime] = []
    Runner(jobs=jobs, specs=[counting_job("a", runs)], clock=clock).run_once()
    due = clock() + HOUR
    clock.advance(minutes=5)
    Runner(jobs=jobs, specs=[counting_job("a", runs, interval=2 * HOUR)], clock=clock).run_once()
    row = jobs.get("a")
    assert row is not None
    assert (row.due_at, row.interval_s, len(runs)) == (due, 7200, 1)


def test_the_background_loop_runs_due_jobs_and_stops_when_asked(jobs: JobRepository) -> None:
    ran = threading.Event()

    def job(now: datetime) -> None:
        ran.set()

    background = BackgroundRunner(runner=Runner(jobs=jobs, specs=[JobSpec(name="bg", interval=HOUR, run=job)])).start()
    try:
        assert ran.wait(10)
    finally:
        background.stop(timeout_s=10)
    row = jobs.get("bg")
    assert row is not None and row.last_status == JOB_OK and row.locked_by is None


# --- the prune jobs ------------------------------------------------------------------------------


def run_default_job(store: Store, jobs: JobRepository, clock: Clock, name: str) -> str | None:
    specs = [spec for spec in default_jobs(store=store, directory=None, settings=Settings()) if spec.name == name]
    [outcome] = Runner(jobs=jobs, specs=specs, clock=clock).run_once()
    assert outcome.ok, outcome.note
    return outcome.note


def event_ids(engine: Engine) -> set[tuple[str, str]]:
    with engine.connect() as connection:
        return {(row.team_id, row.event_id) for row in connection.execute(select(m.ProcessedEvent))}


def test_pruning_processed_events_deletes_exactly_those_older_than_a_day(
    synced: Store, jobs: JobRepository, engine: Engine, clock: Clock
) -> None:
    start = clock()
    synced.events.mark_processed(T1, "Ev-old", start - timedelta(days=2))
    synced.events.mark_processed(T2, "Ev-old", start - timedelta(days=1, seconds=1))
    synced.events.mark_processed(T1, "Ev-edge", start - timedelta(days=1))
    synced.events.mark_processed(T2, "Ev-new", start - timedelta(hours=1))

    note = run_default_job(synced, jobs, clock, PRUNE_PROCESSED_EVENTS)

    assert note == "deleted 2 processed Slack events"
    assert event_ids(engine) == {(T1, "Ev-edge"), (T2, "Ev-new")}


def test_pruning_the_schedule_cache_deletes_exactly_the_stale_rows(
    synced: Store, jobs: JobRepository, engine: Engine, clock: Clock
) -> None:
    start = clock()
    day = datetime(2025, 3, 10, tzinfo=UTC)
    windows = [(day + timedelta(days=i), day + timedelta(days=i + 1)) for i in range(3)]
    # Rows are kept a week: answers held by the monthly budget are served from them whatever their age.
    synced.schedules.put(T1, *windows[0], [RoomSchedule("r-k2")], fetched_at=start - timedelta(days=9))
    synced.schedules.put(T2, *windows[1], [RoomSchedule("r-k2")], fetched_at=start - timedelta(days=7, seconds=1))
    synced.schedules.put(T1, *windows[2], [RoomSchedule("r-k2")], fetched_at=start - timedelta(days=6))
    synced.schedules.put(T2, *windows[2], [RoomSchedule("r-cafe")], fetched_at=start)

    note = run_default_job(synced, jobs, clock, PRUNE_SCHEDULE_CACHE)

    assert note == "deleted 2 cached schedules"
    with engine.connect() as connection:
        kept = {(row.team_id, row.room_id, row.fetched_at) for row in connection.execute(select(m.ScheduleCacheEntry))}
    assert kept == {(T1, "r-k2", start - timedelta(days=6)), (T2, "r-cafe", start)}


def test_the_directory_refresh_syncs_only_directories_about_to_go_stale(
    store: Store, jobs: JobRepository, sim: Simulator, clock: Clock
) -> None:
    settings = Settings(dingtalk_operator_union_id=sim.operator_union_id, directory_max_age_s=24 * 3600)
    start = clock()
    store.rooms.upsert(T1, [], start - timedelta(hours=23, minutes=30))  # stale within the next hour
    store.rooms.upsert(T2, [], start - timedelta(hours=2))  # fresh
    with DingTalkClient(base_url=sim.url, app_key=sim.app_key, app_secret=sim.app_secret) as client:
        specs = default_jobs(store=store, directory=client, settings=settings)
        refresh = [spec for spec in specs if spec.name == REFRESH_ROOM_DIRECTORY]
        outcomes = Runner(jobs=jobs, specs=refresh, clock=clock).run_once()

    assert [(o.ok, o.note) for o in outcomes] == [(True, "refreshed 1 of 2 room directories")]
    assert store.rooms.synced_at(T1) == start
    assert len(store.rooms.all(T1)) == 24
    assert store.rooms.synced_at(T2) == start - timedelta(hours=2)
    assert store.rooms.all(T2) == []


def test_a_failing_directory_refresh_is_recorded_for_a_retry(
    store: Store, jobs: JobRepository, sim: Simulator, clock: Clock
) -> None:
    settings = Settings(dingtalk_operator_union_id=sim.operator_union_id)
    store.rooms.upsert(T1, [], clock() - timedelta(days=2))
    with DingTalkClient(base_url=sim.url, app_key=sim.app_key, app_secret="wrong-secret") as client:
        specs = default_jobs(store=store, directory=client, settings=settings)
        refresh = [spec for spec in specs if spec.name == REFRESH_ROOM_DIRECTORY]
        [outcome] = Runner(jobs=jobs, specs=refresh, clock=clock).run_once()

    assert not outcome.ok and outcome.attempts == 1
    row = jobs.get(REFRESH_ROOM_DIRECTORY)
    assert row is not None and row.last_status == JOB_FAILED and row.last_error
    assert "wrong-secret" not in row.last_error
    assert row.due_at == clock() + timedelta(seconds=30)


def test_the_directory_refresh_skips_without_dingtalk(synced: Store, jobs: JobRepository, clock: Clock) -> None:
    assert run_default_job(synced, jobs, clock, REFRESH_ROOM_DIRECTORY) == "skipped: DingTalk is not configured"


# --- the command line ------------------------------------------------------------------------------


def command(url: str, *argv: str) -> tuple[int, str, str]:
    args = argparse.Namespace(action=argv[0], once="--once" in argv, now=None)
    if "--now" in argv:
        args.now = argv[argv.index("--now") + 1]
    out, err = io.StringIO(), io.StringIO()
    code = run_jobs_command(args, out=out, err=err, environ={"DATABASE_URL": url})
    return code, out.getvalue(), err.getvalue()


def test_jobs_run_once_at_a_given_moment_then_jobs_list(database_url: str) -> None:
    # A moment in the future, so that `jobs list` (on the real clock) shows the next run as a time.
    code, out, err = command(database_url, "run", "--once", "--now", "2099-12-02T10:00:00+00:00")
    assert (code, err) == (0, "")
    assert [re.sub(r"done in \d+\.\d\d s", "done in N s", line) for line in out.splitlines()] == [
        "prune-processed-events: done in N s: deleted 0 processed Slack events",
        "prune-schedule-cache: done in N s: deleted 0 cached schedules",
        "refresh-room-directory: done in N s: skipped: DingTalk is not configured",
        "watch-quota: done in N s: budget on track (or admins already told)",
        "reconcile-bookings: done in N s: skipped: DingTalk is not configured",
        "sweep-orphan-events: done in N s: skipped: DingTalk is not configured",
        "send-reminders: done in N s: 0 reminders sent; 0 DingTalk calls",
        "release-no-shows: done in N s: 0 rooms released; 0 DingTalk calls",
    ]

    code, out, err = command(database_url, "run", "--once", "--now", "2099-12-02T10:00:30+00:00")
    assert (code, out.strip(), err) == (0, "no job was due at 2099-12-02 10:00:30 UTC", "")

    code, out, err = command(database_url, "list")
    assert (code, err) == (0, "")
    blocks = [block.splitlines() for block in out.strip().split("\n\n")]
    assert [block[0] for block in blocks] == [
        "prune-processed-events (every 1 h)",
        "prune-schedule-cache (every 1 h)",
        "refresh-room-directory (every 1 h)",
        "watch-quota (every 1 h)",
        "reconcile-bookings (every 3 min)",
        "sweep-orphan-events (every 6 h)",
        "send-reminders (every 1 min)",
        "release-no-shows (every 1 min)",
    ]
    due_at = {"reconcile-bookings": "10:03:00", "sweep-orphan-events": "16:00:00"}
    due_at |= {"send-reminders": "10:01:00", "release-no-shows": "10:01:00"}
    for block in blocks:
        due = due_at.get(block[0].split()[0], "11:00:00")
        assert block[1] == f"  due:        2099-12-02 {due} UTC"
        assert block[2].startswith("  last run:   2099-12-02 10:00:00 UTC, ok in ")
        assert block[3] == "  last error: none"


def test_jobs_run_rejects_a_bad_now(database_url: str) -> None:
    code, out, err = command(database_url, "run", "--once", "--now", "tomorrow-ish")
    assert (code, out) == (2, "")
    assert "--now must be an ISO 8601 time" in err


def test_roombot_jobs_run_once_on_a_fresh_sqlite_database_exits_0(tmp_path: Path) -> None:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "DINGTALK_", "ROOMBOT_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(PYTHONPATH=str(REPO), DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.db'}")

    def roombot(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *argv], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
        )

    ran = roombot("jobs", "run", "--once")
    assert ran.returncode == 0, ran.stderr
    assert [line.split(":")[0] for line in ran.stdout.splitlines()] == [
        PRUNE_PROCESSED_EVENTS,
        PRUNE_SCHEDULE_CACHE,
        REFRESH_ROOM_DIRECTORY,
        WATCH_QUOTA,
        RECONCILE_BOOKINGS,
        SWEEP_ORPHAN_EVENTS,
        SEND_REMINDERS,
        RELEASE_NO_SHOWS,
    ]
    listed = roombot("jobs", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("last error: none") == 8
