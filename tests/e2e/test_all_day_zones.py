"""An all-day booking seen from New York and from Berlin, through the real Slack app.

DingTalk's room free/busy writes an all-day item as UTC midnights of its date. roombot places it
on that date in the organisation's zone (Asia/Shanghai here), midnight to midnight there, and
shows it in the asker's zone. The expected busy hours below are worked out by hand from the
zones' offsets in December: Shanghai UTC+8, New York UTC-5, Berlin UTC+1.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from slack_bolt import App

from tests.e2e.fake_slack import Call, FakeSlack
from tests.e2e.slack_requests import FORM, signed, slash_body
from tests.e2e.workspace import ALICE

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROOM = "3F-Everest"


def slash(app: App, fake: FakeSlack, text: str, *, hook: str) -> Call:
    response = app.dispatch(signed(slash_body(text, response_url=fake.response_url(hook), user=ALICE), content_type=FORM))
    assert response.status == 200
    return fake.webhook_calls(hook)[-1]


def book_buttons_for(blocks: list[dict[str, Any]], room_id: str) -> list[dict[str, Any]]:
    found = []
    for block in blocks:
        elements = [*block.get("elements", []), *([block["accessory"]] if block.get("accessory") else [])]
        for element in elements:
            if str(element.get("action_id", "")).startswith("book"):
                try:
                    value = json.loads(element["value"])
                except (KeyError, ValueError):
                    continue
                if value.get("room_id") == room_id:
                    found.append(element)
    return found


def room_line(call: Call, name: str) -> str:
    return next(b["text"]["text"] for b in call.blocks if b.get("text") and f"*{name}*" in b["text"]["text"])


@pytest.fixture
def all_day(sim: Any) -> tuple[str, date]:
    """Everest booked all day on a date D (in DingTalk) with nothing else from D to D+1 in Shanghai."""
    room_id = next(str(r["roomId"]) for r in sim.rooms if r["roomName"] == ROOM)
    day = next(
        d
        for d in (sim.today + timedelta(days=n) for n in range(3, 40))
        if sim.schedule(room_id, _midnight(d), _midnight(d + timedelta(days=2))) == []
    )
    token = httpx.post(
        f"{sim.url}/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret}
    ).json()["accessToken"]
    headers = {"x-acs-dingtalk-access-token": token}
    base = f"{sim.url}/v1.0/calendar/users/{sim.operator_union_id}/calendars/primary/events"
    event = httpx.post(
        base,
        headers=headers,
        json={
            "summary": "Offsite",
            "isAllDay": True,
            "start": {"date": day.isoformat()},
            "end": {"date": (day + timedelta(days=1)).isoformat()},
        },
    ).json()
    added = httpx.post(
        f"{base}/{event['id']}/meetingRooms", headers=headers, json={"meetingRoomsToAdd": [{"roomId": room_id}]}
    )
    assert added.status_code == 200
    (item,) = sim.schedule(room_id, _midnight(day), _midnight(day + timedelta(days=1)))
    assert item["start"] == {"dateTime": f"{day.isoformat()}T00:00:00Z", "timeZone": "UTC"}  # premise: DingTalk's form
    return room_id, day


def _overlaps_shanghai_day(value: dict[str, str], day: date) -> bool:
    start, end = datetime.fromisoformat(value["start"]), datetime.fromisoformat(value["end"])
    return start < _midnight(day + timedelta(days=1)) and _midnight(day) < end


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)


def _on(day: date) -> str:
    return f"{day:%b} {day.day}"


@pytest.mark.parametrize(
    ("zone", "busy_hours", "free_hours", "busy_day_offset", "free_day_offset"),
    [
        # D in Shanghai is D-1 11:00 .. D 11:00 in New York.
        ("America/New_York", "10-11pm", "12-1pm", -1, 0),
        # D in Shanghai is D-1 17:00 .. D 17:00 in Berlin.
        ("Europe/Berlin", "6-7pm", "5-6pm", -1, 0),
    ],
)
def test_an_all_day_booking_blocks_its_shanghai_date_in_the_askers_hours(
    app: App,
    fake_slack: FakeSlack,
    sim: Any,
    all_day: tuple[str, date],
    zone: str,
    busy_hours: str,
    free_hours: str,
    busy_day_offset: int,
    free_day_offset: int,
) -> None:
    room_id, day = all_day
    fake_slack.timezones[ALICE] = zone
    slash(app, fake_slack, f"group add Mine {ROOM}", hook="setup")

    busy = slash(app, fake_slack, f"{_on(day + timedelta(days=busy_day_offset))} {busy_hours}", hook="busy")
    # No Book button lands on the Shanghai date D; an alternative at another time may be offered.
    assert [
        button
        for button in book_buttons_for(busy.blocks, room_id)
        if _overlaps_shanghai_day(json.loads(button["value"]), day)
    ] == []
    assert "Busy" in room_line(busy, ROOM)

    free = slash(app, fake_slack, f"{_on(day + timedelta(days=free_day_offset))} {free_hours}", hook="free")
    assert len(book_buttons_for(free.blocks, room_id)) == 1
    assert "Free" in room_line(free, ROOM)


def test_in_new_york_the_room_is_free_from_11am_on_the_dates_day(
    app: App, fake_slack: FakeSlack, sim: Any, all_day: tuple[str, date]
) -> None:
    _room_id, day = all_day
    fake_slack.timezones[ALICE] = "America/New_York"
    slash(app, fake_slack, f"group add Mine {ROOM}", hook="setup")
    answer = slash(app, fake_slack, f"{_on(day)} 10am-noon", hook="morning")
    assert "free 11:00" in room_line(answer, ROOM)
