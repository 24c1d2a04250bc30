"""The DingTalk client: tokens, rooms, free/busy fan-out, events and user lookups.

One keyword-only entry point (`DingTalkClient`) for everything roombot asks DingTalk. Wire
contracts are in dingtalk-api.md; JSON parsing and the error table are in `bot.dingtalk.wire`.

Every call goes through `_request`, which
- takes a slot from the per-API rate limiter,
- sends the app token (refreshing it once when DingTalk says it is no longer valid),
- retries throttling (403 `Forbidden.AccessDenied.Qps*`, 429), 5xx, timeouts and connection
  errors with exponential backoff and jitter until the call's deadline, and never retries
  parameter or business errors,
- logs method, path, status, code, requestid and duration at DEBUG, never a token or secret.

Writes are retried after an ambiguous failure (timeout, 5xx) only when repeating them is safe:
events are created and deleted with an `x-client-token`, which DingTalk uses to recognise a repeat.
"""

from __future__ import annotations

import concurrent.futures
import logging
import random
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from bot.dingtalk import wire
from bot.dingtalk.auth import AppCredentials, Credentials, SuiteCredentials, TokenCache, credentials_from
from bot.dingtalk.ratelimit import RateLimiter, SlidingWindowLimiter
from bot.domain.models import Event, Room, RoomDetail, RoomGroupRef, RoomSchedule, ScheduleItem
from bot.errors import (
    BadCredentials,
    DingTalkError,
    EmptyRoomList,
    ItemNotFound,
    MalformedReply,
    PermissionMissing,
    QuotaExhausted,
    Throttled,
    TooManyRooms,
    UpstreamUnavailable,
)

TOKEN_HEADER = "x-acs-dingtalk-access-token"
CLIENT_TOKEN_HEADER = "x-client-token"
MAX_WINDOW = timedelta(days=90)  # dingtalk-api.md §2: "Cannot query schedule for more than 90 days."
ROOM_PAGE_SIZE = 100  # dingtalk-api.md §3: maxResults ≤ 100
MAX_ROOM_PAGES = 1000  # a guard against a server that keeps answering hasMore

# Outcomes that sink a whole free/busy question rather than one batch of it.
_FATAL = (QuotaExhausted, BadCredentials, PermissionMissing, Throttled, UpstreamUnavailable)

AuthMode = Literal["header", "query", "none"]
_E = TypeVar("_E", bound=DingTalkError)


class _AuthRejected(Exception):
    """DingTalk refused the token we sent (400 InvalidAuthentication, 401, oapi errcode 40014/88)."""

    def __init__(self, error: DingTalkError) -> None:
        super().__init__(str(error))
        self.error = error


class _Cancelled(UpstreamUnavailable):
    """Another part of the same question already failed; this part stops early."""


def split_window(start: datetime, end: datetime, longest: timedelta = MAX_WINDOW) -> list[tuple[datetime, datetime]]:
    """Cut [start, end) into consecutive spans of at most `longest`."""
    spans = []
    cursor = start
    while cursor < end:
        stop = min(cursor + longest, end)
        spans.append((cursor, stop))
        cursor = stop
    return spans


