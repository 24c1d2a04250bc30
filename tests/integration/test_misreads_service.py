# ruff: noqa: F811  (the runtime and clock fixtures are imported from test_service)
"""The questions roombot used to misread, asked end to end: RoomService over real HTTP to the
simulator and a real database. Expected rooms come from the simulator's raw room list."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.present import messages
from bot.present.reply import FindReply, TextReply
from bot.sim import Simulator
from bot.wiring import Runtime
from tests.integration.test_service import SHANGHAI, FakeClock, ask, clock, runtime  # noqa: F401  (fixtures)


def _rooms_of_group(sim: Simulator, name: str) -> dict[str, dict[str, object]]:
    return {room["roomId"]: room for room in sim.rooms if room["roomGroup"]["groupName"] == name}


def test_a_group_named_after_the_time_is_searched(runtime: Runtime, sim: Simulator) -> None:
    expected = set(_rooms_of_group(sim, "HQ 3F"))
    assert expected, "premise: the demo has rooms in HQ 3F"
    for text in ("明天下午3点到4点 HQ 3F", "明天下午3点到4点 在HQ 3F", "tomorrow 3-4pm hq 3f"):
        reply = ask(runtime, text)
        assert isinstance(reply, FindReply), text
        assert reply.groups == ("HQ 3F",), text
        assert {r.room.room_id for r in reply.results} == expected, text
        assert not any(note.startswith("I ignored") for note in reply.notes), text


def test_words_that_change_nothing_are_reported(runtime: Runtime) -> None:
    reply = ask(runtime, "tomorrow 3-4pm in HQ 3F bananas")
    assert isinstance(reply, FindReply)
    assert messages.ignored_words(["bananas"]) in reply.notes


def test_a_group_that_does_not_exist_is_named(runtime: Runtime) -> None:
    reply = ask(runtime, "tomorrow 3-4pm in Atlantis")
    assert isinstance(reply, TextReply)
    assert "Atlantis" in reply.text


def test_a_headcount_nothing_seats_says_so_and_lists_the_largest_first(runtime: Runtime, sim: Simulator) -> None:
    rooms = _rooms_of_group(sim, "HQ 3F")
    largest = max(int(str(room["roomCapacity"])) for room in rooms.values())
    reply = ask(runtime, "tomorrow 2-3pm for 400 people in HQ 3F")
    assert isinstance(reply, FindReply)
    capacities = [r.room.capacity or 0 for r in reply.results]
    assert capacities == sorted(capacities, reverse=True) and capacities[0] == largest
    assert messages.nobody_meets(400, [], largest=largest) in reply.notes


def test_video_filters_as_equipment(runtime: Runtime, sim: Simulator) -> None:
    with_video = {room["roomId"] for room in sim.rooms if 5 in {label["labelId"] for label in room["roomLabels"]}}
    reply = ask(runtime, "room tomorrow 9-10am with video")
    assert isinstance(reply, FindReply)
    assert reply.labels == ("Video conferencing",)
    assert with_video, "premise: the demo has rooms with video conferencing"
    shown = {r.room.room_id for r in reply.results}
    assert shown and shown <= with_video


def test_a_past_day_is_refused_with_the_nearest_time_to_come(runtime: Runtime) -> None:
    # The clock: Tuesday 24 November 2026, 09:00 in Shanghai.
    reply = ask(runtime, "free rooms yesterday 3pm")
    assert isinstance(reply, TextReply) and reply.kind == "error"
    assert "already passed" in reply.text and "Tue 24 Nov 2026 15:00–15:30" in reply.text
    last_friday = ask(runtime, "any room last friday at 3pm")
    assert isinstance(last_friday, TextReply) and "Fri 27 Nov 2026 15:00–15:30" in last_friday.text


def test_next_weeks_weekday_is_next_weeks(runtime: Runtime) -> None:
    reply = ask(runtime, "wednesday next week 2-3pm")
    assert isinstance(reply, FindReply)
    assert reply.start.astimezone(SHANGHAI).date().isoformat() == "2026-12-02"


def test_the_several_day_summary_is_labelled_in_the_askers_zone(runtime: Runtime, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 24, 9, 12, tzinfo=UTC)  # 17:12 in Shanghai, 09:12 in UTC
    reply = ask(runtime, "this week")
    assert isinstance(reply, TextReply)
    first = next(line for line in reply.text.splitlines() if line.startswith("• "))
    assert first.startswith("• Tue 24 Nov (17:12–18:00)"), first


def test_an_overnight_range_crosses_midnight(runtime: Runtime) -> None:
    reply = ask(runtime, "tomorrow 10pm-2am")
    assert isinstance(reply, FindReply)
    start, end = reply.start.astimezone(SHANGHAI), reply.end.astimezone(SHANGHAI)
    assert (start.isoformat()[:16], end.isoformat()[:16]) == ("2026-11-25T22:00", "2026-11-26T02:00")
