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


def slack_share_button() -> str:
    return "Share in channel"


def slack_shared_by(user_id: str, question: str) -> str:
    """Context line on an answer someone shared in a channel (mrkdwn)."""
    return f"<@{user_id}> asked: {quoted(question)}"


def slack_unexpected_error() -> str:
    """When a listener fails in a way no other sentence covers (never a stack trace)."""
    return "Sorry, something went wrong on my side and I could not answer. Please try again in a minute."


def slack_post_failed(error: str) -> str:
    """The answer could not be posted where it belonged; told to the user privately."""
    return f"I found an answer but Slack would not let me post it here (`{escape_mrkdwn(error)}`). Try /rooms instead."


def slack_stale_button() -> str:
    return "That button is out of date. Ask again with `/rooms` to get fresh buttons."


def slack_share_unavailable() -> str:
    return "I could not share that answer in this channel. Invite me with `/invite @roombot` and try again."


@dataclass(frozen=True)
class HomeWords:
    """The App Home tab's fixed words (`bot/slack/home.py`); sentences with a number or a name follow."""

    title: str = "Meeting rooms"
    intro: str = "Ask me with `/rooms tomorrow 2-3pm`, mention me in a channel, or send me a message here."
    groups_header: str = "Your room groups"
    no_groups: str = "You have no room groups yet. Create one to search several rooms at once."
    default_group: str = "default"
    bookings_header: str = "Your upcoming bookings"
    no_bookings: str = "No upcoming bookings made through roombot."
    no_default_group: str = "Set a default group to see which rooms are free right now: `/rooms group default NAME`."
    create_group_button: str = "Create a group"
    edit_group_button: str = "Edit"
    cancel_booking_button: str = "Cancel"


HOME: Final = HomeWords()


def slack_home_group_rooms(count: int) -> str:
    return "1 room" if count == 1 else f"{count} rooms"


def slack_home_free_now_header(group_name: str) -> str:
    return f"Free now in {quoted(group_name)}"


def slack_home_more(count: int) -> str:
    return f"…and {count} more."


@dataclass(frozen=True)
class GroupModalWords:
    """The room-group modal's fixed words (`bot/slack/modals.py`); titles, submit and close fit Slack's 24
    characters."""

    title_new: str = "New room group"
    title_edit: str = "Edit room group"
    submit: str = "Save"
    close: str = "Cancel"
    name_label: str = "Group name"
    name_placeholder: str = "e.g. HQ 3rd floor"
    rooms_label: str = "Rooms"
    rooms_placeholder: str = "Type a room name"
    rooms_hint: str = "Rooms come from the DingTalk directory; type a few letters to search."


GROUP_MODAL: Final = GroupModalWords()


def slack_modal_name_required() -> str:
    return "Give the group a name."


def slack_modal_rooms_required() -> str:
    return "Pick at least one room."


def slack_modal_group_gone() -> str:
    return "This group no longer exists, or it is not yours to edit."


def serve_missing_settings(mode: str, missing: Sequence[str]) -> str:
    """`roombot serve` refuses to start: one line naming what is missing (never a value)."""
    return f"roombot serve: cannot start in {mode}: set {', '.join(missing)}."


def serve_no_dingtalk() -> str:
    return (
        "roombot serve: DingTalk is not configured: set DINGTALK_APP_KEY, DINGTALK_APP_SECRET and "
        "DINGTALK_OPERATOR_UNION_ID (or ROOMBOT_USE_SIMULATOR=1 to try roombot on the built-in simulator)."
    )
