"""The simulator's room directory over real HTTP: lists, pagination, groups, room detail
(GET /v1.0/rooms/meetingRoomLists, groupLists, groups/{id}, meetingRooms/{id}), and the demo organisation it serves."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.sim import Simulator

LIST_FIELDS = {
    "roomId",
    "roomStaffId",
    "corpId",
    "roomName",
    "roomStatus",
    "roomLabels",
    "roomCapacity",
    "roomLocation",
    "roomPicture",
    "isvRoomId",
    "roomGroup",
}
LABEL_NAMES = {1: "电视", 2: "电话", 3: "投影仪", 4: "白板", 5: "视频会议"}


def all_rooms(http: httpx.Client, union_id: str, max_results: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """Follow pagination; returns the rooms and the number of pages."""
    rooms: list[dict[str, Any]] = []
    params: dict[str, Any] = {"unionId": union_id}
    if max_results is not None:
        params["maxResults"] = max_results
    pages = 0
    while True:
        response = http.get("/v1.0/rooms/meetingRoomLists", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        rooms.extend(body["result"])
        if not body["hasMore"]:
            assert "nextToken" not in body
            return rooms, pages
        assert isinstance(body["nextToken"], int)
        params["nextToken"] = body["nextToken"]


def assert_error(response: httpx.Response, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert response.json()["message"] == message


def test_room_list_items_have_the_documented_fields(http: httpx.Client, sim: Simulator) -> None:
    rooms, _pages = all_rooms(http, sim.operator_union_id)
    assert len(rooms) == 24
    for room in rooms:
        assert set(room) == LIST_FIELDS
        assert set(room["roomLocation"]) == {"title", "desc"}
        assert set(room["roomGroup"]) == {"groupId", "groupName", "parentId"}
        assert 2 <= room["roomCapacity"] <= 30
        assert room["roomStatus"] in (0, 1, 2)
        assert room["corpId"] == sim.corp_id
        for label in room["roomLabels"]:
            assert LABEL_NAMES[label["labelId"]] == label["labelName"]
    assert len({room["roomId"] for room in rooms}) == 24
    assert len({room["roomName"] for room in rooms}) == 24


def test_demo_rooms_span_buildings_groups_and_familiar_names(http: httpx.Client, sim: Simulator) -> None:
    rooms, _pages = all_rooms(http, sim.operator_union_id)
    names = [room["roomName"] for room in rooms]
    assert names[:3] == ["3F-Everest", "3F-K2", "3F-Fuji"]
    assert {"5F-Kilimanjaro", "5F-Alps", "TowerB-2F-Yangtze", "TowerB-2F-Mekong", "Lab-1F-Hub"} <= set(names)
    assert {room["roomLocation"]["title"] for room in rooms} == {"HQ Building A", "Tower B", "Innovation Lab"}
    assert {room["roomGroup"]["groupName"] for room in rooms} == {"HQ 3F", "HQ 5F", "Tower B", "Lab"}
    assert len({room["roomCapacity"] for room in rooms}) >= 4


def test_default_page_is_twenty_rooms(http: httpx.Client, sim: Simulator) -> None:
    body = http.get("/v1.0/rooms/meetingRoomLists", params={"unionId": sim.operator_union_id}).json()
    assert len(body["result"]) == 20
    assert body["hasMore"] is True
    rest = http.get(
        "/v1.0/rooms/meetingRoomLists", params={"unionId": sim.operator_union_id, "nextToken": body["nextToken"]}
    ).json()
    assert [room["roomName"] for room in body["result"] + rest["result"]] == [room["roomName"] for room in sim.rooms]
    assert rest["hasMore"] is False


def test_pagination_past_one_hundred_rooms() -> None:
    with Simulator(seed=3, rooms=150).start(port=0) as sim, httpx.Client(base_url=sim.url) as http:
        token = http.post("/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret})
        http.headers["x-acs-dingtalk-access-token"] = token.json()["accessToken"]
        rooms, pages = all_rooms(http, sim.operator_union_id, max_results=100)
        assert pages == 2
        assert len(rooms) == 150
        assert len({room["roomId"] for room in rooms}) == 150
        assert len({room["roomName"] for room in rooms}) == 150
        assert sim.stats()["meetingRoomLists"] == 2


def test_max_results_above_one_hundred_is_refused(http: httpx.Client, sim: Simulator) -> None:
    response = http.get("/v1.0/rooms/meetingRoomLists", params={"unionId": sim.operator_union_id, "maxResults": 101})
    assert_error(response, 400, "param.error.maxresults", "Too Large MaxResults")


@pytest.mark.parametrize("params", [{"nextToken": "abc"}, {"nextToken": -1}, {"maxResults": 0}, {"nextToken": 999}])
def test_bad_pagination_parameters_are_405(http: httpx.Client, sim: Simulator, params: dict[str, Any]) -> None:
    response = http.get("/v1.0/rooms/meetingRoomLists", params={"unionId": sim.operator_union_id, **params})
    assert_error(response, 405, "params.invalid", "无效的分页请求参数nextToken和maxResults")


@pytest.mark.parametrize("path", ["/v1.0/rooms/meetingRoomLists", "/v1.0/rooms/groupLists", "/v1.0/rooms/groups/172"])
def test_unknown_union_id_is_not_an_employee(http: httpx.Client, path: str) -> None:
    assert_error(http.get(path, params={"unionId": "stranger"}), 400, "user.not.employee", "User Not Employee")


def test_missing_union_id_is_a_param_error(http: httpx.Client) -> None:
    assert_error(http.get("/v1.0/rooms/meetingRoomLists"), 400, "param.error", "Param Error")


def test_group_list_and_one_group(http: httpx.Client, sim: Simulator) -> None:
    groups = http.get("/v1.0/rooms/groupLists", params={"unionId": sim.operator_union_id}).json()
    assert set(groups) == {"result"}
    by_name = {group["groupName"]: group for group in groups["result"]}
    assert {"HQ 3F", "HQ 5F", "Tower B", "Lab"} <= set(by_name)
    assert by_name["HQ 3F"]["parentId"] == by_name["HQ Building A"]["groupId"]
    one = http.get(f"/v1.0/rooms/groups/{by_name['HQ 3F']['groupId']}", params={"unionId": sim.operator_union_id})
    assert one.status_code == 200
    assert one.json() == by_name["HQ 3F"]  # flat, no "result" wrapper
    missing = http.get("/v1.0/rooms/groups/99999", params={"unionId": sim.operator_union_id})
    assert_error(missing, 400, "param.error", "Param Error")


def room_detail(http: httpx.Client, sim: Simulator, room_id: str) -> dict[str, Any]:
    response = http.get(f"/v1.0/rooms/meetingRooms/{room_id}", params={"unionId": sim.operator_union_id})
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"result"}
    return response.json()["result"]


def test_room_detail_has_list_fields_and_booking_rules(http: httpx.Client, sim: Simulator) -> None:
    listed = sim.rooms[0]
    detail = room_detail(http, sim, listed["roomId"])
    assert {key: detail[key] for key in LIST_FIELDS} == listed
    assert {"deviceUnionIds", "roomUnionId", "roomDescription", "enableCycleReservation", "extensionConfig"} <= set(detail)
    config = detail["extensionConfig"]
    assert config["openReservation"] is True
    assert config["maxReservationTimeInterval"] == 0
    assert config["approvalSwitch"] is False
    assert config["advanceReservation"] == {
        "advanceReservationTime": 30,
        "advanceReservationTimeUnit": "days",
        "advanceBookTimeFormat": "00:00",
    }
    assert "reservationCloseDetail" not in config


def test_some_demo_rooms_have_interesting_rules(http: httpx.Client, sim: Simulator) -> None:
    configs = {room["roomName"]: room_detail(http, sim, room["roomId"])["extensionConfig"] for room in sim.rooms}
    approval = [name for name, config in configs.items() if config["approvalSwitch"]]
    assert len(approval) == 3
    assert [name for name, config in configs.items() if config["maxReservationTimeInterval"] == 120] == ["3F-K2"]
    closed = {
        name: config["reservationCloseDetail"] for name, config in configs.items() if "reservationCloseDetail" in config
    }
    assert len(closed) == 1
    (closure,) = closed.values()
    assert closure["closeReason"] == "Renovation"
    assert closure["taskStartTime"] < closure["taskEndTime"]
    assert closure["contactUnionId"] == sim.operator_union_id
    assert {config["advanceReservation"]["advanceReservationTime"] for config in configs.values()} == {14, 30}


def test_room_detail_of_a_members_only_room_names_its_members(http: httpx.Client, sim: Simulator) -> None:
    restricted = [room for room in sim.rooms if room["roomStatus"] == 2]
    assert len(restricted) == 1
    detail = room_detail(http, sim, restricted[0]["roomId"])
    members = detail["reservationAuthority"]["authorizedMembers"]
    assert members[0]["memberId"] == sim.operator_union_id
    assert members[0]["memberType"] == "user"


def test_unknown_room_detail_is_a_param_error(http: httpx.Client, sim: Simulator) -> None:
    response = http.get("/v1.0/rooms/meetingRooms/0000000000000000", params={"unionId": sim.operator_union_id})
    assert_error(response, 400, "param.error", "Param Error")


def test_room_changes_show_in_the_list(http: httpx.Client, sim: Simulator) -> None:
    gone = sim.rooms[3]
    sim.remove_room(gone["roomId"])
    renamed = sim.update_room(sim.rooms[0]["roomId"], roomName="3F-Everest Big", roomCapacity=14)
    added = sim.add_room("9F-Sky", capacity=6, labels=[4])
    rooms, _pages = all_rooms(http, sim.operator_union_id, max_results=100)
    by_id = {room["roomId"]: room for room in rooms}
    assert gone["roomId"] not in by_id
    assert by_id[renamed["roomId"]]["roomName"] == "3F-Everest Big"
    assert by_id[renamed["roomId"]]["roomCapacity"] == 14
    assert by_id[added["roomId"]]["roomLabels"] == [{"labelId": 4, "labelName": "白板"}]
    assert len(rooms) == 24


def test_same_seed_gives_the_same_rooms_and_another_seed_different_ones() -> None:
    first = Simulator(seed=11, rooms=30).rooms
    again = Simulator(seed=11, rooms=30).rooms
    other = Simulator(seed=12, rooms=30).rooms
    assert first == again
    assert {room["roomId"] for room in first}.isdisjoint({room["roomId"] for room in other})
    assert [room["roomCapacity"] for room in first] != [room["roomCapacity"] for room in other]
