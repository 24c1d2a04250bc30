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
        answers, team_id, user_id = self._answers, team_of(context), str(event["user"])
        # Bolt has acknowledged the event; the view is built on the answer pool. A full pool skips
        # this refresh: the tab keeps its last view and the next visit builds it again.
        answers.work.start(
            lambda: answers.publish_home(client, team_id=team_id, user_id=user_id), ack=lambda: None, busy=lambda: None
        )


__all__ = ["AppHomeOpened"]
