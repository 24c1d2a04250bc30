"""The monthly DingTalk call budget, end to end: real HTTP to the simulator, a real database.

The simulator's own per-endpoint counts are the truth the database counter is checked against
(the token and contact endpoints do not count toward DingTalk's quota; everything else does).
The clock is injected, so a month passes without waiting.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.domain.quota import month_key
from bot.present.actions import REFRESH
from bot.present.reply import FindReply, Reply, TextReply
from bot.sim import Simulator
from bot.store import make_engine, make_session_factory
from bot.store.quota import QuotaRepository
from bot.usecases.bookings.service import BookingAsk
from bot.usecases.context import CONSOLE_OPERATOR, Caller
from bot.wiring import Runtime, build_runtime, point_at_simulator
from tests.integration.conftest import Clock
from tests.runtimes import simulator_environ

REPO = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
TEAM, USER, COLLEAGUE = "T_QUOTA", "U_ASKER", "U_COLLEAGUE"
# Endpoints DingTalk does not count toward the monthly quota: the token and the old-style contact APIs.
EXEMPT = {"accessToken", "corpToken", "gettoken", "userGet", "userGetByMobile", "userGetByUnionId"}


def counted_by_sim(sim: Simulator) -> dict[str, int]:
    """The quota-counted calls the simulator served, per endpoint."""
    return {key: n for key, n in sim.stats().items() if key != "total" and key not in EXEMPT and n}


def counted_in_db(database_url: str, org: str, month: str) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        return QuotaRepository(session_factory=make_session_factory(engine)).calls_by_api(org, month)
    finally:
        engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 10, 2, 0, tzinfo=UTC))  # Tuesday 10:00 in Shanghai


def make_runtime(sim: Simulator, database_url: str, clock: Clock, **settings: Any) -> Runtime:
    # One day a fetch unless a test says otherwise: most tests count the calls of one day's question.
    base = Settings(database_url=database_url, deadline_s=3.0, **{"fetch_horizon_days": 1, **settings})
    runtime = build_runtime(point_at_simulator(base, sim), clock=clock)
    reply = runtime.service.import_groups(team_id=TEAM, user_id=USER, actor=CONSOLE_OPERATOR)
    assert isinstance(reply, TextReply) and reply.kind == "success", reply
    return runtime


@pytest.fixture
def runtime(sim: Simulator, database_url: str, clock: Clock) -> Iterator[Runtime]:
    with make_runtime(sim, database_url, clock, monthly_call_budget=1000) as built:
        yield built


def ask(runtime: Runtime, text: str, *, user: str = USER) -> Reply:
    return runtime.service.handle_text(Caller(team_id=TEAM, user_id=user, tz=SHANGHAI.key), text)


def refresh(runtime: Runtime, reply: Reply, *, user: str = USER) -> Reply:
    assert isinstance(reply, FindReply)
    value = next(b.value for b in reply.buttons if REFRESH.matches(b.action_id))
    return runtime.service.refresh(Caller(team_id=TEAM, user_id=user, tz=SHANGHAI.key), value)


def notes(reply: Reply) -> str:
    assert isinstance(reply, FindReply), reply
    return " ".join(reply.notes)


# --- the counter ------------------------------------------------------------------------------


def test_two_processes_add_to_one_count_that_matches_what_dingtalk_served(sim: Simulator, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        **simulator_environ(sim, database_url),
        "ROOMBOT_FETCH_HORIZON_DAYS": "1",
    }

    def roombot(*argv: str) -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "bot.cli", *argv]
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    imported = roombot("ask", "--team", TEAM, "group import")
    out, err = imported.communicate(timeout=60)
    assert imported.returncode == 0, out + err
    # Two processes at once, each asking about a day of its own.
    both = [roombot("ask", "--team", TEAM, f"free rooms on Dec {day} 2-3pm") for day in (14, 15)]
    for process in both:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, out + err

    month = month_key(datetime.now(UTC), SHANGHAI)
    served = counted_by_sim(sim)
    assert served["schedules"] >= 2 * 5  # 24 rooms: at least 5 calls per question
    assert counted_in_db(database_url, sim.app_key, month) == served

    report = subprocess.run([sys.executable, "-m", "bot.cli", "quota"], env=env, capture_output=True, text=True, timeout=60)
    assert report.returncode == 0, report.stderr
    assert re.search(rf"^  schedules +{served['schedules']}$", report.stdout, re.MULTILINE), report.stdout
    assert f"total {sum(served.values())} of a budget of 4000" in report.stdout


def test_retries_count_too(runtime: Runtime, sim: Simulator, database_url: str, clock: Clock) -> None:
    sim.reset_stats()
    sim.inject_fault("schedules", status=503, code="systemError", count=2)  # two attempts refused, then retried

    assert isinstance(ask(runtime, "free rooms tomorrow 2-3pm"), FindReply)

    served = counted_by_sim(sim)
    month = month_key(clock(), SHANGHAI)
    counted = counted_in_db(database_url, sim.app_key, month)
    assert counted["schedules"] == served["schedules"] == 5 + 2  # 24 rooms in 5 calls, plus the 2 refused


def test_a_new_month_starts_a_new_count(runtime: Runtime, sim: Simulator, database_url: str, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 30, 15, 50, tzinfo=UTC)  # 23:50 on 30 November in Shanghai
    assert isinstance(ask(runtime, "free rooms on Dec 1 2-3pm"), FindReply)
    november = counted_in_db(database_url, sim.app_key, "2026-11")
    assert november["schedules"] == 5

    clock.advance(minutes=20)  # 00:10 on 1 December in Shanghai (still 30 November in UTC)
    sim.reset_stats()
    assert isinstance(ask(runtime, "free rooms on Dec 2 2-3pm"), FindReply)

    assert counted_in_db(database_url, sim.app_key, "2026-12") == counted_by_sim(sim)
    assert counted_in_db(database_url, sim.app_key, "2026-11") == november
    assert runtime.quota is not None
    status = runtime.quota.status()
    assert (status.month, status.used) == ("2026-12", sum(counted_by_sim(sim).values()))


# --- the budget -------------------------------------------------------------------------------


def test_budget_nearly_spent_answers_from_the_cache_and_bookings_use_the_reserve(
    sim: Simulator, database_url: str, clock: Clock
) -> None:
    with make_runtime(sim, database_url, clock, monthly_call_budget=200, budget_reserve=0.1) as runtime:
        first = ask(runtime, "free rooms tomorrow 2-3pm")
        assert isinstance(first, FindReply)
        assert runtime.quota is not None
        # Searching may spend 180 of the 200 calls: count the rest of the searching part as spent.
        used = runtime.quota.status().used
        QuotaRepository(session_factory=make_session_factory(runtime.engine)).add_calls(
            sim.app_key, "2026-11", "schedules", 180 - used
        )
        clock.advance(hours=3)
        sim.reset_stats()

        again = ask(runtime, "free rooms tomorrow 2-3pm")

        assert sim.stats().get("schedules", 0) == 0
        assert isinstance(again, FindReply)
        assert again.data_age_s == pytest.approx(3 * 3600)
        assert "Searching has used its share of this month's DingTalk calls" in notes(again)
        assert "checked 3 h ago" in notes(again)
        # Data about a day never fetched cannot be answered, and says so kindly.
        unknown = ask(runtime, "free rooms on Nov 20 2-3pm")
        assert isinstance(unknown, TextReply) and unknown.kind == "info"
        assert "You can still book a room by name" in unknown.text

        fitting = next(result for result in again.results if result.assessment.fits)
        bookable = fitting.assessment.bookable
        assert bookable is not None
        booked = runtime.service.book(
            Caller(team_id=TEAM, user_id=USER, tz=SHANGHAI.key, user_name="Asker"),
            BookingAsk(
                room_id=fitting.room.room_id, start=bookable.start, end=bookable.end, idempotency_key="quota-reserve-1"
            ),
        )

        assert isinstance(booked, FindReply) and booked.intro_kind == "success", booked
        assert sim.stats()["createEvent"] == 1 and sim.stats()["addMeetingRooms"] == 1
        # The answer after booking comes from the cache, which learnt the booking at once.
        assert sim.stats().get("schedules", 0) == 0
        mine = booked.results[0]
        assert mine.room.room_id == fitting.room.room_id and mine.booked_by == "Asker"
        assert not mine.assessment.fits
        assert runtime.quota.status().used > 180  # the booking spent from the reserve


def test_dingtalk_quota_error_gives_cached_answers_and_says_when_search_works_again(
    sim: Simulator, database_url: str, clock: Clock
) -> None:
    # Every room in one free/busy call, so the month's one call left answers a whole question.
    sim.configure(max_rooms_per_call=30)
    with make_runtime(sim, database_url, clock, batch_size=30) as runtime:
        quota_error_answers(runtime, sim, clock)


def quota_error_answers(runtime: Runtime, sim: Simulator, clock: Clock) -> None:
    sim.configure(monthly_quota=1)  # DingTalk answers ApiCountLimitForOrg from the second call on
    assert isinstance(ask(runtime, "free rooms tomorrow 2-3pm"), FindReply)  # the one call left
    clock.advance(hours=2)

    reply = ask(runtime, "free rooms tomorrow 2-3pm")

    assert isinstance(reply, FindReply)
    assert reply.data_age_s == pytest.approx(2 * 3600)
    assert "DingTalk says your organisation has used this month's API quota" in notes(reply)
    assert "Searching works again on Tue 1 Dec" in notes(reply)
    sim.reset_stats()
    colleague = ask(runtime, "free rooms tomorrow 3-4pm", user=COLLEAGUE)
    assert sim.stats().get("schedules", 0) == 0  # no more calls while DingTalk says the quota is spent
    assert "Searching works again on Tue 1 Dec" in notes(colleague)

    # Half an hour later one search tries again; once the plan allows calls, answers are fresh.
    sim.configure(monthly_quota=0)
    clock.advance(minutes=31)
    fresh = ask(runtime, "free rooms tomorrow 2-3pm")
    assert isinstance(fresh, FindReply) and fresh.data_age_s == 0 and not fresh.notes


# --- fairness ---------------------------------------------------------------------------------


def test_one_user_cannot_spend_more_than_a_fair_share(sim: Simulator, database_url: str, clock: Clock) -> None:
    with make_runtime(sim, database_url, clock, user_fetches_per_hour=2, refresh_min_age_s=60) as runtime:
        sim.reset_stats()
        first = ask(runtime, "free rooms tomorrow 2-3pm")
        ask(runtime, "free rooms on Nov 13 2-3pm")
        assert sim.stats()["schedules"] == 2 * 5
        clock.advance(minutes=5)

        # Forty clicks on Refresh in a row: each is past the minimum age, but the user's share is spent.
        replies = [refresh(runtime, first) for _ in range(40)]

        assert sim.stats()["schedules"] == 2 * 5
        for reply in replies:
            assert isinstance(reply, FindReply)
            assert reply.data_age_s == pytest.approx(300)
            assert "You've asked for many fresh checks this hour" in notes(reply)
        # A colleague still gets fresh data, and the first user again in the next hour.
        assert refresh(runtime, first, user=COLLEAGUE).data_age_s == 0  # type: ignore[union-attr]
        clock.advance(hours=1)
        assert refresh(runtime, first).data_age_s == 0  # type: ignore[union-attr]


# --- refresh ----------------------------------------------------------------------------------


def test_refresh_spends_a_call_only_on_data_older_than_the_minimum_age(
    runtime: Runtime, sim: Simulator, clock: Clock
) -> None:
    first = ask(runtime, "free rooms tomorrow 2-3pm")
    sim.reset_stats()
    clock.advance(seconds=30)

    early = refresh(runtime, first)
    assert sim.stats().get("schedules", 0) == 0
    assert isinstance(early, FindReply) and early.data_age_s == pytest.approx(30)
    assert "recently enough" in notes(early)

    clock.advance(seconds=runtime.settings.refresh_min_age_s)
    later = refresh(runtime, first)
    assert sim.stats()["schedules"] == 5
    assert isinstance(later, FindReply) and later.data_age_s == 0


def test_answers_about_the_next_days_come_from_one_horizon_fetch(sim: Simulator, database_url: str, clock: Clock) -> None:
    with make_runtime(sim, database_url, clock, fetch_horizon_days=5) as runtime:
        sim.reset_stats()
        ask(runtime, "free rooms today 4-5pm")
        assert sim.stats()["schedules"] == 5  # 24 rooms, 5 per call, today and the next four days at once
        for text in ("free rooms tomorrow 2-3pm", "free rooms on Thursday 10-11am", "free rooms Saturday 9-10am"):
            reply = ask(runtime, text)
            assert isinstance(reply, FindReply), text
        assert sim.stats()["schedules"] == 5
