"""Fresh answers within the monthly budget: an answer verifies the rooms it shows, and data past its
refresh age that cannot be fetched now is served at once while the job runner refreshes it.

Real HTTP to the simulator and a real database; only the clock is injected.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.dingtalk import DingTalkClient
from bot.jobs.host import job_repository
from bot.jobs.refresh import REFRESH_SCHEDULES
from bot.jobs.registry import default_jobs
from bot.jobs.runner import Runner
from bot.present.reply import FindReply, Reply
from bot.sim import Simulator
from bot.usecases.context import Caller
from bot.usecases.find import SUMMARY_ROOMS
from bot.wiring import Runtime
from tests.integration.conftest import Clock
from tests.integration.test_quota import COLLEAGUE, SHANGHAI, TEAM, USER, make_runtime

QUESTION = "free rooms tomorrow 2-3pm"
# A fetch covers a week, as by default.
HORIZON = Settings().fetch_horizon_days


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 10, 2, 0, tzinfo=UTC))  # Tuesday 10:00 in Shanghai


@pytest.fixture
def runtime(sim: Simulator, database_url: str, clock: Clock) -> Iterator[Runtime]:
    with make_runtime(sim, database_url, clock, fetch_horizon_days=HORIZON, verify_shown_rooms=True) as built:
        yield built


def ask(runtime: Runtime, text: str = QUESTION, *, user: str = USER) -> FindReply:
    reply: Reply = runtime.service.handle_text(Caller(team_id=TEAM, user_id=user, tz=SHANGHAI.key), text)
    assert isinstance(reply, FindReply), reply
    return reply


def schedule_calls(sim: Simulator) -> int:
    return sim.stats().get("schedules", 0)


def book_behind_roombots_back(sim: Simulator, room_id: str, start: datetime) -> None:
    """Someone books the room in DingTalk directly: roombot's cache does not know."""
    with DingTalkClient(base_url=sim.url, app_key=sim.app_key, app_secret=sim.app_secret) as client:
        event = client.create_event(
            sim.operator_union_id, summary="Walk-in", start=start, end=start + timedelta(hours=1), time_zone=SHANGHAI.key
        )
        client.add_rooms(sim.operator_union_id, event.event_id, [room_id])


def refresh_runner(runtime: Runtime, clock: Clock) -> Runner:
    """A job runner with only the schedule refresh (the other jobs would spend calls of their own)."""
    specs = default_jobs(store=runtime.store, directory=runtime.dingtalk, settings=runtime.settings)
    refresh = [spec for spec in specs if spec.name == REFRESH_SCHEDULES]
    runner = Runner(jobs=job_repository(runtime), specs=refresh, clock=clock)
    runner.register()
    return runner


@contextmanager
def past_the_fair_share(sim: Simulator, database_url: str, clock: Clock) -> Iterator[tuple[Runtime, Runner]]:
    """The asker has spent their one fetch this hour, and what they were shown is 10 minutes old."""
    with make_runtime(
        sim, database_url, clock, fetch_horizon_days=HORIZON, verify_shown_rooms=True, user_fetches_per_hour=1
    ) as runtime:
        runner = refresh_runner(runtime, clock)
        ask(runtime)
        clock.advance(minutes=10)
        yield runtime, runner


# --- the rooms an answer shows are verified ---------------------------------------------------


def test_a_room_booked_behind_the_caches_back_is_not_offered_once_the_answer_verifies_it(
    runtime: Runtime, sim: Simulator, clock: Clock
) -> None:
    first = ask(runtime)
    assert len(first.results) == 24 and first.data_age_s == 0
    best = next(r for r in first.results if r.assessment.fits and not sim.room_rules(r.room.room_id).approval)
    book_behind_roombots_back(sim, best.room.room_id, first.start)
    clock.advance(minutes=10)
    sim.reset_stats()

    second = ask(runtime)

    verdict = next(r for r in second.results if r.room.room_id == best.room.room_id)
    assert not verdict.assessment.fits
    assert best.room.room_id not in [r.room.room_id for r in second.results[:SUMMARY_ROOMS] if r.assessment.fits]
    # The 8 rooms shown and the next two fill two calls of five (not the 24 rooms of the group); the
    # room that took the booked one's place was among them, so no second round was needed.
    assert schedule_calls(sim) == 2
    # The answer states the age of what it shows: every shown room was just checked ...
    assert second.data_age_s == 0
    assert all(r.age_s == 0 for r in second.results[:SUMMARY_ROOMS])
    # ... while the rooms behind "Show all" keep their age, and a listing of all of them says so.
    assert sorted(r.age_s or 0 for r in second.results) == [0] * 10 + [600] * 14
    assert second.stated_age_s(len(second.results)) == 600


