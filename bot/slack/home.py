"""The App Home tab: the user's groups, upcoming bookings and a "free now" summary.

`build_home_view(model)` turns the service's `HomeModel` into a Home view (≤ 100 blocks): a
"Create a group" button, an "Edit" button on each group the user owns, a "Cancel" button on each
upcoming booking, and the default group's free-now answer rendered by the Block Kit presenter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.markup import escape_mrkdwn
from bot.present import messages
from bot.present.actions import CANCEL_BOOKING, HOME_CREATE_GROUP, HOME_EDIT_GROUP, cancel_value, group_value
from bot.slack.blocks import cancel_confirm, render
from bot.usecases.checkin import booking_state
from bot.usecases.home import HomeModel

MAX_HOME_BLOCKS = 100
MAX_GROUPS_SHOWN = 20
MAX_BOOKINGS_SHOWN = 15


def _section(text: str, accessory: dict[str, Any] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def _button(text: str, action_id: str, value: str | None = None, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text[:75]},
        "accessibility_label": text[:75],
    }
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
        try:
            zone = ZoneInfo(tz)
            start, end = start.astimezone(zone), end.astimezone(zone)
        except (KeyError, ValueError):
            pass
    return f"{start:%a %d %b}, {start:%H:%M}–{end:%H:%M}"


def build_home_view(model: HomeModel) -> dict[str, Any]:
    """The Home view for one user."""
    user_id = model.user_id
    groups = model.groups
    default_id = model.default_group_id if model.default_group_id is not None else getattr(model.default_group, "id", None)
    default_group = model.default_group
    bookings = model.bookings
    free_now = model.free_now
    tz = model.tz

    blocks: list[dict[str, Any]] = [
        _header(messages.WORDS.slack_home_title),
        _section(
            messages.WORDS.slack_home_intro,
            _button(messages.WORDS.slack_button_create_group, HOME_CREATE_GROUP.id(), style="primary"),
        ),
        {"type": "divider"},
        _header(messages.WORDS.slack_home_groups_header),
    ]
    if not groups:
        blocks.append(_section(messages.WORDS.slack_home_no_groups))
    for group in groups[:MAX_GROUPS_SHOWN]:
        line = f"*{escape_mrkdwn(str(group.name))}* · {messages.slack_home_group_rooms(len(group.room_ids))}"
        if default_id is not None and group.id == default_id:
            line += f" · _{messages.WORDS.slack_home_default_group}_"
        editable = group.owner_user_id == user_id and group.scope != "workspace"
        accessory = (
            _button(messages.WORDS.slack_button_edit_group, HOME_EDIT_GROUP.id(), group_value(group.id))
            if editable
            else None
        )
        blocks.append(_section(line, accessory))
    total = max(model.groups_total, len(groups))
    if total > MAX_GROUPS_SHOWN:
        blocks.append(_context(messages.slack_home_more(total - min(len(groups), MAX_GROUPS_SHOWN))))

    blocks += [{"type": "divider"}, _header(messages.WORDS.slack_home_bookings_header)]
    if not bookings:
        blocks.append(_section(messages.WORDS.slack_home_no_bookings))
    for booking in bookings[:MAX_BOOKINGS_SHOWN]:
        line = f"*{escape_mrkdwn(str(booking.room_name))}* · {_when(booking.start, booking.end, tz)}"
        if status := messages.booking_status_label(booking_state(booking)):
            line += f" · _{status}_"
        cancel = _button(
            messages.WORDS.slack_button_cancel_booking, CANCEL_BOOKING.id(), cancel_value(booking.id), style="danger"
        )
        cancel["confirm"] = cancel_confirm().to_dict()
        cancel["accessibility_label"] = f"{messages.WORDS.slack_button_cancel_booking} {booking.room_name}"[:75]
        blocks.append(_section(line, cancel if booking.status != "declined" else None))
    if len(bookings) > MAX_BOOKINGS_SHOWN:
        blocks.append(_context(messages.slack_home_more(len(bookings) - MAX_BOOKINGS_SHOWN)))

    if model.quota_lines:
        blocks += [{"type": "divider"}, _header(messages.WORDS.quota_home_header)]
        blocks.append(_section("```" + "\n".join(model.quota_lines) + "```"))

    blocks.append({"type": "divider"})
    if free_now is None or default_group is None:
        blocks.append(_section(messages.WORDS.slack_home_no_default_group))
    else:
        blocks.append(_section(f"*{messages.slack_home_free_now_header(default_group.name)}*"))
        room_left = MAX_HOME_BLOCKS - len(blocks)
        rendered = render(free_now).get("blocks") or []
        if len(rendered) > room_left:
            rendered = [*rendered[: room_left - 1], _context(messages.slack_home_more(len(rendered) - room_left + 1))]
        blocks += rendered
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def build_home_error_view(text: str) -> dict[str, Any]:
    """A Home view that says what went wrong instead of staying blank."""
    return {
        "type": "home",
        "blocks": [
            _header(messages.WORDS.slack_home_title),
            _section(text, _button(messages.WORDS.slack_button_create_group, HOME_CREATE_GROUP.id())),
        ],
    }


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


__all__ = ["build_home_error_view", "build_home_view"]
