"""DingTalkClient behaviour that needs a controlled clock: token lifetimes, backoff, deadlines.

These use httpx.MockTransport and a fake clock so that "2 hours later" or "the deadline passed"
are exact. Everything that can run against real HTTP is in tests/integration/test_dingtalk_client.py.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot import errors
from bot.dingtalk import DingTalkClient, NoRateLimit, split_window

SECRET = "s3cr3t-app-secret-XYZ"
START = datetime(2026, 9, 22, 1, 0, tzinfo=UTC)
END = datetime(2026, 9, 22, 10, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


Handler = Callable[[httpx.Request], httpx.Response]


class FakeDingTalk:
    """Answers token calls itself and hands every other call to `api`; records what it saw."""

    def __init__(self, api: Handler, *, lifetime: int = 7200) -> None:
        self.api = api
        self.lifetime = lifetime
        self.tokens_issued = 0
        self.requests: list[httpx.Request] = []
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            if request.url.path == "/v1.0/oauth2/accessToken":
                body = json.loads(request.content)
                if body["appSecret"] != SECRET:
                    return error(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
                self.tokens_issued += 1
                return httpx.Response(200, json={"accessToken": f"tok-{self.tokens_issued}", "expireIn": self.lifetime})
        return self.api(request)

    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if "oauth2" not in r.url.path]


def error(status: int, code: str, message: str = "", requestid: str = "RID") -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message, "requestid": requestid})


def free_busy(request: httpx.Request) -> httpx.Response:
    ids = json.loads(request.content)["roomIds"]
    return httpx.Response(200, json={"scheduleInformation": [{"roomId": r, "scheduleItems": []} for r in ids]})


def make_client(fake: FakeDingTalk, clock: FakeClock, **options: object) -> DingTalkClient:
    settings: dict[str, object] = {
        "base_url": "https://api.example",
        "app_key": "key",
        "app_secret": SECRET,
        "http_client": httpx.Client(transport=httpx.MockTransport(fake)),
        "clock": clock,
        "sleep": clock.sleep,
        "rate_limiter": NoRateLimit(),
        "deadline_s": 10.0,
    }
    settings.update(options)
    return DingTalkClient(**settings)  # type: ignore[arg-type]


def test_the_token_is_reused_until_shortly_before_it_expires() -> None:
    clock = FakeClock()
    fake = FakeDingTalk(free_busy)
    client = make_client(fake, clock)
    assert client.get_token() == "tok-1"
    clock.now += 6500  # 7200 s lifetime, refreshed 600 s early
    assert client.get_token() == "tok-1"
    clock.now += 200
    assert client.get_token() == "tok-2"
    assert fake.tokens_issued == 2


def test_a_refused_token_is_refreshed_once_and_the_call_retried() -> None:
    answers = iter([error(400, "InvalidAuthentication", "不合法的access_token")])

    def api(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or free_busy(request)

    clock = FakeClock()
    fake = FakeDingTalk(api)
    client = make_client(fake, clock)
    [schedule] = client.query_schedules("u1", ["r1"], START, END)
    assert schedule.room_id == "r1" and not schedule.unknown
    tokens_sent = [r.headers["x-acs-dingtalk-access-token"] for r in fake.api_requests()]
    assert tokens_sent == ["tok-1", "tok-2"]
    assert clock.sleeps == []  # a token refresh is not a backoff


def test_a_token_refused_twice_means_bad_credentials() -> None:
    clock = FakeClock()
    fake = FakeDingTalk(lambda r: httpx.Response(401, json={"code": "Unauthorized", "message": "access_token缺失或无效"}))
    client = make_client(fake, clock)
    with pytest.raises(errors.BadCredentials):
        client.list_room_groups("u1")
    assert len(fake.api_requests()) == 2
    assert fake.tokens_issued == 2


def test_transient_failures_back_off_exponentially_with_jitter() -> None:
    answers = iter(
        [
            error(503, "system.error"),
            error(403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", "qps"),
            error(429, "system.busy"),
            error(502, "system.error"),
        ]
    )

    def api(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or free_busy(request)

    clock = FakeClock()
    client = make_client(FakeDingTalk(api), clock, backoff_base_s=0.1, backoff_max_s=0.5)
    [schedule] = client.query_schedules("u1", ["r1"], START, END)
    assert not schedule.unknown
    assert len(clock.sleeps) == 4
    for attempt, slept in enumerate(clock.sleeps):
        ceiling = min(0.5, 0.1 * 2**attempt)
        assert ceiling / 2 <= slept <= ceiling


def test_retries_stop_at_the_deadline_with_the_last_error() -> None:
    clock = FakeClock()
    fake = FakeDingTalk(lambda r: error(403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", "qps"))
    client = make_client(fake, clock, deadline_s=3.0, backoff_base_s=0.2, backoff_max_s=1.0)
    began = clock.now
    with pytest.raises(errors.Throttled):
        client.query_schedules("u1", ["r1"], START, END)
    assert clock.now - began <= 3.0
    assert len(fake.api_requests()) >= 3


def test_the_http_timeout_never_exceeds_the_time_left() -> None:
    seen: list[float] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"]["read"])
        return free_busy(request)

    clock = FakeClock()
    client = make_client(FakeDingTalk(api), clock, deadline_s=2.5, timeout_s=10.0)
    client.query_schedules("u1", ["r1"], START, END)
    assert seen == [2.5]


def test_parameter_errors_are_never_retried() -> None:
    clock = FakeClock()
    fake = FakeDingTalk(lambda r: error(400, "invalidParameter", "Cannot query schedule for more than 90 days."))
    client = make_client(fake, clock)
    with pytest.raises(errors.WindowTooLong):
        client.query_schedules("u1", ["r1"], START, END)
    assert len(fake.api_requests()) == 1
    assert clock.sleeps == []


def test_a_read_timeout_on_a_booking_without_client_token_is_not_repeated() -> None:
    def api(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    clock = FakeClock()
    fake = FakeDingTalk(api)
    client = make_client(fake, clock)
    with pytest.raises(errors.UpstreamUnavailable, match="timed out"):
        client.add_rooms("u1", "ev1", ["r1"])
    assert len(fake.api_requests()) == 1
    with pytest.raises(errors.UpstreamUnavailable):
        client.add_rooms("u1", "ev1", ["r1"], client_token="book-1")
    assert len(fake.api_requests()) > 2  # with a client token the repeat is safe


def test_a_connection_that_never_opened_is_retried_even_for_writes() -> None:
    calls = 0

    def api(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"result": True})

    clock = FakeClock()
    client = make_client(FakeDingTalk(api), clock)
    client.add_rooms("u1", "ev1", ["r1"])
    assert calls == 2


def test_delete_that_may_have_happened_counts_as_done_when_the_retry_finds_it_gone() -> None:
    answers = iter([error(503, "system.error"), error(404, "itemNotFound", "event not found")])
    clock = FakeClock()
    fake = FakeDingTalk(lambda r: next(answers))
    client = make_client(fake, clock)
    client.delete_event("u1", "ev1")
    first, second = fake.api_requests()
    assert first.headers["x-client-token"] == second.headers["x-client-token"]  # the same request, repeated


def test_delete_of_an_unknown_event_raises_item_not_found() -> None:
    clock = FakeClock()
    client = make_client(FakeDingTalk(lambda r: error(404, "itemNotFound", "event not found")), clock)
    with pytest.raises(errors.ItemNotFound):
        client.delete_event("u1", "ev1")


def test_windows_longer_than_90_days_are_split_and_items_on_the_seams_kept_once() -> None:
    item = {
        "status": "BUSY",
        "eventId": "long",
        "start": {"dateTime": "2026-12-20T00:00:00Z", "timeZone": "UTC"},
        "end": {"dateTime": "2027-01-10T00:00:00Z", "timeZone": "UTC"},
    }
    windows: list[tuple[str, str]] = []

    def api(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        windows.append((body["startTime"], body["endTime"]))
        return httpx.Response(200, json={"scheduleInformation": [{"roomId": "r1", "scheduleItems": [item]}]})

    start = datetime(2026, 10, 1, tzinfo=UTC)
    end = start + timedelta(days=200)
    client = make_client(FakeDingTalk(api), FakeClock())
    [schedule] = client.query_schedules("u1", ["r1"], start, end)
    assert sorted(windows) == [
        ("2026-10-01T00:00:00+00:00", "2026-12-30T00:00:00+00:00"),
        ("2026-12-30T00:00:00+00:00", "2027-03-30T00:00:00+00:00"),
        ("2027-03-30T00:00:00+00:00", "2027-04-19T00:00:00+00:00"),
    ]
    assert [i.event_id for i in schedule.items] == ["long"]
    assert schedule.items[0].all_day


def test_split_window_covers_the_window_exactly() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    spans = split_window(start, start + timedelta(days=181), timedelta(days=90))
    assert [(b - a).days for a, b in spans] == [90, 90, 1]
    assert spans[0][0] == start and spans[-1][1] == start + timedelta(days=181)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_when_dingtalk_allows_fewer_rooms_per_call_the_client_learns_the_limit() -> None:
    sizes: list[int] = []

    def api(request: httpx.Request) -> httpx.Response:
        ids = json.loads(request.content)["roomIds"]
        sizes.append(len(ids))
        if len(ids) > 2:
            return error(400, "invalidParameter", "Cannot get schedule information for more than limit.")
        return free_busy(request)

    client = make_client(FakeDingTalk(api), FakeClock(), max_workers=1)
    rooms = [f"r{i}" for i in range(10)]
    schedules = client.query_schedules("u1", rooms, START, END)
    assert [s.room_id for s in schedules] == rooms
    assert not any(s.unknown for s in schedules)
    assert client.batch_size == 2
    sizes.clear()
    client.query_schedules("u1", rooms, START, END)
    assert sizes == [2, 2, 2, 2, 2]


def test_an_empty_room_list_is_refused_without_a_call() -> None:
    fake = FakeDingTalk(free_busy)
    client = make_client(fake, FakeClock())
    with pytest.raises(errors.EmptyRoomList):
        client.query_schedules("u1", [], START, END)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("start", "end"),
    [(START, START), (END, START), (START.replace(tzinfo=None), END)],
    ids=["empty", "backwards", "naive"],
)
def test_a_window_that_is_empty_backwards_or_naive_is_a_programming_error(start: datetime, end: datetime) -> None:
    client = make_client(FakeDingTalk(free_busy), FakeClock())
    with pytest.raises(ValueError):
        client.query_schedules("u1", ["r1"], start, end)


def test_wrong_app_secret_is_bad_credentials_and_the_secret_is_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FakeClock()
    fake = FakeDingTalk(free_busy)
    client = make_client(fake, clock, app_secret="wrong-" + SECRET)
    with pytest.raises(errors.BadCredentials) as info:
        client.get_token()
    assert info.value.code == "invalidClientIdOrSecret"
    assert SECRET not in str(info.value)
    assert SECRET not in caplog.text
    assert SECRET not in repr(client)


def test_a_secret_echoed_by_the_server_is_scrubbed_from_the_error() -> None:
    clock = FakeClock()
    fake = FakeDingTalk(lambda r: error(400, "invalidParameter", f"bad token tok-1 for secret {SECRET}"))
    client = make_client(fake, clock)
    with pytest.raises(errors.DingTalkParameterError) as info:
        client.list_room_groups("u1")
    assert SECRET not in str(info.value) and "tok-1" not in str(info.value)
    assert SECRET not in info.value.message and "***" in info.value.message


def test_requests_are_logged_at_debug_with_path_status_code_and_requestid(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.dingtalk")
    clock = FakeClock()
    client = make_client(FakeDingTalk(lambda r: error(400, "meetingRoomNotAvailable", "room busy", "REQ-42")), clock)
    with pytest.raises(errors.RoomBusy) as info:
        client.add_rooms("u1", "ev1", ["r1"])
    assert info.value.request_id == "REQ-42"
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.dingtalk"]
    path = "/v1.0/calendar/users/u1/calendars/primary/events/ev1/meetingRooms"
    assert any(f"POST {path} -> 400 meetingRoomNotAvailable requestid=REQ-42" in line for line in lines)
    assert not any("tok-1" in line for line in lines)


def test_ids_are_escaped_in_paths() -> None:
    def api(request: httpx.Request) -> httpx.Response:
        assert request.url.raw_path.startswith(b"/v1.0/calendar/users/u%2F1/calendars/primary/events/a%2Bb%2Fc%3D")
        return httpx.Response(
            200,
            json={
                "id": "a+b/c=",
                "summary": "x",
                "start": {"dateTime": "2026-09-22T10:00:00+08:00"},
                "end": {"dateTime": "2026-09-22T11:00:00+08:00"},
            },
        )

    client = make_client(FakeDingTalk(api), FakeClock())
    assert client.get_event("u/1", "a+b/c=").event_id == "a+b/c="


def test_credentials_must_be_one_complete_set() -> None:
    with pytest.raises(errors.ConfigError):
        DingTalkClient(base_url="https://api.example")
    with pytest.raises(errors.ConfigError):
        DingTalkClient(base_url="https://api.example", app_key="k")
    with pytest.raises(errors.ConfigError, match="suite_ticket"):
        DingTalkClient(base_url="https://api.example", suite_key="k", suite_secret="s", auth_corp_id="c")
    with pytest.raises(errors.ConfigError):
        DingTalkClient(base_url="https://api.example", app_key="k", app_secret="s", suite_key="k2")
