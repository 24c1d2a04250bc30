"""The reminder DM's buttons: Check in, Release room (after its confirm dialog) and Extend.

The button's value names the booking; the service re-checks that the clicking user booked it
(or is an admin). The answer replaces the reminder when it went through, so the DM shows the
new state and its buttons cannot be clicked twice by mistake.
"""

from __future__ import annotations

import logging

from bot.present import messages
from bot.present.actions import parse_cancel_value, parse_extend_value
from bot.present.reply import TextReply
from bot.slack.answers import error_message
from bot.slack.listeners.actions.click import ButtonListeners, Click
from bot.slack.payload import from_home

logger = logging.getLogger(__name__)


class CheckinButtons(ButtonListeners):
    def check_in(self, click: Click) -> None:
        self._act(click, "check_in")

    def release(self, click: Click) -> None:
        self._act(click, "release")

    def extend(self, click: Click) -> None:
        self._act(click, "extend")

    def _act(self, click: Click, action: str) -> None:
        try:
            if action == "extend":
                booking_id, minutes = parse_extend_value(click.value)
            else:
                booking_id, minutes = parse_cancel_value(click.value), 0
        except ValueError:
            logger.warning("a %s button with an unreadable value from %s", action, click.user_id)
            self._reply(click, error_message(messages.WORDS.slack_stale_button))
            return
        answers = self._answers
        message, reply = self._ask(
            click,
            lambda caller: answers.service.booking_action(
                caller, action, booking_id, is_admin=answers.is_admin(click.user_id), minutes=minutes or None
            ),
        )
        done = isinstance(reply, TextReply) and reply.kind == "success"
        self._reply(click, message, replace=done)
        if from_home(click.body):
            answers.publish_home(click.client, team_id=click.team_id, user_id=click.user_id)


__all__ = ["CheckinButtons"]
