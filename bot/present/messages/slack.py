"""Sentences: slack (listeners, App Home, modals, `roombot serve`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from bot.markup import escape_mrkdwn
from bot.present.messages.words import quoted


def slack_looking() -> str:
    """The notice shown only when an answer takes longer than about a second."""
    return "Looking… :mag:"


def slack_shared_by(user_id: str, question: str) -> str:
    """Context line on an answer someone shared in a channel (mrkdwn)."""
    return f"<@{user_id}> asked: {quoted(question)}"


def slack_unexpected_error() -> str:
    """When a listener fails in a way no other sentence covers (never a stack trace)."""
    return "Sorry, something went wrong on my side and I could not answer. Please try again in a minute."


def slack_post_failed(error: str) -> str:
    """The answer could not be posted where it belonged; told to the user privately."""
    return f"I found an answer but Slack would not let me post it here (`{escape_mrkdwn(error)}`). Try /rooms instead."


@dataclass(frozen=True)
class SlackWords:
    """The fixed words Slack shows: buttons and notices, the App Home tab (`bot/slack/home.py`) and its
    room-group modal (`bot/slack/modals.py`). Sentences with a number or a name are functions below."""

    share_button: str = "Share in channel"
    stale_button: str = "That button is out of date. Ask again with `/rooms` to get fresh buttons."
    share_unavailable: str = (
        "I could not share that answer in this channel. Invite me with `/invite @roombot` and try again."
    )
    # the App Home tab
    home_title: str = "Meeting rooms"
    home_intro: str = "Ask me with `/rooms tomorrow 2-3pm`, mention me in a channel, or send me a message here."
    home_groups_header: str = "Your room groups"
    home_no_groups: str = "You have no room groups yet. Create one to search several rooms at once."
    home_default_group: str = "default"
    home_bookings_header: str = "Your upcoming bookings"
    home_no_bookings: str = "No upcoming bookings made through roombot."
    home_no_default_group: str = "Set a default group to see which rooms are free right now: `/rooms group default NAME`."
    create_group_button: str = "Create a group"
    edit_group_button: str = "Edit"
    cancel_booking_button: str = "Cancel"
    # the room-group modal; titles, submit and close fit Slack's 24 characters
    modal_title_new: str = "New room group"
    modal_title_edit: str = "Edit room group"
    modal_submit: str = "Save"
    modal_close: str = "Cancel"
    modal_name_label: str = "Group name"
    modal_name_placeholder: str = "e.g. HQ 3rd floor"
    modal_rooms_label: str = "Rooms"
    modal_rooms_placeholder: str = "Type a room name"
    modal_rooms_hint: str = "Rooms come from the DingTalk directory; type a few letters to search."
    modal_name_required: str = "Give the group a name."
    modal_rooms_required: str = "Pick at least one room."
    modal_group_gone: str = "This group no longer exists, or it is not yours to edit."
    # the modal's save outlasted Slack's patience (plain text: shown under a field)
    modal_save_slow: str = "Saving is taking longer than usual. It may still go through: check the Home tab in a minute."


SLACK: Final = SlackWords()


def slack_home_group_rooms(count: int) -> str:
    return "1 room" if count == 1 else f"{count} rooms"


def slack_home_free_now_header(group_name: str) -> str:
    return f"Free now in {quoted(group_name)}"


def slack_home_more(count: int) -> str:
    return f"…and {count} more."


def serve_missing_settings(mode: str, missing: Sequence[str]) -> str:
    """`roombot serve` refuses to start: one line naming what is missing (never a value)."""
    return f"roombot serve: cannot start in {mode}: set {', '.join(missing)}."


def serve_no_dingtalk() -> str:
    return (
        "roombot serve: DingTalk is not configured: set DINGTALK_APP_KEY, DINGTALK_APP_SECRET and "
        "DINGTALK_OPERATOR_UNION_ID (or ROOMBOT_USE_SIMULATOR=1 to try roombot on the built-in simulator)."
    )
