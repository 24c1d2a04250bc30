"""View submissions: the group modal."""

from __future__ import annotations

from slack_bolt import App

from bot.present.actions import GROUP_EDIT_CALLBACK
from bot.slack.answers import Answers
from bot.slack.listeners.views.group_edit import GroupEditSubmission


def register(app: App, *, answers: Answers) -> None:
    app.view(GROUP_EDIT_CALLBACK)(GroupEditSubmission(answers=answers).on_group_edit)


__all__ = ["register"]
