"""DingTalkClient over real HTTP against the simulator (bot.sim) on a loopback port.

Every endpoint, every error class, token refresh, batching and window splitting, retries and
the client-side rate limit. The simulator counts the calls it served (`sim.stats()`), which is
how these tests see what went over the wire.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import errors
from bot.dingtalk import DingTalkClient, NoRateLimit
from bot.domain.models import Room, RoomSchedule
from bot.sim import Simulator
from tests.threads import run_in_threads

SHANGHAI = ZoneInfo("Asia/Shanghai")


def make_client(sim: Simulator, **options: Any) -> DingTalkClient:
    settings: dict[str, Any] = {
        "base_url": sim.url,
        "app_key": sim.app_key,
        "app_secret": sim.app_secret,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "deadline_s": 5.0,
    }
    settings.update(options)
    return DingTalkClient(**settings)


@pytest.fixture
def client(sim: Simulator) -> Iterator[DingTalkClient]:
    with make_client(sim) as dingtalk:
        yield dingtalk


def day_window(sim: Simulator, days_ahead: int = 0) -> tuple[datetime, datetime]:
    start = datetime.combine(sim.today + timedelta(days=days_ahead), datetime.min.time(), SHANGHAI)
    return start, start + timedelta(days=1)


def next_weekday(sim: Simulator) -> int:
    """Days from the simulator's today to the next Monday–Friday (weekdays have meetings)."""
    for ahead in range(1, 8):
        if (sim.today + timedelta(days=ahead)).weekday() < 5:
            return ahead
    raise AssertionError("no weekday in a week")


def room_ids(sim: Simulator) -> list[str]:
    return [room["roomId"] for room in sim.rooms]


# --- rooms and groups ----------------------------------------------------------------------


def test_list_rooms_follows_pagination_past_100_rooms() -> None:
    with Simulator(seed=7, rooms=150).start(port=0) as big, make_client(big) as dingtalk:
        rooms = dingtalk.list_rooms(big.operator_union_id)
        assert [r.room_id for r in rooms] == room_ids(big)
        assert len(rooms) == 150
        assert big.stats()["meetingRoomLists"] == 2  # 100 per page


def test_list_rooms_parses_names_capacity_labels_and_group(sim: Simulator, client: DingTalkClient) -> None:
    rooms = client.list_rooms(sim.operator_union_id)
    wire_rooms = {room["roomId"]: room for room in sim.rooms}
    for room in rooms:
        expected = wire_rooms[room.room_id]
        assert isinstance(room, Room)
        assert room.name == expected["roomName"]
        assert room.capacity == expected["roomCapacity"]
        assert [label.id for label in room.labels] == [label["labelId"] for label in expected.get("roomLabels") or []]
        if expected.get("roomGroup"):
            assert room.group is not None and room.group.group_id == expected["roomGroup"]["groupId"]


def test_room_groups_list_and_single_group(sim: Simulator, client: DingTalkClient) -> None:
    groups = client.list_room_groups(sim.operator_union_id)
    assert [(g.group_id, g.name, g.parent_id) for g in groups] == [
        (g["groupId"], g["groupName"], g["parentId"]) for g in sim.groups
    ]
    first = groups[0]
    assert client.get_room_group(sim.operator_union_id, first.group_id) == first


def test_room_detail_carries_booking_rules(sim: Simulator, client: DingTalkClient) -> None:
    details = [client.get_room(sim.operator_union_id, room_id) for room_id in room_ids(sim)]
    for detail in details:
        rules = sim.room_rules(detail.room.room_id)
        assert detail.approval_required == rules.approval
        assert detail.max_minutes == rules.max_minutes
    assert any(d.approval_required for d in details)
    assert any(d.max_minutes for d in details)
    assert any(d.closed is not None for d in details)


# --- free/busy -----------------------------------------------------------------------------


def test_free_busy_answers_every_room_in_input_order_from_batches_of_five(sim: Simulator, client: DingTalkClient) -> None:
    ids = list(reversed(room_ids(sim)))[:23]
    start, end = day_window(sim, next_weekday(sim))
    schedules = client.query_schedules(sim.operator_union_id, ids, start, end)
    assert [s.room_id for s in schedules] == ids
    assert all(isinstance(s, RoomSchedule) and not s.unknown for s in schedules)
    assert sum(len(s.items) for s in schedules) > 0  # a weekday has meetings
    for item in (i for s in schedules for i in s.items):
        assert item.start.tzinfo is not None and item.end > item.start
        assert item.status in {"BUSY", "TENTATIVE"}
        assert item.end > start and item.start < end
    assert sim.stats()["schedules"] == 5  # 23 rooms = 4 × 5 + 3


