"""Approval outcomes: the follow-up job reads pending bookings again, with backoff, until the room's
administrator decides, and tells the booker in a Slack DM.

The administrator's decision is made through the simulator's control route, as a test or a demo
would; the DMs are read from a fake Slack Web API that a real `slack_sdk.WebClient` talks to.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.jobs.host import build_runner
from bot.jobs.registry import FOLLOW_UP_APPROVALS
from bot.present.reply import TextReply
from bot.present.terminal import render_text
from bot.sim import Simulator
from bot.usecases.bookings.service import BookingAsk
from bot.usecases.context import CONSOLE_OPERATOR, Caller
from bot.wiring import Runtime, build_runtime
from tests.e2e.fake_slack import FakeSlack
from tests.runtimes import simulator_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEAM, USER = "T1", "U1"


@pytest.fixture
def runtime(sim: Simulator, database_url: str, fake_slack: FakeSlack) -> Iterator[Runtime]:
    with build_runtime(simulator_settings(sim, database_url, slack=fake_slack, deadline_s=3.0)) as built:
        reply = built.service.import_groups(team_id=TEAM, user_id=USER, actor=CONSOLE_OPERATOR)
        assert isinstance(reply, TextReply) and reply.kind == "success"
        yield built


def approval_room(sim: Simulator) -> dict[str, Any]:
    return next(room for room in sim.rooms if sim.room_rules(room["roomId"]).approval)


def tomorrow(hour: int) -> tuple[datetime, datetime]:
    day = datetime.now(SHANGHAI).date() + timedelta(days=1)
    start = datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)
    return start, start + timedelta(hours=1)


def book_pending(runtime: Runtime, sim: Simulator, room: dict[str, Any], hour: int = 20) -> str:
    start, end = tomorrow(hour)
    reply = runtime.service.book(
        Caller(team_id=TEAM, user_id=USER, tz="Asia/Shanghai", user_name="alice"),
        BookingAsk(room_id=room["roomId"], start=start, end=end, idempotency_key=f"k-{hour}"),
    )
    assert "pending approval" in render_text(reply)
    (event,) = [e for e in sim.events if any(r["roomId"] == room["roomId"] for r in e["meetingRooms"])]
    assert event["meetingRooms"][0]["responseStatus"] == "tentative"  # premise: DingTalk awaits the administrator
    return str(event["id"])


def run_job(runtime: Runtime, at: datetime) -> str:
    runner = build_runner(runtime, clock=lambda: at)
    (outcome,) = [o for o in runner.run_once() if o.name == FOLLOW_UP_APPROVALS]
    assert outcome.ok, outcome.note
    return outcome.note or ""


def dms(fake: FakeSlack) -> list[dict[str, Any]]:
    return [call.body for call in fake.calls("chat.postMessage") if call.body.get("channel") == USER]


def test_a_declined_booking_reaches_the_booker_with_the_next_free_rooms(
    runtime: Runtime, sim: Simulator, fake_slack: FakeSlack
) -> None:
    room = approval_room(sim)
    event_id = book_pending(runtime, sim, room)
    now = datetime.now(UTC)
    run_job(runtime, now)
    assert dms(fake_slack) == []  # undecided: nothing to tell

    declined = httpx.post(f"{sim.url}/_sim/approvals/decline", json={"eventId": event_id, "roomId": room["roomId"]})
    assert declined.json() == {"ok": True}
    run_job(runtime, now + timedelta(minutes=2))

    (dm,) = dms(fake_slack)
    assert "declined" in dm["text"]
    blocks = dm["blocks"]
    offered = [
        json.loads(element["value"])["room_id"]
        for block in blocks
        for element in [*block.get("elements", []), *([block["accessory"]] if block.get("accessory") else [])]
        if str(element.get("action_id", "")).startswith("book")
    ]
    assert offered and room["roomId"] not in offered

    mine = render_text(runtime.service.handle_text(Caller(team_id=TEAM, user_id=USER, tz="Asia/Shanghai"), "my bookings"))
    assert "declined by the room's administrator" in mine
    home = runtime.service.home(team_id=TEAM, user_id=USER, tz="Asia/Shanghai")
    assert [b.status for b in home.bookings] == ["declined"]

    run_job(runtime, now + timedelta(minutes=10))
    assert len(dms(fake_slack)) == 1  # told once


def test_an_approved_booking_is_confirmed_to_the_booker(runtime: Runtime, sim: Simulator, fake_slack: FakeSlack) -> None:
    room = approval_room(sim)
    event_id = book_pending(runtime, sim, room)
    httpx.post(f"{sim.url}/_sim/approvals/approve", json={"eventId": event_id, "roomId": room["roomId"]}).raise_for_status()
    run_job(runtime, datetime.now(UTC))
    (dm,) = dms(fake_slack)
    assert "approved" in dm["text"]
    home = runtime.service.home(team_id=TEAM, user_id=USER, tz="Asia/Shanghai")
    assert [b.status for b in home.bookings] == ["booked"]


def test_undecided_bookings_are_read_again_with_growing_pauses(runtime: Runtime, sim: Simulator) -> None:
    room = approval_room(sim)
    book_pending(runtime, sim, room)
    now = datetime.now(UTC)
    reads = []
    for minutes in (0, 0.5, 1.1, 2, 3.2, 5, 7.4):
        sim.reset_stats()
        runtime.service.follow_up_approvals(now + timedelta(minutes=minutes))
        reads.append(sim.stats()["getEvent"])
    # Read at once; then after 1 minute, 2 more, 4 more: 0, 1.1, 3.2, 7.4.
    assert reads == [1, 0, 1, 0, 1, 0, 1]
