"""The simulator's fault knobs, call statistics, `/_sim/...` control API and `roombot sim`."""

from __future__ import annotations

import argparse
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from bot.commands.sim import banner, run
from bot.sim import ENDPOINTS, Simulator
from tests.threads import run_in_threads


def rooms(http: httpx.Client, sim: Simulator) -> httpx.Response:
    return http.get("/v1.0/rooms/meetingRoomLists", params={"unionId": sim.operator_union_id})


def schedules(http: httpx.Client, sim: Simulator) -> httpx.Response:
    return http.post(
        f"/v1.0/calendar/users/{sim.operator_union_id}/meetingRooms/schedules/query",
        json={"roomIds": [sim.rooms[0]["roomId"]], "startTime": "2026-09-21T01:00Z", "endTime": "2026-09-21T11:00Z"},
    )


# --- random fault knobs --------------------------------------------------------------------


def test_fail_rate_one_answers_every_call_with_a_5xx(http: httpx.Client, sim: Simulator) -> None:
    sim.configure(fail_rate=1.0)
    for _ in range(12):
        response = schedules(http, sim)
        assert response.status_code in (500, 502, 503)
        assert response.json()["code"] in ("system.error", "systemError")
        assert response.json()["requestid"]


def test_throttle_rate_one_answers_every_call_with_403_qps(http: httpx.Client, sim: Simulator) -> None:
    sim.configure(throttle_rate=1.0)
    for response in (rooms(http, sim), schedules(http, sim)):
        assert response.status_code == 403
        assert response.json()["code"] == "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"


def test_throttled_old_style_calls_answer_errcode_90018(http: httpx.Client, sim: Simulator) -> None:
    token = http.headers["x-acs-dingtalk-access-token"]
    sim.configure(throttle_rate=1.0)
    response = http.post("/topapi/v2/user/get", params={"access_token": token}, json={"userid": sim.operator_user_id})
    assert response.status_code == 200
    assert response.json()["errcode"] == 90018


def test_malformed_rate_one_never_answers_the_documented_shape(http: httpx.Client, sim: Simulator) -> None:
    sim.configure(malformed_rate=1.0)
    for _ in range(12):
        response = schedules(http, sim)
        assert response.status_code == 200
        try:
            body: Any = response.json()
        except ValueError:
            continue
        assert not (isinstance(body, dict) and isinstance(body.get("scheduleInformation"), list))


def test_token_endpoints_are_spared_unless_asked(http: httpx.Client, sim: Simulator) -> None:
    credentials = {"appKey": sim.app_key, "appSecret": sim.app_secret}
    sim.configure(fail_rate=1.0)
    assert http.post("/v1.0/oauth2/accessToken", json=credentials).status_code == 200
    sim.configure(fault_tokens=True)
    assert http.post("/v1.0/oauth2/accessToken", json=credentials).status_code >= 500


