"""Calendar events in a user's primary calendar, and the rooms booked on them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.dingtalk import wire
from bot.dingtalk.retry import RetryState
from bot.dingtalk.transport import Call, Transport, path_segment
from bot.domain.models import Event
from bot.errors import DingTalkError, EmptyRoomList, ItemNotFound, MalformedReply

CLIENT_TOKEN_HEADER = "x-client-token"
# ListEvents gives at most 100 events a page; a window around now rarely needs a second page.
EVENT_PAGE_SIZE = 100
MAX_EVENT_PAGES = 20


def new_client_token() -> str:
    """A fresh `x-client-token`, by which DingTalk recognises a repeat of the same write."""
    return uuid.uuid4().hex


class EventsApi:
    """Creating, reading and deleting events, and adding or removing their rooms.

    Writes are retried after an ambiguous failure (timeout, 5xx) only when repeating them is
    safe: events are created and deleted with an `x-client-token`, which DingTalk uses to
    recognise a repeat.

    Args:
        transport: sends the calls.
        base_url: the new-style API host.
    """

    def __init__(self, *, transport: Transport, base_url: str) -> None:
        self._transport = transport
        self._base_url = base_url

    def _events_url(self, union_id: str, event_id: str | None = None) -> str:
        url = f"{self._base_url}/v1.0/calendar/users/{path_segment(union_id)}/calendars/primary/events"
        return url if event_id is None else f"{url}/{path_segment(event_id)}"

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
        timeout cannot create a second event.
        """
        wire.check_window(start, end)
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
        optional = [a for a in dict.fromkeys(optional_attendees) if a and a not in people]
        if people or optional:
            body["attendees"] = [{"id": person, "isOptional": False} for person in people] + [
                {"id": person, "isOptional": True} for person in optional
            ]
        if online_meeting:
            body["onlineMeetingInfo"] = {"type": "dingtalk"}
        if location:
            body["location"] = {"displayName": location}
        call = Call(
            "createEvent",
            "POST",
            self._events_url(union_id),
            json_body=body,
            headers={CLIENT_TOKEN_HEADER: client_token or new_client_token()},
            idempotent=True,
        )
        return wire.parse_event(self._transport.send(call))

    def get_event(self, union_id: str, event_id: str) -> Event:
        """An event with its rooms' statuses (accepted / tentative while approval is pending / declined)."""
        return wire.parse_event(self._transport.send(Call("getEvent", "GET", self._events_url(union_id, event_id))))

    def list_events(self, union_id: str, *, time_min: datetime, time_max: datetime) -> wire.EventList:
        """The events of `union_id`'s primary calendar overlapping [time_min, time_max), page by page.

        Each page is one call against the monthly quota.
        """
        wire.check_window(time_min, time_max)
        events: list[Event] = []
        next_token: str | None = None
        seen: set[str] = set()
        skipped = 0
        for calls in range(1, MAX_EVENT_PAGES + 1):
            params: dict[str, str | int] = {
                "timeMin": wire.format_time(time_min),
                "timeMax": wire.format_time(time_max, round_up=True),
                "maxResults": EVENT_PAGE_SIZE,
            }
            if next_token is not None:
                params["nextToken"] = next_token
            page = wire.parse_event_page(
                self._transport.send(Call("listEvents", "GET", self._events_url(union_id), params=params))
            )
            events.extend(page.events)
            skipped += page.skipped
            if page.next_token is None:
                return wire.EventList(events=events, calls=calls, skipped=skipped)
            if page.next_token in seen:
                raise MalformedReply(f"event list repeats nextToken {page.next_token}")
            seen.add(page.next_token)
            next_token = page.next_token
        raise MalformedReply(f"event list did not end after {MAX_EVENT_PAGES} pages")

    def add_rooms(self, union_id: str, event_id: str, room_ids: Sequence[str], *, client_token: str | None = None) -> None:
        """Book rooms by adding them to the event; RoomBusy if one is taken for an overlapping time.

        Retried after an ambiguous failure (timeout, 5xx) only with a `client_token`, because a
        blind repeat of a booking that did go through would be refused as "room busy".
        """
        ids = list(dict.fromkeys(room_ids))
        if not ids:
            raise EmptyRoomList("roomId must be provided.", code="invalidParameter")
        call = Call(
            "addMeetingRooms",
            "POST",
            self._events_url(union_id, event_id) + "/meetingRooms",
            json_body={"meetingRoomsToAdd": [{"roomId": room} for room in ids]},
            headers={CLIENT_TOKEN_HEADER: client_token} if client_token else None,
            idempotent=client_token is not None,
        )
        _expect_true(self._transport.send(call), "add meeting rooms")

    def remove_rooms(
        self, union_id: str, event_id: str, room_ids: Sequence[str], *, client_token: str | None = None
    ) -> None:
        """Release rooms from the event (safe to repeat)."""
        ids = list(dict.fromkeys(room_ids))
        if not ids:
            raise EmptyRoomList("Meeting rooms to remove must be provided.", code="invalidParameter")
        call = Call(
            "removeMeetingRooms",
            "POST",
            self._events_url(union_id, event_id) + "/meetingRooms/batchRemove",
            json_body={"meetingRoomsToRemove": [{"roomId": room} for room in ids]},
            headers={CLIENT_TOKEN_HEADER: client_token} if client_token else None,
            idempotent=True,
        )
        _expect_true(self._transport.send(call), "remove meeting rooms")

    def update_event_time(
        self, union_id: str, event_id: str, *, start: datetime, end: datetime, time_zone: str, client_token: str
    ) -> Event:
        """Move the event's start and end (`PUT …/events/{eventId}`, a partial update; organizer only).

        DingTalk checks the rooms on the event against the new time: a room taken then is refused
        with 400 `invalidParameter` "Meeting room invalid" (`InvalidRoomId`). Repeating the same
        move is harmless, so it is retried after an ambiguous failure.
        """
        wire.check_window(start, end)
        try:
            zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {time_zone!r}") from exc
        body = {
            "id": event_id,
            "start": {"dateTime": wire.format_time(start, zone=zone), "timeZone": time_zone},
            "end": {"dateTime": wire.format_time(end, round_up=True, zone=zone), "timeZone": time_zone},
        }
        call = Call(
            "patchEvent",
            "PUT",
            self._events_url(union_id, event_id),
            json_body=body,
            headers={CLIENT_TOKEN_HEADER: client_token},
            idempotent=True,
        )
        return wire.parse_event(self._transport.send(call))

    def sign_in(self, union_id: str, event_id: str) -> datetime:
        """Sign `union_id` in on the event (DingTalk's own sign-in list); the check-in time it recorded.

        400 `notInEvent` when the user is neither the organizer nor an attendee. Signing in twice
        keeps the first time, so a retry is safe.
        """
        call = Call(
            "signInEvent",
            "POST",
            self._events_url(union_id, event_id) + "/signin",
            json_body={},
            idempotent=True,
        )
        return wire.parse_check_in_time(self._transport.send(call))

    def delete_event(
        self, union_id: str, event_id: str, *, client_token: str | None = None, push_notification: bool | None = None
    ) -> None:
        """Delete the event (for everyone, when `union_id` is the organizer); its rooms are released.

        If an earlier attempt of this same call may have gone through (timeout, 5xx) and the retry
        finds the event gone, that counts as done.
        """
        params = {"pushNotification": "true" if push_notification else "false"} if push_notification is not None else None
        call = Call(
            "deleteEvent",
            "DELETE",
            self._events_url(union_id, event_id),
            params=params,
            headers={CLIENT_TOKEN_HEADER: client_token or new_client_token()},
            idempotent=True,
        )
        state = RetryState()
        try:
            self._transport.send(call, state=state)
        except ItemNotFound:
            if not state.may_have_acted:
                raise


def _expect_true(reply: object, what: str) -> None:
    if not wire.parse_result_flag(reply, what):
        raise DingTalkError(f"{what}: DingTalk answered result=false", code="resultFalse")


__all__ = ["CLIENT_TOKEN_HEADER", "EventsApi", "new_client_token"]
