"""RoomService in one process: the schedule cache, time zones, App Home and health.

Real HTTP to the simulator and a real database; the clock is injected so cache expiry needs
no waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.present.reply import FindReply, Reply, TextReply
from bot.sim import Simulator
from bot.usecases.context import CONSOLE_OPERATOR, Caller
from bot.wiring import Runtime, build_runtime, point_at_simulator
from tests.threads import run_in_threads

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEAM, USER = "T1", "U1"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))  # 09:00 in Shanghai


@pytest.fixture
def runtime(sim: Simulator, database_url: str, clock: FakeClock) -> Iterator[Runtime]:
    settings = point_at_simulator(
        Settings(
            database_url=database_url,
            deadline_s=3.0,
        ),
        sim,
    )
    with build_runtime(settings, clock=clock) as built:
        reply = built.service.import_groups(team_id=TEAM, user_id=USER, actor=CONSOLE_OPERATOR)
        assert isinstance(reply, TextReply) and reply.kind == "success"
        yield built


def ask(runtime: Runtime, text: str, *, user: str = USER) -> Reply:
    return runtime.service.handle_text(Caller(team_id=TEAM, user_id=user, tz="Asia/Shanghai"), text)


def test_the_cache_expires_after_its_time_and_then_costs_calls_again(
    runtime: Runtime, sim: Simulator, clock: FakeClock
) -> None:
    sim.reset_stats()
    assert isinstance(ask(runtime, "free rooms tomorrow 2-3pm"), FindReply)
    cold = sim.stats()["schedules"]

    # Early in the month the budget allows the shortest refresh age; tomorrow's data may be twice as old as today's.
    tomorrow_age = 2 * runtime.settings.cache_ttl_s
    clock.advance(tomorrow_age - 1)
    reply = ask(runtime, "free rooms tomorrow 2-3pm")
    assert isinstance(reply, FindReply)
    assert sim.stats()["schedules"] == cold
    assert reply.data_age_s == pytest.approx(tomorrow_age - 1)

    clock.advance(2)
    ask(runtime, "free rooms tomorrow 2-3pm")
    assert sim.stats()["schedules"] == 2 * cold


def test_invalidating_one_room_refetches_only_its_batch(runtime: Runtime, sim: Simulator) -> None:
    ask(runtime, "free rooms tomorrow 2-3pm")
    sim.reset_stats()
    room_id = sim.rooms[0]["roomId"]

    runtime.service.schedules.invalidate(TEAM, [room_id])
    ask(runtime, "free rooms tomorrow 2-3pm")

    assert sim.stats()["schedules"] == 1


def test_identical_questions_at_the_same_moment_share_one_fetch(runtime: Runtime, sim: Simulator) -> None:
    sim.configure(latency_ms=300)
    sim.reset_stats()
    replies: list[object] = []
    barrier = threading.Barrier(6)

    def one() -> None:
        barrier.wait()
        replies.append(ask(runtime, "free rooms tomorrow 2-3pm"))

    run_in_threads(one, 6)

    assert all(isinstance(reply, FindReply) for reply in replies)
    assert sim.stats()["schedules"] == -(-len(sim.rooms) // 5)


def test_a_question_spanning_days_gets_a_daily_summary_for_one_query(runtime: Runtime, sim: Simulator) -> None:
    sim.reset_stats()
    reply = ask(runtime, "this week")

    assert isinstance(reply, TextReply)
    # Tuesday 09:00 (the clock) to Friday: one line per working day left, and ways to narrow down.
    assert [line[:12] for line in reply.text.splitlines() if line.startswith("• ")] == [
        "• Tue 24 Nov",
        "• Wed 25 Nov",
        "• Thu 26 Nov",
        "• Fri 27 Nov",
    ]
    assert "rooms have a slot" in reply.text and "% of room time free" in reply.text
    assert reply.examples
    week_cost = sim.stats()["schedules"]
    assert week_cost == -(-len(sim.rooms) // 5), "one query covers the whole span"

    # The days are in the shared cache now: narrowing down costs nothing.
    assert isinstance(ask(runtime, "thursday 2-3pm"), FindReply)
    assert sim.stats()["schedules"] == week_cost


def test_nothing_fits_offers_nearby_slots(runtime: Runtime, sim: Simulator) -> None:
    # Fill one room's afternoon with a booking, then ask about that room only.
    from bot.dingtalk import DingTalkClient

    room = next(r for r in sim.rooms if not sim.room_rules(r["roomId"]).approval)
    start = datetime(2026, 11, 28, 10, tzinfo=SHANGHAI)  # a Saturday: the demo calendar is quiet
    assert not sim.schedule(room["roomId"], start, start + timedelta(hours=8))
    with DingTalkClient(base_url=sim.url, app_key=sim.app_key, app_secret=sim.app_secret) as client:
        event = client.create_event(
            sim.operator_union_id,
            summary="Offsite",
            start=start + timedelta(hours=3),
            end=start + timedelta(hours=5),
            time_zone="Asia/Shanghai",
        )
        client.add_rooms(sim.operator_union_id, event.event_id, [room["roomId"]])
    assert isinstance(ask(runtime, f"group add Solo {room['roomId']}"), TextReply)

    reply = ask(runtime, "in Solo saturday 2-3pm")

    assert isinstance(reply, FindReply)
    assert reply.summary.fitting == 0
    assert reply.alternatives, "nearest free slots before and after"
    slots = {(alt.start.astimezone(SHANGHAI).hour, alt.earlier) for alt in reply.alternatives}
    assert (12, True) in slots  # 12:00-13:00, right before the booking
    assert (15, False) in slots  # 15:00-16:00, right after it


def test_time_zone_is_cached_and_refreshed_daily(runtime: Runtime, clock: FakeClock) -> None:
    calls: list[str] = []

    def fetch() -> str:
        calls.append("users.info")
        return "Europe/Berlin"

    service = runtime.service
    assert service.resolve_timezone(team_id=TEAM, user_id="U9", fetch=fetch) == "Europe/Berlin"
    assert service.resolve_timezone(team_id=TEAM, user_id="U9", fetch=fetch) == "Europe/Berlin"
    assert calls == ["users.info"]

    clock.advance(runtime.settings.tz_max_age_s + 1)
    assert service.resolve_timezone(team_id=TEAM, user_id="U9", fetch=fetch) == "Europe/Berlin"
    assert len(calls) == 2


def test_time_zone_falls_back_to_the_cached_one_then_the_default(runtime: Runtime, clock: FakeClock) -> None:
    def broken() -> str:
        raise RuntimeError("users.info failed")

    service = runtime.service
    assert service.resolve_timezone(team_id=TEAM, user_id="U8", fetch=broken) == runtime.settings.default_tz
    assert service.resolve_timezone(team_id=TEAM, user_id="U8", fetch=lambda: "Not/AZone") == runtime.settings.default_tz
    service.resolve_timezone(team_id=TEAM, user_id="U8", fetch=lambda: "America/New_York")
    clock.advance(runtime.settings.tz_max_age_s + 1)
    assert service.resolve_timezone(team_id=TEAM, user_id="U8", fetch=broken) == "America/New_York"


def test_home_shows_groups_and_what_is_free_now(runtime: Runtime) -> None:
    home = runtime.service.home(team_id=TEAM, user_id=USER, tz="Asia/Shanghai")
    assert home.groups
    assert home.default_group is not None
    assert isinstance(home.free_now, FindReply)
    assert home.bookings == ()


def test_health_reports_database_and_dingtalk(runtime: Runtime, sim: Simulator) -> None:
    assert runtime.service.health() == {"database": True, "dingtalk": True}
    sim.revoke_credentials()
    sim.expire_tokens()
    runtime.dingtalk.close()  # drop the cached token with the client's pool
    fresh = build_runtime(runtime.settings, migrate=False)
    try:
        assert fresh.service.health() == {"database": True, "dingtalk": False}
    finally:
        fresh.close()


def test_group_management_through_text(runtime: Runtime, sim: Simulator) -> None:
    first, second = sim.rooms[0]["roomName"], sim.rooms[1]["roomName"]
    created = ask(runtime, f"group add Mine {first} {second}")
    assert isinstance(created, TextReply) and created.kind == "success"
    assert first in created.text and second in created.text

    renamed = ask(runtime, "group rename Mine Ours")
    assert isinstance(renamed, TextReply) and renamed.kind == "success"

    default = ask(runtime, "group default Ours")
    assert isinstance(default, TextReply) and default.kind == "success"
    reply = ask(runtime, "free rooms tomorrow 10-11am")
    assert isinstance(reply, FindReply)
    assert reply.groups == ("Ours",)

    refused = ask(runtime, "group delete Ours", user="U_OTHER")
    assert isinstance(refused, TextReply) and refused.kind == "error"

    listing = ask(runtime, "groups")
    assert isinstance(listing, TextReply) and "Ours" in listing.text


def test_unknown_room_names_get_suggestions(runtime: Runtime, sim: Simulator) -> None:
    name = sim.rooms[0]["roomName"]
    reply = ask(runtime, f"group add Mine {name[:-1]}x")
    assert isinstance(reply, TextReply) and reply.kind == "error"
    assert "can't find a room" in reply.text
    assert name in reply.text


def test_link_by_mobile_number_sends_a_code_and_links_nothing_yet(runtime: Runtime, sim: Simulator) -> None:
    person = next(user for user in sim.users if user.get("mobile") and user["unionid"] != sim.operator_union_id)
    reply = ask(runtime, f"link {person['mobile']}")
    assert isinstance(reply, TextReply) and reply.kind == "info"
    assert [note["userid"] for note in sim.notifications] == [person["userid"]]
    user = runtime.store.users.get(TEAM, USER)
    assert user is None or user.union_id is None

    missing = ask(runtime, "link 13999999999")
    assert isinstance(missing, TextReply) and missing.kind == "error"
    assert "couldn't find" in missing.text


def test_find_rooms_reads_any_text_as_a_search(runtime: Runtime) -> None:
    reply = runtime.service.find_rooms(Caller(team_id=TEAM, user_id=USER, tz="Asia/Shanghai"), "free rooms tomorrow 2-3pm")
    assert isinstance(reply, FindReply)
    assert reply.start.hour == 14 and reply.end.hour == 15

    unreadable = runtime.service.find_rooms(Caller(team_id=TEAM, user_id=USER, tz="UTC"), "tomorrow 25:99")
    assert isinstance(unreadable, TextReply) and unreadable.kind == "error"


def test_rooms_too_small_or_without_the_equipment_are_left_out_and_counted(runtime: Runtime, sim: Simulator) -> None:
    everything = ask(runtime, "free rooms tomorrow 2-3pm")
    assert isinstance(everything, FindReply)

    reply = ask(runtime, "free rooms tomorrow 2-3pm for 8 people with a projector")

    assert isinstance(reply, FindReply)
    rooms = {room["roomId"]: room for room in sim.rooms}
    shown = [rooms[result.room.room_id] for result in reply.results]
    assert shown, "the demo has big rooms with projectors"
    assert all(room["roomCapacity"] >= 8 for room in shown)
    assert all(3 in {label["labelId"] for label in room["roomLabels"]} for room in shown)
    left_out = len(everything.results) - len(reply.results)
    assert left_out > 0
    assert f"Not shown: {left_out} rooms too small for 8 people or without a projector." in reply.notes


def test_a_headcount_no_room_meets_still_lists_the_rooms(runtime: Runtime) -> None:
    reply = ask(runtime, "free rooms tomorrow 2-3pm for 500 people")
    assert isinstance(reply, FindReply)
    assert reply.results, "better the biggest rooms than nothing"
    assert not any(note.startswith("Not shown") for note in reply.notes)


def test_home_free_now_works_for_a_group_name_with_quotes_and_keywords(runtime: Runtime, sim: Simulator) -> None:
    name = 'The "big" room at 3pm'
    room = sim.rooms[0]["roomName"]
    created = ask(runtime, f"group add '{name}' {room}")
    assert isinstance(created, TextReply)
    group = next(
        g for g in runtime.store.groups.visible(TEAM, user_id=USER) if g.name not in {"HQ 3F", "HQ 5F", "Lab", "Tower B"}
    )
    runtime.store.users.set_default_group(TEAM, USER, group.id)

    home = runtime.service.home(team_id=TEAM, user_id=USER, tz="Asia/Shanghai")

    assert home.default_group is not None and home.default_group.id == group.id
    assert isinstance(home.free_now, FindReply)
    assert home.free_now.groups == (group.name,)
