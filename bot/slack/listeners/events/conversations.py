"""@mentions (answered in the mention's thread) and DMs to the bot (answered like `/rooms`)."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import BoltContext, Say
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.present import messages
from bot.present.reply import MeetReply, Reply, TextReply
from bot.slack.answers import Answers, Message, error_message, is_shareable
from bot.slack.delivery import api_error_code, report_undelivered
from bot.slack.direct import send_direct_messages
from bot.slack.payload import team_of
from bot.usecases.context import Caller

logger = logging.getLogger(__name__)


def strip_bot_mention(text: str, bot_user_id: str | None) -> str:
    """Remove the bot's own mention (wherever it is) so the question reads naturally."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    return " ".join(text.split())


def is_person_message(event: dict[str, Any]) -> bool:
    """A plain message typed by a person: no subtype (edits, deletions, joins…) and no bot."""
    return not event.get("subtype") and not event.get("bot_id") and bool(event.get("user"))


def is_public(reply: Reply | None) -> bool:
    """Whether a channel may see the answer to an @mention: availability and help, nothing personal.

    Bookings, account links, groups and errors concern the asker alone; they are sent privately.
    """
    if reply is None:
        return False
    return is_shareable(reply) or isinstance(reply, MeetReply) or (isinstance(reply, TextReply) and reply.kind == "help")


class Conversations:
    def __init__(self, *, answers: Answers) -> None:
        self._answers = answers

    def on_app_mention(
        self, event: dict[str, Any], body: dict[str, Any], say: Say, client: WebClient, context: BoltContext
    ) -> None:
        """An @mention in a channel: answered in the mention's thread; the channel's default group applies."""
        if not is_person_message(event):
            return
        text = strip_bot_mention(event.get("text") or "", context.bot_user_id) or "help"
        thread_ts = event.get("thread_ts") or event.get("ts")
        self._converse(event=event, body=body, text=text, thread_ts=thread_ts, client=client, context=context)

    def on_message(self, event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """A DM to the bot works like `/rooms`; edits, deletions and bot messages are ignored."""
        if event.get("channel_type") != "im" or not is_person_message(event):
            return
        text = strip_bot_mention(event.get("text") or "", context.bot_user_id) or "help"
        self._converse(event=event, body=body, text=text, thread_ts=event.get("thread_ts"), client=client, context=context)

    def _converse(
        self,
        *,
        event: dict[str, Any],
        body: dict[str, Any],
        text: str,
        thread_ts: str | None,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        """Bolt has acknowledged the event already; the answer is computed on the answer pool."""
        answers = self._answers
        team_id = str(event.get("team") or team_of(context))
        user_id = str(event["user"])
        channel_id = str(event["channel"])
        actor = answers.actor(client, context=context, body=body, user_id=user_id)
        team_id = answers.data_team(context, actor, team_id)
        in_dm = event.get("channel_type") == "im"

        def work() -> tuple[Message, bool]:
            """The answer, and whether the channel may see it (availability only; a DM is private anyway)."""
            tz = answers.timezone(client, team_id=team_id, user_id=user_id)
            caller = Caller(team_id=team_id, user_id=user_id, channel_id=channel_id, tz=tz, actor=actor)
            message, reply = answers.answer(
                lambda: answers.service.handle_text(caller, text),
                shared=not in_dm,  # in a channel, every reader sees the times in their own zone
            )
            send_direct_messages(answers, client, team_id=team_id, reply=reply)
            return message, in_dm or is_public(reply)

        def notice() -> str:
            response = client.chat_postMessage(channel=channel_id, thread_ts=thread_ts, text=messages.slack_looking())
            return str(response["ts"])

        def deliver(answer: tuple[Message, bool], notice_ts: str | None) -> None:
            message, public = answer
            try:
                if public and notice_ts is not None:
                    client.chat_update(channel=channel_id, ts=notice_ts, text=message["text"], blocks=message["blocks"])
                elif public:
                    client.chat_postMessage(
                        channel=channel_id, thread_ts=thread_ts, text=message["text"], blocks=message["blocks"]
                    )
                else:
                    # Bookings, links, groups and errors are the asker's own business, even in a channel.
                    if notice_ts is not None:
                        client.chat_delete(channel=channel_id, ts=notice_ts)
                    client.chat_postEphemeral(
                        channel=channel_id, user=user_id, thread_ts=thread_ts, text=message["text"], blocks=message["blocks"]
                    )
            except SlackApiError as exc:
                # The WebClient already retried 429s and 5xx: this refusal is final.
                where = "a DM" if in_dm else "a mention"
                report_undelivered(
                    client, team_id=team_id, channel_id=channel_id, user_id=user_id, error=api_error_code(exc), where=where
                )

        def private(message: Message) -> None:
            if in_dm:
                client.chat_postMessage(channel=channel_id, thread_ts=thread_ts, **message)
            else:
                client.chat_postEphemeral(channel=channel_id, user=user_id, thread_ts=thread_ts, **message)

        def answer() -> None:
            try:
                answers.within_deadline(work, notice=notice, deliver=deliver, too_slow=lambda: (answers.too_slow(), False))
            except Exception:
                logger.exception("answering a message failed")
                try:
                    private(error_message(messages.WORDS.slack_unexpected_error))
                except SlackApiError as exc:
                    logger.warning("could not tell the user about the failure: %s", api_error_code(exc))

        answers.work.start(
            answer,
            ack=lambda: None,
            busy=lambda: answers.work.later(lambda: private(answers.busy())),
            late=lambda: private(answers.busy()),
        )


__all__ = ["Conversations", "is_person_message", "is_public", "strip_bot_mention"]
