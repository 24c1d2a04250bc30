"""Reading who acts, and where, from a Slack payload (never from a button's value)."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext


def team_of(context: BoltContext) -> str:
    """The acting workspace, always from the payload (enterprise id for org-wide installs)."""
    return str(context.team_id or context.enterprise_id or "")


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


__all__ = ["channel_of", "from_home", "is_ephemeral", "team_in_body", "team_of", "user_of"]
