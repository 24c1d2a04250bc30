"""FindRooms with fakes: which rooms are free, the daily summary, "show all", the type-ahead search."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.errors import ParseError
from bot.parsing import Intent, Request, TimeKind
from bot.present.reply import FindReply, TextReply
from bot.usecases.find import FindRooms, window_request
from tests.unit.usecase_fakes import NOW, TEAM, FakeDirectory, FakeSchedules, FakeStore, asker, find_rooms


def build(store: FakeStore, schedules: FakeSchedules, directory: FakeDirectory | None = None) -> FindRooms:
    return find_rooms(store, schedules, directory=directory)


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    store.add_room("r1", "Everest", 8)
    store.add_room("r2", "K2", 4)
    store.add_group("HQ", ["r1", "r2"])
    return store


def test_a_free_room_is_ranked_before_a_busy_one(store: FakeStore) -> None:
    start = NOW + timedelta(hours=1)
    schedules = FakeSchedules({"r1": [(start, start + timedelta(hours=1))]})
    directory = FakeDirectory()
    reply = build(store, schedules, directory).find(window_request(start, start + timedelta(hours=1)), asker())
    assert isinstance(reply, FindReply)
    assert [r.room.name for r in reply.results] == ["K2", "Everest"]
    assert [r.assessment.fits for r in reply.results] == [True, False]
    assert reply.groups == ("HQ",)
    assert directory.checked == [TEAM]


def test_no_groups_offers_the_import_button() -> None:
    store = FakeStore()
    reply = build(store, FakeSchedules()).find(window_request(NOW, NOW + timedelta(hours=1)), asker())
    assert isinstance(reply, TextReply)
    assert [button.action_id for button in reply.buttons] == ["import_groups"]


def test_a_question_without_a_window_is_a_parse_error(store: FakeStore) -> None:
    request = Request(intent=Intent.FIND, text="free rooms")
    with pytest.raises(ParseError) as caught:
        build(store, FakeSchedules()).find(request, asker())
    assert caught.value.reason == "no_time"


def test_excluded_rooms_are_left_out(store: FakeStore) -> None:
    reply = build(store, FakeSchedules()).find(window_request(NOW, NOW + timedelta(hours=1)), asker(), exclude={"r1"})
    assert isinstance(reply, FindReply)
    assert [r.room.room_id for r in reply.results] == ["r2"]


def test_a_span_of_days_is_answered_per_day(store: FakeStore) -> None:
    start = NOW.replace(hour=0)
    request = Request(
        intent=Intent.FIND, text="this week", start=start, end=start + timedelta(days=5), time_kind=TimeKind.DAY
    )
    schedules = FakeSchedules()
    reply = build(store, schedules).find(request, asker())
    assert isinstance(reply, TextReply) and reply.kind == "info"
    assert len(schedules.asked) == 1  # one free/busy query covers the whole span
    assert reply.text.count("2 of 2") >= 4


def test_show_all_keeps_the_window_of_the_button() -> None:
    start, end = NOW + timedelta(hours=2), NOW + timedelta(hours=3)
    payload = json.dumps({"q": "free rooms in 2 hours", "start": start.isoformat(), "end": end.isoformat(), "duration": 30})
    request = build(FakeStore(), FakeSchedules()).show_all_request(payload, asker(now=NOW + timedelta(minutes=10)))
    assert (request.intent, request.start, request.end, request.duration_minutes) == (Intent.FIND, start, end, 30)


def test_show_all_from_plain_text_parses_it() -> None:
    request = build(FakeStore(), FakeSchedules()).show_all_request("free rooms tomorrow 2-3pm", asker())
    assert request.intent == Intent.FIND and request.start is not None
    assert request.start.hour == 14


def test_search_labels_rooms_with_their_size(store: FakeStore) -> None:
    assert build(store, FakeSchedules()).search(team_id=TEAM, query="ev", limit=5) == [("r1", "Everest (8)")]
