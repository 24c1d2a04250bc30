"""Slash commands: `/rooms`."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.answers import Answers
from bot.slack.listeners.commands.rooms import COMMAND, RoomsCommand


def register(app: App, *, answers: Answers) -> None:
    app.command(COMMAND)(RoomsCommand(answers=answers).on_rooms)


__all__ = ["register"]