def test_free_busy_answers_match_a_direct_single_room_query(sim: Simulator, client: DingTalkClient) -> None:
    ids = room_ids(sim)[:12]
    start, end = day_window(sim, next_weekday(sim))
    together = client.query_schedules(sim.operator_union_id, ids, start, end)
    alone = [client.query_schedules(sim.operator_union_id, [room], start, end)[0] for room in ids]
    assert together == alone


def test_all_day_items_are_marked(sim_with_all_day: Simulator) -> None:
    sim = sim_with_all_day
    start = datetime.combine(sim.today, datetime.min.time(), SHANGHAI)
    with make_client(sim) as client:
        schedules = client.query_schedules(sim.operator_union_id, room_ids(sim), start, start + timedelta(days=60))
    all_day = [i for s in schedules for i in s.items if i.all_day]
    assert all_day, "the demo data has an occasional all-day item within two months"
    for item in all_day:
        assert item.start.utcoffset() == timedelta(0)
        assert (item.end - item.start) % timedelta(days=1) == timedelta(0)


def test_a_window_longer_than_90_days_is_split(sim: Simulator, client: DingTalkClient) -> None:
    start = datetime.combine(sim.today, datetime.min.time(), SHANGHAI)
    ids = room_ids(sim)[:7]
    schedules = client.query_schedules(sim.operator_union_id, ids, start, start + timedelta(days=200))
    assert [s.room_id for s in schedules] == ids
    assert not any(s.unknown for s in schedules)
    assert sim.stats()["schedules"] == 3 * 2  # 3 spans (90 + 90 + 20 days) × 2 batches
    for schedule in schedules:
        keys = [(i.event_id, i.start) for i in schedule.items]
        assert len(keys) == len(set(keys))
        assert keys == sorted(keys, key=lambda k: k[1])


def test_an_unknown_room_among_known_ones_is_unknown_and_the_rest_answered(sim: Simulator, client: DingTalkClient) -> None:
    ids = room_ids(sim)[:3] + ["0000000000000000"]
    start, end = day_window(sim)
    schedules = client.query_schedules(sim.operator_union_id, ids, start, end)
    assert [s.unknown for s in schedules] == [False, False, False, True]
    assert schedules[-1].error


def test_a_batch_of_only_unknown_rooms_does_not_sink_the_other_batches(sim: Simulator, client: DingTalkClient) -> None:
    bad = [f"bad{i:013d}" for i in range(5)]
    ids = room_ids(sim)[:5] + bad
    start, end = day_window(sim)
    schedules = client.query_schedules(sim.operator_union_id, ids, start, end)
    assert [s.room_id for s in schedules] == ids
    assert [s.unknown for s in schedules] == [False] * 5 + [True] * 5
    assert all("roomId invalid" in (s.error or "") for s in schedules[5:])


def test_when_every_batch_fails_the_error_is_raised(sim: Simulator, client: DingTalkClient) -> None:
    start, end = day_window(sim)
    with pytest.raises(errors.InvalidRoomId) as info:
        client.query_schedules(sim.operator_union_id, [f"bad{i:013d}" for i in range(7)], start, end)
    assert info.value.code == "invalidParameter"
    assert info.value.request_id


def test_a_question_that_fails_for_good_ends_only_once_its_calls_already_sent_have(sim: Simulator) -> None:
    """No call of a failed question lands after it: none is counted against the next question."""
    sim.configure(monthly_quota=1)  # of the two batches, the first call answers and the second is refused
    sim.lose_replies("schedules", mode="hold")  # the answering call's reply waits to be released
    start, end = day_window(sim)
    failures: list[Exception] = []

    def ask(dingtalk: DingTalkClient) -> None:
        try:
            dingtalk.query_schedules(sim.operator_union_id, room_ids(sim)[:10], start, end)
        except errors.QuotaExhausted as exc:
            failures.append(exc)

    with make_client(sim, max_workers=2) as dingtalk:
        question = threading.Thread(target=ask, args=(dingtalk,))
        question.start()
        for _ in range(500):
            if sim.held_replies:
                break
            question.join(timeout=0.01)
        assert sim.held_replies == 1
        question.join(timeout=0.5)
        assert question.is_alive()  # refused, but its other call is still under way

        sim.release_replies()
        question.join(timeout=5)

        assert not question.is_alive()
        assert len(failures) == 1  # the refusal is what the question ends with
        assert sim.stats()["schedules"] == 2


