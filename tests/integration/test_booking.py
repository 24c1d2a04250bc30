"""Booking and cancelling through RoomService, against the DingTalk simulator and a real database.

Every test books tomorrow evening (20:00–21:00 in Shanghai), after the simulator's demo
meetings, and checks that premise against the simulator before relying on it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain.availability import Verdict
from bot.errors import EventLimitReached, PermissionMissing
from bot.present import messages
from bot.present.reply import BookingsReply, FindReply, Reply, TextReply
from bot.sim import Simulator
from bot.sim.faults import PERMISSION_DENIED
from bot.usecases.context import CONSOLE_OPERATOR, Caller
from bot.wiring import Runtime
from tests.runtimes import MakeRuntime, press_book, runtime_factory, simulator_settings
from tests.threads import run_in_threads

SHANGHAI = ZoneInfo("Asia/Shanghai")
TZ = "Asia/Shanghai"
TEAM = "T1"
ALICE, BOB, ADMIN = "U_ALICE", "U_BOB", "U_ADMIN"


@pytest.fixture
def make_runtime(sim: Simulator, database_url: str) -> Iterator[MakeRuntime]:
    """Build a runtime on the simulator with some settings changed; DingTalk groups imported."""
    with runtime_factory(simulator_settings(sim, database_url, deadline_s=3.0, admin_user_ids=(ADMIN,))) as build:

        def make(**changes: Any) -> Runtime:
            runtime = build(**changes)
            reply = runtime.service.import_groups(team_id=TEAM, user_id=ALICE, actor=CONSOLE_OPERATOR)
            assert isinstance(reply, TextReply) and reply.kind == "success", reply
            return runtime

        yield make


@pytest.fixture
def runtime(make_runtime: MakeRuntime) -> Runtime:
    return make_runtime()


def evening(sim: Simulator, days: int = 1) -> tuple[datetime, datetime]:
    day = sim.today + timedelta(days=days)
    return datetime.combine(day, time(20, 0), SHANGHAI), datetime.combine(day, time(21, 0), SHANGHAI)


def room(sim: Simulator, name: str) -> str:
    return next(str(r["roomId"]) for r in sim.rooms if r["roomName"] == name)


def free_room(sim: Simulator, name: str, start: datetime, end: datetime) -> str:
    room_id = room(sim, name)
    assert sim.schedule(room_id, start, end) == [], f"premise: {name} is free then"
    return room_id


def book(
    runtime: Runtime,
    room_id: str,
    start: datetime,
    end: datetime,
    *,
    user: str = ALICE,
    name: str = "alice",
    key: str | None = None,
) -> Reply:
    key = key or f"{user}-{room_id}-{start.isoformat()}"
    clicked_in = dict(channel_id="C1", message_ts="1700000000.000100")
    return press_book(runtime, room_id, start, end, team=TEAM, user=user, user_name=name, key=key, **clicked_in)


def everest_tomorrow_evening(sim: Simulator) -> tuple[str, datetime, datetime]:
    start, end = evening(sim)
    return free_room(sim, "3F-Everest", start, end), start, end


def cancel(runtime: Runtime, booking_id: int, *, user: str = ALICE) -> Reply:
    """The Cancel button of a booking, pressed by `user` (not an admin)."""
    return runtime.service.cancel(Caller(team_id=TEAM, user_id=user, tz=TZ), booking_id, is_admin=False)


def ask(runtime: Runtime, text: str, *, user: str = ALICE) -> Reply:
    return runtime.service.handle_text(Caller(team_id=TEAM, user_id=user, tz=TZ), text)


def result_for(reply: FindReply, room_id: str) -> Any:
    return next(r for r in reply.results if r.room.room_id == room_id)


def events_with(sim: Simulator, room_id: str) -> list[dict[str, Any]]:
    return [e for e in sim.events if any(r.get("roomId") == room_id for r in e.get("meetingRooms") or [])]


def bookings(runtime: Runtime, user: str = ALICE) -> list[Any]:
    return runtime.store.bookings.for_user(
        TEAM, user_id=user, statuses=("requested", "booked", "pending", "failed", "cancelled")
    )


def window_question(start: datetime) -> str:
    return f"free rooms {start:%Y-%m-%d} 20:00-21:00"


# --- booking --------------------------------------------------------------------------------------


def test_a_booking_succeeds_and_then_shows_as_busy_in_a_new_query(runtime: Runtime, sim: Simulator) -> None:
    everest, start, end = everest_tomorrow_evening(sim)
    before = ask(runtime, window_question(start))  # fills the schedule cache: the room is free
    assert isinstance(before, FindReply) and result_for(before, everest).assessment.verdict is Verdict.FREE

    reply = book(runtime, everest, start, end)

    assert isinstance(reply, FindReply)
    assert reply.intro_kind == "success"
    assert reply.intro == messages.booking_done("3F-Everest", start, end, pending=False, on_behalf=True)
    first = reply.results[0]
    assert first.room.room_id == everest and first.booked_by == "alice"
    assert first.assessment.verdict is Verdict.BUSY
    (record,) = bookings(runtime)
    assert record.status == "booked" and record.room_id == everest and record.event_id
    cancel = next(b for b in reply.buttons if b.action_id.startswith("cancel"))
    assert cancel.value == str(record.id)
    (event,) = sim.events
    assert event["id"] == record.event_id
    assert event["summary"] == "Meeting (alice)"
    assert "alice" in event["description"] and ALICE in event["description"]
    assert [(r["roomId"], r["responseStatus"]) for r in event["meetingRooms"]] == [(everest, "accepted")]

    after = ask(runtime, window_question(start))  # the cache was invalidated: DingTalk says busy now
    assert isinstance(after, FindReply)
    assert result_for(after, everest).assessment.verdict is Verdict.BUSY


def test_booking_from_text_in_english_and_chinese(runtime: Runtime, sim: Simulator) -> None:
    everest, start, end = everest_tomorrow_evening(sim)
    fuji = free_room(sim, "3F-Fuji", start, end)

    english = ask(runtime, "book 3F-Everest tomorrow 8-9pm")
    chinese = ask(runtime, "预订 3F-Fuji 明天晚上8点到9点")

    assert isinstance(english, FindReply) and english.intro_kind == "success"
    assert isinstance(chinese, FindReply) and chinese.intro_kind == "success"
    booked = {(b.room_id, b.start, b.end, b.status) for b in bookings(runtime)}
    assert booked == {(everest, start, end, "booked"), (fuji, start, end, "booked")}
    assert len(sim.events) == 2


def test_booking_from_text_needs_a_room_and_an_exact_time(runtime: Runtime, sim: Simulator) -> None:
    no_time = ask(runtime, "book 3F-Everest tomorrow")
    unknown = ask(runtime, "book 9F-Nowhere tomorrow 8-9pm")

    assert isinstance(no_time, TextReply) and no_time.kind == "error"
    assert no_time.text.startswith("When should I book it?")
    assert isinstance(unknown, TextReply) and unknown.kind == "error"
    assert "9F-Nowhere" in unknown.text
    assert sim.events == []


def test_two_users_racing_for_one_room_get_one_booking_and_one_friendly_busy_answer(
    runtime: Runtime, sim: Simulator
) -> None:
    everest, start, end = everest_tomorrow_evening(sim)
    barrier = threading.Barrier(2)
    replies: dict[str, Reply] = {}

    def click(user: str, name: str) -> None:
        barrier.wait()
        replies[user] = book(runtime, everest, start, end, user=user, name=name)

    threads = [threading.Thread(target=click, args=args) for args in ((ALICE, "alice"), (BOB, "bob"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    kinds = sorted(r.intro_kind for r in replies.values() if isinstance(r, FindReply))
    assert kinds == ["info", "success"]
    (loser,) = [r for r in replies.values() if isinstance(r, FindReply) and r.intro_kind == "info"]
    # Lost at DingTalk ("someone just took") or seen taken in the schedule first: both friendly.
    assert loser.intro in (messages.room_busy("3F-Everest"), messages.room_taken("3F-Everest"))
    assert everest not in {r.room.room_id for r in loser.results}
    assert any(r.assessment.fits for r in loser.results)  # the next best rooms, each with a Book button
    assert len(sim.events) == 1  # the loser's event was deleted again
    statuses = sorted(b.status for user in (ALICE, BOB) for b in bookings(runtime, user))
    assert statuses == ["booked", "failed"]


def test_a_double_click_gives_one_booking(runtime: Runtime, sim: Simulator) -> None:
    everest, start, end = everest_tomorrow_evening(sim)

    first = book(runtime, everest, start, end, key="click-1")
    second = book(runtime, everest, start, end, key="click-1")

    assert isinstance(first, FindReply) and isinstance(second, FindReply)
    assert first.intro == second.intro and second.intro_kind == "success"
    assert len(sim.events) == 1
    assert len(bookings(runtime)) == 1


def test_simultaneous_clicks_with_one_key_give_one_booking(runtime: Runtime, sim: Simulator) -> None:
    everest, start, end = everest_tomorrow_evening(sim)
    barrier = threading.Barrier(4)
    replies: list[Reply] = []

    def click() -> None:
        barrier.wait()
        replies.append(book(runtime, everest, start, end, key="same-click"))

    run_in_threads(click, 4)

    assert len(sim.events) == 1
    assert [b.status for b in bookings(runtime)] == ["booked"]
    assert sim.stats()["createEvent"] == 1
    for reply in replies:  # each click is told it is booked, or that the booking is under way
        if isinstance(reply, TextReply):
            assert reply.text == messages.booking_in_progress("3F-Everest")
        else:
            assert isinstance(reply, FindReply) and reply.intro_kind == "success"


def test_clicking_book_again_after_cancelling_books_again(runtime: Runtime, sim: Simulator) -> None:
    everest, start, end = everest_tomorrow_evening(sim)
    book(runtime, everest, start, end, key="click")
    (first,) = bookings(runtime)
    cancel(runtime, first.id)

    again = book(runtime, everest, start, end, key="click")

    assert isinstance(again, FindReply) and again.intro_kind == "success"
    assert sorted(b.status for b in bookings(runtime)) == ["booked", "cancelled"]
    assert len(sim.events) == 1


def test_a_busy_room_when_adding_it_leaves_no_orphan_event(runtime: Runtime, sim: Simulator) -> None:
    everest, start, end = everest_tomorrow_evening(sim)
    sim.inject_fault("addMeetingRooms", status=400, code="meetingRoomNotAvailable", message="room busy")

    reply = book(runtime, everest, start, end)

    assert isinstance(reply, FindReply) and reply.intro == messages.room_busy("3F-Everest")
    assert sim.stats()["createEvent"] == 1 and sim.stats()["deleteEvent"] == 1
    assert sim.events == []
    (record,) = bookings(runtime)
    assert record.status == "failed" and record.error == "meetingRoomNotAvailable"


def test_dingtalk_failing_to_add_the_room_leaves_no_orphan_event(runtime: Runtime, sim: Simulator) -> None:
    everest, start, end = everest_tomorrow_evening(sim)
    sim.inject_fault("addMeetingRooms", status=400, code="invalidParameter", message="Meeting room invalid")

    reply = book(runtime, everest, start, end)

    assert isinstance(reply, TextReply) and reply.kind == "error"
    assert sim.stats()["createEvent"] == 1
    assert sim.events == []
    assert [b.status for b in bookings(runtime)] == ["failed"]


def test_a_room_that_needs_approval_is_booked_as_pending(runtime: Runtime, sim: Simulator) -> None:
    start, end = evening(sim)
    alps = free_room(sim, "5F-Alps", start, end)
    assert sim.room_rules(alps).approval

    reply = book(runtime, alps, start, end)

    assert isinstance(reply, FindReply) and reply.intro_kind == "success"
    assert reply.intro == messages.booking_done("5F-Alps", start, end, pending=True, on_behalf=True)
    assert "pending approval" in reply.intro
    assert reply.results[0].assessment.verdict is Verdict.PENDING
    (record,) = bookings(runtime)
    assert record.status == "pending"
    (event,) = sim.events
    assert event["meetingRooms"][0]["responseStatus"] == "tentative"
    home = runtime.service.home(team_id=TEAM, user_id=ALICE, tz=TZ)
    assert [(b.room_id, b.status) for b in home.bookings] == [(alps, "pending")]
    listed = ask(runtime, "my bookings")
    assert isinstance(listed, BookingsReply) and [b.status for b in listed.bookings] == ["pending"]


# --- organizer: linked, operator, refused ---------------------------------------------------------


def test_an_unlinked_user_is_refused_when_the_setting_says_so(make_runtime: MakeRuntime, sim: Simulator) -> None:
    runtime = make_runtime(unlinked_booking="refuse")
    everest, start, end = everest_tomorrow_evening(sim)

    reply = book(runtime, everest, start, end)

    assert isinstance(reply, TextReply) and reply.kind == "error"
    assert reply.text == messages.WORDS.account_not_linked
    assert sim.stats()["createEvent"] == 0 and bookings(runtime) == []


def test_an_unlinked_user_books_with_the_operator_account_named_in_the_event(runtime: Runtime, sim: Simulator) -> None:
    everest, start, end = everest_tomorrow_evening(sim)

    reply = book(runtime, everest, start, end, name="alice")

    assert isinstance(reply, FindReply) and reply.intro is not None
    assert "shared DingTalk account" in reply.intro
    (event,) = sim.events
    assert event["organizer"]["id"] == sim.operator_union_id
    assert "alice" in event["summary"] and "alice" in event["description"]


def test_a_linked_user_books_in_their_own_name(make_runtime: MakeRuntime, sim: Simulator) -> None:
    runtime = make_runtime(unlinked_booking="refuse")
    li_lei = sim.users[1]
    linked = link_with_code(runtime, sim, str(li_lei["mobile"]), user=ALICE)
    assert isinstance(linked, TextReply) and linked.kind == "success"
    everest, start, end = everest_tomorrow_evening(sim)

    reply = book(runtime, everest, start, end)

    assert isinstance(reply, FindReply) and reply.intro is not None
    assert "shared DingTalk account" not in reply.intro
    (event,) = sim.events
    assert event["organizer"]["id"] == li_lei["unionid"]
    assert bookings(runtime)[0].organizer_union_id == li_lei["unionid"]


def test_link_by_mobile_and_by_union_id(runtime: Runtime, sim: Simulator) -> None:
    han, wang = sim.users[0], sim.users[2]

    by_mobile = link_with_code(runtime, sim, f"+86 {han['mobile']}", user=ALICE)
    by_union = link_with_code(runtime, sim, str(wang["unionid"]), user=BOB)
    unknown = ask(runtime, "link NoSuchUnionId0000000000000", user=ADMIN)

    assert isinstance(by_mobile, TextReply) and by_mobile.kind == "success"
    assert isinstance(by_union, TextReply) and by_union.kind == "success"
    alice, bob = runtime.store.users.get(TEAM, ALICE), runtime.store.users.get(TEAM, BOB)
    assert alice is not None and alice.union_id == han["unionid"]
    assert bob is not None and bob.union_id == wang["unionid"]
    assert isinstance(unknown, TextReply) and unknown.kind == "error"
    admin = runtime.store.users.get(TEAM, ADMIN)
    assert admin is None or not admin.linked


def link_with_code(runtime: Runtime, sim: Simulator, target: str, *, user: str) -> Reply:
    """`link <target>`, then `link <code>` with the code DingTalk delivered (read as its owner would)."""
    sent = ask(runtime, f"link {target}", user=user)
    assert isinstance(sent, TextReply) and sent.kind == "info", sent
    code = re.search(r"\b(\d{6})\b", sim.notifications[-1]["text"])
    assert code is not None
    return ask(runtime, f"link {code[1]}", user=user)


# --- rules and DingTalk's refusals -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "days", "hours", "rule"),
    [
        ("5F-Andes", 1, 1, "closed"),  # closed for renovation around today
        ("3F-K2", 1, 3, "too_long"),  # at most two hours
        ("TowerB-2F-Mekong", 20, 1, "too_far_ahead"),  # at most 14 days ahead
        ("3F-Everest", -1, 1, "in_past"),
    ],
)
def test_a_booking_against_the_rooms_rules_is_explained_before_calling_dingtalk(
    runtime: Runtime, sim: Simulator, name: str, days: int, hours: int, rule: str
) -> None:
    start, _ = evening(sim, days)
    start -= timedelta(hours=hours - 1)  # longer windows start earlier, still after the demo meetings
    end = start + timedelta(hours=hours)
    room_id = room(sim, name)

    reply = book(runtime, room_id, start, end)

    assert isinstance(reply, TextReply) and reply.kind == "error"
    assert reply.text.startswith(messages.booking_rule(rule, name, {})[:12])
    assert sim.stats()["createEvent"] == 0 and sim.events == []


def test_a_rule_violation_names_the_limit(runtime: Runtime, sim: Simulator) -> None:
    start, _ = evening(sim)
    k2 = room(sim, "3F-K2")

    too_long = book(runtime, k2, start - timedelta(hours=2), start + timedelta(hours=1))
    too_far = book(runtime, room(sim, "TowerB-2F-Mekong"), *evening(sim, 20))

    assert isinstance(too_long, TextReply)
    assert too_long.text == messages.booking_rule("too_long", "3F-K2", {"limit": "120"})
    assert isinstance(too_far, TextReply)
    assert too_far.text == messages.booking_rule("too_far_ahead", "TowerB-2F-Mekong", {"limit": "14 days"})


def test_the_daily_event_limit_is_explained(runtime: Runtime, sim: Simulator) -> None:
    everest, start, end = everest_tomorrow_evening(sim)
    sim.inject_fault(
        "createEvent", status=400, code="flowLimit", message="current user can not create events exceed 100 per day"
    )

    reply = book(runtime, everest, start, end)

    assert isinstance(reply, TextReply) and reply.kind == "error"
    assert reply.text == messages.describe_error(EventLimitReached())
    assert [(b.status, b.error) for b in bookings(runtime)] == [("failed", "flowLimit")]
    assert sim.events == []


def test_a_missing_permission_is_explained_with_its_scope(runtime: Runtime, sim: Simulator) -> None:
    everest, start, end = everest_tomorrow_evening(sim)
    sim.inject_fault("createEvent", status=403, code=PERMISSION_DENIED, required_scopes=["Calendar.Event.Write"])

    reply = book(runtime, everest, start, end)

    assert isinstance(reply, TextReply) and reply.kind == "error"
    assert reply.text.startswith(messages.describe_error(PermissionMissing(required_scopes=["Calendar.Event.Write"]))[:60])
    assert "Calendar.Event.Write" in reply.text
    assert sim.events == []


# --- cancelling ------------------------------------------------------------------------------------


def test_the_owner_cancels_and_the_room_is_free_again(runtime: Runtime, sim: Simulator) -> None:
    everest, start, end = everest_tomorrow_evening(sim)
    book(runtime, everest, start, end)
    (record,) = bookings(runtime)

    reply = cancel(runtime, record.id)

    assert isinstance(reply, BookingsReply) and reply.intro_kind == "success"
    assert reply.intro == messages.cancel_done("3F-Everest", start, end, cancel_mode="delete")
    assert reply.bookings == ()
    assert sim.events == []
    assert runtime.store.bookings.get(TEAM, record.id).status == "cancelled"
    after = ask(runtime, window_question(start))
    assert isinstance(after, FindReply) and result_for(after, everest).assessment.verdict is Verdict.FREE


def test_someone_else_cannot_cancel_but_an_admin_can(runtime: Runtime, sim: Simulator) -> None:
    everest, start, end = everest_tomorrow_evening(sim)
    book(runtime, everest, start, end)
    (record,) = bookings(runtime)

    refused = cancel(runtime, record.id, user=BOB)
    by_text = ask(runtime, f"cancel {record.id}", user=BOB)

    assert isinstance(refused, TextReply) and refused.kind == "error"
    assert refused.text == messages.not_allowed("cancel_booking")
    assert isinstance(by_text, TextReply) and by_text.text == refused.text
    assert len(sim.events) == 1 and runtime.store.bookings.get(TEAM, record.id).status == "booked"

    by_admin = ask(runtime, f"cancel {record.id}", user=ADMIN)  # ADMIN is in admin_user_ids
    assert isinstance(by_admin, BookingsReply) and by_admin.intro_kind == "success"
    assert sim.events == []


def test_cancel_mode_remove_room_keeps_the_meeting_and_releases_the_room(make_runtime: MakeRuntime, sim: Simulator) -> None:
    runtime = make_runtime(cancel_mode="remove_room")
    everest, start, end = everest_tomorrow_evening(sim)
    book(runtime, everest, start, end)
    (record,) = bookings(runtime)

    reply = cancel(runtime, record.id)

    assert isinstance(reply, BookingsReply) and reply.intro_kind == "success"
    (event,) = sim.events
    assert event["id"] == record.event_id and not event.get("meetingRooms")
    assert sim.schedule(everest, start, end) == []


def test_my_bookings_and_cancel_by_time_from_text(runtime: Runtime, sim: Simulator) -> None:
    everest, start, end = everest_tomorrow_evening(sim)
    fuji = free_room(sim, "3F-Fuji", start - timedelta(hours=1), start)
    book(runtime, everest, start, end)
    book(runtime, fuji, start - timedelta(hours=1), start)

    listed = ask(runtime, "my bookings")
    assert isinstance(listed, BookingsReply)
    assert [(b.room_name, b.start) for b in listed.bookings] == [
        ("3F-Fuji", start - timedelta(hours=1)),
        ("3F-Everest", start),
    ]

    none_then = ask(runtime, "cancel my 6am booking")
    assert isinstance(none_then, BookingsReply) and none_then.intro is not None
    assert none_then.intro.startswith("You have no upcoming booking at 06:00")
    assert len(none_then.bookings) == 2

    cancelled = ask(runtime, "cancel my 8pm booking")
    assert isinstance(cancelled, BookingsReply) and cancelled.intro_kind == "success"
    assert [b.room_name for b in cancelled.bookings] == ["3F-Fuji"]
    assert [e["meetingRooms"][0]["roomId"] for e in sim.events] == [fuji]

    chinese = ask(runtime, "我的预订")
    assert isinstance(chinese, BookingsReply) and [b.room_name for b in chinese.bookings] == ["3F-Fuji"]


def test_a_cancelled_booking_cancelled_again_says_so(runtime: Runtime, sim: Simulator) -> None:
    everest, start, end = everest_tomorrow_evening(sim)
    book(runtime, everest, start, end)
    (record,) = bookings(runtime)
    cancel(runtime, record.id)
    sim.reset_stats()

    again = cancel(runtime, record.id)

    assert isinstance(again, BookingsReply) and again.intro_kind == "info"
    assert again.intro == messages.cancel_already("3F-Everest", start, end)
    assert sim.stats()["deleteEvent"] == 0


def test_an_attempt_abandoned_mid_way_is_answered_as_in_progress_then_resumed(
    make_runtime: MakeRuntime, sim: Simulator
) -> None:
    now = [datetime.now(UTC)]
    runtime = make_runtime(clock=lambda: now[0])
    everest, start, end = everest_tomorrow_evening(sim)
    # A worker recorded the attempt and died before calling DingTalk.
    runtime.store.bookings.begin(
        TEAM,
        idempotency_key="crashed",
        slack_user_id=ALICE,
        room_id=everest,
        room_name="3F-Everest",
        start=start,
        end=end,
        organizer_union_id=sim.operator_union_id,
        lease=timedelta(seconds=runtime.settings.booking_lease_s),
    )

    meanwhile = book(runtime, everest, start, end, key="crashed")
    now[0] += timedelta(seconds=runtime.settings.booking_lease_s + 1)
    later = book(runtime, everest, start, end, key="crashed")

    assert isinstance(meanwhile, TextReply) and meanwhile.text == messages.booking_in_progress("3F-Everest")
    assert isinstance(later, FindReply) and later.intro_kind == "success"
    assert [b.status for b in bookings(runtime)] == ["booked"]
    assert len(sim.events) == 1


def test_booking_a_room_the_schedule_already_shows_busy_asks_nothing_of_dingtalk(runtime: Runtime, sim: Simulator) -> None:
    everest, start, end = everest_tomorrow_evening(sim)
    assert isinstance(book(runtime, everest, start, end, user=ALICE, name="alice"), FindReply)
    sim.reset_stats()

    reply = book(runtime, everest, start, end, user=BOB, name="bob")

    assert isinstance(reply, FindReply) and reply.intro == messages.room_taken("3F-Everest")
    assert everest not in {r.room.room_id for r in reply.results}
    assert sim.stats()["createEvent"] == 0 and sim.stats()["deleteEvent"] == 0
    assert len(sim.events) == 1
