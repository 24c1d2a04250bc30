"""Every Slack action id roombot shows or listens for, and the format of each one's value.

The presenters (Block Kit answers, App Home, the group modal, the use cases' `ButtonSpec`s) build
ids and values with this module; the listeners register the same `ActionId`s and read values
with the matching `parse_*` function. A value is only a hint sent back by the client: the acting
team and user always come from the verified payload, and the service re-checks what that user
may do, so a forged value can at most ask for something the user could have typed.

Ids and values:
    `share`: value the user's question as typed (≤ 2000 characters), asked again by whoever clicks.
    `book`, or `book:<n>` when one actions block holds several: value `{"room_id", "start", "end"}`
        as compact JSON, times ISO 8601 with their offset.
    `cancel_booking` or `cancel_booking:<booking id>`: value the booking id.
    `show_all`: value `{"q", "start", "end", "tz", "duration"}` as compact JSON, to ask the same
        question again with every room listed (the window is kept, not parsed again).
    `checkin_booking`, `release_booking` (with a confirm dialog), `extend_booking`: on the reminder
        DM; value the booking id (extend: `<booking id>:<minutes>`).
    `book_invite:<n>`: value `{"r", "s", "e", "a", "o", "v"}` as compact JSON: the room, the window,
        the required and the optional Slack users to invite, and whether to add a video meeting.
    `refresh`: the same value as `show_all` (`refresh_value`), to ask the same question again with
        data newer than the minimum refresh age, when the monthly budget allows.
    `import_groups`: value `import`.
    `home_group_create`: no value. `home_group_edit`: value the group id.
    The group modal: callback id `group_edit`; its room picker `rooms` (also the options request's
    action id) and name field `name`; `private_metadata` `{"group_id", "channel_id"}` as JSON.

Nothing here imports Slack: the use cases may import it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

BUTTON_VALUE_MAX = 2000
"""Slack's cap on a button's value, in characters."""


@dataclass(frozen=True)
class ActionId:
    """One kind of action: `name`, or `name:<n>` when `numbered` (Slack wants the action ids of one
    block distinct, so several buttons of a kind in one block carry a number)."""

    name: str
    numbered: bool = False

    def id(self, number: int | None = None) -> str:
        """The action id to put on an element: `name`, or `name:<number>`."""
        if number is None:
            return self.name
        if not self.numbered:
            raise ValueError(f"action {self.name!r} takes no number")
        return f"{self.name}:{number}"

    @property
    def pattern(self) -> re.Pattern[str]:
        """What a listener registers: every id `id()` can build, and nothing else."""
        suffix = r"(?::\d+)?" if self.numbered else ""
        return re.compile(rf"^{re.escape(self.name)}{suffix}$")

    def matches(self, action_id: str) -> bool:
        return self.pattern.match(action_id) is not None


SHARE = ActionId("share")
BOOK = ActionId("book", numbered=True)
CANCEL_BOOKING = ActionId("cancel_booking", numbered=True)
SHOW_ALL = ActionId("show_all")
CHECK_IN = ActionId("checkin_booking")
RELEASE_BOOKING = ActionId("release_booking")
EXTEND_BOOKING = ActionId("extend_booking")
BOOK_INVITE = ActionId("book_invite", numbered=True)
REFRESH = ActionId("refresh")
IMPORT_GROUPS = ActionId("import_groups")
HOME_CREATE_GROUP = ActionId("home_group_create")
HOME_EDIT_GROUP = ActionId("home_group_edit")
LINK_EMAIL = ActionId("link_email")
""""Link as ana@corp.com": link the DingTalk account whose directory e-mail is the user's Slack e-mail."""
GROUP_NAME = ActionId("name")
"""The group modal's name field (read from the submitted state, never listened for)."""
GROUP_ROOMS = ActionId("rooms")
"""The group modal's room picker: its options are requested under this action id."""
GROUP_EDIT_CALLBACK = "group_edit"
"""The group modal's callback id (its submission)."""

