"""Every Bolt listener of roombot, registered by plain function calls (starter-template style)."""

from __future__ import annotations

from slack_bolt import App

from bot.config import Settings
from bot.slack.answers import Answers
from bot.slack.listeners import actions, commands, events, options, views
from bot.slack.ports import SlackService
from bot.slack.work import Work


def register_listeners(
    app: App, *, service: SlackService, settings: Settings, notice_after_s: float, work: Work | None = None
) -> None:
    answers = Answers(service=service, settings=settings, notice_after_s=notice_after_s, work=work)
    commands.register(app, answers=answers)
    events.register(app, answers=answers)
    actions.register(app, answers=answers)
    views.register(app, answers=answers)
    options.register(app, answers=answers)


__all__ = ["register_listeners"]
