"""Calendar events in a user's primary calendar, and the rooms booked on them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.dingtalk import wire
from bot.dingtalk.endpoints.host import HostApi
from bot.dingtalk.retry import RetryState
from bot.dingtalk.transport import Call, path_segment
from bot.domain.models import Event
from bot.errors import DingTalkError, EmptyRoomList, ItemNotFound, MalformedReply

CLIENT_TOKEN_HEADER = "x-client-token"
# ListEvents gives at most 100 events a page; a window around now rarely needs a second page.
EVENT_PAGE_SIZE = 100
MAX_EVENT_PAGES = 20


@dataclass(frozen=True)
class NewEvent:
    """An event to create: what the organizer's calendar shows, and who is invited (unionIds)."""

    summary: str
    start: datetime
    end: datetime
    time_zone: str
    description: str = ""
    attendees: tuple[str, ...] = ()
    location: str = ""
    optional_attendees: tuple[str, ...] = ()
    online_meeting: bool = False  # ask DingTalk for a video meeting too


def new_client_token() -> str:
    """A fresh `x-client-token`, by which DingTalk recognises a repeat of the same write."""
    return uuid.uuid4().hex


class EventsApi(HostApi):
    """Creating, reading and deleting events, and adding or removing their rooms.

    Writes are retried after an ambiguous failure (timeout, 5xx) only when repeating them is
    safe: events are created and deleted with an `x-client-token`, which DingTalk uses to
    recognise a repeat.

    Args:
        host: where the calls go.
    """

    def _events_url(self, union_id: str, event_id: str | None = None) -> str:
        url = f"{self._url}/v1.0/calendar/users/{path_segment(union_id)}/calendars/primary/events"
        return url if event_id is None else f"{url}/{path_segment(event_id)}"

    def create_event(self, union_id: str, new: NewEvent, *, client_token: str | None = None) -> Event:
        """Create `new` in `union_id`'s primary calendar (the organizer). Rooms are added after.

        An `x-client-token` is always sent (a fresh one when none is given), so a retry after a
        timeout cannot create a second event.
        """
        times = _times(new.start, new.end, new.time_zone)
        if not new.summary.strip():
            raise ValueError("an event needs a summary")
        body: dict[str, Any] = {"summary": new.summary, **times, "isAllDay": False}
        if new.description:
            body["description"] = new.description
        people = list(dict.fromkeys(a for a in new.attendees if a))
        optional = [a for a in dict.fromkeys(new.optional_attendees) if a and a not in people]
        if people or optional:
            body["attendees"] = [{"id": person, "isOptional": False} for person in people] + [
                {"id": person, "isOptional": True} for person in optional
            ]
        if new.online_meeting:
            body["onlineMeetingInfo"] = {"type": "dingtalk"}
        if new.location:
            body["location"] = {"displayName": new.location}
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
        ids = _distinct(room_ids, "roomId must be provided.")
        url = self._events_url(union_id, event_id) + "/meetingRooms"
        body = {"meetingRoomsToAdd": [{"roomId": room} for room in ids]}
        call = Call("addMeetingRooms", "POST", url, json_body=body, idempotent=client_token is not None)
        self._send_rooms(call, client_token, "add meeting rooms")

    def remove_rooms(
        self, union_id: str, event_id: str, room_ids: Sequence[str], *, client_token: str | None = None
    ) -> None:
        """Release rooms from the event (safe to repeat)."""
        ids = _distinct(room_ids, "Meeting rooms to remove must be provided.")
        url = self._events_url(union_id, event_id) + "/meetingRooms/batchRemove"
        body = {"meetingRoomsToRemove": [{"roomId": room} for room in ids]}
        call = Call("removeMeetingRooms", "POST", url, json_body=body, idempotent=True)
        self._send_rooms(call, client_token, "remove meeting rooms")

    def _send_rooms(self, call: Call, client_token: str | None, what: str) -> None:
        """Send an add or remove rooms call, with its `x-client-token` if any; DingTalk answers `{result: true}`."""
        if client_token:
            call = replace(call, headers={CLIENT_TOKEN_HEADER: client_token})
        _expect_true(self._transport.send(call), what)

    def update_event_time(
        self, union_id: str, event_id: str, *, start: datetime, end: datetime, time_zone: str, client_token: str
    ) -> Event:
        """Move the event's start and end (`PUT …/events/{eventId}`, a partial update; organizer only).

        DingTalk checks the rooms on the event against the new time: a room taken then is refused
        with 400 `invalidParameter` "Meeting room invalid" (`InvalidRoomId`). Repeating the same
        move is harmless, so it is retried after an ambiguous failure.
        """
        body = {"id": event_id, **_times(start, end, time_zone)}
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


def _times(start: datetime, end: datetime, time_zone: str) -> dict[str, Any]:
    """An event's `start` and `end` as DingTalk reads them: wall-clock times in `time_zone`, named."""
    wire.check_window(start, end)
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {time_zone!r}") from exc
    return {
        "start": {"dateTime": wire.format_time(start, zone=zone), "timeZone": time_zone},
        "end": {"dateTime": wire.format_time(end, round_up=True, zone=zone), "timeZone": time_zone},
    }


def _distinct(room_ids: Sequence[str], empty: str) -> list[str]:
    ids = list(dict.fromkeys(room_ids))
    if not ids:
        raise EmptyRoomList(empty, code="invalidParameter")
    return ids


def _expect_true(reply: object, what: str) -> None:
    if not wire.parse_result_flag(reply, what):
        raise DingTalkError(f"{what}: DingTalk answered result=false", code="resultFalse")


__all__ = ["CLIENT_TOKEN_HEADER", "EventsApi", "NewEvent", "new_client_token"]
