"""A time for people and a room, through RoomService, against the simulator and a real database.

Expected answers are worked out from the simulator's raw API (querySchedule and the rooms'
free/busy over HTTP), not from roombot's slot search.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.config import Settings
from bot.present.reply import MeetReply, TextReply
from bot.sim import Simulator
from bot.usecases.bookings.service import BookingAsk
from bot.usecases.context import CONSOLE_OPERATOR, Caller
from bot.usecases.people import Invitees
from bot.wiring import Runtime, build_runtime, point_at_simulator

SHANGHAI = ZoneInfo("Asia/Shanghai")
TZ = "Asia/Shanghai"
TEAM = "T1"
ALICE, ANA, BO = "U0ALICE", "U0ANA", "U0BO"


def next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


@pytest.fixture
def monday(sim: Simulator) -> date:
    return next_monday(sim.today)


@pytest.fixture
def runtime(sim: Simulator, database_url: str, monday: date) -> Iterator[Runtime]:
    now = datetime.combine(monday, time(8, 0), SHANGHAI)
    settings = point_at_simulator(Settings(database_url=database_url, deadline_s=3.0), sim)
    rt = build_runtime(settings, clock=lambda: now)
    rt.service.import_groups(team_id=TEAM, user_id=ALICE, actor=CONSOLE_OPERATOR)
    try:
        yield rt
    finally:
        rt.close()


def union(sim: Simulator, n: int) -> str:
    return str(sim.users[n]["unionid"])


def link(runtime: Runtime, sim: Simulator, **people: int) -> dict[str, str]:
    ids = {}
    for slack_id, n in people.items():
        runtime.store.users.link(TEAM, slack_id, union(sim, n), verified=True)
        ids[slack_id] = union(sim, n)
    return ids


def ask(runtime: Runtime, text: str, now: datetime, user: str = ALICE) -> MeetReply:
    reply = runtime.service.handle_text(Caller(team_id=TEAM, user_id=user, channel_id="C1", tz=TZ, now=now), text)
    assert isinstance(reply, MeetReply), reply
    return reply


def parse(moment: dict[str, str]) -> datetime:
    if "date" in moment and not moment.get("dateTime"):
        return datetime.combine(date.fromisoformat(moment["date"]), time(0), ZoneInfo(moment.get("timeZone") or "UTC"))
    return datetime.fromisoformat(moment["dateTime"].replace("Z", "+00:00"))


def raw_people(http: httpx.Client, sim: Simulator, ids: list[str], start: datetime, end: datetime) -> dict[str, list]:  # type: ignore[type-arg]
    response = http.post(
        f"/v1.0/calendar/users/{sim.operator_union_id}/querySchedule",
        json={"userIds": ids, "startTime": start.isoformat(), "endTime": end.isoformat()},
    )
    assert response.status_code == 200, response.text
    return {
        entry["userId"]: [(parse(i["start"]), parse(i["end"])) for i in entry["scheduleItems"]]
        for entry in response.json()["scheduleInformation"]
    }


def raw_room_busy(http: httpx.Client, sim: Simulator, room_id: str, start: datetime, end: datetime) -> list:  # type: ignore[type-arg]
    response = http.post(
        f"/v1.0/calendar/users/{sim.operator_union_id}/meetingRooms/schedules/query",
        json={"roomIds": [room_id], "startTime": start.isoformat(), "endTime": end.isoformat()},
    )
    assert response.status_code == 200, response.text
    info = response.json()["scheduleInformation"][0]
    return [(parse(i["start"]), parse(i["end"])) for i in info.get("scheduleItems") or []]


def overlaps(items: list, start: datetime, end: datetime) -> bool:  # type: ignore[type-arg]
    return any(a < end and start < b for a, b in items)


def test_every_suggested_time_is_free_for_every_attendee_and_its_rooms(
    runtime: Runtime, sim: Simulator, http: httpx.Client, monday: date
) -> None:
    ids = link(runtime, sim, U0ALICE=1, U0ANA=2, U0BO=3)
    now = datetime.combine(monday, time(8, 0), SHANGHAI)
    # ana's morning fills up: the answer must move past it.
    created = http.post(
        f"/v1.0/calendar/users/{ids[ANA]}/calendars/primary/events",
        json={
            "summary": "Offsite",
            "start": {"dateTime": f"{monday + timedelta(days=1)}T09:00:00+08:00", "timeZone": TZ},
            "end": {"dateTime": f"{monday + timedelta(days=1)}T12:00:00+08:00", "timeZone": TZ},
        },
    )
    assert created.status_code == 200, created.text
    reply = ask(runtime, "when can <@U0ANA> <@U0BO> and I meet tomorrow for an hour", now)
    assert reply.people == (ALICE, ANA, BO) and reply.unlinked == ()
    assert all(s.start.astimezone(SHANGHAI).hour >= 12 or ANA in s.busy for s in reply.slots)
    assert reply.duration_minutes == 60 and reply.slots
    tuesday = monday + timedelta(days=1)
    day_start, day_end = (datetime.combine(tuesday, time(h), SHANGHAI) for h in (0, 23))
    busy = raw_people(http, sim, list(ids.values()), day_start, day_end)
    for slot in reply.slots:
        assert slot.end - slot.start == timedelta(hours=1)
        assert slot.start.astimezone(SHANGHAI).date() == tuesday
        assert time(9) <= slot.start.astimezone(SHANGHAI).time() and slot.end.astimezone(SHANGHAI).time() <= time(18)
        for person in slot.busy:
            assert overlaps(busy[ids[person]], slot.start, slot.end)
        if slot.everyone_free:
            for union_id in ids.values():
                assert not overlaps(busy[union_id], slot.start, slot.end)
        for room in slot.rooms:
            assert not overlaps(raw_room_busy(http, sim, room.room_id, slot.start, slot.end), slot.start, slot.end)
            assert room.capacity is None or room.capacity >= 3
    # From first principles: the earliest half-hour start when all three and some room for three
    # are free is the first answer.
    rooms = {str(r["roomId"]): raw_room_busy(http, sim, str(r["roomId"]), day_start, day_end) for r in sim.rooms}
    seats = {str(r["roomId"]): r["roomCapacity"] for r in sim.rooms}
    grid = [datetime.combine(tuesday, time(9), SHANGHAI) + timedelta(minutes=30 * n) for n in range(17)]

    def suits(t: datetime) -> bool:
        people_free = not any(overlaps(b, t, t + timedelta(hours=1)) for b in busy.values())
        room_free = any(seats[r] >= 3 and not overlaps(b, t, t + timedelta(hours=1)) for r, b in rooms.items())
        return people_free and room_free

    expected = next(t for t in grid if suits(t))
    assert reply.slots[0].start == expected and reply.slots[0].everyone_free


def test_unlinked_people_are_named_asked_to_link_and_left_out(
    runtime: Runtime, sim: Simulator, http: httpx.Client, monday: date
) -> None:
    link(runtime, sim, U0ALICE=1, U0ANA=2)
    now = datetime.combine(monday, time(8, 0), SHANGHAI)
    sim.reset_stats()
    reply = ask(runtime, "明天和 <@U0ANA> <@U0BO> 开一小时会", now)
    assert reply.unlinked == (BO,)
    assert [(dm.user_id, dm.kind) for dm in reply.direct_messages] == [(BO, "link")]
    assert any("<@U0BO>" in note and "link" in note for note in reply.notes)
    assert sim.stats()["querySchedule"] == 1  # ALICE and ANA only
    again = ask(runtime, "when can <@U0ANA> <@U0BO> and I meet tomorrow", now)
    assert again.unlinked == (BO,) and again.direct_messages == ()  # asked to link once a day, not at every question


def test_book_and_invite_creates_the_event_with_attendees_room_and_video(
    runtime: Runtime, sim: Simulator, http: httpx.Client, monday: date
) -> None:
    ids = link(runtime, sim, U0ALICE=1, U0ANA=2, U0BO=3)
    now = datetime.combine(monday, time(8, 0), SHANGHAI)
    reply = ask(runtime, "when can <@U0ANA> and <@U0BO> optional meet tomorrow with a video call", now)
    assert reply.video and reply.optional_people == (BO,)
    slot = next(s for s in reply.slots if s.rooms)
    room = slot.rooms[0]
    booked = runtime.service.book_and_invite(
        Caller(team_id=TEAM, user_id=ALICE, tz=TZ, now=now, user_name="alice"),
        BookingAsk(room_id=room.room_id, start=slot.start, end=slot.end, idempotency_key="k1"),
        Invitees(people=reply.people, optional_people=reply.optional_people, video=reply.video),
    )
    assert isinstance(booked, MeetReply) and booked.intro_kind == "success", booked
    events = [e for e in sim.events if e["organizer"]["id"] == ids[ALICE]]
    assert len(events) == 1
    event = http.get(f"/v1.0/calendar/users/{ids[ALICE]}/calendars/primary/events/{events[0]['id']}").json()
    attendees = {a["id"]: a["isOptional"] for a in event["attendees"]}
    assert attendees == {ids[ALICE]: False, ids[ANA]: False, ids[BO]: True}
    assert [r["roomId"] for r in event["meetingRooms"]] == [room.room_id]
    assert event["onlineMeetingInfo"]["url"] and event["onlineMeetingInfo"]["url"] in (booked.intro or "")
    assert parse(event["start"]) == slot.start and parse(event["end"]) == slot.end
    assert sorted((dm.user_id, dm.kind) for dm in booked.direct_messages) == [(ANA, "invited"), (BO, "invited")]


def test_book_and_invite_needs_the_organisers_own_linked_account(runtime: Runtime, sim: Simulator, monday: date) -> None:
    link(runtime, sim, U0ANA=2)
    now = datetime.combine(monday, time(8, 0), SHANGHAI)
    room_id = str(sim.rooms[0]["roomId"])
    start = datetime.combine(monday + timedelta(days=1), time(20), SHANGHAI)
    reply = runtime.service.book_and_invite(
        Caller(team_id=TEAM, user_id=ALICE, tz=TZ, now=now, user_name="alice"),
        BookingAsk(room_id=room_id, start=start, end=start + timedelta(hours=1), idempotency_key="k2"),
        Invitees(people=(ANA,), optional_people=(), video=False),
    )
    assert getattr(reply, "kind", None) == "error" and "link" in getattr(reply, "text", "")
    assert sim.events == []


def test_twenty_five_people_are_searched_in_two_calls(runtime: Runtime, sim: Simulator, monday: date) -> None:
    for n in range(18):
        sim.add_user(f"Person {n}", mobile=f"139{n:08d}")
    slack_ids = [f"U0P{n:02d}" for n in range(24)]
    link(runtime, sim, U0ALICE=0)
    for n, slack_id in enumerate(slack_ids, start=1):
        runtime.store.users.link(TEAM, slack_id, union(sim, n), verified=True)
    now = datetime.combine(monday, time(8, 0), SHANGHAI)
    sim.reset_stats()
    text = "when can " + " ".join(f"<@{s}>" for s in slack_ids) + " and I meet this week for 30 min"
    reply = ask(runtime, text, now)
    assert len(reply.people) == 25
    assert sim.stats()["querySchedule"] == 2
    assert reply.slots
    # Both calls count against the organisation's monthly budget, as DingTalk counts them.
    assert runtime.quota is not None
    assert runtime.quota.calls_by_api(now)["querySchedule"] == 2


@pytest.mark.parametrize(
    ("fault", "body"),
    [
        ({"status": 400, "code": "paramIllegal", "message": "PARAM ILLEGAL"}, None),
        ({"status": 200, "code": "", "message": ""}, "{not json"),
    ],
)
def test_dingtalk_refusing_or_garbling_people_schedules_gets_a_plain_answer(
    runtime: Runtime, sim: Simulator, monday: date, fault: dict[str, object], body: object
) -> None:
    link(runtime, sim, U0ALICE=1, U0ANA=2)
    sim.inject_fault("querySchedule", body=body, count=10, **fault)  # type: ignore[arg-type]
    now = datetime.combine(monday, time(8, 0), SHANGHAI)
    reply = runtime.service.handle_text(
        Caller(team_id=TEAM, user_id=ALICE, channel_id="C1", tz=TZ, now=now), "when can <@U0ANA> and I meet tomorrow"
    )
    assert isinstance(reply, TextReply) and reply.kind == "error"
    assert reply.text and "Traceback" not in reply.text


def test_too_many_people_get_a_plain_answer(runtime: Runtime, sim: Simulator, monday: date) -> None:
    now = datetime.combine(monday, time(8, 0), SHANGHAI)
    text = "when can " + " ".join(f"<@U0P{n:03d}>" for n in range(100)) + " and I meet tomorrow"
    reply = runtime.service.handle_text(Caller(team_id=TEAM, user_id=ALICE, channel_id="C1", tz=TZ, now=now), text)
    assert getattr(reply, "kind", None) == "error" and "at most 80" in getattr(reply, "text", "")
    assert sim.stats()["querySchedule"] == 0


def test_a_missing_free_busy_permission_names_it(runtime: Runtime, sim: Simulator, monday: date) -> None:
    link(runtime, sim, U0ALICE=1, U0ANA=2)
    sim.inject_fault(
        "querySchedule", status=403, code="Forbidden.AccessDenied.AccessTokenPermissionDenied", message="no", count=5
    )
    now = datetime.combine(monday, time(8, 0), SHANGHAI)
    reply = runtime.service.handle_text(
        Caller(team_id=TEAM, user_id=ALICE, channel_id="C1", tz=TZ, now=now), "when can <@U0ANA> and I meet tomorrow"
    )
    assert getattr(reply, "kind", None) == "error" and "Calendar.EventSchedule.Read" in getattr(reply, "text", "")


def test_a_person_dingtalk_does_not_know_is_named_and_left_out(runtime: Runtime, sim: Simulator, monday: date) -> None:
    link(runtime, sim, U0ALICE=1)
    runtime.store.users.link(TEAM, ANA, "nobody-in-this-org", verified=True)  # querySchedule answers a per-person error
    now = datetime.combine(monday, time(8, 0), SHANGHAI)
    reply = ask(runtime, "when can <@U0ANA> and I meet tomorrow", now)
    assert any("<@U0ANA>" in note and "could not" in note for note in reply.notes)
    assert reply.slots and all(ANA not in s.busy + s.maybe_busy for s in reply.slots)
