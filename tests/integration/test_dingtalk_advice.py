"""Each DingTalk refusal gets the advice that names its real fix, and the simulator answers the way
DingTalk does for a reused client token and a cancelled event with attendees."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.config import Settings
from bot.present.reply import TextReply
from bot.present.terminal import render_text
from bot.sim import Simulator
from bot.usecases.context import CONSOLE_OPERATOR, Caller
from bot.wiring import Runtime, build_runtime, point_at_simulator
from tests.runtimes import press_book

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEAM, USER = "T1", "U1"


def make_runtime(sim: Simulator, database_url: str, *, import_groups: bool = True) -> Runtime:
    settings = point_at_simulator(Settings(database_url=database_url, deadline_s=1.5, request_timeout_s=1.0), sim)
    runtime = build_runtime(settings)
    if import_groups:
        reply = runtime.service.import_groups(team_id=TEAM, user_id=USER, actor=CONSOLE_OPERATOR)
        assert isinstance(reply, TextReply) and reply.kind == "success"
    return runtime


@pytest.fixture
def runtime(sim: Simulator, database_url: str) -> Iterator[Runtime]:
    built = make_runtime(sim, database_url)
    try:
        yield built
    finally:
        built.close()


def ask(runtime: Runtime, text: str = "free rooms tomorrow 2-3pm") -> str:
    return render_text(runtime.service.handle_text(Caller(team_id=TEAM, user_id=USER, tz="Asia/Shanghai"), text))


def tomorrow_evening() -> tuple[datetime, datetime]:
    day = datetime.now(SHANGHAI).date() + timedelta(days=1)
    start = datetime(day.year, day.month, day.day, 20, tzinfo=SHANGHAI)
    return start, start + timedelta(hours=1)


def book(runtime: Runtime, room_id: str, key: str = "k1") -> str:
    start, end = tomorrow_evening()
    reply = press_book(runtime, room_id, start, end, team=TEAM, user=USER, key=key)
    return render_text(reply)


def plain_room(sim: Simulator) -> str:
    """An open room without rules and free tomorrow evening (the demo data books some rooms all day)."""
    return next(
        str(room["roomId"])
        for room in sim.rooms
        if room["roomStatus"] == 0
        and sim.room_rules(room["roomId"]) == type(sim.room_rules(room["roomId"]))()
        and not sim.schedule(room["roomId"], *tomorrow_evening())
    )


def test_a_booking_rule_breach_is_told_as_the_rule_not_as_a_taken_room(runtime: Runtime, sim: Simulator) -> None:
    rule = "预订时长不得超过 60 分钟"
    sim.inject_fault("addMeetingRooms", status=400, code="meetingRoomNotAvailable", message=rule)
    text = book(runtime, plain_room(sim))
    assert rule in text
    assert "just took" not in text
    assert sim.events == []  # the half-made event was deleted again


def test_a_room_taken_meanwhile_is_still_told_as_taken(runtime: Runtime, sim: Simulator) -> None:
    sim.inject_fault("addMeetingRooms", status=400, code="meetingRoomNotAvailable", message="room busy")
    assert "just took" in book(runtime, plain_room(sim))


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [(400, "permissionDeny", "用户不在授权范围内"), (403, "forbidden.accessDenied", "user not in authorized scope")],
)
def test_a_user_outside_the_apps_visibility_is_told_to_widen_the_visibility_range(
    runtime: Runtime, sim: Simulator, status: int, code: str, message: str
) -> None:
    sim.inject_fault("schedules", status=status, code=code, message=message, count=10)
    text = ask(runtime)
    assert "visibility range" in text
    assert "missing the permission the" not in text


def test_a_missing_scope_still_names_the_scope(runtime: Runtime, sim: Simulator) -> None:
    sim.inject_fault("schedules", status=403, code="Forbidden.AccessDenied.AccessTokenPermissionDenied", count=10)
    assert "`Calendar.Event.Read`" in ask(runtime)


def test_an_operator_who_is_not_an_employee_is_told_as_the_operator_setting(sim: Simulator, database_url: str) -> None:
    runtime = make_runtime(sim, database_url, import_groups=False)
    try:
        sim.inject_fault("meetingRoomLists", status=400, code="user.not.employee", message="User Not Employee", count=10)
        text = render_text(runtime.service.import_groups(team_id=TEAM, user_id=USER, actor=CONSOLE_OPERATOR))
        assert "DINGTALK_OPERATOR_UNION_ID" in text
        assert "mobile" not in text
    finally:
        runtime.close()


def test_the_ip_flood_answer_with_http_200_is_throttling_not_an_unreadable_reply(runtime: Runtime, sim: Simulator) -> None:
    flood = {"status": 1111, "wait": 5, "source": "x5", "punish": "deny", "uuid": "x"}
    sim.inject_fault("schedules", status=200, code="", body=flood, count=1000)
    text = ask(runtime)
    assert "paused calls" in text
    assert "couldn't read" not in text


def test_the_ip_flood_answer_is_retried_and_then_answered(runtime: Runtime, sim: Simulator) -> None:
    flood = {"status": 1111, "wait": 5, "source": "x5", "punish": "deny", "uuid": "x"}
    sim.inject_fault("schedules", status=200, code="", body=flood, count=1)
    assert "free" in ask(runtime).lower()
    assert "paused calls" not in ask(runtime)


def _headers(sim: Simulator, token: str | None = None) -> dict[str, str]:
    access = httpx.post(
        f"{sim.url}/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret}
    ).json()["accessToken"]
    headers = {"x-acs-dingtalk-access-token": access}
    if token:
        headers["x-client-token"] = token
    return headers


def _event_body(summary: str, attendees: list[str] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    start, end = tomorrow_evening()
    return {
        "summary": summary,
        "start": {"dateTime": start.isoformat(), "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": end.isoformat(), "timeZone": "Asia/Shanghai"},
        "attendees": [{"id": a} for a in attendees],
    }


def test_a_client_token_reused_with_another_body_is_409_duplicate_client_token(sim: Simulator) -> None:
    url = f"{sim.url}/v1.0/calendar/users/{sim.operator_union_id}/calendars/primary/events"
    first = httpx.post(url, headers=_headers(sim, "tok-1"), json=_event_body("Standup"))
    again = httpx.post(url, headers=_headers(sim, "tok-1"), json=_event_body("Standup"))
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]  # the same request: the first answer again
    other = httpx.post(url, headers=_headers(sim, "tok-1"), json=_event_body("Retro"))
    assert other.status_code == 409
    assert other.json()["code"] == "invalidRequest.duplicateClientToken"
    assert len(sim.events) == 1


def test_the_simulator_notifies_attendees_only_when_asked_to(sim: Simulator) -> None:
    colleague = sim.users[1]["unionid"]
    base = f"{sim.url}/v1.0/calendar/users/{sim.operator_union_id}/calendars/primary/events"
    quiet = httpx.post(base, headers=_headers(sim), json=_event_body("Quiet", [colleague])).json()
    httpx.delete(f"{base}/{quiet['id']}", headers=_headers(sim), params={"pushNotification": "false"}).raise_for_status()
    assert sim.notifications == []
    told = httpx.post(base, headers=_headers(sim), json=_event_body("Told", [colleague])).json()
    httpx.delete(f"{base}/{told['id']}", headers=_headers(sim), params={"pushNotification": "true"}).raise_for_status()
    assert [(n["to"], n["eventId"]) for n in httpx.get(f"{sim.url}/_sim/notifications").json()["notifications"]] == [
        (colleague, told["id"])
    ]


def test_cancelling_a_booking_tells_the_events_attendees(runtime: Runtime, sim: Simulator) -> None:
    room = plain_room(sim)
    assert "Booked" in book(runtime, room)
    (event,) = sim.events
    colleague = sim.users[2]["unionid"]
    sim.invite(event["id"], colleague)  # someone invited a colleague in DingTalk meanwhile
    (booking,) = runtime.store.bookings.for_user(TEAM, user_id=USER)
    cancelled = render_text(
        runtime.service.handle_text(Caller(team_id=TEAM, user_id=USER, tz="Asia/Shanghai"), f"cancel {booking.id}")
    )
    assert "Cancelled" in cancelled or "cancelled" in cancelled
    assert [(n["to"], n["eventId"], n["kind"]) for n in sim.notifications] == [(colleague, event["id"], "eventCancelled")]
