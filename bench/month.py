"""A month of questions against the simulator, on a fake clock: DingTalk calls against the budget, and data age.

An organisation of `--people` people asks `--per-day` questions each per working day, spread
evenly over working hours (09:00-18:00, Asia/Shanghai). Each person belongs to one of `--groups`
workspace groups that split `--rooms` rooms evenly, and asks about their group: today (half the
questions), tomorrow (three in ten) or later in the week (one in five), for one hour. The whole
pipeline answers (parser, service, schedule cache in SQLite, DingTalk client over HTTP to
`roombot sim` in its own process); only the clock is fake, so a month takes minutes.

It prints the calls by API (from roombot's own counter, checked against what the simulator
served), the calls against the budget, and the median and 90th percentile age of the data shown
in answers. `--baseline` runs the same questions again the way roombot worked before the budget
(a 60 s cache of single days, no budget) for the ratio; `--horizons 1,3,5` compares fetch horizons.

Run: .venv/bin/python bench/month.py [--people 500] [--per-day 0.4] [--rooms 60] [--groups 3] [--budget 4000]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simproc import SimProcess  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.domain.quota import month_key  # noqa: E402
from bot.jobs.host import job_repository  # noqa: E402
from bot.jobs.refresh import REFRESH_SCHEDULES  # noqa: E402
from bot.jobs.registry import default_jobs  # noqa: E402
from bot.jobs.runner import Runner  # noqa: E402
from bot.present.reply import FindReply, TextReply  # noqa: E402
from bot.slack.blocks import DEFAULT_MAX_ROOMS  # noqa: E402
from bot.store import SCOPE_WORKSPACE  # noqa: E402
from bot.usecases.context import (
    CONSOLE_OPERATOR,  # noqa: E402
    Caller,
)
from bot.wiring import Runtime, build_runtime, point_at_simulator  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")
TEAM = "T_MONTH"
ADMIN = "U_ADMIN"
WORK_START, WORK_END = 9, 18
# How long after rooms are queued the refresh job runs (a worker's runner wakes within a minute).
JOB_DELAY = timedelta(seconds=30)
# Endpoints that do not count toward DingTalk's monthly quota.
EXEMPT = {"accessToken", "corpAccessToken", "gettoken", "userGet", "userGetByMobile", "userGetByUnionId", "total"}


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Question:
    at: datetime
    user: str
    group: str
    day: date
    hour: int


@dataclass
class Result:
    label: str
    calls_by_api: dict[str, int]
    served: int
    ages_s: list[float]
    answers: Counter[str]
    seconds: float

    @property
    def calls(self) -> int:
        return sum(self.calls_by_api.values())


def working_days(month_start: date) -> list[date]:
    days, day = [], month_start
    while day.month == month_start.month:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def pick_month(days_wanted: int) -> date:
    """The first month from next month on with exactly `days_wanted` weekdays (22 by default)."""
    today = datetime.now(ZONE).date()
    first = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    for _ in range(24):
        if len(working_days(first)) == days_wanted:
            return first
        first = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first


def questions(args: argparse.Namespace, days: list[date]) -> Iterator[Question]:
    rng = random.Random(args.seed)
    per_day = args.people * args.per_day
    for index, day in enumerate(days):
        count = int(per_day) + (1 if rng.random() < per_day - int(per_day) else 0)
        stamps = sorted(rng.uniform(WORK_START, WORK_END) for _ in range(count))
        for stamp in stamps:
            at = datetime.combine(day, clock_time(0), tzinfo=ZONE) + timedelta(hours=stamp)
            person = rng.randrange(args.people)
            roll = rng.random()
            if roll < 0.5:
                ahead = 0
            elif roll < 0.8:
                ahead = 1
            else:
                ahead = rng.randint(2, 4)
            when = days[min(index + ahead, len(days) - 1)] if ahead else day
            earliest = at.hour + 1 if when == day else WORK_START
            if earliest >= WORK_END:  # nothing left today: the question is about tomorrow
                if index + 1 == len(days):
                    continue  # the month's last evening: that question falls in the next month
                when = days[index + 1]
                earliest = WORK_START
            hour = rng.randint(earliest, WORK_END - 1)
            yield Question(at=at, user=f"U{person:05d}", group=f"G{person % args.groups + 1}", day=when, hour=hour)


def setup(runtime: Runtime, args: argparse.Namespace) -> None:
    """The directory, and `--groups` workspace groups that split the rooms evenly."""
    runtime.service.import_groups(team_id=TEAM, user_id=ADMIN, actor=CONSOLE_OPERATOR)
    rooms = sorted(room.room_id for room in runtime.store.rooms.search(TEAM, "", limit=10_000))[: args.rooms]
    size = math.ceil(len(rooms) / args.groups)
    for number in range(args.groups):
        runtime.store.groups.create(
            TEAM,
            name=f"G{number + 1}",
            scope=SCOPE_WORKSPACE,
            owner_user_id=ADMIN,
            room_refs=rooms[number * size : (number + 1) * size],
        )


def run_month(sim: SimProcess, args: argparse.Namespace, days: list[date], *, label: str, **overrides: object) -> Result:
    sim.reset_stats()
    with tempfile.TemporaryDirectory() as folder:
        start = datetime.combine(days[0], clock_time(8), tzinfo=ZONE)
        clock = FakeClock(start.astimezone(UTC))
        settings = Settings(
            database_url=f"sqlite:///{folder}/month.db",
            monthly_call_budget=args.budget,
            user_fetches_per_hour=args.fair_share,
            deadline_s=10.0,
            # The simulator has no QPS limit and the clock is fake: DingTalk's 20 calls/s would only slow the run.
            qps=10_000.0,
        ).with_overrides(**overrides)
        settings = point_at_simulator(settings, sim)
        began = time.perf_counter()
        ages: list[float] = []
        answers: Counter[str] = Counter()
        with build_runtime(settings, clock=clock) as runtime:
            setup(runtime, args)
            jobs = BackgroundJobs(runtime, clock)
            for question in questions(args, days):
                jobs.run_until(question.at.astimezone(UTC))
                clock.now = question.at.astimezone(UTC)
                text = f"free rooms in {question.group} on {question.day:%b} {question.day.day} {_hours(question.hour)}"
                reply = runtime.service.handle_text(
                    Caller(team_id=TEAM, user_id=question.user, tz=ZONE.key, now=clock.now), text
                )
                if isinstance(reply, FindReply):
                    answers["answered"] += 1
                    # The age the Slack answer states: that of the oldest room it shows (bot.slack.blocks).
                    age = reply.stated_age_s(DEFAULT_MAX_ROOMS)
                    if age is not None and age < 1:
                        answers["fetched for that question"] += 1
                    if age is not None:
                        ages.append(age)
                    for note in reply.notes:
                        if "saved data" in note:
                            answers["from saved data (held)"] += 1
                        if "running low" in note:
                            answers["with the running-low note"] += 1
                elif isinstance(reply, TextReply):
                    answers[f"{reply.kind}: {reply.text[:60]}"] += 1
                else:
                    answers[type(reply).__name__] += 1
                jobs.note_queued()
            answers["refresh jobs run"] = jobs.runs
            assert runtime.quota is not None
            by_api = dict(runtime.quota.calls_by_api(clock.now))
            month = month_key(clock.now, ZONE)
            assert month == f"{days[0]:%Y-%m}"
        served = sum(n for key, n in sim.stats().items() if key not in EXEMPT)
        return Result(label, by_api, served, ages, answers, time.perf_counter() - began)


class BackgroundJobs:
    """The job runner's schedule refresh (`bot.jobs.refresh`), on the fake clock.

    A runner in a worker wakes within a minute of a job falling due; the bench runs the job
    `JOB_DELAY` after the question that queued rooms, or before the next question if that is sooner.
    Only this job runs: the others do not spend calls on searching.
    """

    def __init__(self, runtime: Runtime, clock: FakeClock) -> None:
        specs = default_jobs(store=runtime.store, directory=runtime.dingtalk, settings=runtime.settings)
        self._jobs = job_repository(runtime)
        self._runner = Runner(jobs=self._jobs, specs=[s for s in specs if s.name == REFRESH_SCHEDULES], clock=clock)
        self._runner.register()
        self._clock = clock
        self._queued_at: datetime | None = None
        self.runs = 0

    def note_queued(self) -> None:
        row = self._jobs.get(REFRESH_SCHEDULES)
        if self._queued_at is None and row is not None and row.due_at <= self._clock.now:
            self._queued_at = self._clock.now

    def run_until(self, moment: datetime) -> None:
        if self._queued_at is None:
            return
        self._clock.now = min(self._queued_at + JOB_DELAY, moment)
        self.runs += sum(1 for outcome in self._runner.run_pending() if outcome.note and "refreshed" in outcome.note)
        self._queued_at = None


def run_row(args: argparse.Namespace, days: list[date], label: str, overrides: dict[str, object]) -> Result:
    with SimProcess(rooms=max(args.rooms, 24)) as sim:
        return run_month(sim, args, days, label=label, **overrides)


def _hours(start: int) -> str:
    def word(hour: int) -> str:
        suffix = "am" if hour < 12 else "pm"
        return f"{(hour - 1) % 12 + 1}{suffix}"

    return f"{word(start)}-{word(start + 1)}"


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def report(result: Result, args: argparse.Namespace) -> None:
    print(f"[{result.label}]  ({result.seconds:.0f} s of wall time)")
    apis = ", ".join(f"{api} {calls}" for api, calls in result.calls_by_api.items())
    print(f"  calls by API:   {apis}")
    check = "matches" if result.served == result.calls else f"differs: simulator served {result.served}"
    budget = f" of a budget of {args.budget} ({result.calls / args.budget:.0%})" if args.budget else ""
    print(f"  calls:          {result.calls}{budget}; the simulator's count {check}")
    if result.ages_s:
        ages = sorted(result.ages_s)
        p90 = ages[min(len(ages) - 1, math.ceil(0.9 * len(ages)) - 1)]
        print(
            f"  data age shown: median {_minutes(statistics.median(ages))}, p90 {_minutes(p90)}, "
            f"max {_minutes(ages[-1])}  (over {len(ages)} answers, all in working hours)"
        )
    print(f"  answers:        {dict(result.answers)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--per-day", type=float, default=0.4, help="questions per person per working day")
    parser.add_argument("--rooms", type=int, default=60)
    parser.add_argument("--groups", type=int, default=3)
    parser.add_argument("--budget", type=int, default=4000, help="ROOMBOT_MONTHLY_CALL_BUDGET (0 = no limit)")
    parser.add_argument("--days", type=int, default=22, help="working days in the simulated month")
    parser.add_argument("--horizons", default="", help="also compare these fetch horizons, e.g. 1,3,5,7")
    parser.add_argument("--fair-share", type=int, default=20, help="ROOMBOT_USER_FETCHES_PER_HOUR")
    parser.add_argument("--baseline", action="store_true", help="also run the pre-budget setup (60 s day cache)")
    parser.add_argument("--per-room", action="store_true", help="also run with answers verifying only the rooms they show")
    parser.add_argument(
        "--background-from", type=int, help="also run with questions this many days ahead served stale while refreshed"
    )
    parser.add_argument("--parallel", type=int, default=1, help="months run side by side (one process each)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    first = pick_month(args.days)
    days = working_days(first)
    default_horizon = Settings().fetch_horizon_days
    asked = sum(1 for _ in questions(args, days))
    print(
        f"month: {args.people} people x {args.per_day} questions/day, {args.rooms} rooms in {args.groups} groups, "
        f"{len(days)} working days ({first:%Y-%m}), budget {args.budget or 'none'}, {asked} questions"
    )
    rows: list[tuple[str, dict[str, object]]] = [(f"roombot (horizon {default_horizon} days)", {})]
    if args.background_from is not None:
        label = f"questions {args.background_from}+ days ahead answered at once, refreshed by the job"
        rows.append((label, {"background_from_day": args.background_from}))
    if args.per_room:
        rows.append(("answers verify only the rooms they show", {"verify_shown_rooms": True}))
    for horizon in [int(h) for h in args.horizons.split(",") if h.strip()]:
        if horizon != default_horizon:
            rows.append((f"horizon {horizon} days", {"fetch_horizon_days": horizon}))
    if args.baseline:
        baseline: dict[str, object] = {
            "monthly_call_budget": 0,
            "fetch_horizon_days": 1,
            "cache_ttl_s": 60.0,
            "user_fetches_per_hour": 0,
        }
        rows.append(("baseline: 60 s cache of single days, no budget", baseline))
    # Each row is a month of its own (its own database and simulator): with --parallel they run side by side.
    with ProcessPoolExecutor(max_workers=max(1, args.parallel)) as pool:
        futures = [pool.submit(run_row, args, days, label, overrides) for label, overrides in rows]
        results = [future.result() for future in futures]
    for result in results:
        report(result, args)
    if args.baseline:
        print(f"calls: {results[0].calls / results[-1].calls:.2f}x the baseline's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
