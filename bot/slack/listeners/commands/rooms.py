"""`/rooms …`: help, sub-commands and questions, answered ephemerally with a "Share in channel" button."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.present import messages
from bot.slack.answers import Answers, Message, error_message, is_shareable, with_share_button
from bot.slack.delivery import post_to_response_url, report_undelivered
from bot.slack.direct import send_direct_messages
from bot.slack.payload import team_of
from bot.usecases.context import Caller

logger = logging.getLogger(__name__)

COMMAND = "/rooms"


class RoomsCommand:
    def __init__(self, *, answers: Answers) -> None:
        self._answers = answers

    def on_rooms(self, ack: Ack, command: dict[str, str], respond: Respond, client: WebClient, context: BoltContext) -> None:
        """`/rooms` alone or `/rooms help` → help; `/rooms <anything>` → the service's message router.

        The ack goes first, and the answer is computed on the answer pool; when the pool is full,
        the ack itself carries the "busy" sentence.
        """
        answers = self._answers
        team_id = team_of(context)
        user_id = command.get("user_id") or str(context.user_id or "")
        channel_id = command.get("channel_id") or None
        text = (command.get("text") or "").strip() or "help"
        actor = answers.actor(client, context=context, body=dict(command), user_id=user_id)
        team_id = answers.data_team(context, actor, team_id)

        def work() -> Message:
            tz = answers.timezone(client, team_id=team_id, user_id=user_id)
            caller = Caller(
                team_id=team_id,
                user_id=user_id,
                channel_id=channel_id,
                tz=tz,
                user_name=command.get("user_name") or None,
                actor=actor,
            )
            message, reply = answers.answer(lambda: answers.service.handle_text(caller, text))
            send_direct_messages(answers, client, team_id=team_id, reply=reply)
            if reply is not None and is_shareable(reply):
                message = with_share_button(message, text)
            return message

        def notice() -> bool:
            respond(text=messages.slack_looking(), response_type="ephemeral")
            return True

        def deliver(message: Message, noticed: bool | None) -> None:
            if not respond.response_url:
                report_undelivered(
                    client, team_id=team_id, channel_id=channel_id, user_id=user_id, error="no_response_url", where="/rooms"
                )
                return
            body = {**message, "response_type": "ephemeral", "replace_original": bool(noticed)}
            error = post_to_response_url(respond.response_url, body)
            if error is None:
                return
            report_undelivered(client, team_id=team_id, channel_id=channel_id, user_id=user_id, error=error, where="/rooms")

        def answer() -> None:
            self._answer(work, notice, deliver, respond)

        busy = answers.busy()
        answers.work.start(
            answer,
            ack=ack,
            busy=lambda: ack(text=busy["text"], blocks=busy["blocks"], response_type="ephemeral"),
            late=lambda: deliver(busy, None),
        )

    def _answer(
        self,
        work: Callable[[], Message],
        notice: Callable[[], bool],
        deliver: Callable[[Message, bool | None], None],
        respond: Respond,
    ) -> None:
        answers = self._answers
        try:
            answers.within_deadline(work, notice=notice, deliver=deliver, too_slow=answers.too_slow)
        except Exception:
            logger.exception("/rooms failed")
            try:
                respond(**error_message(messages.WORDS.slack_unexpected_error), response_type="ephemeral")
            except Exception:
                logger.exception("could not tell the user that /rooms failed")


__all__ = ["COMMAND", "RoomsCommand"]
