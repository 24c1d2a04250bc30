"""The simulator's access tokens, over real HTTP (/v1.0/oauth2/accessToken and corpAccessToken)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.sim import Simulator

ROOMS = "/v1.0/rooms/meetingRoomLists"


@pytest.fixture
def http(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.url) as client:
        yield client


def app_token(http: httpx.Client, sim: Simulator) -> httpx.Response:
    return http.post("/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret})


def list_rooms(http: httpx.Client, sim: Simulator, token: str) -> httpx.Response:
    return http.get(ROOMS, params={"unionId": sim.operator_union_id}, headers={"x-acs-dingtalk-access-token": token})


def assert_error(response: httpx.Response, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert body["message"] == message
    assert len(body["requestid"]) == 36 and body["requestid"].count("-") == 4


def test_internal_app_token_has_documented_shape(http: httpx.Client, sim: Simulator) -> None:
    response = app_token(http, sim)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"accessToken", "expireIn"}
    assert body["expireIn"] == 7200
    assert list_rooms(http, sim, body["accessToken"]).status_code == 200


def test_internal_app_token_is_reissued_while_valid(http: httpx.Client, sim: Simulator) -> None:
    first = app_token(http, sim).json()["accessToken"]
    second = app_token(http, sim).json()["accessToken"]
    assert first == second


def test_corp_token_is_new_on_every_call(http: httpx.Client, sim: Simulator) -> None:
    body = {
        "suiteKey": sim.suite_key,
        "suiteSecret": sim.suite_secret,
        "authCorpId": sim.corp_id,
        "suiteTicket": sim.suite_ticket,
    }
    first = http.post("/v1.0/oauth2/corpAccessToken", json=body)
    second = http.post("/v1.0/oauth2/corpAccessToken", json=body)
    assert first.status_code == second.status_code == 200
    assert set(first.json()) == {"accessToken", "expireIn"}
    assert first.json()["accessToken"] != second.json()["accessToken"]
    assert list_rooms(http, sim, first.json()["accessToken"]).status_code == 200
    assert list_rooms(http, sim, second.json()["accessToken"]).status_code == 200


def test_wrong_app_secret_is_refused(http: httpx.Client, sim: Simulator) -> None:
    response = http.post("/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": "nope"})
    assert_error(response, 400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
    assert sim.app_secret not in response.text


def test_missing_body_is_refused(http: httpx.Client, sim: Simulator) -> None:
    response = http.post("/v1.0/oauth2/accessToken")
    assert_error(response, 400, "Missingbody", "body is mandatory for this action")


@pytest.mark.parametrize(
    ("field", "code", "message"),
    [
        ("suiteSecret", "invalidSuiteKey", "无效的suiteKey或suiteSecret"),
        ("suiteKey", "invalidSuiteKey", "无效的suiteKey或suiteSecret"),
        ("suiteTicket", "invalidSuiteTicket", "无效的suiteTicket"),
        ("authCorpId", "invalidAuthInfo", "授权关系不存在"),
    ],
)
def test_bad_suite_credentials_are_refused(http: httpx.Client, sim: Simulator, field: str, code: str, message: str) -> None:
    body = {
        "suiteKey": sim.suite_key,
        "suiteSecret": sim.suite_secret,
        "authCorpId": sim.corp_id,
        "suiteTicket": sim.suite_ticket,
    }
    body[field] = "wrong"
    assert_error(http.post("/v1.0/oauth2/corpAccessToken", json=body), 400, code, message)


def test_unknown_token_is_invalid_authentication(http: httpx.Client, sim: Simulator) -> None:
    assert_error(list_rooms(http, sim, "not-a-token"), 400, "InvalidAuthentication", "不合法的access_token")


def test_empty_token_is_invalid_authentication(http: httpx.Client, sim: Simulator) -> None:
    assert_error(list_rooms(http, sim, ""), 400, "InvalidAuthentication", "不合法的access_token")


def test_missing_token_header_is_401(http: httpx.Client, sim: Simulator) -> None:
    response = http.get(ROOMS, params={"unionId": sim.operator_union_id})
    assert_error(response, 401, "Unauthorized", "access_token缺失或无效")


def test_tokens_expire_after_their_lifetime() -> None:
    now = [1_800_000_000.0]
    with Simulator(seed=7, rooms=3, clock=lambda: now[0]).start(port=0) as sim, httpx.Client(base_url=sim.url) as http:
        sim.configure(token_ttl_s=60)
        body = app_token(http, sim).json()
        assert body["expireIn"] == 60
        now[0] += 59
        assert list_rooms(http, sim, body["accessToken"]).status_code == 200
        now[0] += 2
        assert_error(list_rooms(http, sim, body["accessToken"]), 400, "InvalidAuthentication", "不合法的access_token")
        fresh = app_token(http, sim).json()["accessToken"]
        assert fresh != body["accessToken"]
        assert list_rooms(http, sim, fresh).status_code == 200


def test_refetching_a_valid_token_extends_it() -> None:
    now = [1_800_000_000.0]
    with Simulator(seed=7, rooms=3, clock=lambda: now[0]).start(port=0) as sim, httpx.Client(base_url=sim.url) as http:
        sim.configure(token_ttl_s=60)
        token = app_token(http, sim).json()["accessToken"]
        now[0] += 50
        assert app_token(http, sim).json()["accessToken"] == token
        now[0] += 50  # 100 s after the first fetch, 50 s after the renewal
        assert list_rooms(http, sim, token).status_code == 200


def test_expire_tokens_invalidates_every_issued_token(http: httpx.Client, sim: Simulator) -> None:
    token = app_token(http, sim).json()["accessToken"]
    sim.expire_tokens()
    assert_error(list_rooms(http, sim, token), 400, "InvalidAuthentication", "不合法的access_token")
    assert app_token(http, sim).json()["accessToken"] != token


def test_revoked_credentials_are_refused_until_restored(http: httpx.Client, sim: Simulator) -> None:
    sim.revoke_credentials()
    assert_error(app_token(http, sim), 400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
    sim.restore_credentials()
    assert app_token(http, sim).status_code == 200


def test_token_calls_are_counted_under_their_own_keys(http: httpx.Client, sim: Simulator) -> None:
    app_token(http, sim)
    app_token(http, sim)
    stats = sim.stats()
    assert stats["accessToken"] == 2
    assert stats["corpAccessToken"] == 0
    assert stats["total"] == 2
