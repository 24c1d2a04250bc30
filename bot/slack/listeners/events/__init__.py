"""Events: @mentions and DMs (answered like `/rooms`), and the App Home tab."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.answers import Answers
from bot.slack.listeners.events.app_home import AppHomeOpened
from bot.slack.listeners.events.conversations import Conversations


def register(app: App, *, answers: Answers) -> None:
    conversations = Conversations(answers=answers)
    app.event("app_mention")(conversations.on_app_mention)
    app.event("message")(conversations.on_message)
    app.event("app_home_opened")(AppHomeOpened(answers=answers).on_app_home_opened)


__all__ = ["register"]
