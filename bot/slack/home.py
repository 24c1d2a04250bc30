"""The App Home tab: the user's groups, upcoming bookings and a "free now" summary.

`build_home_view(model)` turns the service's home model into a Home view (≤ 100 blocks). The
model is read by attribute name (`groups`, `default_group_id`, `bookings`, `free_now`, and
optionally `user_id`), so this presenter depends on no storage class.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot import messages
from bot.markup import escape_mrkdwn
from bot.slack.answers import render_reply

MAX_HOME_BLOCKS = 100
MAX_GROUPS_SHOWN = 20
MAX_BOOKINGS_SHOWN = 15
ACTION_CREATE_GROUP = "home_group_create"
ACTION_EDIT_GROUP = "home_group_edit"
ACTION_CANCEL_BOOKING = "cancel_booking"


def _section(text: str, accessory: dict[str, Any] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def _button(text: str, action_id: str, value: str | None = None, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text[:75]}}
    if value is not None:
        button["value"] = value
    if style is not None:
        button["style"] = style
    return button


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


def _when(start: datetime, end: datetime, tz: str | None) -> str:
    """`Tue 24 Nov, 14:00–15:00` in the user's zone (the booking's own zone when none is given)."""
    if tz:
        from zoneinfo import ZoneInfo

        try:
            zone = ZoneInfo(tz)
            start, end = start.astimezone(zone), end.astimezone(zone)
        except (KeyError, ValueError):
            pass
    return f"{start:%a %d %b}, {start:%H:%M}–{end:%H:%M}"


def build_home_view(model: object, *, tz: str | None = None) -> dict[str, Any]:
    """The Home view for one user."""
    user_id = getattr(model, "user_id", None)
    groups: Sequence[Any] = tuple(getattr(model, "groups", ()) or ())
    default_id = getattr(model, "default_group_id", None)
    default_group = getattr(model, "default_group", None)
    if default_id is None and default_group is not None:
        default_id = getattr(default_group, "id", None)
    bookings: Sequence[Any] = tuple(getattr(model, "bookings", ()) or ())
    free_now = getattr(model, "free_now", None)
    tz = tz or getattr(model, "tz", None)

    blocks: list[dict[str, Any]] = [
        _header(messages.slack_home_title()),
        _section(
            messages.slack_home_intro(), _button(messages.slack_button_create_group(), ACTION_CREATE_GROUP, style="primary")
        ),
        {"type": "divider"},
        _header(messages.slack_home_groups_header()),
    ]
    if not groups:
        blocks.append(_section(messages.slack_home_no_groups()))
    for group in groups[:MAX_GROUPS_SHOWN]:
        line = f"*{escape_mrkdwn(str(group.name))}* · {messages.slack_home_group_rooms(len(group.room_ids))}"
        if default_id is not None and group.id == default_id:
            line += f" · _{messages.slack_home_default_group()}_"
        editable = user_id is None or getattr(group, "owner_user_id", None) == user_id
        accessory = _button(messages.slack_button_edit_group(), ACTION_EDIT_GROUP, str(group.id)) if editable else None
        blocks.append(_section(line, accessory))
    if len(groups) > MAX_GROUPS_SHOWN:
        blocks.append(_context(messages.slack_home_more(len(groups) - MAX_GROUPS_SHOWN)))

    blocks += [{"type": "divider"}, _header(messages.slack_home_bookings_header())]
    if not bookings:
        blocks.append(_section(messages.slack_home_no_bookings()))
    for booking in bookings[:MAX_BOOKINGS_SHOWN]:
        line = f"*{escape_mrkdwn(str(booking.room_name))}* · {_when(booking.start, booking.end, tz)}"
        cancel = _button(messages.slack_button_cancel_booking(), ACTION_CANCEL_BOOKING, str(booking.id), style="danger")
        blocks.append(_section(line, cancel))
    if len(bookings) > MAX_BOOKINGS_SHOWN:
        blocks.append(_context(messages.slack_home_more(len(bookings) - MAX_BOOKINGS_SHOWN)))

    blocks.append({"type": "divider"})
    if free_now is None or default_group is None and default_id is None:
        blocks.append(_section(messages.slack_home_no_default_group()))
    else:
        name = str(getattr(default_group, "name", "") or next((g.name for g in groups if g.id == default_id), ""))
        blocks.append(_section(f"*{messages.slack_home_free_now_header(name)}*"))
        room_left = MAX_HOME_BLOCKS - len(blocks)
        rendered = render_reply(free_now).get("blocks") or []
        if len(rendered) > room_left:
            rendered = [*rendered[: room_left - 1], _context(messages.slack_home_more(len(rendered) - room_left + 1))]
        blocks += rendered
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def build_home_error_view(text: str) -> dict[str, Any]:
    """A Home view that says what went wrong instead of staying blank."""
    return {
        "type": "home",
        "blocks": [
            _header(messages.slack_home_title()),
            _section(text, _button(messages.slack_button_create_group(), ACTION_CREATE_GROUP)),
        ],
    }


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


__all__ = ["ACTION_CANCEL_BOOKING", "ACTION_CREATE_GROUP", "ACTION_EDIT_GROUP", "build_home_error_view", "build_home_view"]