def test_latency_is_applied_per_request_outside_the_lock() -> None:
    # Three calls can only all reach the barrier if their latency sleeps run at the same time.
    barrier = threading.Barrier(3)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        barrier.wait(timeout=10)

    with Simulator(seed=7, rooms=3, sleep=sleep).start(port=0) as sim:
        token = httpx.post(f"{sim.url}/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret})
        headers = {"x-acs-dingtalk-access-token": token.json()["accessToken"]}
        sim.configure(latency_ms=250)
        results: list[int] = []

        def call() -> None:
            response = httpx.get(
                f"{sim.url}/v1.0/rooms/groupLists", params={"unionId": sim.operator_union_id}, headers=headers
            )
            results.append(response.status_code)

        run_in_threads(call, 3, timeout=20)
        assert results == [200, 200, 200]
        assert slept == [0.25, 0.25, 0.25]


def test_qps_limit_answers_403_past_the_limit_within_a_second() -> None:
    now = [1_800_000_000.2]
    with Simulator(seed=7, rooms=3, clock=lambda: now[0]).start(port=0) as sim, httpx.Client(base_url=sim.url) as http:
        token = http.post("/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret})
        http.headers["x-acs-dingtalk-access-token"] = token.json()["accessToken"]
        sim.configure(qps_limit=2)
        assert [rooms(http, sim).status_code for _ in range(3)] == [200, 200, 403]
        assert http.get("/v1.0/rooms/groupLists", params={"unionId": sim.operator_union_id}).status_code == 200
        now[0] += 1
        assert rooms(http, sim).status_code == 200


def test_monthly_quota_counts_non_token_calls(http: httpx.Client, sim: Simulator) -> None:
    sim.configure(monthly_quota=2)
    assert rooms(http, sim).status_code == 200
    http.post("/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret})
    assert rooms(http, sim).status_code == 200
    exhausted = rooms(http, sim)
    assert exhausted.status_code == 403
    assert exhausted.json()["code"] == "Forbidden.AccessDenied.ApiCountLimitForOrg"


def test_bad_knob_values_are_refused(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="fail_rate"):
        sim.configure(fail_rate=1.5)
    with pytest.raises(ValueError, match="unknown simulator setting"):
        sim.configure(speed=3)
    assert sim.config["fail_rate"] == 0.0


# --- queued faults -------------------------------------------------------------------------


def test_injected_fault_hits_the_next_calls_then_clears(http: httpx.Client, sim: Simulator) -> None:
    sim.inject_fault("meetingRoomLists", status=503, code="systemError", message="busy", count=2)
    first, second, third = rooms(http, sim), rooms(http, sim), rooms(http, sim)
    assert (first.status_code, first.json()["code"], first.json()["message"]) == (503, "systemError", "busy")
    assert second.status_code == 503
    assert third.status_code == 200
    assert schedules(http, sim).status_code == 200  # other endpoints are untouched


def test_permission_fault_names_the_required_scope(http: httpx.Client, sim: Simulator) -> None:
    sim.inject_fault("schedules", status=403, code="Forbidden.AccessDenied.AccessTokenPermissionDenied")
    body = schedules(http, sim).json()
    assert body["code"] == "Forbidden.AccessDenied.AccessTokenPermissionDenied"
    assert body["message"].startswith("没有调用该接口的权限")
    assert body["accessdenieddetail"] == {"requiredScopes": ["Calendar.Event.Read"]}
    sim.inject_fault(
        "meetingRoomLists", status=403, code="Forbidden.AccessDenied.AccessTokenPermissionDenied", required_scopes=["X.Y"]
    )
    assert rooms(http, sim).json()["accessdenieddetail"] == {"requiredScopes": ["X.Y"]}


def test_injected_body_is_sent_as_is(http: httpx.Client, sim: Simulator) -> None:
    sim.inject_fault("schedules", status=200, code="", body='{"scheduleInformation": [')
    response = schedules(http, sim)
    assert response.status_code == 200
    assert response.text == '{"scheduleInformation": ['


def test_unknown_endpoint_key_is_refused(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="unknown endpoint"):
        sim.inject_fault("nope", status=500, code="x")


# --- stats ---------------------------------------------------------------------------------


def test_stats_count_calls_per_endpoint_and_reset(http: httpx.Client, sim: Simulator) -> None:
    rooms(http, sim)
    rooms(http, sim)
    schedules(http, sim)
    stats = httpx.get(f"{sim.url}/_sim/stats").json()
    assert set(stats) == {*ENDPOINTS, "total"}
    assert stats["meetingRoomLists"] == 2
    assert stats["schedules"] == 1
    assert stats["accessToken"] == 1
    assert stats["total"] == 4
    assert httpx.post(f"{sim.url}/_sim/stats/reset").json()["total"] == 0
    assert sim.stats() == dict.fromkeys([*ENDPOINTS, "total"], 0)


def test_faulted_calls_are_counted_and_unknown_paths_are_not(http: httpx.Client, sim: Simulator) -> None:
    sim.reset_stats()
    sim.configure(fail_rate=1.0)
    schedules(http, sim)
    missing = http.get("/v1.0/nothing/here")
    assert missing.status_code == 404
    assert missing.json()["code"] == "InvalidAction.NotFound"
    assert sim.stats()["schedules"] == 1
    assert sim.stats()["total"] == 1


# --- control API ---------------------------------------------------------------------------


def test_config_can_be_read_and_changed_over_http(sim: Simulator) -> None:
    config = httpx.get(f"{sim.url}/_sim/config").json()
    assert config["max_rooms_per_call"] == 5 and config["latency_ms"] == 0.0 and config["token_ttl_s"] == 7200
    changed = httpx.post(f"{sim.url}/_sim/config", json={"latency_ms": 120, "throttle_rate": 0.25, "max_rooms_per_call": 10})
    assert changed.status_code == 200
    assert (changed.json()["latency_ms"], changed.json()["throttle_rate"], changed.json()["max_rooms_per_call"]) == (
        120.0,
        0.25,
        10,
    )
    assert sim.config["latency_ms"] == 120.0
    refused = httpx.post(f"{sim.url}/_sim/config", json={"fail_rate": 2})
    assert refused.status_code == 400
    assert "fail_rate" in refused.json()["error"]


def test_faults_tokens_and_credentials_over_http(http: httpx.Client, sim: Simulator) -> None:
    assert (
        httpx.post(
            f"{sim.url}/_sim/faults", json={"endpoint": "meetingRoomLists", "status": 502, "code": "system.error"}
        ).status_code
        == 200
    )
    assert rooms(http, sim).status_code == 502
    assert httpx.post(f"{sim.url}/_sim/tokens/expire").status_code == 200
    assert rooms(http, sim).json()["code"] == "InvalidAuthentication"
    httpx.post(f"{sim.url}/_sim/credentials/revoke")
    credentials = {"appKey": sim.app_key, "appSecret": sim.app_secret}
    assert http.post("/v1.0/oauth2/accessToken", json=credentials).json()["code"] == "invalidClientIdOrSecret"
    httpx.post(f"{sim.url}/_sim/credentials/restore")
    assert http.post("/v1.0/oauth2/accessToken", json=credentials).status_code == 200


def test_info_and_events_over_http(sim: Simulator) -> None:
    info = httpx.get(f"{sim.url}/_sim/info").json()
    assert info["url"] == sim.url
    assert info["app_key"] == sim.app_key and info["app_secret"] == sim.app_secret
    assert info["operator_union_id"] == sim.operator_union_id
    assert info["suite_ticket"] == sim.suite_ticket and info["corp_id"] == sim.corp_id
    assert httpx.get(f"{sim.url}/_sim/events").json() == {"events": []}
    assert httpx.get(f"{sim.url}/_sim/nothing").status_code == 404
    assert sim.stats()["total"] == 0  # control calls are not counted


def test_full_reset_forgets_bookings_and_knobs(http: httpx.Client, sim: Simulator) -> None:
    body = {
        "summary": "x",
        "start": {"dateTime": "2026-09-22T20:00:00+08:00", "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": "2026-09-22T21:00:00+08:00", "timeZone": "Asia/Shanghai"},
    }
    http.post(f"/v1.0/calendar/users/{sim.operator_union_id}/calendars/primary/events", json=body)
    sim.configure(fail_rate=0.5)
    assert httpx.post(f"{sim.url}/_sim/reset").status_code == 200
    assert sim.events == []
    assert sim.config["fail_rate"] == 0.0
    assert sim.stats()["total"] == 0


# --- roombot sim ---------------------------------------------------------------------------


def sim_args(**overrides: Any) -> argparse.Namespace:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "seed": 7,
        "rooms": 24,
        "latency_ms": 0.0,
        "fail_rate": 0.0,
        "throttle_rate": 0.0,
        "malformed_rate": 0.0,
        "max_rooms_per_call": 5,
        "token_ttl": 7200,
    }
    values.update(overrides)
    return argparse.Namespace(**values)


@contextmanager
def roombot_sim(args: argparse.Namespace) -> Iterator[tuple[str, str, list[int]]]:
    """`roombot sim` running in a thread until the block ends: its URL, its banner, and its exit code once stopped."""
    out = io.StringIO()
    stop = threading.Event()
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(run(args, out=out, stop=stop)))
    thread.start()
    try:
        for _ in range(500):
            if "Ctrl-C" in out.getvalue():
                break
            stop.wait(0.01)
        text = out.getvalue()
        url = next(line.split()[-1] for line in text.splitlines() if "listening on" in line)
        yield url, text, codes
    finally:
        stop.set()
        thread.join(timeout=10)


def test_roombot_sim_serves_and_prints_credentials() -> None:
    with roombot_sim(sim_args(latency_ms=5, max_rooms_per_call=7)) as (url, text, codes):
        info = httpx.get(f"{url}/_sim/info").json()
        assert info["app_key"] in text and info["app_secret"] in text
        assert info["operator_union_id"] in text
        assert f"DINGTALK_API_URL={url} DINGTALK_APP_KEY={info['app_key']}" in text
        config = httpx.get(f"{url}/_sim/config").json()
        assert (config["latency_ms"], config["max_rooms_per_call"]) == (5.0, 7)
    assert codes == [0]


def test_roombot_sim_refuses_bad_knobs(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(sim_args(fail_rate=3.0), out=io.StringIO()) == 2
    assert "fail_rate" in capsys.readouterr().err


def test_banner_names_the_operator(sim: Simulator) -> None:
    assert f"operator unionId   {sim.operator_union_id}" in banner(sim)
