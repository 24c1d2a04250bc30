"""`app_home_opened`: publish the user's Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.slack.answers import Answers
from bot.slack.payload import team_of


class AppHomeOpened:
    def __init__(self, *, answers: Answers) -> None:
        self._answers = answers

    def on_app_home_opened(self, event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """Publish the Home tab: groups, upcoming bookings, free-now summary, group buttons."""
        if event.get("tab", "home") != "home":
            return
        self._answers.publish_home(client, team_id=team_of(context), user_id=str(event["user"]))


__all__ = ["AppHomeOpened"]
