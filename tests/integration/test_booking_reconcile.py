"""A booking is never lost or left behind: lost DingTalk replies, failed compensations and orphan
events, settled by the reconciler, against the DingTalk simulator, a real database and a fake
Slack Web API.

The truth is read from the simulator itself (`sim.events`: what DingTalk holds) and from what
the fake Slack received, never from roombot's own answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.jobs.host import build_reconciler
from bot.present import messages
from bot.present.reply import FindReply, Reply, TextReply
from bot.sim import Simulator
from bot.store import BookingRecord
from bot.usecases.bookings.reconcile import Reconciler
from bot.usecases.bookings.rules import booking_key, event_marker
from bot.usecases.bookings.service import BookingAsk
from bot.usecases.context import Caller
from bot.wiring import Runtime, build_runtime, point_at_simulator
from tests.e2e.fake_slack import FakeSlack

SHANGHAI = ZoneInfo("Asia/Shanghai")
TZ = "Asia/Shanghai"
TEAM = "T1"
ALICE = "U_ALICE"
CHANNEL = "C_ROOMS"
MESSAGE_TS = "1700000000.000100"

MakeRuntime = Callable[..., Runtime]


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def make_runtime(sim: Simulator, database_url: str, fake_slack: FakeSlack) -> Iterator[MakeRuntime]:
    built: list[Runtime] = []

    def make(clock: Callable[[], datetime] | None = None, **overrides: Any) -> Runtime:
        settings = point_at_simulator(
            Settings(
                database_url=database_url,
                # A lost reply ends the click quickly: DingTalk's retries give up after a second.
                deadline_s=1.0,
                request_timeout_s=1.0,
                slack_bot_token=fake_slack.token,
                slack_api_url=fake_slack.base_url,
            ),
            sim,
        ).with_overrides(**overrides)
        runtime = build_runtime(settings, clock=clock) if clock else build_runtime(settings)
        built.append(runtime)
        return runtime

    yield make
    for runtime in built:
        runtime.close()


def evening(sim: Simulator, days: int = 1) -> tuple[datetime, datetime]:
    day = sim.today + timedelta(days=days)
    return datetime.combine(day, time(20, 0), SHANGHAI), datetime.combine(day, time(21, 0), SHANGHAI)


def free_room(sim: Simulator, name: str, start: datetime, end: datetime) -> str:
    room_id = next(str(r["roomId"]) for r in sim.rooms if r["roomName"] == name)
    assert sim.schedule(room_id, start, end) == [], f"premise: {name} is free then"
    return room_id


def click_book(runtime: Runtime, room_id: str, start: datetime, end: datetime) -> Reply:
    """The Book button, as the Slack listener calls it: one key per logical booking."""
    return runtime.service.book(
        Caller(team_id=TEAM, user_id=ALICE, channel_id=CHANNEL, tz=TZ, user_name="alice"),
        BookingAsk(
            room_id=room_id,
            start=start,
            end=end,
            idempotency_key=booking_key(TEAM, ALICE, room_id, start, end),
            message_ts=MESSAGE_TS,
        ),
    )


def all_bookings(runtime: Runtime) -> list[BookingRecord]:
    return runtime.store.bookings.for_user(
        TEAM, user_id=ALICE, statuses=("requested", "booked", "pending", "failed", "cancelled")
    )


def rooms_of(event: dict[str, Any]) -> list[str]:
    return [str(r["roomId"]) for r in event.get("meetingRooms") or []]


def reconciler(runtime: Runtime) -> Reconciler:
    built = build_reconciler(runtime)
    assert built is not None
    return built


def told(fake_slack: FakeSlack) -> list[dict[str, Any]]:
    return [call.body for call in fake_slack.calls("chat.postMessage")]


def test_a_lost_create_reply_clicked_three_times_makes_one_event_and_the_reconciler_finishes_it(
    make_runtime: MakeRuntime, sim: Simulator, fake_slack: FakeSlack
) -> None:
    runtime = make_runtime()
    start, end = evening(sim)
    everest = free_room(sim, "3F-Everest", start, end)
    # DingTalk creates the event every time, but no answer to "create event" ever arrives.
    sim.lose_replies("createEvent", mode="drop", count=1000)

    replies = [click_book(runtime, everest, start, end) for _ in range(3)]

    unconfirmed = messages.booking_unconfirmed("3F-Everest")
    assert all(isinstance(r, TextReply) and r.text == unconfirmed for r in replies), replies
    assert sim.stats()["createEvent"] >= 3  # every click really asked DingTalk again...
    assert len(sim.events) == 1  # ...with the same x-client-token, so there is one event
    assert rooms_of(sim.events[0]) == []
    [pending] = all_bookings(runtime)
    assert pending.status == "requested" and pending.event_id is None  # its id never came back

    sim.release_replies()
    done = reconciler(runtime).run(datetime.now(UTC))

    [event] = sim.events
    assert rooms_of(event) == [everest]
    [booking] = all_bookings(runtime)
    assert (booking.status, booking.event_id, booking.notify) == ("booked", event["id"], None)
    assert [s.outcome for s in done.settled] == [messages.SETTLED_BOOKED]
    # The user, told "in progress" three times, hears the outcome under the message they clicked.
    [message] = told(fake_slack)
    assert (message["channel"], message["thread_ts"]) == (CHANNEL, MESSAGE_TS)
    assert "is booked" in message["text"] and "3F-Everest" in message["text"]


def test_a_refused_room_whose_event_cannot_be_deleted_is_released_by_the_next_reconciler_run(
    make_runtime: MakeRuntime, sim: Simulator, fake_slack: FakeSlack
) -> None:
    runtime = make_runtime()
    start, end = evening(sim)
    everest = free_room(sim, "3F-Everest", start, end)
    sim.inject_fault("addMeetingRooms", status=400, code="meetingRoomNotAvailable", message="room busy")
    sim.inject_fault("deleteEvent", status=500, code="system.error", count=1000)

    reply = click_book(runtime, everest, start, end)

    assert isinstance(reply, FindReply | TextReply)
    busy = reply.intro if isinstance(reply, FindReply) else reply.text
    assert busy in (messages.room_busy("3F-Everest"), messages.booking_busy_nothing_else("3F-Everest"))
    [left] = sim.events  # the event is left behind for now, without its room
    assert rooms_of(left) == []
    [booking] = all_bookings(runtime)
    assert (booking.status, booking.event_id, booking.release) == ("requested", left["id"], True)

    sim.clear_faults()
    done = reconciler(runtime).run(datetime.now(UTC))

    assert sim.events == []
    [booking] = all_bookings(runtime)
    assert (booking.status, booking.release) == ("failed", False)
    assert [s.outcome for s in done.settled] == [messages.SETTLED_REFUSED]
    assert told(fake_slack) == []  # the user already had the final answer ("room busy")


def test_a_reconciler_run_that_cannot_delete_either_keeps_the_booking_for_the_next_run(
    make_runtime: MakeRuntime, sim: Simulator
) -> None:
    runtime = make_runtime()
    start, end = evening(sim)
    everest = free_room(sim, "3F-Everest", start, end)
    sim.inject_fault("addMeetingRooms", status=400, code="meetingRoomNotAvailable", message="room busy")
    sim.inject_fault("deleteEvent", status=500, code="system.error", count=1000)
    click_book(runtime, everest, start, end)
    now = datetime.now(UTC)

    first = reconciler(runtime).run(now, sweep=False)

    assert [s.outcome for s in first.settled] == [None]
    [booking] = all_bookings(runtime)
    assert booking.status == "requested" and booking.next_check_at is not None and booking.next_check_at > now
    assert len(sim.events) == 1
    sim.clear_faults()
    assert reconciler(runtime).run(now, sweep=False).settled == []  # not due again yet
    later = reconciler(runtime).run(now + timedelta(seconds=runtime.settings.reconcile_every_s), sweep=False)
    assert [s.outcome for s in later.settled] == [messages.SETTLED_REFUSED]
    assert sim.events == []


def test_a_booking_whose_event_was_never_made_is_refused_and_the_user_told(
    make_runtime: MakeRuntime, sim: Simulator, fake_slack: FakeSlack
) -> None:
    runtime = make_runtime()
    start, end = evening(sim)
    everest = free_room(sim, "3F-Everest", start, end)
    lease = timedelta(seconds=runtime.settings.booking_lease_s)
    # A worker wrote its intent down and died before calling DingTalk.
    runtime.store.bookings.begin(
        TEAM,
        idempotency_key=booking_key(TEAM, ALICE, everest, start, end),
        slack_user_id=ALICE,
        room_id=everest,
        room_name="3F-Everest",
        start=start,
        end=end,
        organizer_union_id=sim.operator_union_id,
        channel_id=CHANNEL,
        message_ts=MESSAGE_TS,
        lease=lease,
    )
    now = datetime.now(UTC)
    assert reconciler(runtime).run(now).settled == []  # its process may still be at work: hands off

    done = reconciler(runtime).run(now + lease + timedelta(seconds=1))

    assert [s.outcome for s in done.settled] == [messages.SETTLED_NOT_MADE]
    assert sim.events == []
    [booking] = all_bookings(runtime)
    assert booking.status == "failed"
    [message] = told(fake_slack)
    assert "did not go through" in message["text"]


def test_a_click_told_in_progress_gets_the_final_answer_once_the_first_click_settles(
    make_runtime: MakeRuntime, sim: Simulator, fake_slack: FakeSlack
) -> None:
    runtime = make_runtime()
    start, end = evening(sim)
    everest = free_room(sim, "3F-Everest", start, end)
    key = booking_key(TEAM, ALICE, everest, start, end)
    # The first click is at work (its lease runs), so the second is told "in progress".
    first, _ = runtime.store.bookings.begin(
        TEAM,
        idempotency_key=key,
        slack_user_id=ALICE,
        room_id=everest,
        room_name="3F-Everest",
        start=start,
        end=end,
        organizer_union_id=sim.operator_union_id,
        channel_id=CHANNEL,
        message_ts=MESSAGE_TS,
        lease=timedelta(minutes=3),
    )
    second = click_book(runtime, everest, start, end)
    assert isinstance(second, TextReply) and second.text == messages.booking_in_progress("3F-Everest")
    # The first click then completes, and answers its own click.
    runtime.store.bookings.complete(TEAM, first.id, event_id="E-first", status="booked")

    done = reconciler(runtime).run(datetime.now(UTC), sweep=False)

    assert done.told == 1
    [message] = told(fake_slack)
    assert "is booked" in message["text"]
    assert reconciler(runtime).run(datetime.now(UTC), sweep=False).told == 0  # told once


def test_the_orphan_sweep_releases_marked_events_no_booking_knows_and_counts_its_calls(
    make_runtime: MakeRuntime, sim: Simulator
) -> None:
    runtime = make_runtime()
    start, end = evening(sim)
    operator = sim.operator_union_id
    client = runtime.dingtalk
    orphan = client.create_event(
        operator,
        summary="Meeting (ghost)",
        description="Booked in Slack via roombot.\n\n" + event_marker(TEAM, "ab" * 20),
        start=start,
        end=end,
        time_zone=TZ,
    )
    theirs = client.create_event(operator, summary="Team lunch", start=start, end=end, time_zone=TZ)
    far = client.create_event(
        operator,
        summary="Meeting (far ahead)",
        description=event_marker(TEAM, "cd" * 20),
        start=start + timedelta(days=60),
        end=end + timedelta(days=60),
        time_zone=TZ,
    )
    sim.reset_stats()

    swept = reconciler(runtime).sweep(datetime.now(UTC), release=True)

    assert [o.event.event_id for o in swept.orphans if o.released] == [orphan.event_id]
    assert sorted(e["id"] for e in sim.events) == sorted([theirs.event_id, far.event_id])  # outside the window: untouched
    stats = sim.stats()
    assert swept.calls == stats["listEvents"] + stats["deleteEvent"] == 2


def test_the_sweep_leaves_the_event_of_a_booking_still_being_made(
    make_runtime: MakeRuntime, sim: Simulator, fake_slack: FakeSlack
) -> None:
    runtime = make_runtime()
    start, end = evening(sim)
    everest = free_room(sim, "3F-Everest", start, end)
    sim.lose_replies("createEvent", mode="drop", count=1000)
    click_book(runtime, everest, start, end)
    sim.release_replies()
    assert len(sim.events) == 1

    swept = reconciler(runtime).sweep(datetime.now(UTC), release=True)

    assert swept.orphans == [] and len(sim.events) == 1


def test_lost_replies_are_a_simulator_knob_over_http(sim: Simulator) -> None:
    import httpx

    assert httpx.post(f"{sim.url}/_sim/replies", json={"endpoint": "createEvent", "mode": "hold"}).status_code == 200
    assert httpx.get(f"{sim.url}/_sim/replies").json() == {"held": 0}
    bad = httpx.post(f"{sim.url}/_sim/replies", json={"endpoint": "createEvent", "mode": "maybe"})
    assert bad.status_code == 400 and "mode" in bad.json()["error"]
    assert httpx.post(f"{sim.url}/_sim/replies/release").status_code == 200


def test_bookings_audit_lists_what_is_unsettled_or_orphaned_and_fix_settles_it(
    make_runtime: MakeRuntime, sim: Simulator, database_url: str
) -> None:
    from bot.cli import build_parser
    from bot.commands.bookings import run as audit

    runtime = make_runtime()
    start, end = evening(sim)
    everest = free_room(sim, "3F-Everest", start, end)
    sim.inject_fault("addMeetingRooms", status=400, code="meetingRoomNotAvailable", message="room busy")
    sim.inject_fault("deleteEvent", status=500, code="system.error", count=1000)
    click_book(runtime, everest, start, end)  # refused; its event is still to be released
    sim.clear_faults()
    ghost = runtime.dingtalk.create_event(
        sim.operator_union_id,
        summary="Meeting (ghost)",
        description=event_marker(TEAM, "ab" * 20),
        start=start,
        end=end,
        time_zone=TZ,
    )
    environ = {
        "DATABASE_URL": database_url,
        "DINGTALK_APP_KEY": sim.app_key,
        "DINGTALK_APP_SECRET": sim.app_secret,
        "DINGTALK_OPERATOR_UNION_ID": sim.operator_union_id,
        "DINGTALK_API_URL": sim.url,
    }

    def roombot(*argv: str) -> tuple[int, str]:
        import io

        out, err = io.StringIO(), io.StringIO()
        code = audit(build_parser().parse_args(["bookings", "audit", *argv]), out=out, err=err, environ=environ)
        assert err.getvalue() == ""
        return code, out.getvalue()

    code, listed = roombot()
    assert code == 1
    assert messages.audit_header_unsettled(1) in listed and "to release" in listed
    assert messages.audit_header_orphans(1, days=7) in listed and ghost.event_id in listed
    assert len(sim.events) == 2  # only read

    code, fixed = roombot("--fix")
    assert code == 0, fixed
    assert messages.audit_fixed(settled=1, released=1, left=0) in fixed
    assert sim.events == []
    [booking] = all_bookings(runtime)
    assert booking.status == "failed"

    assert roombot() == (
        0,
        f"{messages.audit_header_unsettled(0)}\n{messages.audit_header_orphans(0, days=7)}\n{messages.WORDS.audit_clean}\n",
    )


def test_a_lost_add_room_answer_is_resumed_by_the_next_click_without_calling_its_own_event_a_rival(
    make_runtime: MakeRuntime, sim: Simulator, fake_slack: FakeSlack
) -> None:
    runtime = make_runtime()
    start, end = evening(sim)
    everest = free_room(sim, "3F-Everest", start, end)
    sim.lose_replies("addMeetingRooms", mode="drop", count=1000)

    first = click_book(runtime, everest, start, end)

    assert isinstance(first, TextReply) and first.text == messages.booking_unconfirmed("3F-Everest")
    [event] = sim.events
    assert rooms_of(event) == [everest]  # DingTalk booked it; roombot did not hear
    sim.release_replies()

    again = click_book(runtime, everest, start, end)

    assert isinstance(again, FindReply) and again.intro_kind == "success", again
    [event] = sim.events
    assert rooms_of(event) == [everest]
    [booking] = all_bookings(runtime)
    assert (booking.status, booking.event_id) == ("booked", event["id"])


def test_a_lost_booking_of_a_room_that_needs_approval_is_settled_as_pending(
    make_runtime: MakeRuntime, sim: Simulator, fake_slack: FakeSlack
) -> None:
    runtime = make_runtime()
    start, end = evening(sim)
    alps = free_room(sim, "5F-Alps", start, end)
    assert sim.room_rules(alps).approval
    sim.lose_replies("createEvent", mode="drop", count=1000)
    click_book(runtime, alps, start, end)
    sim.release_replies()

    done = reconciler(runtime).run(datetime.now(UTC), sweep=False)

    assert [s.outcome for s in done.settled] == [messages.SETTLED_PENDING]
    [event] = sim.events
    assert [(r["roomId"], r["responseStatus"]) for r in event["meetingRooms"]] == [(alps, "tentative")]
    [booking] = all_bookings(runtime)
    assert (booking.status, booking.event_id) == ("pending", event["id"])
    [message] = told(fake_slack)
    assert "pending approval" in message["text"]


def test_a_booking_still_unknown_when_its_window_has_passed_is_released(
    make_runtime: MakeRuntime, sim: Simulator, fake_slack: FakeSlack
) -> None:
    runtime = make_runtime()
    start, end = evening(sim)
    everest = free_room(sim, "3F-Everest", start, end)
    sim.lose_replies("createEvent", mode="drop", count=1000)
    click_book(runtime, everest, start, end)
    sim.release_replies()

    done = reconciler(runtime).run(end + timedelta(minutes=5), sweep=False)

    assert [s.outcome for s in done.settled] == [messages.SETTLED_EXPIRED]
    assert sim.events == []
    [booking] = all_bookings(runtime)
    assert booking.status == "failed"
    [message] = told(fake_slack)
    assert "released it" in message["text"]


def test_the_user_is_told_by_dm_when_the_thread_cannot_take_the_answer(
    make_runtime: MakeRuntime, sim: Simulator, fake_slack: FakeSlack
) -> None:
    runtime = make_runtime()
    start, end = evening(sim)
    everest = free_room(sim, "3F-Everest", start, end)
    sim.lose_replies("createEvent", mode="drop", count=1000)
    click_book(runtime, everest, start, end)
    sim.release_replies()
    fake_slack.fail("chat.postMessage", error="not_in_channel")

    done = reconciler(runtime).run(datetime.now(UTC), sweep=False)

    assert done.told == 1
    thread, dm = told(fake_slack)
    assert thread["channel"] == CHANNEL  # refused by Slack
    assert dm["channel"] == ALICE and "is booked" in dm["text"]


def test_bookings_audit_without_dingtalk_says_what_is_missing_and_exits_2(database_url: str) -> None:
    import io

    from bot.cli import build_parser
    from bot.commands.bookings import run as audit

    out, err = io.StringIO(), io.StringIO()
    code = audit(build_parser().parse_args(["bookings", "audit"]), out=out, err=err, environ={"DATABASE_URL": database_url})

    assert code == 2 and out.getvalue() == ""
    assert err.getvalue() == f"roombot bookings audit: {messages.WORDS.audit_not_configured}\n"


def test_a_click_and_the_reconciler_resuming_one_booking_at_once_leave_one_event(
    make_runtime: MakeRuntime, sim: Simulator, fake_slack: FakeSlack
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    runtime = make_runtime()
    start, end = evening(sim)
    everest = free_room(sim, "3F-Everest", start, end)
    sim.lose_replies("createEvent", mode="drop", count=1000)
    click_book(runtime, everest, start, end)
    sim.release_replies()
    rounds = reconciler(runtime)

    with ThreadPoolExecutor(max_workers=4) as pool:
        clicks = [pool.submit(click_book, runtime, everest, start, end) for _ in range(2)]
        settles = [pool.submit(rounds.run, datetime.now(UTC), sweep=False) for _ in range(2)]
        replies = [c.result() for c in clicks]
        [s.result() for s in settles]
    rounds.run(datetime.now(UTC), sweep=False)  # whatever the race left owed is delivered now

    [event] = sim.events
    assert rooms_of(event) == [everest]
    [booking] = all_bookings(runtime)
    assert (booking.status, booking.event_id, booking.notify) == ("booked", event["id"], None)
    for reply in replies:  # each click was booked, or told it is in progress (and then told the outcome)
        assert isinstance(reply, FindReply) or (
            isinstance(reply, TextReply) and reply.text == messages.booking_in_progress("3F-Everest")
        ), reply
    assert any("is booked" in m["text"] for m in told(fake_slack))
