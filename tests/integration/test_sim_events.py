"""Events and room bookings on the simulator over real HTTP (create, add or remove rooms, delete)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.sim import Simulator

SHANGHAI = ZoneInfo("Asia/Shanghai")


def events_path(sim: Simulator, user: str | None = None) -> str:
    return f"/v1.0/calendar/users/{user or sim.operator_union_id}/calendars/primary/events"


def next_weekday(sim: Simulator, days_ahead: int = 1) -> date:
    day = sim.today + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def event_body(start: datetime, end: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "summary": "Sprint review",
        "start": {"dateTime": start.isoformat(), "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": end.isoformat(), "timeZone": "Asia/Shanghai"},
        **extra,
    }


def create(http: httpx.Client, sim: Simulator, start: datetime, end: datetime, **headers: str) -> dict[str, Any]:
    response = http.post(events_path(sim), json=event_body(start, end), headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def add_rooms(http: httpx.Client, sim: Simulator, event_id: str, *room_ids: str, **headers: str) -> httpx.Response:
    return http.post(
        f"{events_path(sim)}/{event_id}/meetingRooms",
        json={"meetingRoomsToAdd": [{"roomId": room_id} for room_id in room_ids]},
        headers=headers,
    )


def room_named(sim: Simulator, name: str) -> str:
    return next(room["roomId"] for room in sim.rooms if room["roomName"] == name)


def plain_room(sim: Simulator, index: int = 0) -> str:
    """A room without approval, limits or closure, and no all-day booking in the next three weeks.

    The demo data gives a room an all-day booking about one day in 30, on days that follow the
    date: a room chosen without this check makes a test fail on those days only.
    """
    plain = [
        room["roomId"]
        for room in sim.rooms
        if sim.room_rules(room["roomId"]) == type(sim.room_rules(room["roomId"]))()
        and not has_all_day_booking(sim, room["roomId"], days=21)
    ]
    return plain[index]


def has_all_day_booking(sim: Simulator, room_id: str, *, days: int) -> bool:
    start = at(sim.today, 0)
    return any(item["start"]["timeZone"] == "UTC" for item in sim.schedule(room_id, start, start + timedelta(days=days)))


def assert_error(response: httpx.Response, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert response.json()["message"] == message


EVENING = (20, 21)  # demo meetings end by 19:00, so evenings are free unless an all-day item


def free_evening(sim: Simulator, room_id: str) -> tuple[datetime, datetime]:
    for offset in range(1, 20):
        day = next_weekday(sim, offset)
        start, end = at(day, EVENING[0]), at(day, EVENING[1])
        if not sim.schedule(room_id, start, end):
            return start, end
    raise AssertionError("no free evening found")


def test_create_event_answers_the_event_object(http: httpx.Client, sim: Simulator) -> None:
    start = at(next_weekday(sim), 10)
    guest = sim.users[1]
    body = event_body(
        start,
        start + timedelta(hours=1),
        description="Booked via meeting-room bot",
        attendees=[{"id": guest["unionid"], "isOptional": False}],
        location={"displayName": "3F-Everest"},
        reminders=[{"method": "dingtalk", "minutes": 15}],
    )
    response = http.post(events_path(sim), json=body)
    assert response.status_code == 200
    event = response.json()
    assert event["id"]
    assert event["summary"] == "Sprint review"
    assert event["description"] == "Booked via meeting-room bot"
    assert event["start"] == {"dateTime": start.isoformat(), "timeZone": "Asia/Shanghai"}
    assert event["isAllDay"] is False
    assert event["attendees"] == [
        {
            "id": guest["unionid"],
            "displayName": guest["name"],
            "responseStatus": "needsAction",
            "isOptional": False,
            "self": False,
        }
    ]
    assert event["organizer"] == {
        "id": sim.operator_union_id,
        "displayName": sim.users[0]["name"],
        "responseStatus": "accepted",
        "self": True,
    }
    assert event["location"] == {"displayName": "3F-Everest"}
    assert event["reminders"] == [{"method": "dingtalk", "minutes": "15"}]
    assert event["createTime"].endswith("Z") and event["updateTime"] == event["createTime"]
    assert "meetingRooms" not in event


def test_event_times_are_echoed_in_the_events_time_zone(http: httpx.Client, sim: Simulator) -> None:
    body = {
        "summary": "Call",
        "start": {"dateTime": "2026-09-22T02:00:00Z", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-09-22T03:00:00.000Z", "timeZone": "Europe/Berlin"},
    }
    event = http.post(events_path(sim), json=body).json()
    assert event["start"] == {"dateTime": "2026-09-22T04:00:00+02:00", "timeZone": "Europe/Berlin"}
    assert event["end"] == {"dateTime": "2026-09-22T05:00:00+02:00", "timeZone": "Europe/Berlin"}


def test_all_day_event_uses_dates(http: httpx.Client, sim: Simulator) -> None:
    body = {"summary": "Offsite", "start": {"date": "2026-09-22"}, "end": {"date": "2026-09-23"}, "isAllDay": True}
    event = http.post(events_path(sim), json=body).json()
    assert event["isAllDay"] is True
    assert event["start"] == {"date": "2026-09-22"}
    assert event["end"] == {"date": "2026-09-23"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Event must be provided."),
        ({"summary": " ", "start": {"date": "2026-09-22"}}, "Event summary cannot be blank"),
        ({"summary": "x", "end": {"date": "2026-09-22"}}, "Event start time not set."),
        (
            {"summary": "x", "start": {"dateTime": "2026-09-22T10:00:00+08:00", "timeZone": "Asia/Shanghai"}},
            "Event end time not set.",
        ),
    ],
)
def test_create_event_validation(http: httpx.Client, sim: Simulator, body: dict[str, Any], message: str) -> None:
    assert_error(http.post(events_path(sim), json=body), 400, "invalidParameter", message)


def test_create_event_for_a_non_primary_calendar_is_not_found(http: httpx.Client, sim: Simulator) -> None:
    start = at(next_weekday(sim), 10)
    response = http.post(
        f"/v1.0/calendar/users/{sim.operator_union_id}/calendars/other/events",
        json=event_body(start, start + timedelta(hours=1)),
    )
    assert_error(response, 404, "itemNotFound", "calendar not found")


def test_same_client_token_gives_the_same_event(http: httpx.Client, sim: Simulator) -> None:
    start = at(next_weekday(sim), 10)
    first = create(http, sim, start, start + timedelta(hours=1), **{"x-client-token": "bk_1"})
    again = create(http, sim, start, start + timedelta(hours=1), **{"x-client-token": "bk_1"})
    other = create(http, sim, start, start + timedelta(hours=1), **{"x-client-token": "bk_2"})
    assert again["id"] == first["id"]
    assert other["id"] != first["id"]
    assert sorted(event["id"] for event in sim.events) == sorted({first["id"], other["id"]})


def test_client_tokens_expire_after_a_day() -> None:
    now = [1_800_000_000.0]
    with Simulator(seed=7, rooms=3, clock=lambda: now[0]).start(port=0) as sim, httpx.Client(base_url=sim.url) as http:
        token = http.post("/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret})
        http.headers["x-acs-dingtalk-access-token"] = token.json()["accessToken"]
        start = at(next_weekday(sim), 10)
        first = create(http, sim, start, start + timedelta(hours=1), **{"x-client-token": "bk_1"})
        now[0] += 24 * 3600 + 1
        http.headers["x-acs-dingtalk-access-token"] = http.post(
            "/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret}
        ).json()["accessToken"]
        later = create(http, sim, start, start + timedelta(hours=1), **{"x-client-token": "bk_1"})
        assert later["id"] != first["id"]


def test_booked_room_shows_as_busy_with_the_event_id(http: httpx.Client, sim: Simulator) -> None:
    room_id = plain_room(sim)
    start, end = free_evening(sim, room_id)
    event = create(http, sim, start, end)
    response = add_rooms(http, sim, event["id"], room_id)
    assert response.status_code == 200
    assert response.json() == {"result": True}
    detail = http.get(f"{events_path(sim)}/{event['id']}").json()
    assert detail["meetingRooms"] == [
        {
            "roomId": room_id,
            "responseStatus": "accepted",
            "displayName": next(r["roomName"] for r in sim.rooms if r["roomId"] == room_id),
        }
    ]
    items = sim.schedule(room_id, start, end)
    assert [(item["status"], item["eventId"], item["organizer"]["id"]) for item in items] == [
        ("BUSY", event["id"], sim.operator_union_id)
    ]
    assert items[0]["start"] == {"dateTime": start.isoformat(), "timeZone": "Asia/Shanghai"}


def test_an_overlapping_booking_is_room_busy(http: httpx.Client, sim: Simulator) -> None:
    room_id = plain_room(sim)
    start, end = free_evening(sim, room_id)
    first = create(http, sim, start, end)
    assert add_rooms(http, sim, first["id"], room_id).status_code == 200
    second = create(http, sim, start + timedelta(minutes=30), end + timedelta(minutes=30))
    assert_error(add_rooms(http, sim, second["id"], room_id), 400, "meetingRoomNotAvailable", "room busy")
    back_to_back = create(http, sim, end, end + timedelta(minutes=30))
    assert add_rooms(http, sim, back_to_back["id"], room_id).status_code == 200


def test_a_demo_meeting_makes_the_room_busy(http: httpx.Client, sim: Simulator) -> None:
    room_id = plain_room(sim)
    meeting = next(
        item
        for offset in range(1, 15)
        for item in sim.schedule(room_id, at(next_weekday(sim, offset), 0), at(next_weekday(sim, offset), 23, 59))
        if item["start"]["timeZone"] != "UTC"
    )
    start = datetime.fromisoformat(meeting["start"]["dateTime"])
    event = create(http, sim, start, start + timedelta(minutes=30))
    assert_error(add_rooms(http, sim, event["id"], room_id), 400, "meetingRoomNotAvailable", "room busy")
    assert http.get(f"{events_path(sim)}/{event['id']}").json()["meetingRooms"] == []


def test_a_room_needing_approval_is_tentative_until_decided(http: httpx.Client, sim: Simulator) -> None:
    room_id = next(room["roomId"] for room in sim.rooms if sim.room_rules(room["roomId"]).approval)
    start, end = free_evening(sim, room_id)
    event = create(http, sim, start, end)
    assert add_rooms(http, sim, event["id"], room_id).json() == {"result": True}
    detail = http.get(f"{events_path(sim)}/{event['id']}").json()
    assert [room["responseStatus"] for room in detail["meetingRooms"]] == ["tentative"]
    assert [item["status"] for item in sim.schedule(room_id, start, end)] == ["TENTATIVE"]
    sim.decide_approval(event["id"], room_id, approve=True)
    assert [item["status"] for item in sim.schedule(room_id, start, end)] == ["BUSY"]


def test_a_declined_room_no_longer_blocks(http: httpx.Client, sim: Simulator) -> None:
    room_id = next(room["roomId"] for room in sim.rooms if sim.room_rules(room["roomId"]).approval)
    start, end = free_evening(sim, room_id)
    event = create(http, sim, start, end)
    add_rooms(http, sim, event["id"], room_id)
    sim.decide_approval(event["id"], room_id, approve=False)
    assert http.get(f"{events_path(sim)}/{event['id']}").json()["meetingRooms"][0]["responseStatus"] == "declined"
    assert sim.schedule(room_id, start, end) == []


def test_add_rooms_is_idempotent_with_a_client_token(http: httpx.Client, sim: Simulator) -> None:
    room_id = plain_room(sim)
    start, end = free_evening(sim, room_id)
    event = create(http, sim, start, end)
    assert add_rooms(http, sim, event["id"], room_id, **{"x-client-token": "add-1"}).status_code == 200
    removed = http.post(
        f"{events_path(sim)}/{event['id']}/meetingRooms/batchRemove", json={"meetingRoomsToRemove": [{"roomId": room_id}]}
    )
    assert removed.json() == {"result": True}
    # The same token is the same request: answered again, not applied again.
    assert add_rooms(http, sim, event["id"], room_id, **{"x-client-token": "add-1"}).json() == {"result": True}
    assert http.get(f"{events_path(sim)}/{event['id']}").json()["meetingRooms"] == []


def test_adding_a_room_twice_keeps_it_once(http: httpx.Client, sim: Simulator) -> None:
    room_id = plain_room(sim)
    start, end = free_evening(sim, room_id)
    event = create(http, sim, start, end)
    assert add_rooms(http, sim, event["id"], room_id).status_code == 200
    assert add_rooms(http, sim, event["id"], room_id).status_code == 200
    assert len(http.get(f"{events_path(sim)}/{event['id']}").json()["meetingRooms"]) == 1


def test_add_rooms_validation(http: httpx.Client, sim: Simulator) -> None:
    start = at(next_weekday(sim), 22)
    event = create(http, sim, start, start + timedelta(minutes=30))
    assert_error(add_rooms(http, sim, event["id"]), 400, "invalidParameter", "roomId must be provided.")
    assert_error(add_rooms(http, sim, event["id"], "ffffffffffffffff"), 400, "invalidParameter", "roomId invalid")
    six = [plain_room(sim, index) for index in range(6)]
    assert_error(
        add_rooms(http, sim, event["id"], *six), 400, "invalidParameter", "attendees batch size too large. Maximum allowed:5"
    )
    assert_error(add_rooms(http, sim, "no-such-event", six[0]), 404, "itemNotFound", "event not found")


def test_a_refused_batch_adds_no_room(http: httpx.Client, sim: Simulator) -> None:
    free_room, other = plain_room(sim, 0), plain_room(sim, 1)
    start, end = free_evening(sim, other)
    blocker = create(http, sim, start, end)
    assert add_rooms(http, sim, blocker["id"], other).status_code == 200
    event = create(http, sim, start, end)
    assert add_rooms(http, sim, event["id"], free_room, other).status_code == 400
    assert http.get(f"{events_path(sim)}/{event['id']}").json()["meetingRooms"] == []


def test_booking_rules_are_enforced(http: httpx.Client, sim: Simulator) -> None:
    limited = room_named(sim, "3F-K2")
    start, _end = free_evening(sim, limited)
    long_event = create(http, sim, start - timedelta(hours=1), start + timedelta(minutes=90))
    assert_error(
        add_rooms(http, sim, long_event["id"], limited), 400, "meetingRoomNotAvailable", "预订时长不得超过 120 分钟"
    )
    short_event = create(http, sim, start, start + timedelta(minutes=15))
    assert_error(
        add_rooms(http, sim, short_event["id"], limited), 400, "meetingRoomNotAvailable", "预订时长不得少于 30 分钟"
    )
    closed = next(room["roomId"] for room in sim.rooms if sim.room_rules(room["roomId"]).closed_from is not None)
    during = create(http, sim, at(next_weekday(sim), 20), at(next_weekday(sim), 21))
    assert_error(add_rooms(http, sim, during["id"], closed), 400, "meetingRoomNotAvailable", "会议室已关闭: Renovation")
    far = sim.today + timedelta(days=45)
    far_event = create(http, sim, at(far, 20), at(far, 21))
    assert_error(
        add_rooms(http, sim, far_event["id"], plain_room(sim)), 400, "meetingRoomNotAvailable", "只能提前 30 天预订"
    )
    sim.configure(enforce_booking_rules=False)
    assert add_rooms(http, sim, far_event["id"], plain_room(sim)).status_code == 200


def test_remove_rooms_frees_the_room(http: httpx.Client, sim: Simulator) -> None:
    room_id = plain_room(sim)
    start, end = free_evening(sim, room_id)
    event = create(http, sim, start, end)
    add_rooms(http, sim, event["id"], room_id)
    path = f"{events_path(sim)}/{event['id']}/meetingRooms/batchRemove"
    assert_error(
        http.post(path, json={"meetingRoomsToRemove": []}),
        400,
        "invalidParameter",
        "Meeting rooms to remove must be provided.",
    )
    assert http.post(path, json={"meetingRoomsToRemove": [{"roomId": room_id}]}).json() == {"result": True}
    assert sim.schedule(room_id, start, end) == []


def test_delete_event_answers_empty_200_and_frees_its_rooms(http: httpx.Client, sim: Simulator) -> None:
    room_id = plain_room(sim)
    start, end = free_evening(sim, room_id)
    event = create(http, sim, start, end)
    add_rooms(http, sim, event["id"], room_id)
    response = http.delete(f"{events_path(sim)}/{event['id']}")
    assert response.status_code == 200
    assert response.content == b""
    assert sim.schedule(room_id, start, end) == []
    assert sim.events == []
    assert_error(http.delete(f"{events_path(sim)}/{event['id']}"), 404, "itemNotFound", "event not found")
    assert_error(http.get(f"{events_path(sim)}/{event['id']}"), 404, "itemNotFound", "event not found")


def test_delete_with_a_client_token_is_idempotent(http: httpx.Client, sim: Simulator) -> None:
    start = at(next_weekday(sim), 22)
    event = create(http, sim, start, start + timedelta(minutes=30))
    path = f"{events_path(sim)}/{event['id']}"
    assert http.delete(path, headers={"x-client-token": "del-1"}).status_code == 200
    assert http.delete(path, headers={"x-client-token": "del-1"}).status_code == 200
    assert http.delete(path, headers={"x-client-token": "del-2"}).status_code == 404


def test_an_attendee_deleting_only_leaves_the_event(http: httpx.Client, sim: Simulator) -> None:
    guest = sim.users[2]["unionid"]
    start = at(next_weekday(sim), 22)
    body = event_body(start, start + timedelta(minutes=30), attendees=[{"id": guest}])
    event = http.post(events_path(sim), json=body).json()
    assert http.get(f"{events_path(sim, guest)}/{event['id']}").json()["attendees"][0]["self"] is True
    assert http.delete(f"{events_path(sim, guest)}/{event['id']}").status_code == 200
    assert [event["id"] for event in sim.events] == [event["id"]]
    assert sim.events[0]["attendees"] == []


def test_someone_elses_event_is_not_found(http: httpx.Client, sim: Simulator) -> None:
    start = at(next_weekday(sim), 22)
    event = create(http, sim, start, start + timedelta(minutes=30))
    outsider = sim.users[3]["unionid"]
    assert_error(http.get(f"{events_path(sim, outsider)}/{event['id']}"), 404, "itemNotFound", "event not found")


def test_daily_event_limit_is_flow_limit(http: httpx.Client, sim: Simulator) -> None:
    sim.configure(events_per_day=2)
    start = at(next_weekday(sim), 22)
    create(http, sim, start, start + timedelta(minutes=30))
    create(http, sim, start, start + timedelta(minutes=30))
    response = http.post(events_path(sim), json=event_body(start, start + timedelta(minutes=30)))
    assert_error(response, 400, "flowLimit", "current user can not create events exceed 2 per day")


def test_list_events_pages_through_a_window_with_rooms_and_validates_its_parameters(
    http: httpx.Client, sim: Simulator
) -> None:
    day = next_weekday(sim)
    made = [create(http, sim, at(day, 20 + i), at(day, 20 + i, 30))["id"] for i in range(3)]
    create(http, sim, at(day + timedelta(days=30), 9), at(day + timedelta(days=30), 10))  # outside the window
    window = {"timeMin": at(day, 0).isoformat(), "timeMax": at(day + timedelta(days=1), 0).isoformat()}

    first = http.get(events_path(sim), params={**window, "maxResults": 2})
    assert first.status_code == 200, first.text
    assert [e["id"] for e in first.json()["events"]] == made[:2]
    assert all(e["meetingRooms"] == [] for e in first.json()["events"])
    second = http.get(events_path(sim), params={**window, "maxResults": 2, "nextToken": first.json()["nextToken"]})
    assert [e["id"] for e in second.json()["events"]] == made[2:] and "nextToken" not in second.json()

    too_many = http.get(events_path(sim), params={**window, "maxResults": 101})
    assert too_many.status_code == 400 and too_many.json()["code"] == "invalidParameter"
    backwards = http.get(events_path(sim), params={"timeMin": window["timeMax"], "timeMax": window["timeMin"]})
    assert backwards.status_code == 400 and backwards.json()["code"] == "invalidParameter"


def test_a_lost_reply_is_carried_out_and_a_repeat_with_the_same_token_answers_the_same_event(
    http: httpx.Client, sim: Simulator
) -> None:
    day = next_weekday(sim)
    sim.lose_replies("createEvent", mode="drop", count=1)

    lost = http.post(events_path(sim), json=event_body(at(day, 20), at(day, 21)), headers={"x-client-token": "t-1"})
    assert lost.status_code == 503 and lost.json()["code"] == "systemError"
    assert len(sim.events) == 1  # done, though the caller heard an error

    repeat = create(http, sim, at(day, 20), at(day, 21), **{"x-client-token": "t-1"})
    assert [e["id"] for e in sim.events] == [repeat["id"]]