def test_a_smaller_server_limit_is_learned_and_every_room_still_answered(sim: Simulator) -> None:
    sim.configure(max_rooms_per_call=2)
    start, end = day_window(sim)
    with make_client(sim, max_workers=1) as dingtalk:
        schedules = dingtalk.query_schedules(sim.operator_union_id, room_ids(sim)[:10], start, end)
        assert not any(s.unknown for s in schedules)
        assert dingtalk.batch_size == 2
        sim.reset_stats()
        dingtalk.query_schedules(sim.operator_union_id, room_ids(sim)[:10], start, end)
        assert sim.stats()["schedules"] == 5


# --- events --------------------------------------------------------------------------------


def test_create_book_check_release_and_delete_an_event(sim: Simulator, client: DingTalkClient) -> None:
    union_id = sim.operator_union_id
    start = datetime.combine(sim.today + timedelta(days=next_weekday(sim)), datetime.min.time(), SHANGHAI) + timedelta(
        hours=21
    )
    attendee = sim.users[1]["unionid"]
    event = client.create_event(
        union_id,
        summary="Sprint review",
        start=start,
        end=start + timedelta(hours=1),
        time_zone="Asia/Shanghai",
        description="Booked via roombot",
        attendees=[attendee],
        location="3F",
    )
    assert event.event_id and event.summary == "Sprint review"
    assert (event.start, event.end) == (start, start + timedelta(hours=1))
    free_room = next(
        s.room_id
        for s in client.query_schedules(union_id, room_ids(sim), start, start + timedelta(hours=1))
        if not s.items and not s.unknown and not sim.room_rules(s.room_id).approval
    )
    client.add_rooms(union_id, event.event_id, [free_room], client_token="book-1")
    fetched = client.get_event(union_id, event.event_id)
    assert [(r.room_id, r.status) for r in fetched.meeting_rooms] == [(free_room, "accepted")]
    [busy_now] = client.query_schedules(union_id, [free_room], start, start + timedelta(hours=1))
    assert [i.event_id for i in busy_now.items] == [event.event_id]

    client.remove_rooms(union_id, event.event_id, [free_room])
    assert client.get_event(union_id, event.event_id).meeting_rooms == ()
    client.delete_event(union_id, event.event_id, push_notification=False)
    assert sim.events == []
    with pytest.raises(errors.ItemNotFound):
        client.get_event(union_id, event.event_id)


def test_the_same_client_token_creates_one_event(sim: Simulator, client: DingTalkClient) -> None:
    start = datetime.combine(sim.today + timedelta(days=next_weekday(sim)), datetime.min.time(), SHANGHAI) + timedelta(
        hours=20
    )
    kwargs: dict[str, Any] = {
        "summary": "Retry me",
        "start": start,
        "end": start + timedelta(minutes=30),
        "time_zone": "Asia/Shanghai",
        "client_token": "same-token-1",
    }
    first = client.create_event(sim.operator_union_id, **kwargs)
    second = client.create_event(sim.operator_union_id, **kwargs)
    assert first.event_id == second.event_id
    assert len(sim.events) == 1


def test_booking_a_taken_room_is_room_busy(sim: Simulator, client: DingTalkClient) -> None:
    union_id = sim.operator_union_id
    start, end = day_window(sim, next_weekday(sim))
    busy_room, item = next(
        (s.room_id, s.items[0]) for s in client.query_schedules(union_id, room_ids(sim), start, end) if s.items
    )
    event = client.create_event(union_id, summary="Clash", start=item.start, end=item.end, time_zone="Asia/Shanghai")
    with pytest.raises(errors.RoomBusy) as info:
        client.add_rooms(union_id, event.event_id, [busy_room])
    assert (info.value.code, info.value.status) == ("meetingRoomNotAvailable", 400)
    client.delete_event(union_id, event.event_id)


