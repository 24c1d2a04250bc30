"""The simulator's room free/busy over real HTTP (meetingRooms/schedules/query) and its demo calendars."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.sim import Simulator

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 9, 21)


def query(http: httpx.Client, sim: Simulator, room_ids: list[str], start: str, end: str) -> httpx.Response:
    return http.post(
        f"/v1.0/calendar/users/{sim.operator_union_id}/meetingRooms/schedules/query",
        json={"roomIds": room_ids, "startTime": start, "endTime": end},
    )


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def day_window(day: date) -> tuple[str, str]:
    return local(day, 0).isoformat(), local(day + timedelta(days=1), 0).isoformat()


def parse(moment: dict[str, str]) -> datetime:
    return datetime.fromisoformat(moment["dateTime"].replace("Z", "+00:00"))


def assert_error(response: httpx.Response, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert response.json()["message"] == message


def room_ids(sim: Simulator, count: int = 5) -> list[str]:
    return [room["roomId"] for room in sim.rooms[:count]]


def test_answer_has_the_documented_shape(http: httpx.Client, sim: Simulator) -> None:
    start, end = day_window(sim.today)
    response = query(http, sim, room_ids(sim), start, end)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"scheduleInformation"}
    assert [info["roomId"] for info in body["scheduleInformation"]] == room_ids(sim)
    for info in body["scheduleInformation"]:
        assert set(info) <= {"roomId", "scheduleItems", "error"}
        assert info.get("error", "") == ""
        for item in info.get("scheduleItems", []):
            assert set(item) == {"status", "eventId", "organizer", "start", "end"}
            assert item["status"] in ("BUSY", "TENTATIVE")
            assert set(item["organizer"]) == {"id"}
            assert set(item["start"]) == set(item["end"]) == {"dateTime", "timeZone"}


def test_empty_fields_are_sometimes_omitted_and_sometimes_empty(http: httpx.Client, sim: Simulator) -> None:
    body = query(http, sim, room_ids(sim, 4), *day_window(sim.today)).json()
    infos = body["scheduleInformation"]
    assert "error" not in infos[0] and infos[1]["error"] == ""
    assert "error" not in infos[2] and infos[3]["error"] == ""
    # A free room: even positions send [], odd ones leave scheduleItems out.
    saturday = next(sim.today + timedelta(days=n) for n in range(7) if (sim.today + timedelta(days=n)).weekday() == 5)
    forms = set()
    for offset in range(0, 70, 7):
        for info in query(http, sim, room_ids(sim, 4), *day_window(saturday + timedelta(days=offset))).json()[
            "scheduleInformation"
        ]:
            if not info.get("scheduleItems"):
                forms.add("scheduleItems" in info)
    assert forms == {True, False}


def test_timed_items_use_shanghai_offsets_and_working_hours(http: httpx.Client, sim: Simulator) -> None:
    items = []
    for offset in range(5):
        day = MONDAY + timedelta(days=offset)
        for info in query(http, sim, room_ids(sim), *day_window(day)).json()["scheduleInformation"]:
            items.extend(info.get("scheduleItems", []))
    timed = [item for item in items if item["start"]["timeZone"] == "Asia/Shanghai"]
    assert len(timed) >= 25
    for item in timed:
        assert item["start"]["dateTime"].endswith("+08:00") and item["end"]["dateTime"].endswith("+08:00")
        start, end = parse(item["start"]), parse(item["end"])
        assert start.minute in (0, 30) and end.minute in (0, 30)
        assert 30 <= (end - start).total_seconds() / 60 <= 120
        assert start.time() >= time(9, 0) and end.time() <= time(19, 0)
    statuses = [item["status"] for item in timed]
    assert 0 < statuses.count("TENTATIVE") < statuses.count("BUSY")


def test_all_day_items_run_midnight_to_midnight_utc(sim_with_all_day: Simulator) -> None:
    sim = sim_with_all_day
    ids = [room["roomId"] for room in sim.rooms]
    all_day = []
    with httpx.Client(base_url=sim.url) as http:
        token = http.post("/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret})
        http.headers["x-acs-dingtalk-access-token"] = token.json()["accessToken"]
        for offset in range(28):
            day = MONDAY + timedelta(days=offset)
            for batch in range(0, len(ids), 5):
                for info in query(http, sim, ids[batch : batch + 5], *day_window(day)).json()["scheduleInformation"]:
                    all_day += [(day, item) for item in info.get("scheduleItems", []) if item["start"]["timeZone"] == "UTC"]
    assert all_day, "four weeks of 24 rooms should contain an all-day item"
    for day, item in all_day:
        assert item["end"]["timeZone"] == "UTC"
        assert item["start"]["dateTime"] == f"{day.isoformat()}T00:00:00Z"
        assert item["end"]["dateTime"] == f"{(day + timedelta(days=1)).isoformat()}T00:00:00Z"


def test_weekends_are_quieter_than_working_days(http: httpx.Client, sim: Simulator) -> None:
    counts = {"weekday": 0, "weekend": 0}
    for offset in range(14):
        day = MONDAY + timedelta(days=offset)
        kind = "weekend" if day.weekday() >= 5 else "weekday"
        for info in query(http, sim, room_ids(sim), *day_window(day)).json()["scheduleInformation"]:
            counts[kind] += len(info.get("scheduleItems", []))
    assert counts["weekend"] * 5 < counts["weekday"]


def test_a_typical_hour_has_free_and_busy_rooms(http: httpx.Client, sim: Simulator) -> None:
    ids = [room["roomId"] for room in sim.rooms]
    busy = free = 0
    for batch in range(0, len(ids), 5):
        infos = query(http, sim, ids[batch : batch + 5], local(MONDAY, 14).isoformat(), local(MONDAY, 15).isoformat())
        for info in infos.json()["scheduleInformation"]:
            if info.get("scheduleItems"):
                busy += 1
            else:
                free += 1
    assert busy >= 3 and free >= 3


def test_items_overlapping_the_window_are_listed_and_no_others(http: httpx.Client, sim: Simulator) -> None:
    room = room_ids(sim, 1)
    full = query(http, sim, room, *day_window(MONDAY)).json()["scheduleInformation"][0]["scheduleItems"]
    assert full, "a demo Monday has meetings"
    first = full[0]
    start, end = parse(first["start"]), parse(first["end"])
    # A window that starts exactly when the meeting ends does not include it ([start, end) overlap).
    after = query(http, sim, room, end.isoformat(), (end + timedelta(minutes=1)).isoformat()).json()
    assert first["eventId"] not in [item["eventId"] for item in after["scheduleInformation"][0].get("scheduleItems", [])]
    inside = query(http, sim, room, (start + timedelta(minutes=1)).isoformat(), (start + timedelta(minutes=2)).isoformat())
    assert [item["eventId"] for item in inside.json()["scheduleInformation"][0]["scheduleItems"]] == [first["eventId"]]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-09-21T01:00Z", "2026-09-21T11:00Z"),
        ("2026-09-21T01:00:00Z", "2026-09-21T11:00:00Z"),
        ("2026-09-21T01:00:00.000Z", "2026-09-21T11:00:00.000Z"),
        ("2026-09-21T09:00+08:00", "2026-09-21T19:00:00+08:00"),
    ],
)
def test_iso_times_with_or_without_seconds_and_millis_are_accepted(
    http: httpx.Client, sim: Simulator, start: str, end: str
) -> None:
    reference = query(http, sim, room_ids(sim), "2026-09-21T09:00:00+08:00", "2026-09-21T19:00:00+08:00").json()
    assert any(_event_ids(reference))
    assert query(http, sim, room_ids(sim), start, end).json() == reference


def _event_ids(body: dict[str, Any]) -> list[list[str]]:
    return [[item["eventId"] for item in info.get("scheduleItems", [])] for info in body["scheduleInformation"]]


def test_empty_room_ids_are_refused(http: httpx.Client, sim: Simulator) -> None:
    assert_error(query(http, sim, [], *day_window(MONDAY)), 400, "invalidParameter", "query ids cannot be empty")


def test_more_rooms_than_the_limit_are_refused(http: httpx.Client, sim: Simulator) -> None:
    response = query(http, sim, room_ids(sim, 6), *day_window(MONDAY))
    assert_error(response, 400, "invalidParameter", "Cannot get schedule information for more than limit.")
    sim.configure(max_rooms_per_call=6)
    assert query(http, sim, room_ids(sim, 6), *day_window(MONDAY)).status_code == 200


def test_windows_over_ninety_days_are_refused(http: httpx.Client, sim: Simulator) -> None:
    start = local(MONDAY, 0)
    ok = query(http, sim, room_ids(sim, 1), start.isoformat(), (start + timedelta(days=90)).isoformat())
    assert ok.status_code == 200
    too_long = query(http, sim, room_ids(sim, 1), start.isoformat(), (start + timedelta(days=90, seconds=1)).isoformat())
    assert_error(too_long, 400, "invalidParameter", "Cannot query schedule for more than 90 days.")


def test_an_unknown_room_in_a_batch_gets_a_per_room_error(http: httpx.Client, sim: Simulator) -> None:
    ids = [*room_ids(sim, 2), "ffffffffffffffff"]
    body = query(http, sim, ids, *day_window(MONDAY)).json()
    unknown = body["scheduleInformation"][2]
    assert unknown["roomId"] == "ffffffffffffffff"
    assert unknown["error"] == "roomId invalid"
    assert not unknown.get("scheduleItems")


def test_a_batch_of_only_unknown_rooms_is_refused(http: httpx.Client, sim: Simulator) -> None:
    response = query(http, sim, ["ffffffffffffffff", "eeeeeeeeeeeeeeee"], *day_window(MONDAY))
    assert_error(response, 400, "invalidParameter", "roomId invalid")


@pytest.mark.parametrize("start", ["", "tomorrow", "2026-09-21T09:00:00", "2026-09-21"])
def test_unreadable_or_zoneless_times_are_refused(http: httpx.Client, sim: Simulator, start: str) -> None:
    response = query(http, sim, room_ids(sim, 1), start, "2026-09-21T19:00:00+08:00")
    assert response.status_code == 400
    assert response.json()["code"] == "invalidParameter"
    assert response.json()["message"].startswith("startTime is invalid")


def test_end_before_start_is_refused(http: httpx.Client, sim: Simulator) -> None:
    response = query(http, sim, room_ids(sim, 1), "2026-09-21T19:00:00+08:00", "2026-09-21T09:00:00+08:00")
    assert_error(response, 400, "invalidParameter", "endTime must be after startTime")


def test_unknown_calendar_user_is_refused(http: httpx.Client, sim: Simulator) -> None:
    response = http.post(
        "/v1.0/calendar/users/stranger/meetingRooms/schedules/query",
        json={"roomIds": room_ids(sim, 1), "startTime": "2026-09-21T09:00Z", "endTime": "2026-09-21T10:00Z"},
    )
    assert_error(response, 400, "permissionDeny", "用户不在授权范围内")


def test_same_seed_same_calendars_in_separate_simulators() -> None:
    window = (local(MONDAY, 0), local(MONDAY + timedelta(days=7), 0))
    first, again, other = Simulator(seed=5, rooms=6), Simulator(seed=5, rooms=6), Simulator(seed=6, rooms=6)
    for index in range(6):
        assert first.schedule(first.rooms[index]["roomId"], *window) == again.schedule(again.rooms[index]["roomId"], *window)
    mine = [first.schedule(room["roomId"], *window) for room in first.rooms]
    theirs = [other.schedule(room["roomId"], *window) for room in other.rooms]
    assert [[item["start"] for item in items] for items in mine] != [[item["start"] for item in items] for items in theirs]


def test_served_schedules_match_across_two_running_simulators() -> None:
    with Simulator(seed=9, rooms=5).start(port=0) as one, Simulator(seed=9, rooms=5).start(port=0) as two:
        answers = []
        for sim in (one, two):
            with httpx.Client(base_url=sim.url) as http:
                token = http.post("/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret})
                http.headers["x-acs-dingtalk-access-token"] = token.json()["accessToken"]
                answers.append(query(http, sim, room_ids(sim), *day_window(MONDAY)).json())
        assert answers[0] == answers[1]
        assert _event_ids(answers[0]) != [[] for _ in range(5)]