BUTTONS: tuple[ActionId, ...] = (
    SHARE,
    BOOK,
    CANCEL_BOOKING,
    SHOW_ALL,
    REFRESH,
    IMPORT_GROUPS,
    HOME_CREATE_GROUP,
    HOME_EDIT_GROUP,
    CHECK_IN,
    RELEASE_BOOKING,
    EXTEND_BOOKING,
    BOOK_INVITE,
    LINK_EMAIL,
)
"""Every button kind a listener answers."""

IMPORT_GROUPS_VALUE = "import"
LINK_EMAIL_VALUE = "email"  # the e-mail is read again from Slack on the click, never from the value


# --- values ----------------------------------------------------------------------------------


def share_value(question: str) -> str | None:
    """The Share button's value: the question itself, or None when it does not fit a value."""
    return question if question and len(question) <= BUTTON_VALUE_MAX else None


@dataclass(frozen=True)
class BookValue:
    room_id: str
    start: datetime
    end: datetime


def book_value(room_id: str, start: datetime, end: datetime) -> str:
    """The Book button's value: what to book, as compact JSON."""
    return json.dumps({"room_id": room_id, "start": start.isoformat(), "end": end.isoformat()}, separators=(",", ":"))


def parse_book_value(value: str) -> BookValue:
    """What a Book button asks for; ValueError when the value is not one (or its window is bad)."""
    data = json.loads(value)
    if not isinstance(data, dict):
        raise ValueError("book value is not an object")
    # "room", "r", "s", "e": short spellings older messages may still carry.
    room_id = data.get("room_id") or data.get("room") or data.get("r")
    start_raw = data.get("start") or data.get("s")
    end_raw = data.get("end") or data.get("e")
    if not isinstance(room_id, str) or not isinstance(start_raw, str) or not isinstance(end_raw, str):
        raise ValueError("book value lacks room_id/start/end")
    start = datetime.fromisoformat(start_raw)
    end = datetime.fromisoformat(end_raw)
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise ValueError("book value has a bad window")
    return BookValue(room_id=room_id, start=start, end=end)


@dataclass(frozen=True)
class InviteValue:
    room_id: str
    start: datetime
    end: datetime
    people: tuple[str, ...]
    optional_people: tuple[str, ...] = ()
    video: bool = False


def invite_value(
    room_id: str, start: datetime, end: datetime, people: tuple[str, ...], optional_people: tuple[str, ...], video: bool
) -> str:
    """The Book and invite button's value: what to book and whom to invite, as compact JSON."""
    payload = {
        "r": room_id,
        "s": start.isoformat(),
        "e": end.isoformat(),
        "a": list(people),
        "o": list(optional_people),
        "v": 1 if video else 0,
    }
    return json.dumps(payload, separators=(",", ":"))


def parse_invite_value(value: str) -> InviteValue:
    """What a Book and invite button asks for; ValueError when the value is not one."""
    data = json.loads(value)
    if not isinstance(data, dict):
        raise ValueError("invite value is not an object")
    room_id, start_raw, end_raw = data.get("r"), data.get("s"), data.get("e")
    people, optional = data.get("a") or [], data.get("o") or []
    if not isinstance(room_id, str) or not isinstance(start_raw, str) or not isinstance(end_raw, str):
        raise ValueError("invite value lacks r/s/e")
    if not isinstance(people, list) or not isinstance(optional, list):
        raise ValueError("invite value has bad people")
    if not all(isinstance(p, str) and p for p in [*people, *optional]):
        raise ValueError("invite value has bad people")
    start = datetime.fromisoformat(start_raw)
    end = datetime.fromisoformat(end_raw)
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise ValueError("invite value has a bad window")
    return InviteValue(room_id, start, end, tuple(people), tuple(optional), bool(data.get("v")))


def cancel_value(booking_id: int) -> str:
    return str(booking_id)


def parse_cancel_value(value: str) -> int:
    """The booking a Cancel button names; ValueError when the value is not a number."""
    return int(value.strip())


def extend_value(booking_id: int, minutes: int) -> str:
    return f"{booking_id}:{minutes}"


