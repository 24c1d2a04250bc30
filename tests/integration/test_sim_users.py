"""Old-style (oapi) user lookups on the simulator: `?access_token=`, errcode/errmsg bodies
(the old-style /topapi user lookups)."""

from __future__ import annotations

from typing import Any

import httpx

from bot.sim import Simulator


def call(oapi: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = oapi.post(path, json=body)
    assert response.status_code == 200, response.text  # old-style APIs report errors in the body
    return response.json()


def test_demo_directory_has_the_operator_and_six_people(sim: Simulator) -> None:
    users = sim.users
    assert len(users) == 7
    assert users[0]["unionid"] == sim.operator_union_id
    assert users[0]["userid"] == sim.operator_user_id
    assert len({user["mobile"] for user in users}) == 7
    assert len({user["unionid"] for user in users}) == 7


def test_user_get_returns_the_union_id(oapi: httpx.Client, sim: Simulator) -> None:
    person = sim.users[2]
    body = call(oapi, "/topapi/v2/user/get", {"userid": person["userid"], "language": "zh_CN"})
    assert body["errcode"] == 0
    assert body["errmsg"] == "ok"
    assert body["result"]["userid"] == person["userid"]
    assert body["result"]["unionid"] == person["unionid"]
    assert body["result"]["name"] == person["name"]
    assert body["result"]["mobile"] == person["mobile"]


def test_user_get_errors(oapi: httpx.Client) -> None:
    assert call(oapi, "/topapi/v2/user/get", {"userid": "nobody"})["errcode"] == 60121
    empty = call(oapi, "/topapi/v2/user/get", {"userid": ""})
    assert (empty["errcode"], empty["errmsg"]) == (33012, "无效的USERID")


def test_get_by_mobile(oapi: httpx.Client, sim: Simulator) -> None:
    person = sim.users[3]
    body = call(oapi, "/topapi/v2/user/getbymobile", {"mobile": person["mobile"]})
    assert body["errcode"] == 0
    assert body["result"] == {"userid": person["userid"]}
    assert call(oapi, "/topapi/v2/user/getbymobile", {"mobile": "+86-" + person["mobile"]})["result"] == {
        "userid": person["userid"]
    }


def test_get_by_mobile_errors(oapi: httpx.Client) -> None:
    unknown = call(oapi, "/topapi/v2/user/getbymobile", {"mobile": "13900000000"})
    assert (unknown["errcode"], unknown["errmsg"]) == (60121, "找不到该用户")
    invalid = call(oapi, "/topapi/v2/user/getbymobile", {"mobile": "12345"})
    assert (invalid["errcode"], invalid["errmsg"]) == (40104, "企业中无效的手机号")


def test_get_by_union_id(oapi: httpx.Client, sim: Simulator) -> None:
    body = call(oapi, "/topapi/user/getbyunionid", {"unionid": sim.operator_union_id})
    assert body["errcode"] == 0
    assert body["result"] == {"contact_type": 0, "userid": sim.operator_user_id}
    assert call(oapi, "/topapi/user/getbyunionid", {"unionid": "unknown"})["errcode"] == 60121


def test_a_bad_access_token_is_errcode_40014(oapi: httpx.Client, sim: Simulator) -> None:
    response = oapi.post("/topapi/v2/user/get", params={"access_token": "wrong"}, json={"userid": sim.operator_user_id})
    assert response.status_code == 200
    assert (response.json()["errcode"], response.json()["errmsg"]) == (40014, "不合法的access_token")


def test_added_users_can_be_looked_up(oapi: httpx.Client, sim: Simulator) -> None:
    added = sim.add_user("Sun Li", mobile="13700001111")
    body = call(oapi, "/topapi/v2/user/getbymobile", {"mobile": "13700001111"})
    assert body["result"] == {"userid": added["userid"]}
    assert call(oapi, "/topapi/v2/user/get", {"userid": added["userid"]})["result"]["unionid"] == added["unionid"]


def test_lookups_are_counted(oapi: httpx.Client, sim: Simulator) -> None:
    call(oapi, "/topapi/v2/user/get", {"userid": sim.operator_user_id})
    call(oapi, "/topapi/v2/user/getbymobile", {"mobile": sim.users[1]["mobile"]})
    call(oapi, "/topapi/user/getbyunionid", {"unionid": sim.operator_union_id})
    stats = sim.stats()
    assert (stats["userGet"], stats["userGetByMobile"], stats["userGetByUnionId"]) == (1, 1, 1)
