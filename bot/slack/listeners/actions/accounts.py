"""The "Link as <e-mail>" button: link the DingTalk account whose directory e-mail is the user's own."""

from __future__ import annotations

from bot.slack.listeners.actions.click import ButtonListeners, Click
from bot.slack.payload import is_ephemeral


class AccountButtons(ButtonListeners):
    def link_email(self, click: Click) -> None:
        """The button's value is not read: the e-mail comes from Slack again, for the clicking user."""
        service = self._answers.service
        message, _reply = self._ask(click, service.link_by_email)
        self._reply(click, message, replace=is_ephemeral(click.body))


__all__ = ["AccountButtons"]