def test_deleting_an_unknown_event_is_item_not_found(sim: Simulator, client: DingTalkClient) -> None:
    with pytest.raises(errors.ItemNotFound):
        client.delete_event(sim.operator_union_id, "NoSuchEvent123")


def test_the_organizers_daily_event_limit_is_event_limit_reached(sim: Simulator, client: DingTalkClient) -> None:
    sim.configure(events_per_day=1)
    start = datetime.combine(sim.today + timedelta(days=next_weekday(sim)), datetime.min.time(), SHANGHAI) + timedelta(
        hours=20
    )
    client.create_event(
        sim.operator_union_id, summary="One", start=start, end=start + timedelta(minutes=30), time_zone="UTC"
    )
    with pytest.raises(errors.EventLimitReached):
        client.create_event(
            sim.operator_union_id, summary="Two", start=start, end=start + timedelta(minutes=30), time_zone="UTC"
        )


# --- users (oapi) --------------------------------------------------------------------------


def test_mobile_to_user_id_to_union_id(sim: Simulator, client: DingTalkClient) -> None:
    person = sim.users[2]
    user_id = client.find_user_id_by_mobile(person["mobile"])
    assert user_id == person["userid"]
    assert client.get_user_union_id(user_id) == person["unionid"]
    assert client.get_user_id_by_union_id(person["unionid"]) == user_id


@pytest.mark.parametrize("lookup", ["mobile", "userid"])
def test_an_unknown_person_is_user_not_found(sim: Simulator, client: DingTalkClient, lookup: str) -> None:
    with pytest.raises(errors.UserNotFound) as info:
        if lookup == "mobile":
            client.find_user_id_by_mobile("13999999999")
        else:
            client.get_user_union_id("no-such-user")
    assert info.value.code in {"60121", "40104", "33012"}


def test_an_expired_token_on_the_oapi_host_is_refreshed(sim: Simulator, client: DingTalkClient) -> None:
    person = sim.users[1]
    assert client.find_user_id_by_mobile(person["mobile"]) == person["userid"]
    sim.expire_tokens()
    assert client.get_user_union_id(person["userid"]) == person["unionid"]
    assert sim.stats()["accessToken"] == 2


# --- tokens --------------------------------------------------------------------------------


def test_twenty_concurrent_callers_share_one_token_refresh(sim: Simulator, client: DingTalkClient) -> None:
    client.list_room_groups(sim.operator_union_id)
    sim.expire_tokens()
    sim.reset_stats()
    barrier = threading.Barrier(20)
    failures: list[BaseException] = []

    def call() -> None:
        barrier.wait()
        try:
            client.list_room_groups(sim.operator_union_id)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)

    run_in_threads(call, 20)
    assert failures == []
    assert sim.stats()["accessToken"] == 1
    assert sim.stats()["groupLists"] <= 40  # each caller at most one refused call and one retry


def test_twenty_concurrent_first_callers_fetch_one_token(sim: Simulator, client: DingTalkClient) -> None:
    barrier = threading.Barrier(20)

    def call() -> None:
        barrier.wait()
        client.list_room_groups(sim.operator_union_id)

    run_in_threads(call, 20)
    served = {endpoint: count for endpoint, count in sim.stats().items() if count and endpoint != "total"}
    assert served == {"accessToken": 1, "groupLists": 20}


def test_a_short_lived_token_is_refreshed_before_it_expires(sim: Simulator) -> None:
    clock_now = [0.0]
    sim.configure(token_ttl_s=100)
    with make_client(sim, clock=lambda: clock_now[0]) as dingtalk:
        first = dingtalk.get_token()
        clock_now[0] = 50.0
        assert dingtalk.get_token() == first
        clock_now[0] = 95.0  # within the last tenth of the lifetime
        dingtalk.list_room_groups(sim.operator_union_id)
    assert sim.stats()["accessToken"] == 2


def suite_client(sim: Simulator, *, suite_ticket: str | None = None) -> DingTalkClient:
    """A client of roombot as a third-party (suite) app of the simulated organisation."""
    return DingTalkClient(
        base_url=sim.url,
        suite_key=sim.suite_key,
        suite_secret=sim.suite_secret,
        auth_corp_id=sim.corp_id,
        suite_ticket=suite_ticket or sim.suite_ticket,
    )


