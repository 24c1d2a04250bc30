"""The simulator driven by DingTalk's official Python SDK (`alibabacloud_dingtalk`, a dev dependency):
the room detail's closure and reservation scope, and a recurring event holding its room at every
occurrence, read through the SDK's own models (which `validate()` them)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.sim import Simulator

pytest.importorskip("alibabacloud_dingtalk")

from alibabacloud_dingtalk.calendar_1_0 import client as calendar_client  # noqa: E402
from alibabacloud_dingtalk.calendar_1_0 import models as cal  # noqa: E402
from alibabacloud_dingtalk.rooms_1_0 import client as rooms_client  # noqa: E402
from alibabacloud_dingtalk.rooms_1_0 import models as rooms  # noqa: E402
from alibabacloud_tea_openapi import models as open_api  # noqa: E402
from alibabacloud_tea_util import models as util  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _config(sim: Simulator) -> Any:
    return open_api.Config(protocol="http", region_id="central", endpoint=sim.url.removeprefix("http://"))


def _token(sim: Simulator) -> str:
    reply = httpx.post(f"{sim.url}/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret})
    return str(reply.json()["accessToken"])


def test_room_detail_closure_and_scope_through_the_sdk(sim: Simulator) -> None:
    client = rooms_client.Client(_config(sim))
    headers = rooms.QueryMeetingRoomHeaders(x_acs_dingtalk_access_token=_token(sim))
    request = rooms.QueryMeetingRoomRequest(union_id=sim.operator_union_id)
    scoped = next(room for room in sim.rooms if room["roomStatus"] == 2)
    closed = next(room for room in sim.rooms if sim.room_rules(room["roomId"]).closed_from is not None)

    body = client.query_meeting_room_with_options(scoped["roomId"], request, headers, util.RuntimeOptions()).body
    body.validate()
    members = body.result.reservation_authority.authorized_members
    assert [(m.member_id, m.member_type) for m in members] == [(sim.operator_union_id, "user")]

    body = client.query_meeting_room_with_options(closed["roomId"], request, headers, util.RuntimeOptions()).body
    body.validate()
    close = body.result.extension_config.reservation_close_detail
    assert close.task_end_time == int(sim.room_rules(closed["roomId"]).closed_until.timestamp() * 1000)  # type: ignore[union-attr]


def test_a_weekly_event_made_through_the_sdk_holds_its_room_four_times(sim: Simulator) -> None:
    sim.configure(enforce_booking_rules=False)
    client = calendar_client.Client(_config(sim))
    token = _token(sim)
    room_id = next(
        str(room["roomId"])
        for room in sim.rooms
        if not sim.room_rules(room["roomId"]).approval
        and room["roomStatus"] == 0
        and all(
            sim.schedule(
                room["roomId"],
                datetime.combine(sim.today + timedelta(days=2 + 7 * n), time(20), SHANGHAI),
                datetime.combine(sim.today + timedelta(days=2 + 7 * n), time(21), SHANGHAI),
            )
            == []
            for n in range(4)
        )
    )
    first = datetime.combine(sim.today + timedelta(days=2), time(20), SHANGHAI)
    created = client.create_event_with_options(
        sim.operator_union_id,
        "primary",
        cal.CreateEventRequest(
            summary="Weekly",
            start=cal.CreateEventRequestStart(date_time=first.isoformat(), time_zone="Asia/Shanghai"),
            end=cal.CreateEventRequestEnd(date_time=(first + timedelta(hours=1)).isoformat(), time_zone="Asia/Shanghai"),
            recurrence=cal.CreateEventRequestRecurrence(
                pattern=cal.CreateEventRequestRecurrencePattern(type="weekly", interval=1),
                range=cal.CreateEventRequestRecurrenceRange(type="numbered", number_of_occurrences=4),
            ),
        ),
        cal.CreateEventHeaders(x_acs_dingtalk_access_token=token),
        util.RuntimeOptions(),
    ).body
    created.validate()
    client.add_meeting_rooms_with_options(
        sim.operator_union_id,
        "primary",
        created.id,
        cal.AddMeetingRoomsRequest(meeting_rooms_to_add=[cal.AddMeetingRoomsRequestMeetingRoomsToAdd(room_id=room_id)]),
        cal.AddMeetingRoomsHeaders(x_acs_dingtalk_access_token=token),
        util.RuntimeOptions(),
    )
    schedule = client.get_meeting_rooms_schedule_with_options(
        sim.operator_union_id,
        cal.GetMeetingRoomsScheduleRequest(
            room_ids=[room_id],
            start_time=first.isoformat(),
            end_time=(first + timedelta(weeks=6)).isoformat(),
        ),
        cal.GetMeetingRoomsScheduleHeaders(x_acs_dingtalk_access_token=token),
        util.RuntimeOptions(),
    ).body
    schedule.validate()
    ours = [item for item in schedule.schedule_information[0].schedule_items if item.event_id == created.id]
    assert [datetime.fromisoformat(item.start.date_time) for item in ours] == [first + timedelta(weeks=n) for n in range(4)]
