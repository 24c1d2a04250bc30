"""Closed rooms and rooms open to some members only: never offered as free, bookable or an alternative.

The expected closures and scopes are read from the simulator's raw room detail
(`GET /v1.0/rooms/meetingRooms/{roomId}`), not from roombot's directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.config import Settings
from bot.domain.availability import Verdict
from bot.present.reply import FindReply, TextReply
from bot.present.terminal import render_text
from bot.sim import Simulator
from bot.store.sync import sync_directory
from bot.usecases.bookings.service import BookingAsk
from bot.usecases.context import CONSOLE_OPERATOR, Caller
from bot.wiring import Runtime, build_runtime, point_at_simulator

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEAM, USER = "T1", "U1"


@pytest.fixture
def runtime(sim: Simulator, database_url: str) -> Iterator[Runtime]:
    settings = point_at_simulator(Settings(database_url=database_url, deadline_s=3.0), sim)
    with build_runtime(settings) as built:
        reply = built.service.import_groups(team_id=TEAM, user_id=USER, actor=CONSOLE_OPERATOR)
        assert isinstance(reply, TextReply) and reply.kind == "success"
        yield built


def raw_detail(sim: Simulator, room_id: str) -> dict[str, Any]:
    """The room's detail exactly as DingTalk's API serves it."""
    token = httpx.post(
        f"{sim.url}/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret}
    ).json()["accessToken"]
    reply = httpx.get(
        f"{sim.url}/v1.0/rooms/meetingRooms/{room_id}",
        params={"unionId": sim.operator_union_id},
        headers={"x-acs-dingtalk-access-token": token},
    )
    assert reply.status_code == 200
    result: dict[str, Any] = reply.json()["result"]
    return result


def ask_in_group(runtime: Runtime, room: dict[str, Any], when: str, *, user: str = USER) -> FindReply:
    group = room["roomGroup"]["groupName"]
    reply = runtime.service.handle_text(
        Caller(team_id=TEAM, user_id=user, tz="Asia/Shanghai"), f"free rooms {when} in {group}"
    )
    assert isinstance(reply, FindReply), reply
    return reply


def closed_room(sim: Simulator) -> dict[str, Any]:
    closed = [room for room in sim.rooms if "reservationCloseDetail" in raw_detail(sim, room["roomId"])["extensionConfig"]]
    assert closed, "premise: the demo data has a room closed for renovation"
    return closed[0]


def test_a_closed_room_is_shown_closed_until_its_reopening_never_free(runtime: Runtime, sim: Simulator) -> None:
    room = closed_room(sim)
    close = raw_detail(sim, room["roomId"])["extensionConfig"]["reservationCloseDetail"]
    reopens = datetime.fromtimestamp(close["taskEndTime"] / 1000, UTC)
    # Free/busy says nothing about the closure: after hours the closed room has no items at all.
    assert sim.schedule(room["roomId"], *_tomorrow(19, 20)) == []

    reply = ask_in_group(runtime, room, "tomorrow 7-8pm")  # after hours: demo meetings never block it
    result = next(r for r in reply.results if r.room.room_id == room["roomId"])
    assert result.assessment.verdict is Verdict.CLOSED
    assert not result.assessment.fits
    assert result.assessment.until == reopens
    assert all(alt.key != room["roomId"] for alt in reply.alternatives)
    text = render_text(reply)
    line = next(line for line in text.splitlines() if room["roomName"] in line)
    reopens_local = reopens.astimezone(SHANGHAI)
    assert f"Closed until {reopens_local:%a} {reopens_local.day} {reopens_local:%b}" in text
    assert "Renovation" in text
    assert "Free" not in line
    # It is the last of the list, after every room that could be booked.
    verdicts = [r.assessment.verdict for r in reply.results]
    assert verdicts.index(Verdict.CLOSED) > max(
        (i for i, v in enumerate(verdicts) if v in (Verdict.FREE, Verdict.PARTLY_FREE)), default=-1
    )


def test_a_closure_and_a_reopening_reach_answers_with_the_directory_refresh(runtime: Runtime, sim: Simulator) -> None:
    # Premise: an open room with nothing booked tomorrow evening (the demo data books some rooms all day).
    room = next(
        r
        for r in sim.rooms
        if "reservationCloseDetail" not in raw_detail(sim, r["roomId"])["extensionConfig"]
        and not sim.schedule(r["roomId"], *_tomorrow(19, 20))
    )
    before = ask_in_group(runtime, room, "tomorrow 7-8pm")
    assert next(r for r in before.results if r.room.room_id == room["roomId"]).assessment.verdict is Verdict.FREE

    until = datetime.now(SHANGHAI).replace(microsecond=0) + timedelta(days=5)
    assert httpx.post(
        f"{sim.url}/_sim/rooms/close", json={"roomId": room["roomId"], "until": until.isoformat(), "reason": "Flooded"}
    ).json() == {"ok": True}
    sync_directory(
        store=runtime.store, client=runtime.dingtalk, team_id=TEAM, union_id=sim.operator_union_id, now=datetime.now(UTC)
    )
    during = ask_in_group(runtime, room, "tomorrow 7-8pm")
    result = next(r for r in during.results if r.room.room_id == room["roomId"])
    assert result.assessment.verdict is Verdict.CLOSED
    assert result.assessment.until == until
    assert result.assessment.reason == "Flooded"

    httpx.post(f"{sim.url}/_sim/rooms/reopen", json={"roomId": room["roomId"]}).raise_for_status()
    sync_directory(
        store=runtime.store, client=runtime.dingtalk, team_id=TEAM, union_id=sim.operator_union_id, now=datetime.now(UTC)
    )
    after = ask_in_group(runtime, room, "tomorrow 7-8pm")
    assert next(r for r in after.results if r.room.room_id == room["roomId"]).assessment.verdict is Verdict.FREE


def test_a_members_only_room_is_not_open_to_others_and_open_to_its_members(runtime: Runtime, sim: Simulator) -> None:
    room = next(r for r in sim.rooms if r["roomStatus"] == 2)
    members = [m["memberId"] for m in raw_detail(sim, room["roomId"])["reservationAuthority"]["authorizedMembers"]]
    outsider = next(user["unionid"] for user in sim.users if user["unionid"] not in members)
    runtime.store.users.link(TEAM, "U-outsider", outsider, verified=True)
    runtime.store.users.link(TEAM, "U-member", members[0], verified=True)

    as_outsider = ask_in_group(runtime, room, "tomorrow 7-8pm", user="U-outsider")
    result = next(r for r in as_outsider.results if r.room.room_id == room["roomId"])
    assert result.assessment.verdict is Verdict.NOT_OPEN
    assert not result.assessment.fits
    assert "Not open to you" in render_text(as_outsider)

    as_member = ask_in_group(runtime, room, "tomorrow 7-8pm", user="U-member")
    assert next(r for r in as_member.results if r.room.room_id == room["roomId"]).assessment.fits


def test_the_simulator_refuses_a_booking_of_a_members_only_room_by_anyone_else(sim: Simulator) -> None:
    room = next(r for r in sim.rooms if r["roomStatus"] == 2)
    members = [m["memberId"] for m in raw_detail(sim, room["roomId"])["reservationAuthority"]["authorizedMembers"]]
    outsider = next(user["unionid"] for user in sim.users if user["unionid"] not in members)
    token = httpx.post(
        f"{sim.url}/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret}
    ).json()["accessToken"]
    headers = {"x-acs-dingtalk-access-token": token}
    start, end = _tomorrow(19, 20)

    def book(union_id: str) -> httpx.Response:
        event = httpx.post(
            f"{sim.url}/v1.0/calendar/users/{union_id}/calendars/primary/events",
            headers=headers,
            json={
                "summary": "Sync",
                "start": {"dateTime": start.isoformat(), "timeZone": "Asia/Shanghai"},
                "end": {"dateTime": end.isoformat(), "timeZone": "Asia/Shanghai"},
            },
        ).json()
        return httpx.post(
            f"{sim.url}/v1.0/calendar/users/{union_id}/calendars/primary/events/{event['id']}/meetingRooms",
            headers=headers,
            json={"meetingRoomsToAdd": [{"roomId": room["roomId"]}]},
        )

    refused = book(outsider)
    assert refused.status_code == 400
    assert refused.json()["code"] == "meetingRoomNotAvailable"
    assert book(members[0]).status_code == 200


def test_booking_a_members_only_room_as_an_outsider_names_the_scope(runtime: Runtime, sim: Simulator) -> None:
    room = next(r for r in sim.rooms if r["roomStatus"] == 2)
    members = [m["memberId"] for m in raw_detail(sim, room["roomId"])["reservationAuthority"]["authorizedMembers"]]
    outsider = next(user["unionid"] for user in sim.users if user["unionid"] not in members)
    runtime.store.users.link(TEAM, "U-outsider", outsider, verified=True)
    start, end = _tomorrow(19, 20)
    reply = runtime.service.book(
        Caller(team_id=TEAM, user_id="U-outsider", tz="Asia/Shanghai", user_name="outsider"),
        BookingAsk(room_id=room["roomId"], start=start, end=end, idempotency_key="k-outsider"),
    )
    assert "open to some members only" in render_text(reply)
    assert sim.events == []  # refused before anything was created


def _tomorrow(start_hour: int, end_hour: int) -> tuple[datetime, datetime]:
    day = datetime.now(SHANGHAI).date() + timedelta(days=1)
    return (
        datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI) + timedelta(hours=start_hour),
        datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI) + timedelta(hours=end_hour),
    )