def test_third_party_apps_use_the_corp_access_token(sim: Simulator) -> None:
    with suite_client(sim) as dingtalk:
        for _ in range(3):
            dingtalk.list_room_groups(sim.operator_union_id)
        sim.expire_tokens()
        dingtalk.list_room_groups(sim.operator_union_id)
    stats = sim.stats()
    assert (stats["corpAccessToken"], stats["accessToken"], stats["groupLists"]) == (2, 0, 5)


def test_bad_suite_ticket_is_bad_credentials(sim: Simulator) -> None:
    with suite_client(sim, suite_ticket="stale-ticket") as dingtalk, pytest.raises(errors.BadCredentials):
        dingtalk.list_room_groups(sim.operator_union_id)


def test_revoked_credentials_are_bad_credentials_without_retrying(sim: Simulator, client: DingTalkClient) -> None:
    sim.revoke_credentials()
    with pytest.raises(errors.BadCredentials) as info:
        client.list_rooms(sim.operator_union_id)
    assert info.value.code == "invalidClientIdOrSecret"
    assert sim.stats()["accessToken"] == 1
    assert sim.stats()["meetingRoomLists"] == 0


# --- failures and retries ------------------------------------------------------------------


def test_transient_faults_are_retried_until_the_call_succeeds(sim: Simulator, client: DingTalkClient) -> None:
    sim.inject_fault("schedules", status=503, code="system.error", message="busy", count=2)
    sim.inject_fault("schedules", status=403, code="Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", count=1)
    sim.inject_fault("schedules", status=429, code="system.busy", count=1)
    start, end = day_window(sim)
    [schedule] = client.query_schedules(sim.operator_union_id, room_ids(sim)[:1], start, end)
    assert not schedule.unknown
    assert sim.stats()["schedules"] == 5


def test_random_failures_and_throttling_are_absorbed(sim: Simulator) -> None:
    sim.configure(fail_rate=0.3, throttle_rate=0.2)
    start, end = day_window(sim, next_weekday(sim))
    with make_client(sim, deadline_s=15.0) as dingtalk:
        schedules = dingtalk.query_schedules(sim.operator_union_id, room_ids(sim), start, end)
    assert not any(s.unknown for s in schedules)
    assert sim.stats()["schedules"] > 5  # more calls than batches: some were retried


@pytest.mark.parametrize(
    ("knob", "expected"),
    [("fail_rate", errors.UpstreamUnavailable), ("throttle_rate", errors.Throttled)],
)
def test_retries_give_up_at_the_deadline(sim: Simulator, knob: str, expected: type[errors.DingTalkError]) -> None:
    sim.configure(**{knob: 1.0})
    start, end = day_window(sim)
    with make_client(sim, deadline_s=0.5) as dingtalk, pytest.raises(expected):
        dingtalk.query_schedules(sim.operator_union_id, room_ids(sim)[:12], start, end)
    assert sim.stats()["schedules"] > 3  # every batch was tried more than once


def test_parameter_errors_are_not_retried(sim: Simulator, client: DingTalkClient) -> None:
    sim.inject_fault("schedules", status=400, code="invalidParameter", message="query ids cannot be empty")
    start, end = day_window(sim)
    with pytest.raises(errors.EmptyRoomList) as info:
        client.query_schedules(sim.operator_union_id, room_ids(sim)[:1], start, end)
    assert info.value.message == "query ids cannot be empty"
    assert sim.stats()["schedules"] == 1


def test_too_many_rooms_surfaces_when_even_one_room_is_refused(sim: Simulator, client: DingTalkClient) -> None:
    sim.inject_fault(
        "schedules", status=400, code="invalidParameter", message="Cannot get schedule information for more than limit."
    )
    start, end = day_window(sim)
    with pytest.raises(errors.TooManyRooms):
        client.query_schedules(sim.operator_union_id, room_ids(sim)[:1], start, end)


def test_a_window_the_server_finds_too_long_is_window_too_long(sim: Simulator) -> None:
    start = datetime.combine(sim.today, datetime.min.time(), SHANGHAI)
    with make_client(sim, max_window=timedelta(days=120)) as dingtalk, pytest.raises(errors.WindowTooLong):
        dingtalk.query_schedules(sim.operator_union_id, room_ids(sim)[:3], start, start + timedelta(days=100))


