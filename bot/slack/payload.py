"""Reading who acts, and where, from a Slack payload (never from a button's value)."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext


def team_of(context: BoltContext) -> str:
    """The acting workspace, always from the payload (enterprise id for org-wide installs)."""
    return str(context.team_id or context.enterprise_id or "")


def installing_team(context: BoltContext) -> str:
    """The workspace roombot is installed in: the one its token belongs to (auth.test), else the payload's."""
    result = context.authorize_result
    team = result.team_id if result is not None else None
    return str(team or team_of(context))


def acting_team(body: dict[str, Any]) -> str | None:
    """The home team of the person acting, as the payload says (None when it says nothing).

    Events name it in `event.user_team` (Slack Connect) or `event.team`; interactions in
    `user.team_id`; slash commands in `user_team` or `team_id`.
    """
    event = body.get("event")
    if isinstance(event, dict):
        for key in ("user_team", "team"):
            if isinstance(event.get(key), str) and event[key]:
                return str(event[key])
    user = body.get("user")
    if isinstance(user, dict) and isinstance(user.get("team_id"), str) and user["team_id"]:
        return str(user["team_id"])
    for key in ("user_team", "team_id"):
        if isinstance(body.get(key), str) and body[key]:
            return str(body[key])
    return None


def user_of(body: dict[str, Any]) -> str:
    """The acting user of an interaction payload."""
    return str(body["user"]["id"])


def team_in_body(body: dict[str, Any]) -> str:
    """The workspace an interaction payload names (for logs about an answer Slack refused)."""
    return str((body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or "")


def channel_of(body: dict[str, Any]) -> str | None:
    channel = body.get("channel") or {}
    return channel.get("id") or (body.get("container") or {}).get("channel_id") or None


def is_ephemeral(body: dict[str, Any]) -> bool:
    return bool((body.get("container") or {}).get("is_ephemeral"))


def from_home(body: dict[str, Any]) -> bool:
    return (body.get("view") or {}).get("type") == "home"


__all__ = ["acting_team", "installing_team", "channel_of", "from_home", "is_ephemeral", "team_in_body", "team_of", "user_of"]