def parse_extend_value(value: str) -> tuple[int, int]:
    """(booking id, minutes) an Extend button names; ValueError when the value is not one."""
    booking, _, minutes = value.strip().partition(":")
    return int(booking), int(minutes or "30")


def group_value(group_id: int) -> str:
    return str(group_id)


def parse_group_value(value: str) -> int:
    """The group an Edit button names; ValueError when the value is not a number."""
    return int(value.strip())


@dataclass(frozen=True)
class ShowAllValue:
    query: str
    start: datetime
    end: datetime
    duration_minutes: int | None


def show_all_value(*, query: str, start: datetime, end: datetime, tz: str, duration_minutes: int | None) -> str:
    """The "Show all" button's value: enough to ask again, the question cut to fit 2000 characters."""
    payload: dict[str, Any] = {
        "q": "",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "tz": tz,
        "duration": duration_minutes,
    }
    room = BUTTON_VALUE_MAX - len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
    # Cut the question until its JSON (escapes included) fits the room left.
    while len(json.dumps(query, ensure_ascii=False)) - 2 > room:
        query = query[: max(0, len(query) - max(1, (len(query) - room) // 2))]
    payload["q"] = query
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def refresh_value(*, query: str, start: datetime, end: datetime, tz: str, duration_minutes: int | None) -> str:
    """The Refresh button's value: the same question and window as "Show all"."""
    return show_all_value(query=query, start=start, end=end, tz=tz, duration_minutes=duration_minutes)


def parse_show_all_value(value: str) -> ShowAllValue | str:
    """A "Show all" value: the question with its window, or the question alone (a str) when the
    value is plain text or its window is unreadable."""
    try:
        data = json.loads(value)
    except ValueError:
        return value
    if not isinstance(data, dict) or not isinstance(data.get("q"), str):
        return value
    query: str = data["q"]
    try:
        start = datetime.fromisoformat(str(data["start"]))
        end = datetime.fromisoformat(str(data["end"]))
    except (KeyError, ValueError):
        return query
    if start.tzinfo is None or end.tzinfo is None or end < start:
        return query
    duration = data.get("duration")
    return ShowAllValue(
        query=query,
        start=start,
        end=end,
        duration_minutes=duration if isinstance(duration, int) and duration > 0 else None,
    )


def group_modal_metadata(*, group_id: int | None, channel_id: str | None) -> str:
    """The group modal's `private_metadata`: which group it edits (None: a new one), as a hint."""
    return json.dumps({"group_id": group_id, "channel_id": channel_id})


def parse_group_modal_metadata(metadata: str | None) -> int | None:
    """The group id a submitted group modal names, or None (a new group, or unreadable metadata)."""
    try:
        meta = json.loads(metadata or "{}")
        raw = meta.get("group_id") if isinstance(meta, dict) else None
        return int(raw) if raw is not None else None
    except (ValueError, TypeError):
        return None


__all__ = [
    "BOOK",
    "BOOK_INVITE",
    "BUTTONS",
    "BUTTON_VALUE_MAX",
    "CANCEL_BOOKING",
    "CHECK_IN",
    "EXTEND_BOOKING",
    "GROUP_EDIT_CALLBACK",
    "GROUP_NAME",
    "GROUP_ROOMS",
    "HOME_CREATE_GROUP",
    "HOME_EDIT_GROUP",
    "IMPORT_GROUPS",
    "IMPORT_GROUPS_VALUE",
    "RELEASE_BOOKING",
    "LINK_EMAIL",
    "LINK_EMAIL_VALUE",
    "SHARE",
    "REFRESH",
    "SHOW_ALL",
    "ActionId",
    "BookValue",
    "InviteValue",
    "ShowAllValue",
    "book_value",
    "cancel_value",
    "extend_value",
    "group_modal_metadata",
    "group_value",
    "invite_value",
    "parse_book_value",
    "parse_cancel_value",
    "parse_extend_value",
    "parse_group_modal_metadata",
    "parse_group_value",
    "parse_invite_value",
    "parse_show_all_value",
    "refresh_value",
    "share_value",
]
