"""Old-style (oapi) user lookups on the simulator: `?access_token=`, errcode/errmsg bodies
(the old-style /topapi user lookups)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.sim import Simulator


@pytest.fixture
def http(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.url) as client:
        token = client.post("/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret})
        client.params = {"access_token": token.json()["accessToken"]}
        yield client


def call(http: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = http.post(path, json=body)
    assert response.status_code == 200, response.text  # old-style APIs report errors in the body
    return response.json()


def test_demo_directory_has_the_operator_and_six_people(sim: Simulator) -> None:
    users = sim.users
    assert len(users) == 7
    assert users[0]["unionid"] == sim.operator_union_id
    assert users[0]["userid"] == sim.operator_user_id
    assert len({user["mobile"] for user in users}) == 7
    assert len({user["unionid"] for user in users}) == 7


def test_user_get_returns_the_union_id(http: httpx.Client, sim: Simulator) -> None:
    person = sim.users[2]
    body = call(http, "/topapi/v2/user/get", {"userid": person["userid"], "language": "zh_CN"})
    assert body["errcode"] == 0
    assert body["errmsg"] == "ok"
    assert body["result"]["userid"] == person["userid"]
    assert body["result"]["unionid"] == person["unionid"]
    assert body["result"]["name"] == person["name"]
    assert body["result"]["mobile"] == person["mobile"]


def test_user_get_errors(http: httpx.Client) -> None:
    assert call(http, "/topapi/v2/user/get", {"userid": "nobody"})["errcode"] == 60121
    empty = call(http, "/topapi/v2/user/get", {"userid": ""})
    assert (empty["errcode"], empty["errmsg"]) == (33012, "无效的USERID")


def test_get_by_mobile(http: httpx.Client, sim: Simulator) -> None:
    person = sim.users[3]
    body = call(http, "/topapi/v2/user/getbymobile", {"mobile": person["mobile"]})
    assert body["errcode"] == 0
    assert body["result"] == {"userid": person["userid"]}
    assert call(http, "/topapi/v2/user/getbymobile", {"mobile": "+86-" + person["mobile"]})["result"] == {
        "userid": person["userid"]
    }


def test_get_by_mobile_errors(http: httpx.Client) -> None:
    unknown = call(http, "/topapi/v2/user/getbymobile", {"mobile": "13900000000"})
    assert (unknown["errcode"], unknown["errmsg"]) == (60121, "找不到该用户")
    invalid = call(http, "/topapi/v2/user/getbymobile", {"mobile": "12345"})
    assert (invalid["errcode"], invalid["errmsg"]) == (40104, "企业中无效的手机号")


def test_get_by_union_id(http: httpx.Client, sim: Simulator) -> None:
    body = call(http, "/topapi/user/getbyunionid", {"unionid": sim.operator_union_id})
    assert body["errcode"] == 0
    assert body["result"] == {"contact_type": 0, "userid": sim.operator_user_id}
    assert call(http, "/topapi/user/getbyunionid", {"unionid": "unknown"})["errcode"] == 60121


def test_a_bad_access_token_is_errcode_40014(http: httpx.Client, sim: Simulator) -> None:
    response = http.post("/topapi/v2/user/get", params={"access_token": "wrong"}, json={"userid": sim.operator_user_id})
    assert response.status_code == 200
    assert (response.json()["errcode"], response.json()["errmsg"]) == (40014, "不合法的access_token")


def test_added_users_can_be_looked_up(http: httpx.Client, sim: Simulator) -> None:
    added = sim.add_user("Sun Li", mobile="13700001111")
    body = call(http, "/topapi/v2/user/getbymobile", {"mobile": "13700001111"})
    assert body["result"] == {"userid": added["userid"]}
    assert call(http, "/topapi/v2/user/get", {"userid": added["userid"]})["result"]["unionid"] == added["unionid"]


def test_lookups_are_counted(http: httpx.Client, sim: Simulator) -> None:
    call(http, "/topapi/v2/user/get", {"userid": sim.operator_user_id})
    call(http, "/topapi/v2/user/getbymobile", {"mobile": sim.users[1]["mobile"]})
    call(http, "/topapi/user/getbyunionid", {"unionid": sim.operator_union_id})
    stats = sim.stats()
    assert (stats["userGet"], stats["userGetByMobile"], stats["userGetByUnionId"]) == (1, 1, 1)
