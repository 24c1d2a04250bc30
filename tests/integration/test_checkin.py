"""Reminders, check-in, auto-release, release, end early and extend, on a fake clock.

Every test books tomorrow 20:00–21:00 (Shanghai), after the simulator's demo meetings, and
moves roombot's clock by hand. The job runner runs the sweeps (`run_once`), and the simulator's
own free/busy and call counts are the truth the outcomes are checked against.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.config import Settings
from bot.jobs.host import build_runner
from bot.present import messages
from bot.present.reply import BookingsReply, FindReply, Reply, TextReply
from bot.sim import Simulator
from bot.store.checkin import ENDED, RELEASED, SKIPPED
from bot.usecases.bookings.service import BookingAsk
from bot.usecases.checkin import CheckinSweeps
from bot.usecases.context import Caller
from bot.wiring import Runtime, build_runtime, point_at_simulator

SHANGHAI = ZoneInfo("Asia/Shanghai")
TZ = "Asia/Shanghai"
TEAM = "T1"
ALICE, BOB, ADMIN = "U_ALICE", "U_BOB", "U_ADMIN"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at(self, hour: int, minute: int) -> datetime:
        self.now = datetime.combine(self.now.astimezone(SHANGHAI).date(), time(hour, minute), SHANGHAI)
        return self.now


@dataclass
class Inbox:
    """Records the direct messages the sweeps send."""

    sent: list[tuple[str, TextReply]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def notify(self, *, team_id: str, user_id: str, reply: TextReply) -> None:
        with self.lock:
            self.sent.append((user_id, reply))


@dataclass
class World:
    sim: Simulator
    runtime: Runtime
    clock: Clock
    inbox: Inbox
    start: datetime
    end: datetime

    def run_jobs(self) -> None:
        runner = build_runner(self.runtime, clock=self.clock, notifier=self.inbox)
        outcomes = runner.run_once()
        assert all(outcome.ok for outcome in outcomes), outcomes

    def ask(self, text: str, *, user: str = ALICE) -> Reply:
        return self.runtime.service.handle_text(Caller(team_id=TEAM, user_id=user, tz=TZ), text)

    def book(self, room_name: str, *, user: str = ALICE, start: datetime | None = None, end: datetime | None = None) -> int:
        start, end = start or self.start, end or self.end
        room_id = room(self.sim, room_name)
        reply = self.runtime.service.book(
            Caller(team_id=TEAM, user_id=user, tz=TZ, user_name=user.lower()),
            BookingAsk(room_id=room_id, start=start, end=end, idempotency_key=f"{user}-{room_id}-{start.isoformat()}"),
        )
        assert isinstance(reply, FindReply) and reply.intro_kind == "success", reply
        booking = self.runtime.store.bookings.find_active(TEAM, room_id, start, end)
        assert booking is not None
        return booking.id

    def busy(self, room_name: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        return self.sim.schedule(room(self.sim, room_name), start, end)


def room(sim: Simulator, name: str) -> str:
    return next(str(r["roomId"]) for r in sim.rooms if r["roomName"] == name)


@pytest.fixture
def make_world(sim: Simulator, database_url: str) -> Iterator[Callable[..., World]]:
    built: list[Runtime] = []

    def make(**overrides: Any) -> World:
        day = sim.today + timedelta(days=1)
        start = datetime.combine(day, time(20, 0), SHANGHAI)
        clock = Clock(datetime.combine(day, time(19, 0), SHANGHAI))
        settings = point_at_simulator(
            Settings(database_url=database_url, deadline_s=3.0, admin_user_ids=(ADMIN,), cache_ttl_s=3600.0), sim
        ).with_overrides(**overrides)
        runtime = build_runtime(settings, clock=clock)
        built.append(runtime)
        imported = runtime.service.import_groups(team_id=TEAM, user_id=ADMIN)
        assert isinstance(imported, TextReply) and imported.kind == "success", imported
        return World(sim, runtime, clock, Inbox(), start, start + timedelta(hours=1))

    yield make
    for runtime in built:
        runtime.close()


@pytest.fixture
def world(make_world: Callable[..., World]) -> World:
    return make_world()


def text_of(reply: Reply) -> str:
    assert isinstance(reply, TextReply), reply
    return reply.text


def calls(sim: Simulator) -> dict[str, int]:
    return {key: count for key, count in sim.stats().items() if count and key not in ("accessToken", "total")}


# --- reminders -----------------------------------------------------------------------------------


def test_the_reminder_is_sent_once_ten_minutes_before_with_its_three_buttons(world: World) -> None:
    assert world.busy("3F-Everest", world.start, world.end + timedelta(minutes=30)) == [], "premise: free then"
    world.book("3F-Everest")
    world.clock.at(19, 49)
    world.run_jobs()
    assert world.inbox.sent == []

    world.clock.at(19, 50)
    world.sim.reset_stats()
    world.run_jobs()
    world.clock.at(19, 51)
    world.run_jobs()
    world.clock.at(19, 58)
    world.run_jobs()

    assert len(world.inbox.sent) == 1
    user, reply = world.inbox.sent[0]
    assert user == ALICE and "3F-Everest" in reply.text
    assert f"<!date^{int(world.start.timestamp())}^" in reply.text  # a Slack date token, in each reader's zone
    assert [b.action_id for b in reply.buttons] == ["checkin_booking", "release_booking", "extend_booking"]
    assert reply.buttons[1].confirm is not None  # Release asks first
    # The reminder itself costs DingTalk one free/busy call (is the room free for Extend?), no more.
    assert calls(world.sim) == {"schedules": 1}
    states = text_of_bookings(world)
    assert "reminded" in states


def text_of_bookings(world: World) -> str:
    reply = world.ask("my bookings")
    assert isinstance(reply, BookingsReply), reply
    return " ".join(b.status for b in reply.bookings)


def test_no_extend_button_when_the_room_is_taken_right_after(world: World) -> None:
    world.book("3F-Everest")
    world.book("3F-Everest", user=BOB, start=world.end, end=world.end + timedelta(minutes=30))
    world.clock.at(19, 52)
    world.run_jobs()
    reminders = [reply for user, reply in world.inbox.sent if user == ALICE]
    assert len(reminders) == 1
    assert [b.action_id for b in reminders[0].buttons] == ["checkin_booking", "release_booking"]


def test_reminders_follow_each_persons_choice(world: World) -> None:
    world.book("3F-Everest")
    world.book("3F-K2", user=BOB)
    assert text_of(world.ask("remind me 15 min before")) == messages.reminders_set(15)
    assert text_of(world.ask("reminders off", user=BOB)) == messages.WORDS.reminders_off
    world.clock.at(19, 45)
    world.run_jobs()
    world.clock.at(19, 55)
    world.run_jobs()
    assert [user for user, _reply in world.inbox.sent] == [ALICE]


# --- check-in and auto-release -------------------------------------------------------------------


def test_a_check_in_stops_the_release(world: World) -> None:
    world.book("3F-Everest")
    world.clock.at(20, 3)
    reply = world.ask("check in")
    assert isinstance(reply, TextReply) and reply.kind == "success", reply
    world.clock.at(20, 20)
    world.run_jobs()
    world.clock.at(20, 40)
    world.run_jobs()

    assert [r for _u, r in world.inbox.sent if "gave the room back" in r.text] == []
    assert len(world.busy("3F-Everest", world.start, world.end)) == 1  # still booked in DingTalk
    assert "checked_in" in text_of_bookings(world)


def test_without_a_check_in_the_room_is_released_once_the_booker_told_and_free_busy_shows_it_free(world: World) -> None:
    world.book("3F-Everest")
    booked = world.ask(f"free rooms {world.start:%Y-%m-%d} 20:30-21:00")  # fills the shared cache: busy
    assert isinstance(booked, FindReply)
    assert "3F-Everest" not in [r.room.name for r in booked.results if r.assessment.verdict.value == "free"]
    world.clock.at(20, 14)
    world.run_jobs()
    world.inbox.sent.clear()
    world.sim.reset_stats()

    world.clock.at(20, 15)
    world.run_jobs()
    world.clock.at(20, 16)
    world.run_jobs()

    released = [(u, r) for u, r in world.inbox.sent if "gave the room back" in r.text]
    assert [u for u, _r in released] == [ALICE]
    assert "book 3F-Everest now" in released[0][1].text  # how to book again
    assert calls(world.sim) == {"removeMeetingRooms": 1}  # one call per release, once
    assert world.busy("3F-Everest", world.start, world.end) == []  # the simulator's own free/busy
    booking = world.runtime.store.bookings.for_user(TEAM, user_id=ALICE)[0]
    assert booking.release_reason == RELEASED
    assert "released" in text_of_bookings(world)
    # The cache learned at once: the same question now shows the room free, though the TTL is an hour.
    again = world.ask(f"free rooms {world.start:%Y-%m-%d} 20:30-21:00")
    assert isinstance(again, FindReply)
    assert "3F-Everest" in [r.room.name for r in again.results if r.assessment.verdict.value == "free"]
    # A check-in after the release says so, and changes nothing.
    assert text_of(world.ask("check in")) == messages.too_late_released("3F-Everest")


def test_a_release_overdue_after_downtime_is_skipped_and_logged(world: World, caplog: pytest.LogCaptureFixture) -> None:
    world.book("3F-Everest")
    world.run_jobs()  # the runner's first pass (the orphan sweep reads the calendar once)
    world.clock.at(20, 46)  # due at 20:15; the default limit is 30 minutes
    world.sim.reset_stats()
    with caplog.at_level(logging.WARNING, logger="bot.jobs.checkin"):
        world.run_jobs()
        world.clock.at(20, 47)
        world.run_jobs()

    assert calls(world.sim) == {}
    assert len(world.busy("3F-Everest", world.start, world.end)) == 1
    assert world.runtime.store.bookings.for_user(TEAM, user_id=ALICE)[0].release_reason == SKIPPED
    assert len([r for r in caplog.records if "skipped" in r.getMessage()]) == 1


def test_a_group_grace_of_zero_keeps_its_rooms_and_five_releases_early(world: World) -> None:
    everest = room(world.sim, "3F-Everest")
    groups = world.runtime.store.groups.visible(TEAM, user_id=ADMIN)
    holding = [g for g in groups if everest in g.room_ids]
    assert holding, "premise: a DingTalk group holds 3F-Everest"
    group = min(holding, key=lambda g: g.id)
    refused = world.ask(f'group grace "{group.name}" 5', user=BOB)
    assert isinstance(refused, TextReply) and refused.kind == "error"
    assert text_of(world.ask(f'group grace "{group.name}" 5', user=ADMIN)) == messages.group_grace_set(group.name, 5)
    world.book("3F-Everest")
    world.clock.at(20, 5)
    world.run_jobs()
    assert world.busy("3F-Everest", world.start, world.end) == []

    assert text_of(world.ask(f'group grace "{group.name}" off', user=ADMIN)) == messages.group_grace_set(group.name, 0)
    world.book("3F-Everest", start=world.end, end=world.end + timedelta(hours=1))
    world.clock.at(21, 40)
    world.run_jobs()
    assert len(world.busy("3F-Everest", world.end, world.end + timedelta(hours=1))) == 1


def test_two_clock_processes_never_double_send_or_double_release(make_world: Callable[..., World]) -> None:
    world = make_world()
    other = build_runtime(world.runtime.settings, clock=world.clock)  # a second process: its own engine
    try:
        for name in ("3F-Everest", "3F-K2", "5F-Kilimanjaro"):
            world.book(name)
        sweeps = [
            CheckinSweeps(settings=rt.settings, store=rt.store, dingtalk=rt.dingtalk, log=logging.getLogger("test"))
            for rt in (world.runtime, other, world.runtime, other)
        ]

        def together(step: Callable[[CheckinSweeps], object]) -> None:
            barrier = threading.Barrier(len(sweeps))

            def go(sweep: CheckinSweeps) -> None:
                barrier.wait()
                step(sweep)

            threads = [threading.Thread(target=go, args=(sweep,)) for sweep in sweeps]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

        world.clock.at(19, 55)
        together(lambda sweep: sweep.send_reminders(world.clock(), world.inbox))
        assert sorted(r.text.split("”")[0] for _u, r in world.inbox.sent) == sorted(
            f":alarm_clock: Your booking of “{name}" for name in ("3F-Everest", "3F-K2", "5F-Kilimanjaro")
        )
        world.clock.at(20, 16)
        world.sim.reset_stats()
        together(lambda sweep: sweep.release_no_shows(world.clock(), world.inbox))
        assert calls(world.sim) == {"removeMeetingRooms": 3}
        assert len([r for _u, r in world.inbox.sent if "gave the room back" in r.text]) == 3
    finally:
        other.close()


# --- release, end early, extend -----------------------------------------------------------------


def test_release_before_the_start_removes_the_room(world: World) -> None:
    world.book("3F-Everest")
    world.clock.at(19, 30)
    reply = world.ask("release 3F-Everest")
    assert text_of(reply).startswith("Released")
    assert world.busy("3F-Everest", world.start, world.end) == []
    assert world.runtime.store.bookings.for_user(TEAM, user_id=ALICE)[0].release_reason == ENDED
    assert "ended" in text_of_bookings(world)
    # The same Book button clicked again books anew rather than replaying the released booking.
    world.book("3F-Everest")
    assert len(world.busy("3F-Everest", world.start, world.end)) == 1


def test_end_my_meeting_now_moves_the_events_end(world: World) -> None:
    world.book("3F-Everest")
    world.clock.at(20, 10)
    assert isinstance(world.ask("check in"), TextReply)
    reply = world.ask("end my meeting now")
    assert isinstance(reply, TextReply) and reply.kind == "success", reply
    busy = world.busy("3F-Everest", world.start, world.end)
    assert len(busy) == 1
    assert busy[0]["end"]["dateTime"].startswith(f"{world.start:%Y-%m-%d}T20:10")
    assert world.busy("3F-Everest", world.start + timedelta(minutes=10), world.end) == []


def test_extend_is_refused_when_the_room_is_taken_after_the_booking(world: World) -> None:
    world.book("3F-Everest")
    world.book("3F-Everest", user=BOB, start=world.end, end=world.end + timedelta(minutes=30))
    world.clock.at(20, 40)
    world.sim.reset_stats()
    reply = world.ask("extend 30 min")
    assert text_of(reply) == messages.extend_taken("3F-Everest", world.end, 30)
    assert calls(world.sim) == {"schedules": 1}  # checked first; the event was never touched
    alice = [e for e in world.busy("3F-Everest", world.start, world.end)]
    assert alice[0]["end"]["dateTime"].startswith(f"{world.start:%Y-%m-%d}T21:00")


def test_extend_moves_the_end_when_the_room_is_free(world: World) -> None:
    assert world.busy("3F-K2", world.end, world.end + timedelta(minutes=30)) == [], "premise"
    world.book("3F-K2")
    world.clock.at(20, 40)
    reply = world.ask("extend 30 min")
    assert text_of(reply) == messages.meeting_extended("3F-K2", world.start, world.end + timedelta(minutes=30))
    busy = world.busy("3F-K2", world.end, world.end + timedelta(minutes=30))
    assert len(busy) == 1 and busy[0]["end"]["dateTime"].startswith(f"{world.start:%Y-%m-%d}T21:30")


def test_only_the_booker_or_an_admin_may_release_a_booking(world: World) -> None:
    booking_id = world.book("3F-Everest")
    world.clock.at(19, 55)
    service = world.runtime.service
    refused = service.booking_action(Caller(team_id=TEAM, user_id=BOB, tz=TZ), "release", booking_id, is_admin=False)
    assert isinstance(refused, TextReply) and refused.kind == "error"
    assert len(world.busy("3F-Everest", world.start, world.end)) == 1
    done = service.booking_action(Caller(team_id=TEAM, user_id=ADMIN, tz=TZ), "release", booking_id, is_admin=False)
    assert isinstance(done, TextReply) and done.kind == "success", done
    assert world.busy("3F-Everest", world.start, world.end) == []


# --- sign-in on the DingTalk event ---------------------------------------------------------------


def test_a_linked_booker_is_signed_in_on_the_dingtalk_event_too(world: World) -> None:
    person = world.sim.users[1]
    world.runtime.store.users.link(TEAM, ALICE, str(person["unionid"]), verified=True)
    world.book("3F-Everest")
    world.clock.at(19, 58)
    reply = world.ask("check in")
    assert text_of(reply) == messages.checked_in("3F-Everest", world.start, world.end, signed_in=True)

    event_id = world.runtime.store.bookings.for_user(TEAM, user_id=ALICE)[0].event_id
    with httpx.Client(base_url=world.sim.url) as http:
        token = http.post("/v1.0/oauth2/accessToken", json={"appKey": world.sim.app_key, "appSecret": world.sim.app_secret})
        http.headers["x-acs-dingtalk-access-token"] = token.json()["accessToken"]
        listed = http.get(
            f"/v1.0/calendar/users/{person['unionid']}/calendars/primary/events/{event_id}/signin",
            params={"type": "sign_in", "maxResults": "50"},
        )
    assert listed.status_code == 200
    assert [u["userId"] for u in listed.json()["users"]] == [person["unionid"]]


def test_after_downtime_an_overdue_reminder_and_release_each_run_once(world: World) -> None:
    world.book("3F-Everest")
    world.clock.at(20, 5)  # the clock process was down since 19:00: the reminder is overdue
    world.run_jobs()
    world.clock.at(20, 6)
    world.run_jobs()
    assert [u for u, r in world.inbox.sent if r.buttons] == [ALICE]

    world.clock.at(20, 40)  # down again; the release (due 20:15) is 25 minutes late, within the limit
    world.sim.reset_stats()
    world.run_jobs()
    world.clock.at(20, 41)
    world.run_jobs()
    assert calls(world.sim) == {"removeMeetingRooms": 1}
    assert world.busy("3F-Everest", world.start, world.end) == []


def test_a_reminder_slack_refused_is_tried_again_at_the_next_sweep(world: World) -> None:
    class Flaky(Inbox):
        failures = 1

        def notify(self, *, team_id: str, user_id: str, reply: TextReply) -> None:
            if self.failures:
                self.failures -= 1
                raise RuntimeError("channel_not_found")
            super().notify(team_id=team_id, user_id=user_id, reply=reply)

    world.inbox = Flaky()
    world.book("3F-Everest")
    world.clock.at(19, 50)
    world.run_jobs()
    assert world.inbox.sent == []
    assert world.runtime.store.bookings.for_user(TEAM, user_id=ALICE)[0].reminded_at is None
    world.clock.at(19, 51)
    world.run_jobs()
    world.clock.at(19, 52)
    world.run_jobs()
    assert [user for user, _reply in world.inbox.sent] == [ALICE]
