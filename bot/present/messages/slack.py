"""Sentences: slack (listeners, App Home, modals, `roombot serve`)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.markup import escape_mrkdwn
from bot.present.messages.words import quoted


def slack_looking() -> str:
    """The notice shown only when an answer takes longer than about a second."""
    return "Looking… :mag:"


def slack_shared_by(user_id: str, question: str) -> str:
    """Context line on an answer someone shared in a channel (mrkdwn)."""
    return f"<@{user_id}> asked: {quoted(question)}"


def slack_post_failed(error: str) -> str:
    """The answer could not be posted where it belonged; told to the user privately."""
    return f"I found an answer but Slack would not let me post it here (`{escape_mrkdwn(error)}`). Try /rooms instead."


def slack_home_group_rooms(count: int) -> str:
    return "1 room" if count == 1 else f"{count} rooms"


def slack_home_free_now_header(group_name: str) -> str:
    return f"Free now in {quoted(group_name)}"


def slack_home_more(count: int) -> str:
    return f"…and {count} more."


def serve_missing_settings(mode: str, missing: Sequence[str]) -> str:
    """`roombot serve` refuses to start: one line naming what is missing (never a value)."""
    return f"roombot serve: cannot start in {mode}: set {', '.join(missing)}."
