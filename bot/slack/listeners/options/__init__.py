"""Options requests: type-ahead for the group modal's room picker."""

from __future__ import annotations

from slack_bolt import App

from bot.present.actions import GROUP_ROOMS
from bot.slack.answers import Answers
from bot.slack.listeners.options.rooms import RoomOptions


def register(app: App, *, answers: Answers) -> None:
    app.options(GROUP_ROOMS.pattern)(RoomOptions(answers=answers).on_rooms)


__all__ = ["register"]
