"""The DingTalk client: tokens, rooms, free/busy fan-out, events and user lookups.

One keyword-only entry point (`DingTalkClient`) for everything roombot asks DingTalk. It composes
- the transport (`bot.dingtalk.transport`): rate limit, token, error mapping, logging, and the
  retry policy (`bot.dingtalk.retry`), which retries throttling, 5xx, timeouts and connection
  errors with backoff until the call's deadline and refreshes a refused token once;
- the endpoint families (`bot.dingtalk.endpoints`): tokens, rooms, free/busy, events, users;
- JSON parsing and the error table (`bot.dingtalk.wire`).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

import httpx

from bot.dingtalk.auth import AppCredentials, TokenCache, credentials_from
from bot.dingtalk.endpoints.events import EventsApi, NewEvent
from bot.dingtalk.endpoints.freebusy import MAX_WINDOW, FreeBusyApi, split_window
from bot.dingtalk.endpoints.host import Host
from bot.dingtalk.endpoints.messages import MessagesApi
from bot.dingtalk.endpoints.people import PeopleApi
from bot.dingtalk.endpoints.rooms import RoomsApi
from bot.dingtalk.endpoints.tokens import TokenApi
from bot.dingtalk.endpoints.users import UsersApi
from bot.dingtalk.ratelimit import RateLimiter, SlidingWindowLimiter
from bot.dingtalk.retry import RetryPolicy
from bot.dingtalk.transport import Transport
from bot.dingtalk.wire import EventList
from bot.domain.models import Event, PersonSchedule, Room, RoomDetail, RoomGroupRef, RoomSchedule


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
        max_window: the longest span of time one free/busy call asks about (DingTalk allows 90 days).
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
        suite_ticket_source: Callable[[], str | None] | None = None,
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
        call_counter: Callable[[str], None] | None = None,
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
        credentials = credentials_from(
            app_key=app_key,
            app_secret=app_secret,
            suite_key=suite_key,
            suite_secret=suite_secret,
            auth_corp_id=auth_corp_id,
            suite_ticket=suite_ticket,
        )
        base_url = base_url.rstrip("/")
        oapi_url = (oapi_url or base_url).rstrip("/")
        log = logger or logging.getLogger("bot.dingtalk")
        self._base_url = base_url
        self._clock = clock
        self._deadline_s = deadline_s
        # The token endpoints go through the transport too, which in turn asks the cache for
        # tokens: the cache reaches the token endpoints through `_fetch_token` once both exist.
        self._tokens = TokenCache(fetch=self._fetch_token, clock=clock)
        self._transport = Transport(
            tokens=self._tokens,
            secrets=self._secrets,
            limiter=rate_limiter or SlidingWindowLimiter(qps=qps, clock=clock, sleep=sleep),
            retry=RetryPolicy(backoff_base_s=backoff_base_s, backoff_max_s=backoff_max_s, clock=clock, rng=rng),
            http_client=http_client,
            connections=max_workers,
            deadline_s=deadline_s,
            timeout_s=timeout_s,
            clock=clock,
            sleep=sleep,
            logger=log,
            counter=call_counter,
        )
        api, oapi = Host(transport=self._transport, url=base_url), Host(transport=self._transport, url=oapi_url)
        self._token_api = TokenApi(host=api, credentials=credentials, logger=log, ticket_source=suite_ticket_source)
        self._free_busy = FreeBusyApi(
            host=api, batch_size=batch_size, max_workers=max_workers, max_window=max_window, logger=log
        )
        self._people = PeopleApi(host=api, max_workers=max_workers)
        self._rooms = RoomsApi(host=api)
        self._events = EventsApi(host=api)
        self._users = UsersApi(host=oapi)
        self._messages = MessagesApi(host=oapi)

    # --- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the worker threads and close the HTTP client if this object made it."""
        self._free_busy.close()
        self._people.close()
        self._transport.close()

    def __enter__(self) -> DingTalkClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        credentials = self._token_api.credentials
        who = (
            f"app_key={credentials.app_key!r}"
            if isinstance(credentials, AppCredentials)
            else f"suite_key={credentials.suite_key!r}, corp={credentials.auth_corp_id!r}"
        )
        return f"DingTalkClient({self._base_url}, {who})"

    @property
    def batch_size(self) -> int:
        """Rooms per free/busy call now (lowered if DingTalk refused a batch as too large)."""
        return self._free_busy.batch_size

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
        self._token_api.set_suite_ticket(suite_ticket)

    def _fetch_token(self, deadline: float) -> tuple[str, float]:
        return self._token_api.fetch(deadline)

    def _secrets(self) -> list[str]:
        return self._token_api.secrets()

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
        return self._free_busy.query_schedules(union_id, room_ids, start, end)

    def query_people(self, union_id: str, user_ids: Sequence[str], start: datetime, end: datetime) -> list[PersonSchedule]:
        """Free/busy of people (unionIds) over a window, asked as `union_id`: one PersonSchedule per id.

        At most 20 ids go in one call; more are split over calls sent in parallel. Each call
        counts against the quota. A failed call raises (a search must not drop people silently).
        """
        return self._people.query_people(union_id, user_ids, start, end)

    @property
    def people_calls(self) -> int:
        """querySchedule calls this client has sent."""
        return self._people.calls

    # --- rooms -----------------------------------------------------------------------------

    def list_rooms(self, union_id: str) -> list[Room]:
        """Every room visible to `union_id`, following pagination (100 per page)."""
        return self._rooms.list_rooms(union_id)

    def list_room_groups(self, union_id: str) -> list[RoomGroupRef]:
        """DingTalk's own room groups."""
        return self._rooms.list_room_groups(union_id)

    def get_room_group(self, union_id: str, group_id: int) -> RoomGroupRef:
        return self._rooms.get_room_group(union_id, group_id)

    def get_room(self, union_id: str, room_id: str) -> RoomDetail:
        """One room with its booking rules."""
        return self._rooms.get_room(union_id, room_id)

    # --- events ----------------------------------------------------------------------------

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
        optional_attendees: Iterable[str] = (),
        online_meeting: bool = False,
    ) -> Event:
        """Create an event in `union_id`'s primary calendar (the organizer). Rooms are added after.

        An `x-client-token` is always sent (a fresh one when none is given), so a retry after a
        timeout cannot create a second event. `online_meeting` asks DingTalk for a video meeting.
        """
        people, optional = tuple(attendees), tuple(optional_attendees)
        new = NewEvent(summary, start, end, time_zone, description, people, location, optional, online_meeting)
        return self._events.create_event(union_id, new, client_token=client_token)

    def get_event(self, union_id: str, event_id: str) -> Event:
        """An event with its rooms' statuses (accepted / tentative while approval is pending / declined)."""
        return self._events.get_event(union_id, event_id)

    def list_events(self, union_id: str, *, time_min: datetime, time_max: datetime) -> EventList:
        """The events of `union_id`'s primary calendar overlapping [time_min, time_max), with their rooms,
        and how many calls reading them took (each counts against the monthly quota)."""
        return self._events.list_events(union_id, time_min=time_min, time_max=time_max)

    def add_rooms(self, union_id: str, event_id: str, room_ids: Sequence[str], *, client_token: str | None = None) -> None:
        """Book rooms by adding them to the event; RoomBusy if one is taken for an overlapping time.

        Retried after an ambiguous failure (timeout, 5xx) only with a `client_token`, because a
        blind repeat of a booking that did go through would be refused as "room busy".
        """
        self._events.add_rooms(union_id, event_id, room_ids, client_token=client_token)

    def remove_rooms(
        self, union_id: str, event_id: str, room_ids: Sequence[str], *, client_token: str | None = None
    ) -> None:
        """Release rooms from the event (safe to repeat)."""
        self._events.remove_rooms(union_id, event_id, room_ids, client_token=client_token)

    def update_event_time(
        self, union_id: str, event_id: str, *, start: datetime, end: datetime, time_zone: str, client_token: str
    ) -> Event:
        """Move the event's start and end; `InvalidRoomId` when one of its rooms is taken at the new time."""
        return self._events.update_event_time(
            union_id, event_id, start=start, end=end, time_zone=time_zone, client_token=client_token
        )

    def sign_in(self, union_id: str, event_id: str) -> datetime:
        """Sign the user in on the event; `NotInEvent` when they are not on it."""
        return self._events.sign_in(union_id, event_id)

    def delete_event(
        self, union_id: str, event_id: str, *, client_token: str | None = None, push_notification: bool | None = None
    ) -> None:
        """Delete the event (for everyone, when `union_id` is the organizer); its rooms are released.

        If an earlier attempt of this same call may have gone through (timeout, 5xx) and the retry
        finds the event gone, that counts as done.
        """
        self._events.delete_event(union_id, event_id, client_token=client_token, push_notification=push_notification)

    # --- users (old-style oapi host) --------------------------------------------------------

    def get_user_union_id(self, user_id: str) -> str:
        """A corp userId (staffId) → the user's unionId. UserNotFound if there is no such user."""
        return self._users.get_user_union_id(user_id)

    def find_user_id_by_mobile(self, mobile: str) -> str:
        """A mobile number → the corp userId. UserNotFound if nobody in the organisation has it."""
        return self._users.find_user_id_by_mobile(mobile)

    def get_user_id_by_union_id(self, union_id: str) -> str:
        """A unionId → the corp userId. UserNotFound if the unionId is not in the organisation."""
        return self._users.get_user_id_by_union_id(union_id)

    def find_user_by_email(self, email: str) -> tuple[str, str] | None:
        """(userid, unionId) of the person with that directory e-mail, or None (internal apps only)."""
        return self._users.find_by_email(email)

    def send_work_notification(self, *, agent_id: int, user_id: str, text: str) -> int:
        """Message one person (corp userid) in DingTalk's work notifications; returns the task id."""
        return self._messages.send_text(agent_id=agent_id, user_id=user_id, text=text)


__all__ = ["DingTalkClient", "split_window"]