def test_missing_permission_names_the_scopes_and_is_raised_at_once(sim: Simulator, client: DingTalkClient) -> None:
    sim.inject_fault(
        "schedules",
        status=403,
        code="Forbidden.AccessDenied.AccessTokenPermissionDenied",
        message="没有调用该接口的权限",
        required_scopes=["Calendar.Event.Read"],
        count=100,
    )
    start, end = day_window(sim)
    with pytest.raises(errors.PermissionMissing) as info:
        client.query_schedules(sim.operator_union_id, room_ids(sim), start, end)
    assert info.value.required_scopes == ("Calendar.Event.Read",)
    assert info.value.request_id


def test_the_monthly_quota_is_quota_exhausted_and_not_retried(sim: Simulator, client: DingTalkClient) -> None:
    sim.configure(monthly_quota=2)
    start, end = day_window(sim)
    client.query_schedules(sim.operator_union_id, room_ids(sim)[:5], start, end)
    client.query_schedules(sim.operator_union_id, room_ids(sim)[:5], start, end)
    with pytest.raises(errors.QuotaExhausted) as info:
        client.query_schedules(sim.operator_union_id, room_ids(sim)[:5], start, end)
    assert info.value.code == "Forbidden.AccessDenied.ApiCountLimitForOrg"
    assert sim.stats()["schedules"] == 3


@pytest.mark.parametrize("body", ["{not json", {"unexpected": True}])
def test_a_malformed_reply_is_malformed_reply(sim: Simulator, client: DingTalkClient, body: object) -> None:
    sim.inject_fault("groupLists", status=200, code="", body=body)
    with pytest.raises(errors.MalformedReply):
        client.list_room_groups(sim.operator_union_id)


def test_malformed_replies_for_every_batch_raise(sim: Simulator, client: DingTalkClient) -> None:
    sim.configure(malformed_rate=1.0)
    start, end = day_window(sim)
    with pytest.raises(errors.MalformedReply):
        client.query_schedules(sim.operator_union_id, room_ids(sim)[:10], start, end)


def test_an_unreachable_server_is_upstream_unavailable(sim: Simulator) -> None:
    url = sim.url
    sim.stop()
    with make_client(sim, base_url=url, deadline_s=0.3) as dingtalk, pytest.raises(errors.UpstreamUnavailable):
        dingtalk.list_room_groups("u1")


# --- rate limit ----------------------------------------------------------------------------


def test_the_client_side_rate_limit_keeps_the_server_from_throttling() -> None:
    with Simulator(seed=7, rooms=100).start(port=0) as big:
        big.configure(qps_limit=10)
        start, end = day_window(big)
        with make_client(big, qps=10, max_workers=20) as dingtalk:
            schedules = dingtalk.query_schedules(big.operator_union_id, room_ids(big), start, end)
        assert not any(s.unknown for s in schedules)
        assert big.stats()["schedules"] == 20  # 20 batches, none throttled and repeated


def test_without_the_rate_limit_the_same_fan_out_is_throttled() -> None:
    with Simulator(seed=7, rooms=100).start(port=0) as big:
        big.configure(qps_limit=10)
        start, end = day_window(big)
        with make_client(big, rate_limiter=NoRateLimit(), max_workers=20, deadline_s=10.0) as dingtalk:
            dingtalk.query_schedules(big.operator_union_id, room_ids(big), start, end)
        assert big.stats()["schedules"] > 20  # throttled calls had to be repeated


# --- secrets -------------------------------------------------------------------------------


def test_no_secret_or_token_reaches_the_logs_or_errors(sim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with make_client(sim) as dingtalk:
        person = sim.users[1]
        dingtalk.find_user_id_by_mobile(person["mobile"])  # the oapi host takes the token in the URL
        dingtalk.list_room_groups(sim.operator_union_id)
        sim.inject_fault("schedules", status=400, code="invalidParameter", message="roomId invalid")
        start, end = day_window(sim)
        with pytest.raises(errors.InvalidRoomId) as info:
            dingtalk.query_schedules(sim.operator_union_id, ["x"], start, end)
        token = dingtalk.get_token()
    assert any(r.name == "bot.dingtalk" for r in caplog.records)
    assert any("topapi/v2/user/getbymobile" in r.getMessage() for r in caplog.records)
    assert any("access_token=***" in r.getMessage() for r in caplog.records if r.name == "httpx")  # redacted, not absent
    for secret in (sim.app_secret, token):
        assert secret not in caplog.text
        assert secret not in str(info.value)
