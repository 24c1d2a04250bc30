"""`roombot sim` options: start with a QPS limit, a monthly quota and closed rooms; with `--url`,
approve or decline a booking, close or reopen a room and change the limits of a running simulator."""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.cli import build_parser
from bot.commands.sim import run
from bot.sim import Simulator
from tests.integration.test_sim_control import roombot_sim

SHANGHAI = ZoneInfo("Asia/Shanghai")


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["sim", "--port", "0", *argv])


@pytest.fixture
def started() -> Iterator[tuple[str, str]]:
    """A simulator started by `roombot sim` with limits and a closed room: (url, banner)."""
    args = parse("--qps-limit", "7", "--monthly-quota", "900", "--close-room", "3F-K2@2030-01-31")
    with roombot_sim(args) as (url, banner, _code):
        yield url, banner


def detail(url: str, room_id: str) -> dict[str, Any]:
    info = httpx.get(f"{url}/_sim/info").json()
    token = httpx.post(
        f"{url}/v1.0/oauth2/accessToken", json={"appKey": info["app_key"], "appSecret": info["app_secret"]}
    ).json()["accessToken"]
    reply = httpx.get(
        f"{url}/v1.0/rooms/meetingRooms/{room_id}",
        params={"unionId": info["operator_union_id"]},
        headers={"x-acs-dingtalk-access-token": token},
    )
    result: dict[str, Any] = reply.json()["result"]
    return result


def test_sim_starts_with_limits_and_a_closed_room(started: tuple[str, str]) -> None:
    url, _banner = started
    config = httpx.get(f"{url}/_sim/config").json()
    assert (config["qps_limit"], config["monthly_quota"]) == (7, 900)
    k2 = next(room for room in httpx.get(f"{url}/_sim/rooms").json()["rooms"] if room["roomName"] == "3F-K2")
    close = detail(url, k2["roomId"])["extensionConfig"]["reservationCloseDetail"]
    assert close["taskEndTime"] == int(datetime(2030, 2, 1, tzinfo=SHANGHAI).timestamp() * 1000)


def test_sim_url_changes_a_running_simulator(started: tuple[str, str]) -> None:
    url, _banner = started
    out = io.StringIO()
    assert run(parse("--url", url, "--qps-limit", "0", "--reopen-room", "3F-K2", "--close-room", "3F-Fuji"), out=out) == 0
    config = httpx.get(f"{url}/_sim/config").json()
    assert config["qps_limit"] == 0 and config["monthly_quota"] == 900
    rooms = {room["roomName"]: room["roomId"] for room in httpx.get(f"{url}/_sim/rooms").json()["rooms"]}
    assert "reservationCloseDetail" not in detail(url, rooms["3F-K2"])["extensionConfig"]
    fuji = detail(url, rooms["3F-Fuji"])["extensionConfig"]["reservationCloseDetail"]
    assert fuji["taskEndTime"] is None  # closed indefinitely
    assert "reopened 3F-K2" in out.getvalue() and "closed 3F-Fuji indefinitely" in out.getvalue()


def test_sim_url_approves_and_declines_bookings() -> None:
    with Simulator(seed=7, rooms=24) as sim:
        token = httpx.post(
            f"{sim.url}/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret}
        ).json()["accessToken"]
        headers = {"x-acs-dingtalk-access-token": token}
        base = f"{sim.url}/v1.0/calendar/users/{sim.operator_union_id}/calendars/primary/events"
        approval_rooms = [room["roomId"] for room in sim.rooms if sim.room_rules(room["roomId"]).approval][:2]
        day = datetime.now(SHANGHAI).date() + timedelta(days=1)
        ids = []
        for hour, room_id in zip((20, 21), approval_rooms, strict=True):
            start = datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)
            event = httpx.post(
                base,
                headers=headers,
                json={
                    "summary": "x",
                    "start": {"dateTime": start.isoformat(), "timeZone": "Asia/Shanghai"},
                    "end": {"dateTime": (start + timedelta(hours=1)).isoformat(), "timeZone": "Asia/Shanghai"},
                },
            ).json()
            httpx.post(
                f"{base}/{event['id']}/meetingRooms", headers=headers, json={"meetingRoomsToAdd": [{"roomId": room_id}]}
            ).raise_for_status()
            ids.append(event["id"])

        assert run(parse("--url", sim.url, "--approve", ids[0], "--decline", ids[1]), out=io.StringIO()) == 0
        statuses = {event["id"]: event["meetingRooms"][0]["responseStatus"] for event in sim.events}
        assert statuses == {ids[0]: "accepted", ids[1]: "declined"}
        assert run(parse("--url", sim.url, "--approve", "no-such-event"), out=io.StringIO()) == 2


def test_sim_refuses_an_unknown_room(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(parse("--close-room", "Atlantis"), out=io.StringIO()) == 2
    assert "Atlantis" in capsys.readouterr().err
