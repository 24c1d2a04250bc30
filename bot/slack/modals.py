"""The "edit a room group" modal: a name and a room picker backed by the synced directory.

The picker is a `multi_external_select`: Slack asks the app for options as the user types
(`block_suggestion`, answered by the options listener from the database), so directories of any
size work without putting every room in the view.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.present import messages
from bot.present.actions import (
    GROUP_EDIT_CALLBACK,
    GROUP_NAME,
    GROUP_ROOMS,
    group_modal_metadata,
    parse_group_modal_metadata,
)

BLOCK_NAME = "group_name"
BLOCK_ROOMS = "group_rooms"
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_INITIAL_OPTIONS = 100
MAX_NAME_INPUT = 150  # Slack's own cap; the service enforces the configured name limit


def option(room_id: str, label: str) -> dict[str, Any]:
    """One picker option; Slack caps option text at 75 characters and values at 150."""
    text = label if len(label) <= MAX_OPTION_TEXT else label[: MAX_OPTION_TEXT - 1] + "…"
    return {"text": {"type": "plain_text", "text": text or room_id[:MAX_OPTION_TEXT]}, "value": room_id[:MAX_OPTION_VALUE]}


def build_group_modal(
    *,
    group_id: int | None,
    name: str = "",
    rooms: Sequence[tuple[str, str]] = (),
    channel_id: str | None = None,
) -> dict[str, Any]:
    """The modal view. `rooms` are (room id, label) of the group's current rooms, in order.

    `private_metadata` carries the group id only as a hint: the submission handler asks the
    service, which re-checks that the acting user may edit that group of that team.
    """
    rooms_element: dict[str, Any] = {
        "type": "multi_external_select",
        "action_id": GROUP_ROOMS.id(),
        "placeholder": {"type": "plain_text", "text": messages.WORDS.slack_modal_rooms_placeholder},
        "min_query_length": 1,
    }
    initial = [option(room_id, label) for room_id, label in rooms][:MAX_INITIAL_OPTIONS]
    if initial:
        rooms_element["initial_options"] = initial
    name_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": GROUP_NAME.id(),
        "max_length": MAX_NAME_INPUT,
        "placeholder": {"type": "plain_text", "text": messages.WORDS.slack_modal_name_placeholder},
    }
    if name:
        name_element["initial_value"] = name
    title = messages.WORDS.slack_modal_title_edit if group_id is not None else messages.WORDS.slack_modal_title_new
    return {
        "type": "modal",
        "callback_id": GROUP_EDIT_CALLBACK,
        "private_metadata": group_modal_metadata(group_id=group_id, channel_id=channel_id),
        "title": {"type": "plain_text", "text": title[:24]},
        "submit": {"type": "plain_text", "text": messages.WORDS.slack_modal_submit[:24]},
        "close": {"type": "plain_text", "text": messages.WORDS.slack_modal_close[:24]},
        "blocks": [
            {
                "type": "input",
                "block_id": BLOCK_NAME,
                "label": {"type": "plain_text", "text": messages.WORDS.slack_modal_name_label},
                "element": name_element,
            },
            {
                "type": "input",
                "block_id": BLOCK_ROOMS,
                "label": {"type": "plain_text", "text": messages.WORDS.slack_modal_rooms_label},
                "hint": {"type": "plain_text", "text": messages.WORDS.slack_modal_rooms_hint},
                "element": rooms_element,
            },
        ],
    }


def read_submission(view: dict[str, Any]) -> tuple[int | None, str, list[str]]:
    """(group id hint, name, room ids) from a submitted modal's state."""
    values = view.get("state", {}).get("values", {})
    name = (values.get(BLOCK_NAME, {}).get(GROUP_NAME.id(), {}).get("value") or "").strip()
    selected = values.get(BLOCK_ROOMS, {}).get(GROUP_ROOMS.id(), {}).get("selected_options") or []
    room_ids = [str(o["value"]) for o in selected if isinstance(o, dict) and o.get("value")]
    return parse_group_modal_metadata(view.get("private_metadata")), name, room_ids


__all__ = [
    "BLOCK_NAME",
    "BLOCK_ROOMS",
    "build_group_modal",
    "option",
    "read_submission",
]
