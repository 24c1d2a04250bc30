"""The simulator's all-day items: written as UTC midnights of the date, holding the room for that
date in the organisation's zone (Asia/Shanghai), the same reading roombot makes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx

from bot.sim import Simulator

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _headers(sim: Simulator) -> dict[str, str]:
    token = httpx.post(
        f"{sim.url}/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret}
    ).json()["accessToken"]
    return {"x-acs-dingtalk-access-token": token}


def _book(sim: Simulator, room_id: str, start: dict[str, str], end: dict[str, str], *, all_day: bool) -> httpx.Response:
    base = f"{sim.url}/v1.0/calendar/users/{sim.operator_union_id}/calendars/primary/events"
    body = {"summary": "x", "isAllDay": all_day, "start": start, "end": end}
    event = httpx.post(base, headers=_headers(sim), json=body).json()
    return httpx.post(
        f"{base}/{event['id']}/meetingRooms", headers=_headers(sim), json={"meetingRoomsToAdd": [{"roomId": room_id}]}
    )


def _shanghai(day: date, hh_mm: str) -> dict[str, str]:
    return {"dateTime": f"{day.isoformat()}T{hh_mm}:00", "timeZone": "Asia/Shanghai"}


def _free_day(sim: Simulator, room_id: str) -> date:
    return next(
        d
        for d in (sim.today + timedelta(days=n) for n in range(3, 40))
        if sim.schedule(
            room_id, datetime.combine(d, time(0), SHANGHAI), datetime.combine(d + timedelta(days=2), time(0), SHANGHAI)
        )
        == []
    )


def test_an_all_day_booking_holds_its_shanghai_date_and_not_the_utc_one(sim: Simulator) -> None:
    room_id = str(sim.rooms[0]["roomId"])
    day = _free_day(sim, room_id)
    assert (
        _book(sim, room_id, {"date": day.isoformat()}, {"date": (day + timedelta(days=1)).isoformat()}, all_day=True)
    ).status_code == 200

    # 07:00 in Shanghai on the date is 23:00 UTC the day before: outside the written UTC span, yet taken.
    early = _book(sim, room_id, _shanghai(day, "07:00"), _shanghai(day, "07:30"), all_day=False)
    assert early.status_code == 400 and early.json()["code"] == "meetingRoomNotAvailable"
    # 07:00 in Shanghai the next day is 23:00 UTC on the date: inside the written UTC span, yet free.
    next_day = day + timedelta(days=1)
    late = _book(sim, room_id, _shanghai(next_day, "07:00"), _shanghai(next_day, "07:30"), all_day=False)
    assert late.status_code == 200

    # Free/busy lists it for a question that touches the Shanghai date only at 07:00 local.
    touching = sim.schedule(room_id, datetime.combine(day, time(7), SHANGHAI), datetime.combine(day, time(7, 30), SHANGHAI))
    assert [item["start"] for item in touching] == [{"dateTime": f"{day.isoformat()}T00:00:00Z", "timeZone": "UTC"}]
