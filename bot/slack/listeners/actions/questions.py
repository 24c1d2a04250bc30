"""Buttons that ask a question again: "Share in channel" (the same question, answered for the whole
channel) and "Show all" (the same question with every room listed)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.present import messages
from bot.present.reply import Reply
from bot.slack.answers import MAX_BLOCKS, Message, error_message, is_shareable, with_share_button, without_share_button
from bot.slack.listeners.actions.click import ButtonListeners, Click
from bot.slack.notice import answer_with_notice
from bot.slack.payload import is_ephemeral
from bot.usecases.context import Caller

logger = logging.getLogger(__name__)


class QuestionButtons(ButtonListeners):
    def share(self, click: Click) -> None:
        """Ask the question again as the clicking user and post the answer for the whole channel.

        Sharing never acts: the value is re-asked only as a question (`reask`), so a value that reads
        as `book …` or `group delete …` gets a private sentence, and nothing is booked or posted.
        """
        service, question = self._answers.service, click.value
        message, reply = self._ask(click, lambda caller: service.reask(caller, question), shared=True)
        if reply is None or not is_shareable(reply):  # e.g. DingTalk is down now: don't post an error to everyone
            self._reply(click, message)
            return
        blocks = without_share_button(message["blocks"])
        credit = {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": messages.slack_shared_by(click.user_id, question)}],
        }
        if len(blocks) < MAX_BLOCKS:
            blocks = [*blocks, credit]
        respond = click.respond
        response = respond(text=message["text"], blocks=blocks, response_type="in_channel", replace_original=False)
        if response.status_code == 200:
            if is_ephemeral(click.body):
                respond(delete_original=True)
        else:
            logger.warning("sharing in %s failed: %s %s", click.channel_id, response.status_code, response.body)
            self._reply(click, error_message(messages.WORDS.slack_share_unavailable))

    def show_all(self, click: Click) -> None:
        """Every room of the same question: replaces a private answer, or comes privately under a public one."""
        self._again(click, self._answers.service.show_all)

    def refresh(self, click: Click) -> None:
        """The same question with newer data when the monthly budget allows (else the saved answer, saying why):
        replaces a private answer, or comes privately under a public one."""
        self._again(click, self._answers.service.refresh)

    def _again(self, click: Click, again: Callable[[Caller, str], Reply]) -> None:
        """Ask the button's question again (its value) and answer privately."""
        payload = click.value
        replace = is_ephemeral(click.body) and bool(click.respond.response_url)

        def work() -> Message:
            message, reply = self._ask(click, lambda caller: again(caller, payload))
            if replace and reply is not None and is_shareable(reply):
                message = with_share_button(message, payload)
            return message

        def notice() -> bool:
            # Only a private answer may be swapped for the notice; a public one stays as it is.
            if not replace:
                raise LookupError("no notice under a public message")
            click.respond(text=messages.slack_looking(), response_type="ephemeral", replace_original=True)
            return True

        def deliver(message: Message, _noticed: bool | None) -> None:
            self._reply(click, message, replace=replace)

        answer_with_notice(work, after_s=self._answers.notice_after_s, post_notice=notice, deliver=deliver)


__all__ = ["QuestionButtons"]
