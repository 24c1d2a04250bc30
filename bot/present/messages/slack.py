"""Sentences: slack (listeners, App Home, modals, `roombot serve`)."""

from __future__ import annotations

from collections.abc import Sequence

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


def slack_home_title() -> str:
    return "Meeting rooms"


def slack_home_intro() -> str:
    return "Ask me with `/rooms tomorrow 2-3pm`, mention me in a channel, or send me a message here."


def slack_home_groups_header() -> str:
    return "Your room groups"


def slack_home_no_groups() -> str:
    return "You have no room groups yet. Create one to search several rooms at once."


def slack_home_default_group() -> str:
    return "default"


def slack_home_group_rooms(count: int) -> str:
    return "1 room" if count == 1 else f"{count} rooms"


def slack_home_bookings_header() -> str:
    return "Your upcoming bookings"


def slack_home_no_bookings() -> str:
    return "No upcoming bookings made through roombot."


def slack_home_free_now_header(group_name: str) -> str:
    return f"Free now in {quoted(group_name)}"


def slack_home_no_default_group() -> str:
    return "Set a default group to see which rooms are free right now: `/rooms group default NAME`."


def slack_home_nothing_free() -> str:
    return "Nothing is free right now."


def slack_home_more(count: int) -> str:
    return f"…and {count} more."


def slack_button_create_group() -> str:
    return "Create a group"


def slack_button_edit_group() -> str:
    return "Edit"


def slack_button_cancel_booking() -> str:
    return "Cancel"


def slack_modal_title_new() -> str:
    return "New room group"  # ≤ 24 characters (Slack)


def slack_modal_title_edit() -> str:
    return "Edit room group"  # ≤ 24 characters (Slack)


def slack_modal_submit() -> str:
    return "Save"


def slack_modal_close() -> str:
    return "Cancel"


def slack_modal_name_label() -> str:
    return "Group name"


def slack_modal_name_placeholder() -> str:
    return "e.g. HQ 3rd floor"


def slack_modal_rooms_label() -> str:
    return "Rooms"


def slack_modal_rooms_placeholder() -> str:
    return "Type a room name"


def slack_modal_rooms_hint() -> str:
    return "Rooms come from the DingTalk directory; type a few letters to search."


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
