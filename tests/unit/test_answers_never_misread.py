"""The answers around a question never drop what was asked: ignored words are said back, a group
named after the time is used, a headcount nothing seats is said, other days are named, and the
booking answers say what really happened."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.errors import ParseError
from bot.parsing import Intent, Request, TimeKind
from bot.present import messages
from bot.present.reply import BookingsReply, FindReply, TextReply
from bot.usecases.bookings.service import BookingAsk
from tests.unit.test_usecase_bookings import BOOK_EVEREST, END, START, World
from tests.unit.test_usecase_find import build
from tests.unit.usecase_fakes import ALICE, NOW, FakeSchedules, FakeStore, asker

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _store() -> FakeStore:
    store = FakeStore()
    store.add_room("r1", "Everest", 8)
    store.add_room("r2", "K2", 30)
    store.add_room("r3", "Fuji", 12)
    store.add_group("HQ 3F", ["r1", "r2"])
    store.add_group("Annex", ["r3"])
    return store


def _find(text: str, **fields: object) -> Request:
    start = NOW + timedelta(hours=1)
    values: dict[str, object] = {
        "intent": Intent.FIND,
        "text": text,
        "start": start,
        "end": start + timedelta(hours=1),
        "time_kind": TimeKind.INTERVAL,
    }
    values.update(fields)
    return Request(**values)  # type: ignore[arg-type]


def test_words_naming_a_group_after_the_time_search_that_group() -> None:
    reply = build(_store(), FakeSchedules()).find(_find("下午3点到4点 HQ 3F", ignored=("HQ", "3F")), asker())
    assert isinstance(reply, FindReply)
    assert reply.groups == ("HQ 3F",)
    assert {r.room.room_id for r in reply.results} == {"r1", "r2"}
    assert not any("ignored" in note for note in reply.notes)


def test_words_that_change_nothing_are_said_back() -> None:
    reply = build(_store(), FakeSchedules()).find(_find("tomorrow bananas", ignored=("bananas",)), asker())
    assert isinstance(reply, FindReply)
    assert messages.ignored_words(["bananas"]) in reply.notes
    assert "`bananas`" in messages.ignored_words(["bananas"])


def test_a_named_group_that_does_not_exist_is_named_in_the_answer() -> None:
    from bot.errors import UnknownGroup

    try:
        build(_store(), FakeSchedules()).find(_find("in Mars", group="Mars"), asker())
    except UnknownGroup as exc:
        assert "Mars" in messages.describe_error(exc)
    else:  # pragma: no cover - the assertion explains the failure
        raise AssertionError("an unknown group must be named, not skipped")


def test_a_headcount_no_room_seats_is_said_and_the_largest_rooms_come_first() -> None:
    reply = build(_store(), FakeSchedules()).find(_find("for 40 people", capacity=40, group="HQ 3F"), asker())
    assert isinstance(reply, FindReply)
    assert [r.room.name for r in reply.results] == ["K2", "Everest"]  # 30 seats, then 8
    assert messages.nobody_meets(40, [], largest=30) in reply.notes
    assert messages.nobody_meets(40, [], largest=30).startswith("No room here seats 40 people (the largest seats 30)")


def test_equipment_no_room_has_is_said() -> None:
    reply = build(_store(), FakeSchedules()).find(_find("with video", labels=(5,), group="HQ 3F"), asker())
    assert isinstance(reply, FindReply)
    assert messages.nobody_meets(None, ["Video conferencing"], largest=30) in reply.notes
    assert messages.nobody_meets(None, ["Video conferencing"], largest=30).startswith("No room here has Video conferencing.")


def test_a_headcount_some_room_seats_gets_no_such_note() -> None:
    reply = build(_store(), FakeSchedules()).find(_find("for 20 people", capacity=20, group="HQ 3F"), asker())
    assert isinstance(reply, FindReply)
    assert [r.room.name for r in reply.results] == ["K2"]
    assert not any("seats" in note for note in reply.notes)


def test_a_room_free_on_another_day_names_that_day() -> None:
    start = NOW.replace(hour=22)  # 22:00-23:00; the busy room frees up after midnight
    busy_until = (start + timedelta(hours=3)).replace(minute=0)
    schedules = FakeSchedules({"r1": [(start - timedelta(hours=1), busy_until)], "r2": [(start, busy_until)]})
    request = _find("10-11pm", start=start, end=start + timedelta(hours=1), group="HQ 3F")
    reply = build(_store(), schedules).find(request, asker())
    assert isinstance(reply, FindReply)
    sentence = reply.summary_sentence()
    local = busy_until.astimezone(SHANGHAI)
    assert local.date() != start.date()
    assert f"free from {local:%a} {local.day} {local:%b %H:%M}" in sentence, sentence


def test_a_room_free_later_the_same_day_shows_only_the_clock() -> None:
    start = NOW + timedelta(hours=1)
    schedules = FakeSchedules({"r1": [(start, start + timedelta(hours=2))], "r2": [(start, start + timedelta(hours=2))]})
    reply = build(_store(), schedules).find(_find("soon", group="HQ 3F"), asker())
    assert isinstance(reply, FindReply)
    assert f"free from {(start + timedelta(hours=2)).astimezone(SHANGHAI):%H:%M}" in reply.summary_sentence()
    assert f"{start:%a}" not in reply.summary_sentence()


def test_the_several_day_summary_labels_days_in_the_askers_zone_when_now_is_utc() -> None:
    store = _store()
    utc_now = NOW.astimezone(ZoneInfo("UTC"))  # Slack passes no `now`: the clock's UTC moment
    start = NOW.replace(hour=0)
    request = _find("this week", start=start, end=start + timedelta(days=4), time_kind=TimeKind.INTERVAL, group="Annex")
    reply = build(store, FakeSchedules()).find(request, asker(now=utc_now))
    assert isinstance(reply, TextReply)
    first_line = next(line for line in reply.text.splitlines() if line.startswith("•"))
    # NOW is 10:00 in Shanghai (02:00 UTC): today's label starts at the asker's 10:00
    assert f"({NOW:%H:%M}–18:00)" in first_line, first_line


def test_a_duration_longer_than_the_window_names_the_window() -> None:
    from bot.parsing import parse

    try:
        parse("tomorrow 2-3pm for 1 h 30 min", now=NOW, tz="Asia/Shanghai")
    except ParseError as exc:
        text = messages.parse_error(exc)
        assert "doesn't fit in 14:00–15:00." in text, text
    else:  # pragma: no cover
        raise AssertionError("a 90 minute slot cannot fit in one hour")


# --- booking ---------------------------------------------------------------------------------


def test_booking_in_words_a_slot_you_already_hold_says_so() -> None:
    world = World()
    request = BOOK_EVEREST
    first = world.bookings.book_text(request, asker())
    assert isinstance(first, FindReply) and first.intro_kind == "success"
    again = world.bookings.book_text(request, asker())
    assert isinstance(again, BookingsReply)
    assert again.intro == messages.booking_already_yours("Everest", START, END)
    assert "already have" in (again.intro or "") and "Booked" not in (again.intro or "")
    assert len(world.dingtalk.events) == 1


def test_cancel_with_nothing_booked_is_one_message() -> None:
    world = World()
    at_two = NOW.replace(hour=14)
    reply = world.bookings.cancel_text(Request(intent=Intent.CANCEL, text="cancel my 2pm booking", start=at_two), asker())
    assert isinstance(reply, TextReply)
    assert reply.text == messages.cancel_nothing_booked(at_two)
    alone = world.bookings.cancel_text(Request(intent=Intent.CANCEL, text="cancel"), asker())
    assert isinstance(alone, TextReply) and "nothing to cancel" in alone.text


def test_after_a_failed_booking_only_rooms_free_for_the_whole_window_are_listed() -> None:
    world = World()
    world.store.add_room("r3", "Fuji")
    world.store.groups.rows.clear()
    world.store.add_group("HQ", ["r1", "r2", "r3"])
    world.dingtalk.busy_rooms.add("r1")
    # K2 is busy for the first half hour of the window: partly free, so booking it would fail too
    world.schedules.busy["r2"] = [(START, START + timedelta(minutes=30))]
    reply = world.bookings.book(
        asker(ALICE, user_name="Alice"), BookingAsk(room_id="r1", start=START, end=END, idempotency_key="k")
    )
    assert isinstance(reply, FindReply)
    assert [r.room.room_id for r in reply.results] == ["r3"]
    assert reply.summary.total == 1 and reply.summary.fitting == 1


def test_after_a_failed_booking_with_only_partly_free_rooms_nothing_else_is_offered() -> None:
    world = World()
    world.dingtalk.busy_rooms.add("r1")
    world.schedules.busy["r2"] = [(START, START + timedelta(minutes=30))]
    reply = world.bookings.book(
        asker(ALICE, user_name="Alice"), BookingAsk(room_id="r1", start=START, end=END, idempotency_key="k")
    )
    assert isinstance(reply, TextReply) and reply.text == messages.booking_busy_nothing_else("Everest")


def test_free_windows_after_midnight_name_their_day() -> None:
    asked = NOW.replace(hour=22)
    after_midnight = (asked + timedelta(hours=3)).replace(minute=0)  # 01:00 the next day
    same_day = messages.free_windows([(asked, asked + timedelta(minutes=30))], asked=asked)
    next_day = messages.free_windows([(after_midnight, after_midnight + timedelta(hours=1))], asked=asked)
    assert same_day == "free 22:00–22:30"
    assert next_day == f"free {after_midnight:%a} {after_midnight.day} {after_midnight:%b} 01:00–02:00"


def test_a_partly_free_room_overnight_shows_the_day_of_its_free_time() -> None:
    from bot.present.terminal import render_text

    start = NOW.replace(hour=22)
    end = start + timedelta(hours=4)  # 22:00-02:00
    busy = [(start, start + timedelta(hours=3))]  # free only from 01:00 the next day
    schedules = FakeSchedules({"r1": busy, "r2": busy})
    reply = build(_store(), schedules).find(_find("10pm-2am", start=start, end=end, group="HQ 3F"), asker())
    assert isinstance(reply, FindReply)
    free_at = start + timedelta(hours=3)
    text = render_text(reply)
    assert f"free {free_at:%a} {free_at.day} {free_at:%b} 01:00–02:00" in text, text


def test_the_several_day_summary_echoes_the_headcount_equipment_and_ignored_words() -> None:
    start = NOW.replace(hour=0)
    request = _find(
        "this week for 6 people with video bananas",
        start=start,
        end=start + timedelta(days=4),
        capacity=6,
        labels=(5,),
        group="HQ 3F",
        ignored=("bananas",),
    )
    reply = build(_store(), FakeSchedules()).find(request, asker())
    assert isinstance(reply, TextReply)
    assert messages.wanted(6, ["Video conferencing"]) in reply.text
    assert messages.nobody_meets(6, ["Video conferencing"], largest=30) in reply.text  # no room has video
    assert messages.ignored_words(["bananas"]) in reply.text


def test_a_passed_time_without_a_day_moves_on_and_says_so() -> None:
    from bot.parsing import parse

    asked_at = NOW.replace(hour=10, minute=17)  # Monday 2 March 2026, 10:17 in Shanghai
    request = parse("monday 9am in HQ 3F", now=asked_at, tz="Asia/Shanghai")
    assert request.start is not None and request.rolled_from is not None
    assert request.rolled_from.isoformat()[:16] == "2026-03-02T09:00"  # this morning's, over
    assert request.start.isoformat()[:16] == "2026-03-09T09:00"  # next Monday's
    reply = build(_store(), FakeSchedules()).find(request, asker(now=asked_at))
    assert isinstance(reply, FindReply)
    assert "Mon 2 Mar 09:00 has passed, so this is Mon 9 Mar." in reply.notes


def test_a_time_still_ahead_today_is_not_moved() -> None:
    from bot.parsing import parse

    request = parse("at 4pm", now=NOW, tz="Asia/Shanghai")
    assert request.rolled_from is None
    assert request.start is not None and request.start.date() == NOW.date()