def test_an_answer_from_fresh_enough_data_spends_nothing_and_states_the_shown_rooms_age(
    runtime: Runtime, sim: Simulator, clock: Clock
) -> None:
    ask(runtime)
    clock.advance(seconds=30)  # within the refresh age the budget allows
    sim.reset_stats()

    again = ask(runtime)

    assert schedule_calls(sim) == 0
    assert again.data_age_s == pytest.approx(30)


# --- stale while the job runner refreshes --------------------------------------------------------


def test_past_a_fair_share_the_answer_comes_at_once_and_one_job_refreshes_the_shown_rooms(
    sim: Simulator, database_url: str, clock: Clock
) -> None:
    with past_the_fair_share(sim, database_url, clock) as (runtime, runner):
        sim.reset_stats()

        held = [ask(runtime) for _ in range(5)]

        assert schedule_calls(sim) == 0  # nobody waited on DingTalk
        for reply in held:
            assert reply.data_age_s == pytest.approx(600)
            assert "You've asked for many fresh checks this hour" in " ".join(reply.notes)
        job = runtime.store.schedules  # the queue: one request per shown room, however many questions
        outcomes = runner.run_pending()
        assert [o.name for o in outcomes if o.ok] == [REFRESH_SCHEDULES]
        # The eight shown rooms and the next two: two calls of five, once for the five questions.
        assert outcomes[0].note == "refreshed the saved free/busy of 10 room(s)"
        assert schedule_calls(sim) == 2
        assert job.take_refresh_requests() == {}
        assert runner.run_pending() == []  # nothing left due

        clock.advance(seconds=5)
        colleague = ask(runtime, user=COLLEAGUE)
        assert colleague.data_age_s == pytest.approx(5)
        assert schedule_calls(sim) == 2


def test_the_refresh_job_spends_nothing_once_searching_has_used_its_part_of_the_budget(
    sim: Simulator, database_url: str, clock: Clock
) -> None:
    with past_the_fair_share(sim, database_url, clock) as (runtime, runner):
        ask(runtime)  # held by the fair share: the shown rooms are queued
        assert runtime.quota is not None
        status = runtime.quota.status()
        runtime.store.quota.add_calls(runtime.quota.org, status.month, "schedules", status.search_limit - status.used)
        sim.reset_stats()

        runner.run_pending()

        assert schedule_calls(sim) == 0
        answer = ask(runtime, user=COLLEAGUE)
        assert answer.data_age_s == pytest.approx(600)
        assert schedule_calls(sim) == 0


def test_with_later_days_in_the_background_a_question_about_tomorrow_never_waits_and_the_job_refreshes_the_group(
    sim: Simulator, database_url: str, clock: Clock
) -> None:
    with make_runtime(sim, database_url, clock, fetch_horizon_days=HORIZON, background_from_day=1) as runtime:
        runner = refresh_runner(runtime, clock)
        ask(runtime)  # nothing saved yet: this one waits for the group's fetch
        clock.advance(minutes=10)
        sim.reset_stats()

        later = ask(runtime)

        assert schedule_calls(sim) == 0
        assert later.data_age_s == pytest.approx(600) and not later.notes
        [outcome] = runner.run_pending()
        assert outcome.note == "refreshed the saved free/busy of 24 room(s)"
        assert schedule_calls(sim) == 5  # the whole group, every day of the horizon
        assert ask(runtime, "free rooms today 4-5pm").data_age_s == 0  # today's data was refreshed too