def _chunks(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _seg(value: str) -> str:
    """One URL path segment: event ids are base64 and may hold '/', '+' or '='."""
    if not value:
        raise ValueError("an empty id cannot be used in a DingTalk path")
    return quote(value, safe="")


_QUERY_TOKEN = re.compile(r"(access_token=)[^&\s\"']+")


class _RedactQueryToken(logging.Filter):
    """httpx logs each request URL at INFO; the oapi host takes the token in the query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                _QUERY_TOKEN.sub(r"\1***", str(arg)) if "access_token=" in str(arg) else arg for arg in record.args
            )
        elif isinstance(record.msg, str) and "access_token=" in record.msg:
            record.msg = _QUERY_TOKEN.sub(r"\1***", record.msg)
        return True


_redaction_lock = threading.Lock()


def _install_httpx_redaction() -> None:
    with _redaction_lock:
        httpx_logger = logging.getLogger("httpx")
        if not any(isinstance(f, _RedactQueryToken) for f in httpx_logger.filters):
            httpx_logger.addFilter(_RedactQueryToken())


class DingTalkClient:
    """DingTalk's room, calendar and contact APIs for one app.

    Give either the internal app's `app_key`/`app_secret`, or a third-party app's `suite_key`,
    `suite_secret`, `auth_corp_id` and `suite_ticket`.

    Args:
        base_url: the new-style API host (`https://api.dingtalk.com`, or the simulator).
        oapi_url: the old-style host for user lookups (`https://oapi.dingtalk.com`); defaults to base_url.
        http_client: an httpx.Client to use; the client makes (and closes) its own when None.
        batch_size: rooms per free/busy call (DingTalk recommends at most 5).
        max_workers: free/busy calls in flight at once.
        qps: client-side limit, calls per second per API (DingTalk's standard limit is 20).
        deadline_s: total time for one public call, retries included.
        timeout_s: time for one HTTP request.
        backoff_base_s, backoff_max_s: exponential backoff between retries (with jitter).
        clock: a monotonic clock in seconds; sleep: how to wait. Both injectable for tests.
        rate_limiter: shared limiter (e.g. Redis-backed); default an in-process sliding window.
        logger: where request lines go (DEBUG).
        rng: random source for backoff jitter.
    """

    def __init__(
        self,
        *,
        base_url: str,
        oapi_url: str | None = None,
        app_key: str | None = None,
        app_secret: str | None = None,
        suite_key: str | None = None,
        suite_secret: str | None = None,
        auth_corp_id: str | None = None,
        suite_ticket: str | None = None,
        http_client: httpx.Client | None = None,
        batch_size: int = 5,
        max_workers: int = 20,
        qps: float = 20.0,
        deadline_s: float = 20.0,
        timeout_s: float = 10.0,
        backoff_base_s: float = 0.2,
        backoff_max_s: float = 2.0,
        max_window: timedelta = MAX_WINDOW,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rate_limiter: RateLimiter | None = None,
        logger: logging.Logger | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        if deadline_s <= 0 or timeout_s <= 0:
            raise ValueError("deadline_s and timeout_s must be positive")
        if max_window <= timedelta(0):
            raise ValueError("max_window must be positive")
        self._credentials: Credentials = credentials_from(
            app_key=app_key,
            app_secret=app_secret,
            suite_key=suite_key,
            suite_secret=suite_secret,
            auth_corp_id=auth_corp_id,
            suite_ticket=suite_ticket,
        )
        self._base_url = base_url.rstrip("/")
        self._oapi_url = (oapi_url or base_url).rstrip("/")
        self._own_http = http_client is None
        self._http = http_client or httpx.Client(
            timeout=timeout_s,
            limits=httpx.Limits(max_connections=max(100, max_workers * 2), max_keepalive_connections=max(20, max_workers)),
        )
        self._batch_size = batch_size
        self._max_workers = max_workers
        self._deadline_s = deadline_s
        self._timeout_s = timeout_s
        self._backoff_base_s = backoff_base_s
        self._backoff_max_s = backoff_max_s
        self._max_window = max_window
        self._clock = clock
        self._sleep = sleep
        self._limiter: RateLimiter = rate_limiter or SlidingWindowLimiter(qps=qps, clock=clock, sleep=sleep)
        self._log = logger or logging.getLogger("bot.dingtalk")
        self._rng = rng or random.Random()
        self._tokens = TokenCache(fetch=self._fetch_token, clock=clock)
        self._seen_tokens: deque[str] = deque(maxlen=16)  # recent tokens, only to redact them from text
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._closed = False
        _install_httpx_redaction()

    # --- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the worker threads and close the HTTP client if this object made it."""
        self._closed = True
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if self._own_http:
            self._http.close()

    def __enter__(self) -> DingTalkClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        who = (
            f"app_key={self._credentials.app_key!r}"
            if isinstance(self._credentials, AppCredentials)
            else f"suite_key={self._credentials.suite_key!r}, corp={self._credentials.auth_corp_id!r}"
        )
        return f"DingTalkClient({self._base_url}, {who})"

    @property
    def batch_size(self) -> int:
        """Rooms per free/busy call now (lowered if DingTalk refused a batch as too large)."""
        return self._batch_size

    @property
    def token_refreshes(self) -> int:
        """How many access tokens this client has fetched."""
        return self._tokens.refreshes

    # --- tokens ----------------------------------------------------------------------------

    def get_token(self) -> str:
        """A valid access token (fetched if needed); for health checks."""
        return self._tokens.get(self._clock() + self._deadline_s)

    def set_suite_ticket(self, suite_ticket: str) -> None:
        """Use the newest suite ticket DingTalk pushed (third-party apps only)."""
        if not isinstance(self._credentials, SuiteCredentials):
            raise ValueError("suite tickets apply to third-party apps only")
        self._credentials = replace(self._credentials, suite_ticket=suite_ticket)

    def _fetch_token(self, deadline: float) -> tuple[str, float]:
        creds = self._credentials
        if isinstance(creds, AppCredentials):
            api, path = "accessToken", "/v1.0/oauth2/accessToken"
            body: dict[str, str] = {"appKey": creds.app_key, "appSecret": creds.app_secret}
        else:
            api, path = "corpAccessToken", "/v1.0/oauth2/corpAccessToken"
            body = {
                "suiteKey": creds.suite_key,
                "suiteSecret": creds.suite_secret,
                "authCorpId": creds.auth_corp_id,
                "suiteTicket": creds.suite_ticket,
            }
        reply = self._request(
            api, "POST", self._base_url + path, json_body=body, auth="none", deadline=deadline, idempotent=True
        )
        if not isinstance(reply, Mapping):
            raise MalformedReply("token reply is not an object")
        token = reply.get("accessToken")
        lifetime = reply.get("expireIn")
        if not isinstance(token, str) or not token:
            raise MalformedReply("token reply has no accessToken")
        if isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)) or lifetime <= 0:
            raise MalformedReply("token reply has no valid expireIn")
        self._seen_tokens.append(token)
        self._log.debug("DingTalk %s: new access token, valid %ss", api, lifetime)
        return token, float(lifetime)

    # --- free/busy -------------------------------------------------------------------------

    def query_schedules(self, union_id: str, room_ids: Sequence[str], start: datetime, end: datetime) -> list[RoomSchedule]:
        """Free/busy of any number of rooms over any window, one RoomSchedule per room in input order.

        Rooms go in batches of `batch_size` and the window in spans of at most 90 days; the calls
        run in parallel under the rate limit. A room DingTalk could not answer for (a per-room
        `error`, or its batch refused as a parameter error or a malformed reply) comes back with
        `error` set, meaning unknown. If every call fails, that failure is raised. Throttling or
        outages that outlast the deadline raise Throttled / UpstreamUnavailable; a used-up quota,
        refused credentials or a missing permission raise at once. Repeated ids are answered once.
        """
        ids = list(dict.fromkeys(room_ids))
        if not ids:
            raise EmptyRoomList("query ids cannot be empty", code="invalidParameter")
        if any(not isinstance(r, str) or not r for r in ids):
            raise ValueError("room ids must be non-empty strings")
        _check_window(start, end)
        deadline = self._clock() + self._deadline_s
        spans = split_window(start, end, self._max_window)
        jobs = [(batch, span) for span in spans for batch in _chunks(ids, self._batch_size)]
        abort = threading.Event()

        def run(job: tuple[list[str], tuple[datetime, datetime]]) -> dict[str, RoomSchedule] | DingTalkError:
            batch, (span_start, span_end) = job
            return self._schedule_job(union_id, batch, span_start, span_end, deadline, abort)

        results: list[dict[str, RoomSchedule] | DingTalkError]
        if len(jobs) == 1:
            results = [run(jobs[0])]
        else:
            pool = self._executor()
            futures = [pool.submit(run, job) for job in jobs]
            done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_EXCEPTION)
            failed = [f for f in futures if f in done and f.exception() is not None]
            if failed:
                abort.set()  # the others stop at their next attempt
                for future in futures:
                    future.cancel()
                first = failed[0].exception()
                assert first is not None
                raise first
            results = [f.result() for f in futures]

        failures = [r for r in results if isinstance(r, DingTalkError)]
        if failures and len(failures) == len(results):
            raise failures[0]
        return _merge_schedules(ids, jobs, results)

    def _schedule_job(
        self,
        union_id: str,
        batch: list[str],
        start: datetime,
        end: datetime,
        deadline: float,
        abort: threading.Event,
    ) -> dict[str, RoomSchedule] | DingTalkError:
        try:
            return {s.room_id: s for s in self._query_batch(union_id, batch, start, end, deadline, abort)}
        except _FATAL:
            raise
        except TooManyRooms as exc:
            if len(batch) == 1:
                return exc
            # DingTalk's real per-call limit is undocumented ("建议不超过5个"): learn it and split.
            smaller = max(1, len(batch) // 2)
            if smaller < self._batch_size:
                self._log.warning(
                    "DingTalk refused %d rooms in one free/busy call; using batches of %d (set ROOMBOT_BATCH_SIZE)",
                    len(batch),
                    smaller,
                )
                self._batch_size = smaller
            merged: dict[str, RoomSchedule] = {}
            for part in _chunks(batch, smaller):
                result = self._schedule_job(union_id, part, start, end, deadline, abort)
                if isinstance(result, DingTalkError):
                    merged.update({room: _unknown(room, result) for room in part})
                else:
                    merged.update(result)
            return merged
        except DingTalkError as exc:
            return exc

    def _query_batch(
        self,
        union_id: str,
        batch: list[str],
        start: datetime,
        end: datetime,
        deadline: float,
        abort: threading.Event | None,
    ) -> list[RoomSchedule]:
        path = f"/v1.0/calendar/users/{_seg(union_id)}/meetingRooms/schedules/query"
        body = {"roomIds": batch, "startTime": wire.format_time(start), "endTime": wire.format_time(end, round_up=True)}
        reply = self._request(
            "schedules", "POST", self._base_url + path, json_body=body, deadline=deadline, abort=abort, idempotent=True
        )
        return wire.parse_schedules(reply)

    def _executor(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._pool_lock:
            if self._closed:
                raise RuntimeError("DingTalkClient is closed")
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(self._max_workers, thread_name_prefix="dingtalk")
            return self._pool

    # --- rooms -----------------------------------------------------------------------------

    def list_rooms(self, union_id: str) -> list[Room]:
        """Every room visible to `union_id`, following pagination (100 per page)."""
        rooms: dict[str, Room] = {}
        next_token: int | None = None
        seen_tokens: set[int] = set()
        for _ in range(MAX_ROOM_PAGES):
            params: dict[str, str | int] = {"unionId": union_id, "maxResults": ROOM_PAGE_SIZE}
            if next_token is not None:
                params["nextToken"] = next_token
            reply = self._request("meetingRoomLists", "GET", self._base_url + "/v1.0/rooms/meetingRoomLists", params=params)
            page = wire.parse_room_page(reply)
            for room in page.rooms:
                rooms.setdefault(room.room_id, room)
            if not page.has_more:
                return list(rooms.values())
            assert page.next_token is not None  # parse_room_page guarantees it with hasMore
            if page.next_token in seen_tokens:
                raise MalformedReply(f"room list repeats nextToken {page.next_token}")
            seen_tokens.add(page.next_token)
            next_token = page.next_token
        raise MalformedReply(f"room list did not end after {MAX_ROOM_PAGES} pages")

    def list_room_groups(self, union_id: str) -> list[RoomGroupRef]:
        """DingTalk's own room groups."""
        reply = self._request("groupLists", "GET", self._base_url + "/v1.0/rooms/groupLists", params={"unionId": union_id})
        return wire.parse_group_list(reply)

    def get_room_group(self, union_id: str, group_id: int) -> RoomGroupRef:
        reply = self._request(
            "group", "GET", self._base_url + f"/v1.0/rooms/groups/{_seg(str(group_id))}", params={"unionId": union_id}
        )
        return wire.parse_group(reply)

    def get_room(self, union_id: str, room_id: str) -> RoomDetail:
        """One room with its booking rules."""
        reply = self._request(
            "meetingRoom", "GET", self._base_url + f"/v1.0/rooms/meetingRooms/{_seg(room_id)}", params={"unionId": union_id}
        )
        return wire.parse_room_detail(reply)

    # --- events ----------------------------------------------------------------------------

    def _events_url(self, union_id: str, event_id: str | None = None) -> str:
        url = f"{self._base_url}/v1.0/calendar/users/{_seg(union_id)}/calendars/primary/events"
        return url if event_id is None else f"{url}/{_seg(event_id)}"

    def create_event(
        self,
        union_id: str,
        *,
        summary: str,
        start: datetime,
        end: datetime,
        time_zone: str,
        description: str = "",
        attendees: Iterable[str] = (),
        location: str = "",
        client_token: str | None = None,
    ) -> Event:
        """Create an event in `union_id`'s primary calendar (the organizer). Rooms are added after.

        An `x-client-token` is always sent (a fresh one when none is given), so a retry after a
        timeout cannot create a second event.
        """
        _check_window(start, end)
        try:
            zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {time_zone!r}") from exc
        if not summary.strip():
            raise ValueError("an event needs a summary")
        body: dict[str, Any] = {
            "summary": summary,
            "start": {"dateTime": wire.format_time(start, zone=zone), "timeZone": time_zone},
            "end": {"dateTime": wire.format_time(end, round_up=True, zone=zone), "timeZone": time_zone},
            "isAllDay": False,
        }
        if description:
            body["description"] = description
        people = list(dict.fromkeys(a for a in attendees if a))
        if people:
            body["attendees"] = [{"id": person, "isOptional": False} for person in people]
        if location:
            body["location"] = {"displayName": location}
        reply = self._request(
            "createEvent",
            "POST",
            self._events_url(union_id),
            json_body=body,
            headers={CLIENT_TOKEN_HEADER: client_token or _new_client_token()},
            idempotent=True,
        )
        return wire.parse_event(reply)

    def get_event(self, union_id: str, event_id: str) -> Event:
        """An event with its rooms' statuses (accepted / tentative while approval is pending / declined)."""
        return wire.parse_event(self._request("getEvent", "GET", self._events_url(union_id, event_id)))

    def add_rooms(self, union_id: str, event_id: str, room_ids: Sequence[str], *, client_token: str | None = None) -> None:
        """Book rooms by adding them to the event; RoomBusy if one is taken for an overlapping time.

        Retried after an ambiguous failure (timeout, 5xx) only with a `client_token`, because a
        blind repeat of a booking that did go through would be refused as "room busy".
        """
        ids = list(dict.fromkeys(room_ids))
        if not ids:
            raise EmptyRoomList("roomId must be provided.", code="invalidParameter")
        reply = self._request(
            "addMeetingRooms",
            "POST",
            self._events_url(union_id, event_id) + "/meetingRooms",
            json_body={"meetingRoomsToAdd": [{"roomId": room} for room in ids]},
            headers={CLIENT_TOKEN_HEADER: client_token} if client_token else None,
            idempotent=client_token is not None,
        )
        self._expect_true(reply, "add meeting rooms")

    def remove_rooms(
        self, union_id: str, event_id: str, room_ids: Sequence[str], *, client_token: str | None = None
    ) -> None:
        """Release rooms from the event (safe to repeat)."""
        ids = list(dict.fromkeys(room_ids))
        if not ids:
            raise EmptyRoomList("Meeting rooms to remove must be provided.", code="invalidParameter")
        reply = self._request(
            "removeMeetingRooms",
            "POST",
            self._events_url(union_id, event_id) + "/meetingRooms/batchRemove",
            json_body={"meetingRoomsToRemove": [{"roomId": room} for room in ids]},
            headers={CLIENT_TOKEN_HEADER: client_token} if client_token else None,
            idempotent=True,
        )
        self._expect_true(reply, "remove meeting rooms")

    def delete_event(
        self, union_id: str, event_id: str, *, client_token: str | None = None, push_notification: bool | None = None
    ) -> None:
        """Delete the event (for everyone, when `union_id` is the organizer); its rooms are released.

        If an earlier attempt of this same call may have gone through (timeout, 5xx) and the retry
        finds the event gone, that counts as done.
        """
        params = {"pushNotification": "true" if push_notification else "false"} if push_notification is not None else None
        state = _AttemptState()
        try:
            self._request(
                "deleteEvent",
                "DELETE",
                self._events_url(union_id, event_id),
                params=params,
                headers={CLIENT_TOKEN_HEADER: client_token or _new_client_token()},
                idempotent=True,
                state=state,
            )
        except ItemNotFound:
            if not state.ambiguous_attempt:
                raise

    @staticmethod
    def _expect_true(reply: object, what: str) -> None:
        if not wire.parse_result_flag(reply, what):
            raise DingTalkError(f"{what}: DingTalk answered result=false", code="resultFalse")

    # --- users (old-style oapi host) --------------------------------------------------------

    def get_user_union_id(self, user_id: str) -> str:
        """A corp userId (staffId) → the user's unionId. UserNotFound if there is no such user."""
        body = {"userid": user_id, "language": "zh_CN"}
        return self._oapi_field("userGet", "/topapi/v2/user/get", body, "unionid", "unionId")

    def find_user_id_by_mobile(self, mobile: str) -> str:
        """A mobile number → the corp userId. UserNotFound if nobody in the organisation has it."""
        return self._oapi_field("userGetByMobile", "/topapi/v2/user/getbymobile", {"mobile": mobile}, "userid")

    def get_user_id_by_union_id(self, union_id: str) -> str:
        """A unionId → the corp userId. UserNotFound if the unionId is not in the organisation."""
        return self._oapi_field("userGetByUnionId", "/topapi/user/getbyunionid", {"unionid": union_id}, "userid")

    def _oapi_field(self, api: str, path: str, body: dict[str, str], *names: str) -> str:
        """One text field of an old-style reply's `result` (the first of `names` present); MalformedReply if none."""
        result = self._oapi(api, path, body)
        value = next((result.get(name) for name in names if result.get(name)), None)
        if not isinstance(value, str) or not value:
            raise MalformedReply(f"{path.rsplit('/', 1)[-1]} reply has no {names[0]}")
        return value

    def _oapi(self, api: str, path: str, body: dict[str, str]) -> Mapping[str, Any]:
        reply = self._request(api, "POST", self._oapi_url + path, json_body=body, auth="query", oapi=True, idempotent=True)
        result = reply.get("result") if isinstance(reply, Mapping) else None
        if not isinstance(result, Mapping):
            raise MalformedReply(f"{path} reply has no result")
        return result

    # --- the one request loop ---------------------------------------------------------------

    def _request(
        self,
        api: str,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: object = None,
        headers: Mapping[str, str] | None = None,
        auth: AuthMode = "header",
        deadline: float | None = None,
        idempotent: bool | None = None,
        abort: threading.Event | None = None,
        oapi: bool = False,
        state: _AttemptState | None = None,
    ) -> Any:
        """Send one API call with token handling, rate limiting and retries; return the decoded JSON.

        `idempotent` (default: true for GET) allows retrying after failures that leave it unknown
        whether DingTalk acted (timeouts, 5xx). Throttling and connection failures are always
        retried, since DingTalk did not act on those.
        """
        if deadline is None:
            deadline = self._clock() + self._deadline_s
        if idempotent is None:
            idempotent = method == "GET"
        state = state or _AttemptState()
        path = httpx.URL(url).path
        refreshed = False
        attempt = 0
        last_error: DingTalkError | None = None
        error: DingTalkError
        while True:
            if abort is not None and abort.is_set():
                raise _Cancelled("cancelled: another part of the question failed")
            if self._clock() >= deadline:
                raise last_error or UpstreamUnavailable(f"deadline reached before calling {path}")
            token = self._tokens.get(deadline) if auth != "none" else None
            self._limiter.acquire(api)
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise last_error or Throttled(f"deadline reached waiting for the rate limit of {api}")
            request_headers = {"accept": "application/json"}
            if headers:
                request_headers.update(headers)
            query: dict[str, str | int] = dict(params or {})
            if token is not None and auth == "header":
                request_headers[TOKEN_HEADER] = token
            elif token is not None and auth == "query":
                query["access_token"] = token
            began = time.perf_counter()
            try:
                response = self._http.request(
                    method,
                    url,
                    params=query or None,
                    json=json_body,
                    headers=request_headers,
                    timeout=min(self._timeout_s, remaining),
                )
            except httpx.TransportError as exc:
                error = self._transport_error(exc)
                # A request that never connected was not acted on; anything later is ambiguous.
                sent = not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
                self._log.debug("DingTalk %s %s -> %s after %.0f ms", method, path, type(exc).__name__, _ms(began))
                if sent:
                    state.ambiguous_attempt = True
                retry = idempotent or not sent
            else:
                try:
                    return self._interpret(response, method, path, began, oapi=oapi)
                except _AuthRejected as rejected:
                    if token is not None and not refreshed:
                        refreshed = True
                        self._tokens.invalidate(token)
                        continue
                    raise self._clean(rejected.error) from None
                except DingTalkError as exc:
                    error = self._clean(exc)
                    if isinstance(exc, UpstreamUnavailable) and exc.status is not None and exc.status >= 500:
                        state.ambiguous_attempt = True
                    retry = isinstance(exc, Throttled) or (isinstance(exc, UpstreamUnavailable) and idempotent)
            if not retry:
                raise error
            last_error = error
            delay = self._backoff(attempt)
            if self._clock() + delay >= deadline:
                self._log.info("DingTalk %s %s: giving up at the deadline after %d attempts", method, path, attempt + 1)
                raise error
            self._log.debug("DingTalk %s %s: retry %d in %.2f s (%s)", method, path, attempt + 1, delay, error.code)
            self._sleep(delay)
            attempt += 1

    def _interpret(self, response: httpx.Response, method: str, path: str, began: float, *, oapi: bool) -> Any:
        status = response.status_code
        header_request_id = response.headers.get("x-acs-request-id", "")
        body: Any = None
        decoded = True
        if response.content:
            try:
                body = response.json()
            except ValueError:
                decoded = False
        if 200 <= status < 300:
            if not decoded:
                self._log_line(method, path, status, "malformed", header_request_id, began)
                raise MalformedReply("reply is not JSON", code="malformed", request_id=header_request_id, status=status)
            if oapi:
                return self._interpret_oapi(body, method, path, status, began)
            self._log_line(method, path, status, "", header_request_id, began)
            return body
        error = wire.error_from_body(status, body if decoded else None)
        if not error.request_id and header_request_id:
            error.request_id = header_request_id
        self._log_line(method, path, status, error.code, error.request_id, began)
        if status == 401 or error.code in wire.AUTH_CODES:
            raise _AuthRejected(error)
        raise error

    def _interpret_oapi(self, body: Any, method: str, path: str, status: int, began: float) -> Any:
        if (
            not isinstance(body, Mapping)
            or isinstance(body.get("errcode"), bool)
            or not isinstance(body.get("errcode"), int)
        ):
            self._log_line(method, path, status, "malformed", "", began)
            raise MalformedReply(f"{path} reply has no errcode", code="malformed", status=status)
        errcode = int(body["errcode"])
        request_id = str(body.get("request_id") or "")
        self._log_line(method, path, status, str(errcode), request_id, began)
        if errcode == 0:
            return body
        error = wire.oapi_error(errcode, str(body.get("errmsg") or ""), request_id, status)
        if errcode in wire.OAPI_AUTH_ERRCODES:
            raise _AuthRejected(error)
        raise error

    def _log_line(self, method: str, path: str, status: int, code: str, request_id: str, began: float) -> None:
        self._log.debug(
            "DingTalk %s %s -> %d %s requestid=%s %.0f ms", method, path, status, code or "ok", request_id or "-", _ms(began)
        )

    def _transport_error(self, exc: httpx.TransportError) -> UpstreamUnavailable:
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "could not be reached"
        return self._clean(UpstreamUnavailable(f"DingTalk {kind} ({type(exc).__name__})", code=type(exc).__name__))

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random, capped."""
        ceiling = min(self._backoff_max_s, self._backoff_base_s * (2.0**attempt))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _secrets(self) -> list[str]:
        secrets = [s for s in self._credentials.secrets if s]
        secrets.extend(t for t in list(self._seen_tokens) if t)
        return secrets

    def _clean(self, error: _E) -> _E:
        """Make sure no secret or token found its way into the error's text."""
        text = str(error)
        secrets = [s for s in self._secrets() if s in text or s in error.message]
        if secrets:
            for secret in secrets:
                error.message = error.message.replace(secret, "***")
                text = text.replace(secret, "***")
            error.args = (text,)
        return error


@dataclass
class _AttemptState:
    ambiguous_attempt: bool = False  # an attempt may have been acted on (timeout after sending, 5xx)


def _ms(began: float) -> float:
    return (time.perf_counter() - began) * 1000


def _new_client_token() -> str:
    return uuid.uuid4().hex


def _check_window(start: datetime, end: datetime) -> None:
    for moment in (start, end):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"times must be time-zone aware, got {moment!r}")
    if end <= start:
        raise ValueError("the end must be after the start")


def _unknown(room_id: str, error: DingTalkError) -> RoomSchedule:
    return RoomSchedule(room_id=room_id, error=error.message or error.code or type(error).__name__)


def _merge_schedules(
    ids: list[str],
    jobs: list[tuple[list[str], tuple[datetime, datetime]]],
    results: list[dict[str, RoomSchedule] | DingTalkError],
) -> list[RoomSchedule]:
    """One RoomSchedule per room in input order: spans joined, items crossing a span edge once."""
    items: dict[str, dict[tuple[object, ...], ScheduleItem]] = {room: {} for room in ids}
    errors: dict[str, str] = {}
    for (batch, _span), result in zip(jobs, results, strict=True):
        for room in batch:
            if isinstance(result, DingTalkError):
                errors.setdefault(room, _unknown(room, result).error or "unknown")
                continue
            schedule = result.get(room)
            if schedule is None:
                errors.setdefault(room, "DingTalk did not answer for this room")
                continue
            if schedule.error:
                errors.setdefault(room, schedule.error)
            for item in schedule.items:
                items[room].setdefault((item.event_id, item.start, item.end, item.status), item)
    merged = []
    for room in ids:
        ordered = tuple(sorted(items[room].values(), key=lambda i: (i.start, i.end)))
        merged.append(RoomSchedule(room_id=room, items=ordered, error=errors.get(room)))
    return merged


__all__ = ["DingTalkClient", "split_window"]
