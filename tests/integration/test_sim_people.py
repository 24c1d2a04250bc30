"""People's calendars in the simulator (`querySchedule`), over HTTP, read by roombot's client and
by the official DingTalk SDK; events with attendees and a video meeting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.dingtalk import DingTalkClient
from bot.domain.models import Event
from bot.errors import DingTalkParameterError, QuotaExhausted
from bot.sim import Simulator

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 9, 21)
SUNDAY = MONDAY + timedelta(days=6)  # no demo meetings


@pytest.fixture
def client(sim: Simulator) -> Iterator[DingTalkClient]:
    with DingTalkClient(base_url=sim.url, app_key=sim.app_key, app_secret=sim.app_secret, deadline_s=5.0) as dt:
        yield dt


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def video_meeting_on_sunday(
    client: DingTalkClient, organizer: str, *, attendees: list[str], optional: tuple[str, ...] | list[str] = ()
) -> Event:
    """A meeting called Planning, with a DingTalk video link, on Sunday 10:00-11:00 in Shanghai."""
    return client.create_event(
        organizer,
        summary="Planning",
        start=local(SUNDAY, 10),
        end=local(SUNDAY, 11),
        time_zone="Asia/Shanghai",
        attendees=attendees,
        optional_attendees=optional,
        online_meeting=True,
    )


def union_ids(sim: Simulator) -> list[str]:
    return [user["unionid"] for user in sim.users]


def ask(http: httpx.Client, sim: Simulator, ids: list[str], start: datetime, end: datetime) -> httpx.Response:
    return http.post(
        f"/v1.0/calendar/users/{sim.operator_union_id}/querySchedule",
        json={"userIds": ids, "startTime": start.isoformat(), "endTime": end.isoformat()},
    )


def test_each_person_has_a_deterministic_calendar_of_their_own(http: httpx.Client, sim: Simulator) -> None:
    ids = union_ids(sim)
    week = (local(MONDAY, 0), local(MONDAY + timedelta(days=5), 0))
    first = ask(http, sim, ids, *week)
    assert first.status_code == 200, first.text
    again = ask(http, sim, ids, *week)
    assert first.json() == again.json()
    info = first.json()["scheduleInformation"]
    assert [entry["userId"] for entry in info] == ids
    calendars = [tuple((i["start"].get("dateTime"), i["end"].get("dateTime")) for i in e["scheduleItems"]) for e in info]
    assert len(set(calendars)) == len(ids)  # people differ
    for entry in info:
        assert entry["scheduleItems"], "a working week has meetings"
        for item in entry["scheduleItems"]:
            assert set(item) == {"status", "start", "end"}  # times and status only: never titles or ids
            assert item["status"] in ("BUSY", "TENTATIVE")


def test_query_schedule_limits_and_errors(http: httpx.Client, sim: Simulator) -> None:
    start, end = local(MONDAY, 9), local(MONDAY, 18)
    for bad in ([], None, [""]):
        response = http.post(
            f"/v1.0/calendar/users/{sim.operator_union_id}/querySchedule",
            json={"userIds": bad, "startTime": start.isoformat(), "endTime": end.isoformat()},
        )
        assert response.status_code == 400 and response.json()["code"] == "paramIllegal"
    too_many = ask(http, sim, [f"u{n}" for n in range(21)], start, end)
    assert too_many.status_code == 400 and too_many.json() == {**too_many.json(), "code": "paramIllegal"}
    assert ask(http, sim, [f"u{n}" for n in range(20)], start, end).status_code == 200
    backwards = ask(http, sim, union_ids(sim)[:1], end, start)
    assert backwards.status_code == 400 and backwards.json()["code"] == "paramIllegal"
    unknown = ask(http, sim, ["nobody", union_ids(sim)[1]], start, end).json()["scheduleInformation"]
    assert unknown[0]["userId"] == "nobody" and unknown[0]["error"]
    assert "error" not in unknown[1]
    outsider = http.post(
        "/v1.0/calendar/users/stranger/querySchedule",
        json={"userIds": union_ids(sim)[:1], "startTime": start.isoformat(), "endTime": end.isoformat()},
    )
    assert outsider.status_code == 400 and outsider.json()["code"] == "permissionDeny"


def test_twenty_five_people_are_asked_in_two_parallel_calls(client: DingTalkClient, sim: Simulator) -> None:
    for n in range(18):
        sim.add_user(f"Person {n}", mobile=f"139{n:08d}")
    ids = union_ids(sim)
    assert len(ids) == 25
    sim.reset_stats()
    schedules = client.query_people(sim.operator_union_id, ids, local(MONDAY, 9), local(MONDAY, 18))
    assert sim.stats()["querySchedule"] == 2
    assert [s.user_id for s in schedules] == ids
    for schedule, union_id in zip(schedules, ids, strict=True):
        raw = sim.person_schedule(union_id, local(MONDAY, 9), local(MONDAY, 18))
        assert len(schedule.items) == len(raw)
        assert schedule.error is None


def test_people_calls_count_against_the_quota(client: DingTalkClient, sim: Simulator) -> None:
    sim.configure(monthly_quota=1)
    ids = union_ids(sim)
    client.query_people(sim.operator_union_id, ids, local(MONDAY, 9), local(MONDAY, 18))
    with pytest.raises(QuotaExhausted):
        client.query_people(sim.operator_union_id, ids, local(MONDAY, 9), local(MONDAY, 18))


def test_a_refused_batch_is_raised_not_dropped(client: DingTalkClient, sim: Simulator) -> None:
    for n in range(18):
        sim.add_user(f"Person {n}", mobile=f"139{n:08d}")
    sim.inject_fault("querySchedule", status=400, code="paramIllegal", message="PARAM ILLEGAL")
    with pytest.raises(DingTalkParameterError):
        client.query_people(sim.operator_union_id, union_ids(sim), local(MONDAY, 9), local(MONDAY, 18))


def test_an_event_with_attendees_and_video_is_busy_for_its_attendees(
    client: DingTalkClient, http: httpx.Client, sim: Simulator
) -> None:
    organizer, guest = union_ids(sim)[1], union_ids(sim)[2]
    event = video_meeting_on_sunday(client, organizer, attendees=[organizer, guest])
    assert set(event.attendee_ids) == {organizer, guest}
    assert event.online_meeting is not None and event.online_meeting.url
    raw = http.get(f"/v1.0/calendar/users/{organizer}/calendars/primary/events/{event.event_id}").json()
    assert {a["id"] for a in raw["attendees"]} == {organizer, guest}
    assert raw["onlineMeetingInfo"]["type"] == "dingtalk" and raw["onlineMeetingInfo"]["url"]
    info = ask(http, sim, [guest], local(SUNDAY, 0), local(SUNDAY + timedelta(days=1), 0)).json()["scheduleInformation"]
    assert [(i["start"]["dateTime"], i["end"]["dateTime"]) for i in info[0]["scheduleItems"]] == [
        ("2026-09-27T10:00:00+08:00", "2026-09-27T11:00:00+08:00")
    ]


def test_the_official_sdk_reads_query_schedule(sim: Simulator, http: httpx.Client) -> None:
    from alibabacloud_dingtalk.calendar_1_0 import models as cal_models
    from alibabacloud_dingtalk.calendar_1_0.client import Client as CalendarClient
    from alibabacloud_tea_openapi import models as open_api_models
    from alibabacloud_tea_util import models as util_models

    token = http.headers["x-acs-dingtalk-access-token"]
    endpoint = sim.url.removeprefix("http://")
    sdk = CalendarClient(open_api_models.Config(protocol="http", endpoint=endpoint))
    ids = union_ids(sim)
    request = cal_models.GetScheduleRequest(
        user_ids=ids, start_time=local(MONDAY, 0).isoformat(), end_time=local(MONDAY, 23, 59).isoformat()
    )
    headers = cal_models.GetScheduleHeaders(x_acs_dingtalk_access_token=token)
    response = sdk.get_schedule_with_options(sim.operator_union_id, request, headers, util_models.RuntimeOptions())
    info = response.body.schedule_information
    assert [entry.user_id for entry in info] == ids
    for entry, union_id in zip(info, ids, strict=True):
        raw = sim.person_schedule(union_id, local(MONDAY, 0), local(MONDAY, 23, 59))
        assert [(i.status, i.start.date_time or i.start.date) for i in entry.schedule_items] == [
            (r["status"], r["start"].get("dateTime") or r["start"].get("date")) for r in raw
        ]


def test_the_official_sdk_reads_an_event_with_attendees_and_video(
    sim: Simulator, http: httpx.Client, client: DingTalkClient
) -> None:
    from alibabacloud_dingtalk.calendar_1_0 import models as cal_models
    from alibabacloud_dingtalk.calendar_1_0.client import Client as CalendarClient
    from alibabacloud_tea_openapi import models as open_api_models
    from alibabacloud_tea_util import models as util_models

    organizer, guest, maybe = union_ids(sim)[1:4]
    event = video_meeting_on_sunday(client, organizer, attendees=[organizer, guest], optional=[maybe])
    sdk = CalendarClient(open_api_models.Config(protocol="http", endpoint=sim.url.removeprefix("http://")))
    headers = cal_models.GetEventHeaders(x_acs_dingtalk_access_token=http.headers["x-acs-dingtalk-access-token"])
    body = sdk.get_event_with_options(
        organizer, "primary", event.event_id, cal_models.GetEventRequest(), headers, util_models.RuntimeOptions()
    ).body
    assert {(a.id, a.is_optional) for a in body.attendees} == {(organizer, False), (guest, False), (maybe, True)}
    assert body.online_meeting_info.type == "dingtalk"
    assert body.online_meeting_info.url == (event.online_meeting.url if event.online_meeting else None)
